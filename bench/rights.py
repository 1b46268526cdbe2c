"""Rights benchmarks (issue 7), each figure beside a baseline measured in the same run.

    export for a member with         vs a plain SELECT of the same rows (ciphertext, no
      100,000 stored values            decryption) + json.dumps of them: what any export must
      (build_export: read, decrypt,    at least do
      one log entry, JSON, CSV, ko/en
      HTML, ZIP, seal, store) and its
      download (open, log)
    erasure across the vault and     vs plain DELETEs of the same rows in the three databases
      two external databases           (the vault's values and both external tables)
      (erase_external + close_account)

The member's 100,000 values are filled with ``bulk_fill`` of bench/vault.py (executemany of
rows sealed under the member's real data key). The external databases of the erasure figure are
a SQLite file and, if it answers, MariaDB at 127.0.0.1:3306 (a scratch database created and
dropped), else a second SQLite file; each holds ``--external-rows`` rows of the member among
ten times as many of other members.

Run: `.venv/bin/python bench/rights.py [--values N] [--postgres URL | --no-postgres]`.
Goals (SQLite): export of 100,000 values <= 3 s; erasure across the vault and two external
databases <= 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_scratch.py, bench/vault.py
POLICY = ROOT / "policies" / "somesing.yaml"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MARIADB_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"
NICK = "user.social.nickname"
EXTERNAL = """
external_datasets:
  - key: karaoke_archive
    label: {{ko: 노래방 기록 보관소, en: Karaoke archive}}
    url_env: YAKSOK_BENCH_ARCHIVE_URL
    tables:
      - name: performances
        member: {{column: member_id}}
        columns: {{title: user.content.public.posting}}
        erasure: delete
  - key: community
    label: {{ko: 커뮤니티, en: Community}}
    url_env: YAKSOK_BENCH_COMMUNITY_URL
    tables:
      - name: comments
        member: {{column: member_id}}
        columns: {{body: user.content.public.posting, nick: {nick}}}
        erasure: mask
