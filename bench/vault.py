"""Vault benchmarks (issue 4), each figure beside a baseline measured in the same run.

    collect, batched and single   vs raw sqlite3 INSERT of rows of the same size (executemany,
                                  and one row per transaction)
    read (decrypt, purpose check, vs a raw primary-key SELECT of the same rows; median of many
      access-log append committed   single reads
      before returning)
    blind-index lookup among N    vs a raw indexed SELECT on the same column
    erase a member with 100,000   (time until erase_member returns; the purge may follow)
      values
    field encryption as apps      sqlalchemy-utils StringEncryptedType(AesGcmEngine): one
      commonly do it              app-wide key per column, through SQLAlchemy Core, same rows

SQLite with the shipped settings (WAL, synchronous=NORMAL, secure_delete=ON), in a temporary
data directory. ``--postgres URL`` also runs the same figures on PostgreSQL (a scratch database
created and dropped) beside a bare ``SELECT 1`` round trip.

The N members of the lookup (default 1,000,000) and the member with 100,000 values are filled
through ``bulk_fill`` below: executemany of rows built with the vault's own functions (data key
wrapped under the keyring KEK, values sealed with their AAD, blind index), skipping passwords,
consents and the access log. It is reachable only from this benchmark.

Run: `make bench` (all benchmarks) or `.venv/bin/python bench/vault.py [--members N]
[--postgres URL | --no-postgres]`. Goals (SQLite): batched collect >= 40% of the raw insert
rate; single read <= 150 us median; lookup at 1M <= 1 ms; erase with 100k values <= 50 ms.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_scratch.py
POLICY = ROOT / "policies" / "somesing.yaml"
EMAIL = "user.contact.email"
NICK = "user.social.nickname"
POSTING = "user.content.public.posting"
PURPOSE = "contract_performance"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BATCH = 1000
PLAIN = "오늘 부른 아리랑 어때요? 한강에서 녹음했어요"  # a typical posting (64 bytes UTF-8)


from _scratch import scratch_postgres  # noqa: E402 - after the path set-up


def line(name: str, figure: str, baseline: str, note: str = "") -> None:
    print(f"{name:<34} {figure:>20}   baseline {baseline:<34} {note}", flush=True)


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


# -- set-up --------------------------------------------------------------------------------------

def open_yk(tmp: Path, name: str, url: str | None = None):
    from yaksok.engine import init_yaksok
    from yaksok.settings import Settings

    os.environ.pop("YAKSOK_KEYRING_PASSPHRASE", None)
    return init_yaksok(Settings(data_dir=tmp / name, policy_path=POLICY, database_url=url))


def app_actor(yk):
    from yaksok.actors import api_key_actor

    return api_key_actor(yk.policy, "ak_bench", "bench-app", ["members", "analytics"])


def bulk_fill(yk, members: int, *, values_per_member: int = 1, member_id: str | None = None,
              progress=None) -> list[str]:
    """Benchmark-only bulk path: ``members`` active members, each with a data key and
    ``values_per_member`` email values (blind-indexed), via executemany. With ``member_id``,
    one existing member gets ``values_per_member`` posting values under its data key."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from yaksok.crypto.envelope import new_id, seal_value, value_aad, wrap_data_key
    from yaksok.store.sql import raw_write, to_db
    from yaksok.vault.keys import MEMBER_SCOPE

    v = yk.vault
    sqlite = v.sqlite
    p = (lambda s: s) if sqlite else (lambda s: s.replace("?", "%s"))
    now = to_db(sqlite, dt.datetime.now(dt.UTC))
    jur = v.rules().default_jurisdiction
    ins_m = p("INSERT INTO members (id, jurisdiction, status, failed_logins, created_at) "
              "VALUES (?, ?, 'active', 0, ?)")
    ins_k = p("INSERT INTO data_keys (id, member_id, scope, wrapped, kek_version, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?)")
    ins_v = p("INSERT INTO vault_values (id, member_id, category, key_id, ciphertext, blind, "
              "channel, flow, collected_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'app', NULL, "
              "?, ?)")
    if member_id is not None:
        with raw_write(v.engine) as conn:
            key_id, wrapped, version = conn.exec_driver_sql(
                p("SELECT id, wrapped, kek_version FROM data_keys WHERE member_id = ? AND "
                  "scope = ?"), (member_id, MEMBER_SCOPE)).first()
        aead = v.keys.aead(v.keyring, key_id, member_id, MEMBER_SCOPE, wrapped, version)
        for start in range(0, values_per_member, 10_000):
            rows = []
            for _ in range(min(10_000, values_per_member - start)):
                vid = new_id("v_")
                ct = seal_value(aead, value_aad(member_id, POSTING, vid, key_id), PLAIN.encode())
                rows.append((vid, member_id, POSTING, key_id, ct, None, now, now))
            with raw_write(v.engine) as conn:
                conn.exec_driver_sql(ins_v, rows)
        return [member_id]
    ids: list[str] = []
    chunk = 10_000
    for start in range(0, members, chunk):
        ms, ks, vs = [], [], []
        for i in range(start, min(members, start + chunk)):
            m, key_id, dk = new_id("m_"), new_id("dk_"), os.urandom(32)
            version, wrapped = wrap_data_key(v.keyring, key_id, m, MEMBER_SCOPE, dk)
            aead = AESGCM(dk)
            ms.append((m, jur, now))
            ks.append((key_id, m, MEMBER_SCOPE, wrapped, version, now))
            for j in range(values_per_member):
                email = f"bench{i}.{j}@somesing.kr"
                vid = new_id("v_")
                vs.append((vid, m, EMAIL, key_id,
                           seal_value(aead, value_aad(m, EMAIL, vid, key_id), email.encode()),
                           v.blind.compute(EMAIL, email), now, now))
            ids.append(m)
        with raw_write(v.engine) as conn:
            conn.exec_driver_sql(ins_m, ms)
            conn.exec_driver_sql(ins_k, ks)
            conn.exec_driver_sql(ins_v, vs)
        if progress:
            progress(len(ids))
    return ids


