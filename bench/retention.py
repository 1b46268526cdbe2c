"""Retention benchmark (issue 6): destroy N expired held records through the worker's path,
against a plain ``DELETE`` of an identical fill measured in the same run on the same database.

SQLite (shipped settings: WAL, synchronous=NORMAL, secure_delete=ON), in a temporary data
directory: ``run_expiry`` in this process (batches of ``--batch`` rows, one transaction each, a
destruction record per batch, then the hold keys and the closing WAL checkpoint).

PostgreSQL (a scratch database, created and dropped), two measurements of ``--workers`` real
processes sharing the work (block ranges of held_records under advisory locks, hold keys
``FOR UPDATE SKIP LOCKED``):
- the pass: worker processes already started and connected (bench/_retention_pass.py opens
  yaksok as ``yaksok worker`` does) are told to go at once; the time runs from "go" to the last
  pass's end, as the plain DELETE's runs on an open connection. This is the figure against the
  goal: a deployed worker is a long-running ``yaksok worker`` process.
- whole processes: ``yaksok worker --once`` started together, timed from start to the last exit
  (interpreter start-up, policy load and connection included; the output also times one
  worker that finds nothing to do).

The N records are filled fast, not through ``write_record``: rows sealed under their real hold
keys (7 record kinds x 24 months of expiry, all long past; the same spread as
tests/retention/test_workers.py) go straight into ``held_records`` (executemany on SQLite, COPY on
PostgreSQL). The plain DELETE runs first; the table is then filled again with the same rows
(PostgreSQL: after ``TRUNCATE``, so both runs start from the same physical table) and destroyed
through the worker's path. Afterwards every row must be gone and counted exactly once: the
destruction records' counts sum to N, and every hold key is destroyed and recorded once.

Run: `.venv/bin/python bench/retention.py [--records N] [--batch B] [--backend
sqlite|postgresql|all] [--workers 3] [--postgres ADMIN_URL]`. Goal: 1,000,000 records in
<= 60 s and <= 3x the plain DELETE, on SQLite and on PostgreSQL with 3 workers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_scratch.py
POLICY = ROOT / "policies" / "somesing.yaml"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
KINDS = [("contract_record", "user.payment.user_id"), ("payment_record", "user.payment.user_id"),
         ("complaint_record", "user.contact.email"), ("credit_information_record", "user.name"),
         ("advertising_record", "user.behavior.marketing_activity"),
         ("login_record", "user.device.ip_address"),
         ("communication_confirmation_record", "user.telemetry.log_data")]
COLUMNS = "id, record_kind, member_ref, key_id, ciphertext, created_at, expires_at"

from _scratch import scratch_postgres  # noqa: E402 - after the path set-up


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def build_rows(yk, n: int) -> tuple[list[tuple], set[str]]:
    """``n`` held-record rows sealed under their hold keys (made in this database on first use),
    as the backend stores them; and the hold scopes used."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from yaksok.crypto.envelope import new_id, seal_value
    from yaksok.retention import add_period, hold_scope
    from yaksok.store.sql import to_db, write
    from yaksok.vault.held import _aad, _hold_key

    v = yk.vault
    sqlite = yk.engine.dialect.name == "sqlite"
    keys: dict[str, tuple[str, AESGCM]] = {}
    rows = []
    with write(yk.engine) as conn:
        for i in range(n):
            kind, category = KINDS[i % len(KINDS)]
            at = dt.datetime(2015 + (i // 84) % 2, 1 + (i // len(KINDS)) % 12, 1 + i % 28,
                             tzinfo=dt.UTC)
            expires = add_period(at, yk.policy.retention_rule(kind).period)
            scope = hold_scope(kind, expires)
            if scope not in keys:
                key_id, key = _hold_key(conn, v.keyring, scope, at)
                keys[scope] = (key_id, AESGCM(key))
            key_id, aes = keys[scope]
            rid = new_id("hr_")
            ct = seal_value(aes, _aad(rid, kind, key_id), json.dumps({category: f"v{i}"}).encode())
            rows.append((rid, kind, None, key_id, ct, to_db(sqlite, at), to_db(sqlite, expires)))
    return rows, set(keys)


def fill(yk, rows) -> None:
    """The rows into ``held_records``: executemany on SQLite, COPY on PostgreSQL (then ANALYZE,
    so both runs plan on the same statistics)."""
    from yaksok.store.sql import write

    if yk.engine.dialect.name == "sqlite":
        with write(yk.engine) as conn:
            for i in range(0, len(rows), 50_000):
                conn.exec_driver_sql(f"INSERT INTO held_records ({COLUMNS}) "  # noqa: S608
                                     "VALUES (?, ?, ?, ?, ?, ?, ?)", rows[i:i + 50_000])
        return
    raw = yk.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy(f"COPY held_records ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
        raw.autocommit = True  # ANALYZE outside a transaction block is fine either way
        with raw.cursor() as cur:
            cur.execute("ANALYZE held_records")
        raw.autocommit = False
    finally:
        raw.close()


def plain_delete(yk) -> tuple[float, int]:
    """The baseline: one ``DELETE ... WHERE expires_at <= now`` statement, committed."""
    from yaksok.store.sql import sql, to_db, write
    from yaksok.store.tables import utcnow

    sqlite = yk.engine.dialect.name == "sqlite"
    t = time.perf_counter()
    with write(yk.engine) as conn:
        deleted = conn.exec_driver_sql(sql(conn, "DELETE FROM held_records WHERE expires_at <= ?"),
                                       (to_db(sqlite, utcnow()),)).rowcount
    return time.perf_counter() - t, deleted


def baseline(yk, n: int) -> tuple[list[tuple], set[str], float, float]:
    """Build and fill ``n`` rows, then time the plain DELETE of them: (rows, hold scopes, fill
    seconds, DELETE seconds). The table is empty afterwards, ready to be filled again."""
    t = time.perf_counter()
    rows, scopes = build_rows(yk, n)
    fill(yk, rows)
    fill_s = time.perf_counter() - t
    plain, deleted = plain_delete(yk)
    assert deleted == n, (deleted, n)
    return rows, scopes, fill_s, plain


def scalar(yk, q: str):
    with yk.engine.connect() as conn:
        return conn.exec_driver_sql(q).scalar()


def check_destroyed_once(yk, n: int, scopes: set[str]) -> tuple[int, int]:
    """Every row gone and counted once, every hold key destroyed and recorded once."""
    left = scalar(yk, "SELECT COUNT(*) FROM held_records")
    held = scalar(yk, "SELECT COALESCE(SUM(count), 0) FROM destruction_records "
                      "WHERE kind = 'held_records'")
    keys = scalar(yk, "SELECT COALESCE(SUM(count), 0) FROM destruction_records "
                      "WHERE kind = 'hold_keys'")
    live = scalar(yk, "SELECT COUNT(*) FROM data_keys WHERE member_id = 'hold' "
                      "AND wrapped IS NOT NULL")
    assert left == 0, f"{left} held records left"
    assert held == n, f"destruction records count {held} rows, expected {n}"
    assert keys == len(scopes) and live == 0, (keys, len(scopes), live)
    return held, keys


def report(name: str, n: int, batch: int, fill_s: float, ours: float, plain: float,
           held: int, keys: int, recs: int, extra: str = "") -> None:
    print(f"{name}: {n:,} records (fill {fill_s:.1f} s), batch {batch:,}{extra}", flush=True)
    print(f"  worker path: {ours:.2f} s ({held:,} rows and {keys} hold keys destroyed, {recs:,} "
          f"destruction records, each row counted once) = {n / ours:,.0f} rows/s")
    print(f"  baseline plain DELETE of the same rows: {plain:.2f} s = {n / plain:,.0f} rows/s")
    per_million = ours * 1_000_000 / n
    print(f"  ratio {ours / plain:.2f}x (goal <= 3x: {'met' if ours <= 3 * plain else 'NOT met'})"
          f"; {per_million:.1f} s per 1,000,000 (goal <= 60 s: "
          f"{'met' if per_million <= 60 else 'NOT met'}); load average now {load()}", flush=True)


def run_sqlite(tmp: Path, args) -> None:
    from yaksok.engine import init_yaksok
    from yaksok.retention import run_expiry
    from yaksok.settings import Settings

    yk = init_yaksok(Settings(data_dir=tmp / "sqlite", policy_path=POLICY))
    try:
        n = args.records
        rows, scopes, fill_s, plain = baseline(yk, n)
        fill(yk, rows)
        del rows
        t = time.perf_counter()
        recs = run_expiry(yk, batch=args.batch)
        ours = time.perf_counter() - t
        held, keys = check_destroyed_once(yk, n, scopes)
    finally:
        yk.close()
    report(f"SQLite {sqlite3.sqlite_version}, run_expiry in one process", n, args.batch, fill_s,
           ours, plain, held, keys, len(recs))


def worker_env(yk) -> dict[str, str]:
    s = yk.settings
    env = dict(os.environ)
    env.pop("YAKSOK_KEYRING_PASSPHRASE", None)
    env.update(YAKSOK_DATA_DIR=str(s.data_dir), YAKSOK_DATABASE_URL=s.effective_database_url,
               YAKSOK_POLICY=str(POLICY), YAKSOK_KEYRING=str(s.effective_keyring_path))
    return env


def run_workers(yk, count: int, batch: int) -> tuple[float, list[str]]:
    """``count`` real ``yaksok worker --once`` processes started together; (wall s, stdouts)."""
    cmd = [sys.executable, "-m", "yaksok", "worker", "--once", "--batch", str(batch)]
    t = time.perf_counter()
    procs = [subprocess.Popen(cmd, env=worker_env(yk), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(count)]
    outs = [p.communicate(timeout=3600) for p in procs]
    wall = time.perf_counter() - t
    for p, (_o, e) in zip(procs, outs, strict=True):
        assert p.returncode == 0, e[-2000:]
    return wall, [o.strip() for o, _e in outs]


def run_pass_workers(yk, count: int, batch: int) -> tuple[float, list[int]]:
    """``count`` worker processes, started and connected first, then told to run one pass at
    once; (seconds from "go" to the last pass's end, items each destroyed)."""
    cmd = [sys.executable, str(Path(__file__).resolve().parent / "_retention_pass.py"),
           str(batch)]
    procs = [subprocess.Popen(cmd, env=worker_env(yk), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(count)]
    for p in procs:
        line = p.stdout.readline().strip()
        assert line == "ready", (line, p.stderr.read()[-2000:] if p.poll() is not None else "")
    go = time.time()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=3600) for p in procs]
    for p, (_o, e) in zip(procs, outs, strict=True):
        assert p.returncode == 0, e[-2000:]
    done = [json.loads(o.strip().splitlines()[-1]) for o, _e in outs]
    return max(d["ended"] for d in done) - go, [d["destroyed"] for d in done]


def refill(yk, rows) -> None:
    """Empty held_records and the bookkeeping of the last run, restore the hold keys, fill again,
    so every measurement starts from the same physical table and the same keys."""
    with yk.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE held_records")
        conn.exec_driver_sql("DELETE FROM destruction_records")
        conn.exec_driver_sql("UPDATE data_keys SET wrapped = saved.wrapped, destroyed_at = NULL "
                             "FROM bench_saved_keys saved WHERE data_keys.id = saved.id")
    fill(yk, rows)


def run_postgres(tmp: Path, args) -> None:
    from yaksok.engine import init_yaksok
    from yaksok.settings import Settings

    with scratch_postgres(args.postgres) as url:
        if url is None:
            return
        yk = init_yaksok(Settings(data_dir=tmp / "pg", policy_path=POLICY, database_url=url))
        try:
            version = scalar(yk, "SHOW server_version").split()[0]
            n = args.records
            rows, scopes, fill_s, plain = baseline(yk, n)
            with yk.engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE bench_saved_keys AS SELECT id, wrapped "
                                     "FROM data_keys WHERE member_id = 'hold'")
            refill(yk, rows)
            passed, per_worker = run_pass_workers(yk, args.workers, args.batch)
            assert check_destroyed_once(yk, n, scopes)
            assert sum(per_worker) == n + len(scopes), per_worker
            refill(yk, rows)
            del rows
            ours, outs = run_workers(yk, args.workers, args.batch)
            held, keys = check_destroyed_once(yk, n, scopes)
            with yk.engine.connect() as conn:
                shares = [r[0] for r in conn.exec_driver_sql(
                    "SELECT SUM(count) FROM destruction_records WHERE kind = 'held_records' "
                    "GROUP BY run_id ORDER BY 1 DESC")]
                recs = conn.exec_driver_sql("SELECT COUNT(*) FROM destruction_records").scalar()
            idle, idle_out = run_workers(yk, 1, args.batch)
            assert idle_out[0].startswith("destroyed 0 item(s)"), idle_out
            assert check_destroyed_once(yk, n, scopes) == (held, keys)
        finally:
            yk.close()
    report(f"PostgreSQL {version}, a pass of {args.workers} running worker processes", n,
           args.batch, fill_s, passed, plain, n, len(scopes), recs,
           extra=f"; items per worker: {' / '.join(f'{s:,}' for s in per_worker)}")
    report(f"PostgreSQL {version}, {args.workers} whole `yaksok worker --once` processes", n,
           args.batch, fill_s, ours, plain, held, keys, recs,
           extra=f"; rows per worker run: {' / '.join(f'{s:,}' for s in shares)}; one worker "
                 f"finding nothing to do: {idle:.2f} s (start-up)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=1000,
                    help="rows per batch (default 1000, what `yaksok worker` ships with)")
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    ap.add_argument("--workers", type=int, default=3, help="worker processes on PostgreSQL")
    ap.add_argument("--postgres", default=PG_DEFAULT, help=f"admin URL ({PG_DEFAULT})")
    args = ap.parse_args(argv)
    os.environ.pop("YAKSOK_KEYRING_PASSPHRASE", None)
    print(f"bench/retention.py {dt.date.today()} Python {sys.version.split()[0]} "
          f"cpus {os.cpu_count()} load average {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="yaksok-bench-retention-") as tmp:
        if args.backend in ("sqlite", "all"):
            run_sqlite(Path(tmp), args)
        if args.backend in ("postgresql", "all"):
            run_postgres(Path(tmp), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