"""

from _scratch import scratch_postgres  # noqa: E402 - after the path set-up
from vault import bulk_fill  # noqa: E402


def line(name: str, figure: str, baseline: str, note: str = "") -> None:
    print(f"{name:<40} {figure:>12}   baseline {baseline:<40} {note}", flush=True)


def open_yk(tmp: Path, name: str, url: str | None = None, policy: Path = POLICY):
    from yaksok.engine import init_yaksok
    from yaksok.settings import Settings

    os.environ.pop("YAKSOK_KEYRING_PASSPHRASE", None)
    return init_yaksok(Settings(data_dir=tmp / name, policy_path=policy, database_url=url))


def actors(yk):
    from yaksok.actors import api_key_actor, staff_actor

    return (api_key_actor(yk.policy, "ak_bench", "bench-app", ["members"]),
            staff_actor(yk.policy, "st_bench", "officer", "privacy_officer"))


def answering(yk, officer, member_id: str, right: str) -> str:
    """A request of ``right`` for the member, verified by staff and started."""
    from yaksok.actors import member_actor
    from yaksok.rights.requests import start, submit
    from yaksok.rights.verify import verify_by_staff

    rq = submit(yk, member_id=member_id, right=right, channel="account_menu",
                actor=member_actor(member_id))
    verify_by_staff(yk, rq.id, actor=officer, method="id-card-seen")
    start(yk, rq.id, actor=officer)
    return rq.id


# -- export ----------------------------------------------------------------------------------------

def export_figures(yk, values: int, runs: int) -> dict:
    from yaksok.rights.export import build_export, create_download, download
    from yaksok.vault.subject_access import subject_rows

    v = yk.vault
    app, officer = actors(yk)
    m = v.create_member()
    v.collect(m, NICK, "벤치노래꾼", channel="app", actor=app)
    t = time.perf_counter()
    bulk_fill(yk, 0, values_per_member=values, member_id=m)
    fill = time.perf_counter() - t
    rq = answering(yk, officer, m, "access")
    builds, reads = [], []
    for _ in range(runs):
        v.keys.clear()  # every run unwraps the member key again
        t = time.perf_counter()
        got = subject_rows(yk.vault, m, actor=officer, request_id=rq)  # the read build_export does
        reads.append(time.perf_counter() - t)
        assert len(got) == values + 1
        del got
        v.keys.clear()
        t = time.perf_counter()
        f = build_export(yk, m, actor=officer, request_id=rq, kind="access")
        builds.append(time.perf_counter() - t)
    token = create_download(yk, f.id, actor=officer)
    t = time.perf_counter()
    _, data = download(yk, token, actor=officer, ip="203.0.113.1")
    dl = time.perf_counter() - t
    assert len(data) == f.size
    # baseline: the same rows, plainly selected, dumped as JSON (no decryption, no log, no ZIP)
    q = ("SELECT id, category, ciphertext, channel, flow, collected_at, updated_at FROM "
         "vault_values WHERE member_id = ?")
    if not v.sqlite:
        q = q.replace("?", "%s")
    base = []
    for _ in range(runs):
        raw = yk.engine.raw_connection()
        try:
            t = time.perf_counter()
            cur = raw.cursor()
            cur.execute(q, (m,))
            rows = cur.fetchall()
            text = json.dumps([{"id": r[0], "category": r[1], "value": bytes(r[2]).hex(),
                                "channel": r[3], "flow": r[4], "collected_at": str(r[5]),
                                "updated_at": str(r[6])} for r in rows])
            base.append(time.perf_counter() - t)
            raw.rollback()
        finally:
            raw.close()
    assert len(rows) == values + 1 and text
    return {"fill": fill, "build_first": builds[0], "build_best": min(builds),
            "build_median": statistics.median(builds), "read_median": statistics.median(reads),
            "download": dl, "size": f.size, "baseline": statistics.median(base)}


# -- erasure across the vault and two external databases -------------------------------------------

def external_urls(tmp: Path) -> tuple[str, str, str, callable]:
    """(archive URL, community URL, label, cleanup): a SQLite file, and MariaDB if it answers."""
    import sqlalchemy as sa

    archive = f"sqlite:///{tmp / 'archive.db'}"
    admin = sa.create_engine(MARIADB_ADMIN, isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 3})
    name = f"yaksok_bench_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    except Exception as exc:  # noqa: BLE001 - any failure means: no MariaDB here
        admin.dispose()
        print(f"-- MariaDB skipped ({type(exc).__name__}); the second external database is a "
              "SQLite file")
        return archive, f"sqlite:///{tmp / 'community.db'}", "SQLite + SQLite", lambda: None

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()
    return archive, f"mysql+pymysql://root@127.0.0.1:3306/{name}", "SQLite + MariaDB", drop


def fill_external(url: str, table: str, cols: str, member_id: str, mine: int, others: int,
                  ) -> None:
    import sqlalchemy as sa

    eng = sa.create_engine(url)
    text = "TEXT" if eng.dialect.name == "sqlite" else "VARCHAR(200)"
    with eng.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, member_id "
                             f"VARCHAR(32) NOT NULL, {cols.replace('T', text)})")
        conn.exec_driver_sql(f"CREATE INDEX ix_{table}_member ON {table} (member_id)")
        n_cols = cols.count(",") + 1
        marks = ", ".join(["%s" if eng.dialect.name != "sqlite" else "?"] * (n_cols + 2))
        rows = [(i, member_id if i < mine else f"m_other{i % 997:08d}",
                 *(["오늘 부른 아리랑 어때요?"] * n_cols)) for i in range(mine + others)]
        conn.exec_driver_sql(f"INSERT INTO {table} VALUES ({marks})", rows)
    eng.dispose()


def erasure_figures(tmp: Path, values: int, external_rows: int) -> dict:
    import sqlalchemy as sa

    from yaksok.retention import close_account
    from yaksok.rights.external import erase_external

    archive, community, label, cleanup = external_urls(tmp)
    try:
        os.environ["YAKSOK_BENCH_ARCHIVE_URL"] = archive
        os.environ["YAKSOK_BENCH_COMMUNITY_URL"] = community
        policy = tmp / "policy-external.yaml"
        policy.write_text(POLICY.read_text("utf-8") + EXTERNAL.format(nick=NICK), "utf-8")
        yk = open_yk(tmp, "erase", policy=policy)
        try:
            v = yk.vault
            app, officer = actors(yk)
            figures = {}
            for run in ("baseline", "ours"):
                m = v.create_member()
                v.collect(m, NICK, "지울사람", channel="app", actor=app)
                bulk_fill(yk, 0, values_per_member=values, member_id=m)
                suffix = "_baseline" if run == "baseline" else ""  # ours: the policy's names
                fill_external(archive, "performances" + suffix, "title T", m, external_rows,
                              external_rows * 10)
                fill_external(community, "comments" + suffix, "body T, nick T", m,
                              external_rows, external_rows * 10)
                if run == "baseline":
                    t = time.perf_counter()
                    for url, table in ((archive, "performances_baseline"),
                                       (community, "comments_baseline")):
                        eng = sa.create_engine(url)
                        with eng.begin() as conn:
                            conn.execute(sa.text(f"DELETE FROM {table} WHERE member_id = :m"),  # noqa: S608
                                         {"m": m})
                        eng.dispose()
                    with yk.engine.begin() as conn:
                        conn.execute(sa.text("DELETE FROM vault_values WHERE member_id = :m"),
                                     {"m": m})
                    figures["baseline"] = time.perf_counter() - t
                    continue
                rq = answering(yk, officer, m, "erasure")
                t = time.perf_counter()
                done = erase_external(yk, m, actor=officer, request_id=rq)
                figures["external"] = time.perf_counter() - t
                close_account(yk, m, actor=officer, request_id=rq)
                figures["ours"] = time.perf_counter() - t
                assert sum(d.count for d in done) == 2 * external_rows, done
            yk.external.dispose()
        finally:
            yk.close()
    finally:
        os.environ.pop("YAKSOK_BENCH_ARCHIVE_URL", None)
        os.environ.pop("YAKSOK_BENCH_COMMUNITY_URL", None)
        cleanup()
    figures["label"] = label
    return figures


# -- output ----------------------------------------------------------------------------------------

def report_export(backend: str, e: dict, values: int, goals: bool) -> None:
    print(f"-- {backend}: export, member with {values:,} values (fill {e['fill']:.1f} s)")
    goal = "goal <= 3 s" if goals else ""
    line("build_export (first run)", f"{e['build_first']:.2f} s",
         f"SELECT + json.dumps {e['baseline']:.2f} s",
         f"ratio {e['build_first'] / e['baseline']:.1f}x {goal}")
    line("build_export (median, best)", f"{e['build_median']:.2f} s",
         f"best {e['build_best']:.2f} s", f"ZIP {e['size'] / 1e6:.1f} MB")
    line("  of which subject_rows (median)", f"{e['read_median']:.2f} s",
         f"SELECT + json.dumps {e['baseline']:.2f} s", "(one query, one unwrap, one log entry)")
    line("download (open, verify, log)", f"{e['download'] * 1000:.0f} ms", "-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--external-rows", type=int, default=1000,
                        help="rows of the member in each external database (default 1,000)")
    parser.add_argument("--postgres", default=PG_DEFAULT, help=f"admin URL ({PG_DEFAULT})")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    t = time.perf_counter()
    sum(i for i in range(1_000_000))  # how busy this machine is: ~25 ms when idle
    print(f"bench/rights.py {dt.date.today()} Python {sys.version.split()[0]} "
          f"SQLite {sqlite3.sqlite_version} cpus {os.cpu_count()} load {load:.2f} "
          f"(1M-step loop {(time.perf_counter() - t) * 1000:.0f} ms)")
    with tempfile.TemporaryDirectory(prefix="yaksok-bench-rights-") as tmp:
        tmp = Path(tmp)
        yk = open_yk(tmp, "sqlite")
        try:
            report_export("SQLite (shipped settings)", export_figures(yk, args.values, args.runs),
                          args.values, goals=True)
        finally:
            yk.close()
        if not args.no_postgres:
            with scratch_postgres(args.postgres) as url:
                if url is not None:
                    yk = open_yk(tmp, "pg", url)
                    try:
                        report_export("PostgreSQL", export_figures(yk, args.values, args.runs),
                                      args.values, goals=False)
                    finally:
                        yk.close()
        er = erasure_figures(tmp, args.values, args.external_rows)
        print(f"-- erasure: vault ({args.values:,} values, SQLite) and two external databases "
              f"({er['label']}, {args.external_rows:,} rows of the member each)")
        line("erase_external + close_account", f"{er['ours'] * 1000:.0f} ms",
             f"plain DELETEs {er['baseline'] * 1000:.0f} ms",
             f"(external part {er['external'] * 1000:.0f} ms) goal <= 1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