# -- sqlalchemy-utils StringEncryptedType (AesGcmEngine) -----------------------------------------

def string_encrypted_type(key: str):
    """``StringEncryptedType(sa.Unicode, key, AesGcmEngine)`` from sqlalchemy-utils, or, when it
    is not installed, the same scheme reimplemented faithfully: the key is SHA-256 of the
    app-wide secret (recomputed on every bind, as ``_update_key`` does), a random 12-byte IV,
    AES-GCM through ``Cipher(..., modes.GCM(iv))``, stored as base64(iv || tag || ciphertext)
    in a String column. Returns (type, label)."""
    try:
        import sqlalchemy as sa
        from sqlalchemy_utils import StringEncryptedType
        from sqlalchemy_utils.types.encrypted.encrypted_type import AesGcmEngine
        return StringEncryptedType(sa.Unicode, key, AesGcmEngine), "sqlalchemy-utils"
    except ImportError:
        pass
    import sqlalchemy as sa
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    class AesGcmStringType(sa.types.TypeDecorator):
        impl = sa.String
        cache_ok = True

        def _key(self) -> bytes:
            digest = hashes.Hash(hashes.SHA256())
            digest.update(key.encode())
            return digest.finalize()

        def process_bind_param(self, value, dialect):
            if value is None:
                return None
            iv = os.urandom(12)
            enc = Cipher(algorithms.AES(self._key()), modes.GCM(iv)).encryptor()
            ct = enc.update(str(value).encode()) + enc.finalize()
            return base64.b64encode(iv + enc.tag + ct).decode("utf-8")

        def process_result_value(self, value, dialect):
            if value is None:
                return None
            raw = base64.b64decode(value)
            iv, tag, body = raw[:12], raw[12:28], raw[28:]
            dec = Cipher(algorithms.AES(self._key()), modes.GCM(iv, tag)).decryptor()
            return (dec.update(body) + dec.finalize()).decode("utf-8")

    return AesGcmStringType(), "reimplemented (sqlalchemy-utils not installed)"


