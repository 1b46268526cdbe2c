"""Benchmark: recording cookie choices over REST, against a bare FastAPI endpoint, in one run.

    .venv/bin/python bench/consent_cookies.py [--seconds 5] [--concurrency 16] [--rounds 2]

What runs, all on loopback (127.0.0.1) and nothing else:

- the real app: ``uvicorn --factory yaksok.api.app:create_app_from_settings`` (one process,
  the embedded SQLite database with yaksok's settings: WAL, synchronous=NORMAL), serving
  ``POST /consent/choice``; every request records a new device's choice (a committed row);
- the baseline: a bare FastAPI app under the same uvicorn settings, whose ``POST
  /consent/choice`` takes the same JSON body (same pydantic model) and answers at once, as an
  ``async def`` (the fastest a FastAPI endpoint gets) and, for reference, as a plain ``def``
  (which runs in the thread pool like the real route);
- the load generator: another process keeping ``--concurrency`` keep-alive connections busy
  (one request in flight on each), for ``--seconds`` after a one-second warm-up.

Each server starts once; the targets are then measured in turn, ``--rounds`` times, in an
order that alternates between rounds; each rate is the median of its rounds and the ratio is
the median of the per-round ratios (each against the baseline measured next to it). On a machine with more than two cores the servers are pinned to two cores and the load
generator to the others; on a two-core machine all share the two cores, as they do here, which
costs the real app and the baseline alike. The ratio real/bare is the figure to compare across
machines; the goal is at least 40%.
"""


import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "somesing.yaml"
HOST = "127.0.0.1"
CHOICES = ({"performance": True, "functional": True}, {"performance": False, "functional": False},
           {"performance": True, "functional": False})


# -- the baseline app (imported by uvicorn in its own process) ---------------------------------


def bare_app(kind: str = "async"):
    from fastapi import FastAPI

    from yaksok.api.routes_cookies import ChoiceIn

    app = FastAPI()
    if kind == "async":
        @app.post("/consent/choice", status_code=201)
        async def choice_async(body: ChoiceIn) -> dict:
            return {"device_id": body.device_id, "choices": body.choices, "gpc": body.gpc}
    else:
        @app.post("/consent/choice", status_code=201)
        def choice_sync(body: ChoiceIn) -> dict:
            return {"device_id": body.device_id, "choices": body.choices, "gpc": body.gpc}
    return app


def bare_async():
    return bare_app("async")


def bare_sync():
    return bare_app("sync")


# -- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def cpus() -> tuple[set[int] | None, set[int] | None]:
    """(server cores, load-generator cores); None: no pinning (two cores or fewer)."""
    avail = sorted(os.sched_getaffinity(0))
    if len(avail) <= 2:
        return None, None
    return set(avail[:2]), set(avail[2:])


def start_server(target: str, env: dict, pin: set[int] | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "--factory", target, "--host", HOST,
           "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning",
           "--app-dir", str(ROOT / "bench")]
    proc = subprocess.Popen(cmd, env=env, preexec_fn=(lambda: os.sched_setaffinity(0, pin))
                            if pin else None)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{target} exited with {proc.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{target} did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


# -- the load generator (runs in its own process: ``--load URL``) -------------------------------
# A minimal HTTP/1.1 keep-alive client on asyncio streams: one pre-encoded request per call,
# the response read by Content-Length. httpx was tried first: its own per-request cost capped
# the bare endpoint and the real app alike at a few hundred requests/s on this machine, so it
# measured the client, not the servers.


async def _connection(host: str, port: int, until: float, ids, counter: dict,
                      count: bool) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            i = counter["i"] = counter["i"] + 1
            body = json.dumps({"device_id": ids[i % len(ids)], "choices": CHOICES[i % 3],
                               "lang": "ko"}).encode()
            writer.write(b"POST /consent/choice HTTP/1.1\r\nHost: %s:%d\r\n"
                         b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                         % (host.encode(), port, len(body), body))
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            if count:
                counter["ok" if status == 201 else "err"] += 1
    finally:
        writer.close()


async def _load(url: str, seconds: float, concurrency: int) -> dict:
    host, port = url.removeprefix("http://").split(":")
    ids = [secrets.token_hex(16) for _ in range(200_000)]
    counter = {"ok": 0, "err": 0, "i": 0}

    async def run(until: float, count: bool) -> None:
        await asyncio.gather(*(_connection(host, int(port), until, ids, counter, count)
                               for _ in range(concurrency)))

    await run(time.perf_counter() + 1.0, False)  # warm-up
    start = time.perf_counter()
    await run(start + seconds, True)
    elapsed = time.perf_counter() - start
    return {"rps": counter["ok"] / elapsed, "ok": counter["ok"], "err": counter["err"],
            "sent": counter["i"]}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, seconds: float, concurrency: int, pin: set[int] | None,
            server: subprocess.Popen) -> dict:
    before = cpu_seconds(server.pid)
    out = subprocess.run(
        [sys.executable, __file__, "--load", url, "--seconds", str(seconds),
         "--concurrency", str(concurrency)],
        capture_output=True, text=True, check=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, pin)) if pin else None)
    result = json.loads(out.stdout)
    # Server CPU per request (warm-up included in both terms): far less sensitive than req/s to
    # what else the machine runs, and what the req/s ratio tends to when the server is the
    # bottleneck.
    result["cpu_us"] = (cpu_seconds(server.pid) - before) * 1e6 / max(1, result["sent"])
    return result


