"""Benchmark: "may purpose P use member M's data now?" (``Vault.may_process``), issue 5.

Goal (SQLite, in process): median <= 20 us per check, with the consent generation read on every
call (so a withdrawal committed by any process is seen by the next check). Baselines measured in
the same run: a dict lookup, a bare ``SELECT 1`` on the gate's own sqlite3 connection, and a bare
``SELECT 1`` through a SQLAlchemy pooled connection.

PostgreSQL (``--postgres URL``, a scratch database is created and dropped): the check's median,
a bare ``SELECT 1`` through the pool, the withdrawal call's median, and the withdrawal path
across processes: N worker processes each hold a warm cache; the parent withdraws; as soon as
the call returns each worker checks once and must answer False (counted, never tolerated).

Run: `.venv/bin/python bench/consent.py [--checks N] [--postgres URL | --no-postgres]`.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_scratch.py
sys.path.insert(0, str(ROOT / "src"))
POLICY = ROOT / "policies" / "somesing.yaml"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NOTICE = "맞춤형 광고와 이벤트 안내를 위해 마케팅활동 및 이벤트참여 내용과 결과를 수집·이용합니다."


from _scratch import scratch_postgres  # noqa: E402 - after the path set-up


def median_us(fn, n: int) -> float:
    samples = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t = clock()
        fn()
        samples.append(clock() - t)
    return statistics.median(samples) / 1000


def line(name: str, figure: float, note: str = "") -> None:
    print(f"{name:<58} {figure:>10.2f} us  {note}")


def member_actor(m: str):
    from yaksok.actors import Actor
    return Actor(id=m, kind="member", display=f"member:{m}")


def setup(url: str | None, tmp: Path, name: str):
    from yaksok.engine import init_yaksok
    from yaksok.settings import Settings
    from yaksok.vault import Vault

    yk = init_yaksok(Settings(data_dir=tmp / name, policy_path=POLICY, database_url=url))
    v = Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings)
    members = [v.create_member() for _ in range(200)]
    for m in members[::2]:
        v.give_consent(m, "customised_ads", notice_text=NOTICE, channel="app",
                       actor=member_actor(m))
    return yk, v, members


def check_figures(v, members, n: int) -> dict[str, float]:
    m = members[0]
    assert v.may_process(m, "promotional_events")
    cached = median_us(lambda: v.may_process(m, "promotional_events"), n)
    contract = median_us(lambda: v.may_process(m, "contract_performance"), n)
    d = {m: frozenset({"customised_ads"})}
    dict_us = median_us(lambda: "customised_ads" in d[m], n)
    with v.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1").scalar()

    def pooled():
        with v.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1").scalar()
    pooled_us = median_us(pooled, n)
    out = {"check": cached, "check_contract": contract, "dict": dict_us, "select1_pool": pooled_us}
    if v.gate._path is not None:
        raw = v.gate._sqlite()
        out["select1_raw"] = median_us(lambda: raw.execute("SELECT 1").fetchone(), n)

    def withdraw_give():
        v.withdraw_consent(m, "customised_ads", notice_text=NOTICE, channel="app",
                           actor=member_actor(m))
        assert not v.may_process(m, "promotional_events")
        v.give_consent(m, "customised_ads", notice_text=NOTICE, channel="app",
                       actor=member_actor(m))
        assert v.may_process(m, "promotional_events")
    out["withdraw_give_cycle"] = median_us(withdraw_give, 200)
    return out


def _worker(settings, member_id: str, conn) -> None:
    from yaksok.engine import open_yaksok

    v = open_yaksok(settings).vault
    assert v.may_process(member_id, "promotional_events")  # warm cache: True
    conn.send("ready")
    wrong = 0
    while True:
        msg = conn.recv()
        if msg == "stop":
            break
        t = time.perf_counter_ns()
        answer = v.may_process(member_id, "promotional_events")
        took = (time.perf_counter_ns() - t) / 1000
        wrong += answer != msg  # msg: the answer that must hold now
        conn.send((answer, took))
    conn.send(wrong)


def cross_process(yk, v, members, workers: int, rounds: int) -> dict[str, float]:
    """Withdraw/give in the parent; after each call returns, every worker checks once."""
    ctx = mp.get_context("spawn")
    m = members[0]
    pipes, procs = [], []
    for _ in range(workers):
        a, b = ctx.Pipe()
        p = ctx.Process(target=_worker, args=(yk.settings, m, b))
        p.start()
        pipes.append(a)
        procs.append(p)
    for a in pipes:
        assert a.recv() == "ready"
    stale = 0
    withdraw_us, check_us = [], []
    for i in range(rounds):
        action = v.withdraw_consent if i % 2 == 0 else v.give_consent
        t = time.perf_counter_ns()
        action(m, "customised_ads", notice_text=NOTICE, channel="app", actor=member_actor(m))
        withdraw_us.append((time.perf_counter_ns() - t) / 1000)
        expected = i % 2 == 1
        for a in pipes:
            a.send(expected)
        for a in pipes:
            answer, took = a.recv()
            stale += answer != expected
            check_us.append(took)
    for a in pipes:
        a.send("stop")
        stale += 0 * a.recv()
    for p in procs:
        p.join(30)
    return {"stale": stale, "rounds": rounds * workers,
            "consent_call": statistics.median(withdraw_us),
            "check_after_change": statistics.median(check_us)}


def report(label: str, f: dict, x: dict | None) -> None:
    print(f"-- {label}")
    line("may_process (consent-based purpose, cache valid)", f["check"],
         "goal <= 20 us" if label.startswith("SQLite") else "")
    line("may_process (contract purpose)", f["check_contract"])
    line("baseline: dict lookup", f["dict"])
    if "select1_raw" in f:
        line("baseline: SELECT 1 on the gate's sqlite3 connection", f["select1_raw"])
    line("baseline: SELECT 1 through the SQLAlchemy pool", f["select1_pool"])
    line("withdraw + check + give + check (same process)", f["withdraw_give_cycle"])
    if x:
        line(f"consent call in parent ({x['rounds']} worker checks)", x["consent_call"])
        line("worker check right after the call returned (reload)", x["check_after_change"],
             f"stale answers: {x['stale']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checks", type=int, default=50_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--postgres", default=PG_DEFAULT)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        yk, v, members = setup(None, Path(tmp), "sqlite")
        f = check_figures(v, members, args.checks)
        x = cross_process(yk, v, members, args.workers, args.rounds)
        report("SQLite (file, WAL)", f, x)
        yk.close()
        if not args.no_postgres:
            run_postgres(Path(tmp), args)


def run_postgres(tmp: Path, args) -> None:
    with scratch_postgres(args.postgres) as url:
        if url is None:
            return
        yk, v, members = setup(url, tmp, "pg")
        f = check_figures(v, members, max(2000, args.checks // 10))
        x = cross_process(yk, v, members, args.workers, args.rounds)
        report("PostgreSQL (local, pooled connection)", f, x)
        yk.close()


if __name__ == "__main__":
    main()