def bench_string_encrypted(engine, n: int, reads: int) -> tuple[float, float, str]:
    """(rows/s batched insert, median us of a single PK select + decrypt, label)."""
    import sqlalchemy as sa

    typ, label = string_encrypted_type(secrets.token_hex(16))
    md = sa.MetaData()
    t = sa.Table("bench_seut", md, sa.Column("id", sa.String(32), primary_key=True),
                 sa.Column("member_id", sa.String(32), nullable=False, index=True),
                 sa.Column("category", sa.String(128), nullable=False),
                 sa.Column("value", typ, nullable=False))
    md.create_all(engine)
    try:
        rows = [{"id": f"v_{i:022d}", "member_id": f"m_{i // 5:022d}", "category": POSTING,
                 "value": PLAIN} for i in range(n)]
        t0 = time.perf_counter()
        for s in range(0, n, BATCH):
            with engine.begin() as conn:
                conn.execute(t.insert(), rows[s:s + BATCH])
        rate = n / (time.perf_counter() - t0)
        q = sa.select(t.c.value).where(t.c.id == sa.bindparam("i"))
        samples = []
        with engine.connect() as conn:
            for k in range(reads):
                i = f"v_{(k * 7919) % n:022d}"
                t0 = time.perf_counter()
                assert conn.execute(q, {"i": i}).scalar_one() == PLAIN
                samples.append(time.perf_counter() - t0)
        return rate, median_us(samples), label
    finally:
        md.drop_all(engine)


# -- the vault figures, per backend ------------------------------------------------------------