# -- main -------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--database-url", default="",
                    help="measure on this database instead of the embedded SQLite file "
                         "(e.g. a throwaway PostgreSQL database; its cookie_choices grows)")
    ap.add_argument("--load", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.load:
        print(json.dumps(asyncio.run(_load(args.load, args.seconds, args.concurrency))))
        return 0

    from yaksok.engine import init_yaksok
    from yaksok.settings import Settings

    server_cpus, load_cpus = cpus()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        init_yaksok(Settings(data_dir=data, policy_path=POLICY,
                             database_url=args.database_url)).close()
        env = {**os.environ, "YAKSOK_DATA_DIR": str(data), "YAKSOK_POLICY": str(POLICY),
               "YAKSOK_DATABASE_URL": args.database_url,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"),
                                                           os.environ.get("PYTHONPATH")]))}
        targets = {
            "bare FastAPI endpoint (async def)": "consent_cookies:bare_async",
            "bare FastAPI endpoint (def)": "consent_cookies:bare_sync",
            "POST /consent/choice (yaksok)": "yaksok.api.app:create_app_from_settings",
        }
        results: dict[str, list[dict]] = {name: [] for name in targets}
        servers: dict[str, tuple[subprocess.Popen, str]] = {}
        try:
            for name, target in targets.items():
                servers[name] = start_server(target, env, server_cpus)
            # Every server is started once and warmed up by each measurement's first second;
            # the order alternates between rounds, so a drift in the machine's load (others'
            # jobs) weighs on every target alike.
            for round_no in range(args.rounds):
                order = list(servers) if round_no % 2 == 0 else list(reversed(servers))
                for name in order:
                    proc, url = servers[name]
                    results[name].append(measure(url, args.seconds, args.concurrency, load_cpus,
                                                 proc))
        finally:
            for proc, _ in servers.values():
                stop(proc)
        import sqlalchemy as sa

        from yaksok.store import make_engine

        engine = make_engine(args.database_url or f"sqlite:///{data / 'yaksok.db'}")
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT count(*) FROM cookie_choices")).scalar_one()
        engine.dispose()

    pinning = (f"servers on cores {sorted(server_cpus)}, load generator on {sorted(load_cpus)}"
               if server_cpus else f"servers and load generator share {os.cpu_count()} cores")
    backend = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(f"Recording cookie choices over REST: {backend}, 1 uvicorn process, {pinning}; "
          f"{args.concurrency} requests in flight, {args.seconds:g} s x {args.rounds} rounds")
    rates = {}
    for name, runs in results.items():
        rates[name] = statistics.median(r["rps"] for r in runs)
        errors = sum(r["err"] for r in runs)
        per_round = ", ".join(f"{r['rps']:.0f}" for r in runs)
        cpu = statistics.median(r["cpu_us"] for r in runs)
        print(f"  {name:<36} {rates[name]:8.0f} req/s  server CPU {cpu:5.0f} us/request   "
              f"(rounds: {per_round}; errors {errors})")
    real_name = "POST /consent/choice (yaksok)"
    real = rates[real_name]
    ratios = {}
    for base in ("bare FastAPI endpoint (async def)", "bare FastAPI endpoint (def)"):
        # Per round: the real app against the baseline measured next to it; then the median.
        ratios[base] = statistics.median(r["rps"] / b["rps"] for r, b in
                                         zip(results[real_name], results[base], strict=True))
        print(f"  ratio yaksok / {base:<34} {ratios[base]:6.1%}  (median of per-round ratios; "
              f"ratio of medians {real / rates[base]:.1%})")
    cpu = {name: statistics.median(r["cpu_us"] for r in runs) for name, runs in results.items()}
    print(f"  CPU ratio bare async / yaksok (what req/s tends to when the server is the "
          f"bottleneck): {cpu['bare FastAPI endpoint (async def)'] / cpu[real_name]:.1%}")
    ok = sum(r["ok"] for r in results[real_name])
    print(f"  rows stored: {stored} (at least the {ok} measured requests, plus warm-ups)")
    goal = ratios["bare FastAPI endpoint (async def)"] >= 0.40
    print(f"  goal (>= 40% of the bare async endpoint): {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
