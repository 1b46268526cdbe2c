"""`yaksok worker` by hand (issue 6, item 4), on the SQLite default: a progress bar whose total
is what is due and that advances batch by batch, one line per kind when stderr is no terminal,
the batch and the schedule from configuration, and a clear error for a bad schedule. The
processes that follow the schedule are real (`python -m yaksok worker`)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from yaksok import retention
from yaksok.actors import api_key_actor
from yaksok.cli import app as cli_app
from yaksok.cli import main
from yaksok.engine import init_yaksok, open_yaksok
from yaksok.retention import write_record
from yaksok.retention.schedule import next_run
from yaksok.settings import Settings
from yaksok.store.tables import member_sessions, utcnow
from yaksok.vault import ExpiryRule, Found

POLICY = Path(__file__).resolve().parents[2] / "policies" / "somesing.yaml"
UTC = dt.UTC
IP = "198.51.100.{}"


@pytest.fixture
def env(tmp_path, monkeypatch) -> dict[str, str]:
    from yaksok.crypto.keyring import PASSPHRASE_ENV

    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    for name in ("YAKSOK_DATABASE_URL", "YAKSOK_WORKER_SCHEDULE", "YAKSOK_WORKER_BATCH",
                 "YAKSOK_WORKER_IN_SERVE"):
        monkeypatch.delenv(name, raising=False)
    e = {"YAKSOK_DATA_DIR": str(tmp_path / "data"), "YAKSOK_POLICY": str(POLICY)}
    init_yaksok(Settings.from_env(e)).close()
    return e


def expired(env, n: int, *, sessions: int = 0, month: int = 1) -> str:
    """``n`` login records of ``month`` 2021 (long expired, one hold key) and ``sessions``
    expired member sessions; returns the member."""
    yk = open_yaksok(Settings.from_env(env))
    try:
        app = api_key_actor(yk.policy, "ak_t", "t", ["members", "compliance"])
        m = yk.vault.create_member(jurisdiction="KR")
        for i in range(n):
            write_record(yk, m, "login_record", {"user.device.ip_address": IP.format(i)},
                         actor=app, at=dt.datetime(2021, month, 1 + i, tzinfo=UTC))
        now = utcnow()
        with yk.engine.begin() as conn:
            for i in range(sessions):
                conn.execute(member_sessions.insert().values(
                    token_hash=f"{i:x}".rjust(64, "b"), member_id=m, created_at=now,
                    expires_at=now - dt.timedelta(minutes=1)))
        return m
    finally:
        yk.close()


def query(env, q: str) -> list:
    yk = open_yaksok(Settings.from_env(env))
    try:
        with yk.engine.connect() as conn:
            return conn.execute(sa.text(q)).fetchall()
    finally:
        yk.close()


def held(env) -> int:
    return query(env, "SELECT COUNT(*) FROM held_records")[0][0]


def positions(text: str, total: int) -> list[int]:
    return [int(p) for p in re.findall(rf"(\d+)/{total}\b", text)]


@pytest.mark.promise("P12.5")
def test_a_forced_progress_bar_counts_what_is_due_and_advances_per_batch(env):
    expired(env, 5, sessions=1)  # due: 5 records + their month's hold key + 1 session = 7
    r = CliRunner().invoke(cli_app, ["worker", "--once", "--progress", "--batch", "2"], env=env)
    assert r.exit_code == 0, r.output
    assert "destroying expired items" in r.stderr
    # Rendered at 0, then after each batch: 2, 4, 5 records, the key, the session.
    assert positions(r.stderr, 7) == [0, 2, 4, 5, 6, 7]
    assert "held_records: 2 destroyed" not in r.stderr  # the bar replaces the lines
    assert "destroyed 7 item(s) in 5 batch(es)" in r.stdout
    assert held(env) == 0
    for i in range(5):
        assert IP.format(i) not in r.output
    # Nothing left: the bar's total is 0.
    again = CliRunner().invoke(cli_app, ["worker", "--once", "--progress"], env=env)
    assert again.exit_code == 0 and "destroyed 0 item(s)" in again.stdout
    assert positions(again.stderr, 7) == []


def test_a_kind_that_cannot_count_ahead_is_told_after_the_bar(env, monkeypatch):
    expired(env, 3)
    done = []

    def uncounted(yk, conn, now, batch):
        done.append(1)
        return [Found(4)] if len(done) == 1 else []

    # The command wires its own yaksok: the kind is added where the wiring reads the kinds.
    monkeypatch.setattr(retention, "EXPIRY_RULES", (
        *retention.EXPIRY_RULES,
        ExpiryRule("one_time_codes", "row delete", "test", None, uncounted)))
    r = CliRunner().invoke(cli_app, ["worker", "--once", "--progress"], env=env)
    assert r.exit_code == 0, r.output
    assert positions(r.stderr, 4) == [0, 3, 4]  # 3 records and 1 key; the codes are not in it
    assert r.stderr.rstrip().endswith("one_time_codes: 4 destroyed (not counted ahead)")
    assert "destroyed 8 item(s)" in r.stdout


def test_without_a_terminal_it_prints_one_line_per_batch(env):
    expired(env, 5)
    env = {**env, "YAKSOK_WORKER_BATCH": "2"}
    r = CliRunner().invoke(cli_app, ["worker", "--once"], env=env)  # stderr is not a TTY
    assert r.exit_code == 0, r.output
    assert [ln for ln in r.stderr.splitlines() if "destroyed" in ln] == [
        "held_records: 2 destroyed", "held_records: 2 destroyed", "held_records: 1 destroyed",
        "hold_keys: 1 destroyed"]
    assert positions(r.stderr, 6) == []
    counts = [row[0] for row in query(env, "SELECT count FROM destruction_records WHERE "
                                           "kind = 'held_records' ORDER BY id")]
    assert counts == [2, 2, 1]  # YAKSOK_WORKER_BATCH
    expired(env, 1, month=3)
    r = CliRunner().invoke(cli_app, ["worker", "--once", "--no-progress"], env=env)
    assert r.exit_code == 0 and "held_records: 1 destroyed" in r.stderr


def test_a_bad_schedule_or_batch_is_a_config_error_not_a_traceback(env, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("YAKSOK_WORKER_SCHEDULE", "every five minutes")
    assert main(["worker", "--once"]) == 6
    err = capsys.readouterr().err
    assert err.startswith("error: YAKSOK_WORKER_SCHEDULE: 'every five minutes' is not a worker "
                          "schedule") and "daily HH:MM" in err and "Traceback" not in err
    monkeypatch.setenv("YAKSOK_WORKER_SCHEDULE", "daily 03:00")
    monkeypatch.setenv("YAKSOK_WORKER_BATCH", "0")
    assert main(["worker", "--once"]) == 6
    assert "YAKSOK_WORKER_BATCH" in capsys.readouterr().err
    monkeypatch.delenv("YAKSOK_WORKER_BATCH")
    assert main(["worker", "--once", "--interval", "0"]) == 2
    assert "--interval" in capsys.readouterr().err


# -- the worker as a process, on its schedule --------------------------------------------------

def start(env, tmp_path: Path, *args: str, **extra: str):
    out, err = tmp_path / "worker.out", tmp_path / "worker.err"
    proc = subprocess.Popen([sys.executable, "-m", "yaksok", "worker", *args],
                            env={**os.environ, **env, **extra}, stdout=out.open("w"),
                            stderr=err.open("w"))
    return proc, out, err


def wait_for(condition, proc, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert proc.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.05)


@pytest.mark.promise("P12.5")
def test_the_worker_follows_its_interval_schedule(env, tmp_path):
    proc, out, err = start(env, tmp_path, YAKSOK_WORKER_SCHEDULE="every 1s")
    try:
        wait_for(lambda: "destroyed 0 item(s)" in out.read_text(), proc)  # a pass at start
        expired(env, 4)  # expired while the worker sleeps: the next passes take them
        wait_for(lambda: held(env) == 0, proc)
        # 4 records and their key; one pass or several (a pass may fall between two writes),
        # so what the passes printed adds up to what the destruction records count.
        recorded = lambda: query(env, "SELECT COALESCE(SUM(count), 0) FROM "  # noqa: E731
                                      "destruction_records")[0][0]
        printed = lambda: sum(int(n) for n in re.findall(  # noqa: E731
            r"destroyed (\d+) item\(s\)", out.read_text()))
        wait_for(lambda: printed() >= 5 and printed() == recorded(), proc)
        assert "(schedule: every 1s)" in err.read_text()
    finally:
        proc.kill()
        proc.wait(10)


def test_a_daily_schedule_waits_for_its_hour_and_interval_overrides_it(env, tmp_path):
    expired(env, 2)
    daily = "daily 03:00 Asia/Seoul"
    before = utcnow()
    proc, out, err = start(env, tmp_path, YAKSOK_WORKER_SCHEDULE=daily)
    try:
        wait_for(lambda: "next pass at" in err.read_text(), proc)
        line = err.read_text().splitlines()[0]
        when = dt.datetime.fromisoformat(line.split()[3])
        assert when in {next_run(daily, before).replace(microsecond=0),
                        next_run(daily, utcnow()).replace(microsecond=0)}
        assert line.endswith(f"(schedule: {daily})")
        if (when - utcnow()).total_seconds() > 5:  # not when the run itself straddles 03:00
            time.sleep(1.0)
            assert out.read_text() == "" and held(env) == 2  # nothing destroyed before 03:00
    finally:
        proc.kill()
        proc.wait(10)
    proc, out, _ = start(env, tmp_path, "--interval", "1", YAKSOK_WORKER_SCHEDULE=daily)
    try:
        wait_for(lambda: held(env) == 0, proc)  # at once, then every second
        wait_for(lambda: out.read_text().count("destroyed") >= 2, proc)
    finally:
        proc.kill()
        proc.wait(10)