def vault_figures(yk, *, n_collect: int, reads: int) -> dict:
    from yaksok.vault import NewValue, Vault

    v = Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings)
    app = app_actor(yk)
    out: dict = {}
    # batched collect: 1,000 values (200 members x 5 postings) per transaction; the members
    # exist and hold a key already, as members who signed up earlier do
    members = [v.create_member() for _ in range(200)]
    for m in members:
        v.collect(m, NICK, "벤치", channel="app", actor=app)
    per_call = BATCH
    items = [NewValue(members[(i // 5) % len(members)], POSTING, PLAIN, "app", None)
             for i in range(n_collect)]
    t0 = time.perf_counter()
    for s in range(0, n_collect, per_call):
        v.collect_batch(items[s:s + per_call], actor=app)
    out["collect_batched"] = n_collect / (time.perf_counter() - t0)
    single_n = min(2000, n_collect)
    t0 = time.perf_counter()
    for i in range(single_n):
        v.collect(members[i % len(members)], POSTING, PLAIN, channel="app", actor=app)
    out["collect_single"] = single_n / (time.perf_counter() - t0)
    # single reads: one member, one single-valued category (decrypt, checks, log append)
    target = members[0]
    v.read(target, [NICK], PURPOSE, actor=app)  # warm the key cache and the rules
    samples = []
    for _ in range(reads):
        t0 = time.perf_counter()
        v.read(target, [NICK], PURPOSE, actor=app)
        samples.append(time.perf_counter() - t0)
    out["read_us"] = median_us(samples)
    out["read_p95_us"] = sorted(samples)[int(len(samples) * .95)] * 1e6
    return out


def lookup_figures(yk, members: int, lookups: int) -> dict:
    from yaksok.vault import Vault

    v = Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings)
    app = app_actor(yk)
    t0 = time.perf_counter()
    last = [0.0]

    def progress(done: int) -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            print(f"  (bulk fill: {done:,} / {members:,} members)", file=sys.stderr, flush=True)

    bulk_fill(yk, members, progress=progress)
    fill_s = time.perf_counter() - t0
    rng = [((k * 7919) % members) for k in range(lookups)]
    v.lookup(EMAIL, f"bench{rng[0]}.0@somesing.kr", actor=app)
    samples = []
    for i in rng:
        t0 = time.perf_counter()
        found = v.lookup(EMAIL, f"bench{i}.0@somesing.kr", actor=app)
        samples.append(time.perf_counter() - t0)
        assert found is not None
    # baseline: the same indexed SELECT, raw, no HMAC and no access-log append
    blinds = [v.blind.compute(EMAIL, f"bench{i}.0@somesing.kr") for i in rng]
    raw = yk.engine.raw_connection()
    try:
        cur = raw.cursor()
        q = ("SELECT member_id FROM vault_values WHERE category = ? AND blind = ?")
        if not v.sqlite:
            q = q.replace("?", "%s")
        base = []
        for b in blinds:
            t0 = time.perf_counter()
            cur.execute(q, (EMAIL, b))
            assert cur.fetchone()
            base.append(time.perf_counter() - t0)
        raw.rollback()
    finally:
        raw.close()
    return {"fill_s": fill_s, "lookup_us": median_us(samples), "raw_lookup_us": median_us(base),
            "lookup_p95_us": sorted(samples)[int(len(samples) * .95)] * 1e6}


def erase_figure(yk, values: int) -> dict:
    v = yk.vault
    app = app_actor(yk)
    m = v.create_member()
    v.collect(m, NICK, "지울사람", channel="app", actor=app)
    bulk_fill(yk, 0, values_per_member=values, member_id=m)
    t0 = time.perf_counter()
    v.erase_member(m, actor=app)
    erase_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    purged = v.purge_erased()
    return {"erase_ms": erase_ms, "purge_s": time.perf_counter() - t0, "purged": purged}


# -- baselines -----------------------------------------------------------------------------------

def raw_sqlite_figures(path: Path, n: int, reads: int) -> dict:
    """Plain sqlite3, the shipped pragmas, a table shaped like vault_values, rows of the same
    size (ciphertext bytes as long as the vault's), no crypto."""
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                   "secure_delete=ON"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("CREATE TABLE vv (id TEXT PRIMARY KEY, member_id TEXT NOT NULL, category TEXT "
               "NOT NULL, key_id TEXT NOT NULL, ciphertext BLOB NOT NULL, blind BLOB, channel "
               "TEXT NOT NULL, flow TEXT, collected_at TEXT NOT NULL, updated_at TEXT NOT NULL)")
    db.execute("CREATE INDEX vv_mc ON vv (member_id, category)")
    db.execute("CREATE INDEX vv_cb ON vv (category, blind)")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    ct_len = 1 + 12 + len(PLAIN.encode()) + 16

    def row(i):
        return ("v_" + os.urandom(12).hex(), f"m_{i // 5:024d}", POSTING, "dk_" + "0" * 24,
                os.urandom(ct_len), None, "app", None, now, now)
    ins = "INSERT INTO vv VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    t0 = time.perf_counter()
    for s in range(0, n, BATCH):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(ins, [row(i) for i in range(s, min(n, s + BATCH))])
        db.execute("COMMIT")
    batched = n / (time.perf_counter() - t0)
    single_n = min(2000, n)
    t0 = time.perf_counter()
    for i in range(single_n):
        db.execute("BEGIN IMMEDIATE")
        db.execute(ins, row(n + i))
        db.execute("COMMIT")
    single = single_n / (time.perf_counter() - t0)
    ids = [r[0] for r in db.execute("SELECT id FROM vv LIMIT ?", (reads,))]
    samples = []
    for i in ids:
        t0 = time.perf_counter()
        db.execute("SELECT ciphertext, channel, flow, collected_at FROM vv WHERE id = ?",
                   (i,)).fetchone()
        samples.append(time.perf_counter() - t0)
    db.close()
    return {"insert_batched": batched, "insert_single": single, "select_us": median_us(samples)}


def pg_round_trip_us(engine, n: int = 2000) -> float:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            cur.execute("SELECT 1")
            cur.fetchone()
            samples.append(time.perf_counter() - t0)
        raw.rollback()
    finally:
        raw.close()
    return median_us(samples)


# -- output --------------------------------------------------------------------------------------

def report(backend: str, raw: dict, vf: dict, lk: dict, er: dict, seut: tuple, members: int,
           erase_values: int, goals: bool) -> None:
    g = (lambda s: f"goal {s}") if goals else (lambda s: "")
    print(f"-- {backend}")
    ratio = vf["collect_batched"] / raw["insert_batched"]
    line("collect, batched (values/s)", f"{vf['collect_batched']:,.0f}",
         f"{raw['insert_batched_label']} {raw['insert_batched']:,.0f}/s",
         f"ratio {ratio:.0%} {g('>= 40%')}")
    line("collect, single (values/s)", f"{vf['collect_single']:,.0f}",
         f"{raw['insert_single_label']} {raw['insert_single']:,.0f}/s",
         f"ratio {vf['collect_single'] / raw['insert_single']:.0%}")
    line("read, single (median)", f"{vf['read_us']:,.0f} us",
         f"{raw['select_label']} {raw['select_us']:,.0f} us",
         f"p95 {vf['read_p95_us']:,.0f} us {g('<= 150 us median')}")
    line(f"lookup among {members:,} (median)", f"{lk['lookup_us']:,.0f} us",
         f"raw indexed SELECT {lk['raw_lookup_us']:,.0f} us",
         f"p95 {lk['lookup_p95_us']:,.0f} us {g('<= 1 ms at 1M')} (fill {lk['fill_s']:.0f} s)")
    line(f"erase member, {erase_values:,} values", f"{er['erase_ms']:,.1f} ms", "-",
         f"{g('<= 50 ms')} (purge afterwards {er['purge_s']:.2f} s, {er['purged']:,} rows)")
    rate, us, label = seut
    line("StringEncryptedType insert", f"{rate:,.0f}/s", f"vault batched "
         f"{vf['collect_batched']:,.0f}/s", f"[{label}]")
    line("StringEncryptedType read", f"{us:,.0f} us", f"vault read {vf['read_us']:,.0f} us",
         "(no purpose check, no log, one key for everyone)")


def run_sqlite(tmp: Path, args) -> None:
    yk = open_yk(tmp, "sqlite")
    try:
        raw = raw_sqlite_figures(tmp / "raw.db", args.collect, args.reads)
        raw.update(insert_batched_label="raw INSERT executemany", insert_single_label=
                   "raw INSERT+COMMIT", select_label="raw PK SELECT")
        vf = vault_figures(yk, n_collect=args.collect, reads=args.reads)
        seut = bench_string_encrypted(yk.engine, args.collect, args.reads)
        er = erase_figure(yk, args.erase_values)
        lk = lookup_figures(yk, args.members, args.lookups)
        report("SQLite (shipped settings)", raw, vf, lk, er, seut, args.members,
               args.erase_values, goals=True)
    finally:
        yk.close()


def run_postgres(tmp: Path, args) -> None:
    with scratch_postgres(args.postgres) as url:
        if url is None:
            return
        yk = open_yk(tmp, "pg", url)
        try:
            rt = pg_round_trip_us(yk.engine)
            raw = {"insert_batched": 0.0, "insert_single": 0.0, "select_us": rt}
            vf = vault_figures(yk, n_collect=args.collect, reads=args.reads)
            seut = bench_string_encrypted(yk.engine, args.collect, args.reads)
            er = erase_figure(yk, args.erase_values)
            lk = lookup_figures(yk, args.pg_members, args.lookups)
            # The PostgreSQL baseline is the bare round trip: print it as such.
            raw.update(insert_batched=seut[0], insert_batched_label="StringEncryptedType",
                       insert_single=1e6 / rt, insert_single_label="1 / SELECT 1 =",
                       select_label="SELECT 1 round trip")
            report(f"PostgreSQL (SELECT 1 round trip {rt:,.0f} us)", raw, vf, lk, er, seut,
                   args.pg_members, args.erase_values, goals=False)
        finally:
            yk.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000,
                        help="members in the store for the lookup (SQLite; default 1,000,000)")
    parser.add_argument("--pg-members", type=int, default=100_000,
                        help="members for the lookup on PostgreSQL (default 100,000)")
    parser.add_argument("--collect", type=int, default=20_000, help="values collected")
    parser.add_argument("--reads", type=int, default=2000, help="single reads timed")
    parser.add_argument("--lookups", type=int, default=2000, help="lookups timed")
    parser.add_argument("--erase-values", type=int, default=100_000)
    parser.add_argument("--postgres", default=PG_DEFAULT, help=f"admin URL ({PG_DEFAULT})")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bench/vault.py {dt.date.today()} Python {sys.version.split()[0]} "
          f"SQLite {sqlite3.sqlite_version} cpus {os.cpu_count()} load {load:.2f}; "
          f"lookup N = {args.members:,} (SQLite), {args.pg_members:,} (PostgreSQL)")
    with tempfile.TemporaryDirectory(prefix="yaksok-bench-vault-") as tmp:
        run_sqlite(Path(tmp), args)
        if not args.no_postgres:
            run_postgres(Path(tmp), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
