"""The retention worker's schedule (issue 6, item 4): ``next_run`` to the second, the settings
that configure it, counting what is due, the worker inside ``serve`` (SQLite by default, off on
PostgreSQL), and a restore that keeps a closed account's consent evidence for its period."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.database import database_bytes, sqlite_files
from tests.support.paths import POLICY
from tests.support.vault import EMAIL, MINSU, NICK, PHONE, consent, member, values_of
from yaksok.actors import api_key_actor
from yaksok.api import create_app
from yaksok.auditlog import iter_entries
from yaksok.engine import init_yaksok, open_yaksok
from yaksok.errors import ConfigError, NotFound, ValidationError
from yaksok.retention import add_period, close_account, run_expiry, write_record
from yaksok.retention.expiry import ExpiryRule, count_due
from yaksok.retention.schedule import run_pass, runs_in_serve
from yaksok.schedule import first_run, next_run, parse_schedule
from yaksok.settings import Settings
from yaksok.store.sql import from_db
from yaksok.store.tables import member_sessions, utcnow
from yaksok.vault import Vault
from yaksok.vault.erasure import erasures_path, read_erasure_entries

UTC = dt.UTC
THREAD = "yaksok-retention-worker"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- next_run: pure ----------------------------------------------------------------------------

def test_an_interval_runs_that_long_after_the_previous_pass():
    after = at("2024-06-01T10:00:00")
    assert next_run("every 5m", after) == at("2024-06-01T10:05:00")
    assert next_run("every 1h30m", after) == at("2024-06-01T11:30:00")
    assert next_run("every 45s", after) == at("2024-06-01T10:00:45")
    assert next_run("every 2d", after) == at("2024-06-03T10:00:00")
    assert first_run("every 5m", after) == after  # an interval runs at start


def test_daily_in_seoul_is_the_utc_hour_nine_hours_earlier_all_year():
    # 03:00 KST is 18:00 UTC of the day before; Seoul keeps no daylight saving time, so the
    # UTC hour is the same in winter, spring, summer and autumn.
    assert next_run("daily 03:00 Asia/Seoul", at("2024-06-01T10:00:00")) == \
        at("2024-06-01T18:00:00")
    for month in range(1, 13):
        got = next_run("daily 03:00 Asia/Seoul", at(f"2024-{month:02}-10T00:00:00"))
        assert got == at(f"2024-{month:02}-10T18:00:00")
    # Strictly after: at the very moment of a run, the next is a day later.
    assert next_run("daily 03:00 Asia/Seoul", at("2024-06-01T18:00:00")) == \
        at("2024-06-02T18:00:00")
    # The zone defaults to Seoul, where SOMESING's members sleep.
    assert parse_schedule("daily 03:00").zone == "Asia/Seoul"
    assert next_run("daily 03:00", at("2024-06-01T10:00:00")) == at("2024-06-01T18:00:00")
    # A daily schedule waits for its hour instead of running at start.
    assert first_run("daily 03:00", at("2024-06-01T10:00:00")) == at("2024-06-01T18:00:00")


def test_daily_past_midnight_and_across_the_year_end():
    sched = "daily 00:30 Asia/Seoul"
    # 23:59:59 KST on New Year's Eve -> 00:30 KST on 1 January, still 31 December in UTC.
    assert next_run(sched, at("2024-12-31T14:59:59")) == at("2024-12-31T15:30:00")
    assert next_run(sched, at("2024-12-31T15:00:00")) == at("2024-12-31T15:30:00")
    assert next_run(sched, at("2024-12-31T15:30:01")) == at("2025-01-01T15:30:00")
    # Several times a day, given in any order: the next one of them.
    two = "daily 15:00,03:00 Asia/Seoul"
    assert str(parse_schedule(two)) == "daily 03:00,15:00 Asia/Seoul"
    assert next_run(two, at("2024-06-01T18:00:00")) == at("2024-06-02T06:00:00")
    assert next_run(two, at("2024-06-02T06:00:00")) == at("2024-06-02T18:00:00")
    # Leap day.
    assert next_run("daily 23:00 UTC", at("2024-02-28T23:00:00")) == at("2024-02-29T23:00:00")


def test_daily_in_a_zone_with_daylight_saving_time():
    ny = "daily 02:30 America/New_York"
    assert next_run(ny, at("2024-03-09T12:00:00")) == at("2024-03-10T07:30:00")  # skipped: 03:30 EDT
    assert next_run(ny, at("2024-03-10T12:00:00")) == at("2024-03-11T06:30:00")  # 02:30 EDT
    once = "daily 01:30 America/New_York"  # 3 November 2024: 01:30 happens twice, runs once
    assert next_run(once, at("2024-11-03T04:00:00")) == at("2024-11-03T05:30:00")
    assert next_run(once, at("2024-11-03T05:30:00")) == at("2024-11-04T06:30:00")


def test_a_naive_time_is_refused():
    with pytest.raises(ValidationError, match="time zone"):
        next_run("every 5m", dt.datetime(2024, 6, 1, 10))


@pytest.mark.parametrize("text", ["", "every", "every 5", "every 5 minutes", "every 0s",
                                  "every -5m", "daily", "daily 3:00", "daily 24:00",
                                  "daily 03:00 Mars/Olympus", "daily 03:00 Asia/Seoul x",
                                  "hourly", "5m"])
def test_an_invalid_schedule_names_the_variable_and_the_format(text):
    with pytest.raises(ConfigError) as err:
        parse_schedule(text)
    assert err.value.field == "YAKSOK_WORKER_SCHEDULE"
    assert "every 5m" in err.value.fix and "daily 03:00 Asia/Seoul" in err.value.fix


def test_settings_read_and_check_the_worker_variables():
    s = Settings.from_env({"YAKSOK_WORKER_SCHEDULE": "daily 03:00 Asia/Seoul",
                           "YAKSOK_WORKER_BATCH": "250", "YAKSOK_WORKER_IN_SERVE": "OFF"})
    assert (s.worker_schedule, s.worker_batch, s.worker_in_serve) == \
        ("daily 03:00 Asia/Seoul", 250, "off")
    d = Settings.from_env({})
    assert (d.worker_schedule, d.worker_batch, d.worker_in_serve) == ("every 5m", 1000, "auto")
    for name, value in (("YAKSOK_WORKER_SCHEDULE", "every five minutes"),
                        ("YAKSOK_WORKER_BATCH", "0"), ("YAKSOK_WORKER_BATCH", "lots"),
                        ("YAKSOK_WORKER_IN_SERVE", "sometimes")):
        with pytest.raises(ConfigError) as err:
            Settings.from_env({name: value})
        assert err.value.field == name and err.value.fix


# -- counting what is due, a pass, stopping ----------------------------------------------------

def _consent_rows(yk, m=None) -> int:
    with yk.engine.connect() as conn:
        if m is None:
            return conn.execute(sa.text("SELECT COUNT(*) FROM consent_events")).scalar()
        return conn.execute(sa.text("SELECT COUNT(*) FROM consent_events WHERE "
                                    "member_id = :m"), {"m": m}).scalar()


def _sessions(yk, m, *specs) -> None:
    now = utcnow()
    with yk.engine.begin() as conn:
        for i, (expires, revoked) in enumerate(specs):
            conn.execute(member_sessions.insert().values(
                token_hash=f"{i:x}".rjust(64, "a"), member_id=m, created_at=now,
                expires_at=expires, revoked_at=revoked))


@pytest.mark.promise("P12.5")
def test_count_due_is_exactly_what_the_run_destroys(yk, vault, app, monkeypatch):
    m, withdrew, keeps, closes = member(vault), member(vault), member(vault), member(vault)
    for i in range(3):  # login records of January 2020: expired April 2020
        write_record(yk, m, "login_record", {"user.device.ip_address": f"203.0.113.{i}"},
                     actor=app, at=at(f"2020-01-0{i + 1}T09:00:00"))
    for i in range(2):  # payment records of 2020: expired 2025
        write_record(yk, m, "payment_record", {"user.payment.transaction_id": f"tx-{i}"},
                     actor=app, at=at(f"2020-02-0{i + 1}T09:00:00"))
    consent(vault, withdrew, "customised_ads")
    consent(vault, withdrew, "customised_ads", "withdraw")
    consent(vault, keeps, "customised_ads")
    consent(vault, closes, "customised_ads")
    close_account(yk, closes, actor=app)
    vault.purge_erased()
    now = add_period(utcnow(), "P5Y") + dt.timedelta(days=1)
    _sessions(yk, m, (utcnow() - dt.timedelta(minutes=1), None),   # expired
              (now + dt.timedelta(days=400), utcnow()),             # revoked
              (now + dt.timedelta(days=400), None))                 # live
    evidence = _consent_rows(yk, withdrew) + _consent_rows(yk, closes)
    assert evidence >= 3
    # A kind that cannot count ahead is left out of the counts (the CLI shows it as a line).
    yk.expiry.register(ExpiryRule("uncounted", "row delete", "test", None,
                                  lambda v, conn, now, batch: []))
    due = count_due(yk, now)
    assert due == {"held_records": 5, "hold_keys": 2, "member_sessions": 2,
                   "staff_sessions": 0, "consent_evidence": evidence,
                   "idempotency_keys": 0, "verification_codes": 0, "export_files": 0,
                   "farewell_addresses": 0, "drp_used_messages": 0, "member_tokens": 0}
    assert count_due(yk, at("2020-04-03T10:00:00"))["held_records"] == 3  # the login records
    done: dict[str, int] = {}
    records = run_expiry(yk, now=now, batch=2,
                         progress=lambda kind, n: done.__setitem__(kind, done.get(kind, 0) + n))
    assert {k: v for k, v in due.items() if v} == done
    assert sum(r.count for r in records) == sum(due.values())
    assert count_due(yk, now) == dict.fromkeys(due, 0)
    assert _consent_rows(yk, keeps) >= 1  # a consent still given is never due


def test_a_stopped_run_ends_after_its_batch_and_the_next_run_finishes(yk, vault, app):
    m = member(vault)
    # On PostgreSQL a batch is a range of table blocks: enough rows to fill a few.
    n = 5 if yk.engine.dialect.name == "sqlite" else 90
    for i in range(n):
        write_record(yk, m, "login_record", {"user.device.ip_address": f"198.51.100.{i}"},
                     actor=app, at=at(f"2021-01-0{i % 5 + 1}T00:00:00"))
    now = at("2021-04-10T00:00:00")
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 1  # let one batch through, then stop

    first = run_pass(yk, batch=2, now=now, stop=stop)
    assert first.stopped and 0 < first.destroyed < n and first.purged == 0
    if n == 5:
        assert first.destroyed == 2
    assert count_due(yk, now)["held_records"] == n - first.destroyed
    second = run_pass(yk, batch=2, now=now)
    assert not second.stopped
    assert sum(r.count for r in second.records if r.kind == "held_records") == n - first.destroyed
    assert len([r for r in second.records if r.kind == "held_records"]) > 1  # still in batches
    assert count_due(yk, now)["held_records"] == 0


# -- the worker inside `serve` -----------------------------------------------------------------

def _fresh(tmp_path, monkeypatch, **settings):
    from yaksok.crypto.keyring import PASSPHRASE_ENV

    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    return init_yaksok(Settings(data_dir=tmp_path / "data", policy_path=POLICY, **settings))


def _held(yk) -> int:
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM held_records")).scalar()


def _wait(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.05)


def _worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD and t.is_alive()]


@pytest.mark.promise("P12.5")
def test_serve_runs_the_worker_in_process_on_sqlite(tmp_path, monkeypatch):
    y = _fresh(tmp_path, monkeypatch, worker_schedule="every 1s", worker_batch=3)
    try:
        v = Vault(y.engine, y.keyring, y.policy_in_force, y.settings)
        actor = api_key_actor(y.policy, "ak_t", "t", ["members", "compliance"])
        m, gone = v.create_member(jurisdiction="KR"), v.create_member(jurisdiction="KR")
        for i in range(7):
            write_record(y, m, "login_record", {"user.device.ip_address": f"203.0.113.{i}"},
                         actor=actor, at=at("2020-01-10T00:00:00") + dt.timedelta(hours=i))
        v.collect(gone, EMAIL, MINSU[EMAIL], channel="app", actor=actor)
        v.erase_member(gone, actor=actor)
        assert _held(y) == 7 and len(values_of(y, gone)) == 1
        assert runs_in_serve(y)
        with TestClient(create_app(y, background=True)) as client:
            assert len(_worker_threads()) == 1
            _wait(lambda: _held(y) == 0 and not values_of(y, gone))
            assert client.get("/policy").status_code == 200
        assert _worker_threads() == []  # stopped with the app
        with y.engine.connect() as conn:
            counts = [r[0] for r in conn.execute(sa.text(
                "SELECT count FROM destruction_records WHERE kind = 'held_records' "
                "ORDER BY id"))]
        assert counts == [3, 3, 1]  # the configured batch
    finally:
        y.close()


def test_the_worker_is_off_in_serve_on_postgresql_unless_asked(yk):
    sqlite = yk.engine.dialect.name == "sqlite"
    assert runs_in_serve(yk) is sqlite
    with TestClient(create_app(yk, background=True)):
        assert len(_worker_threads()) == (1 if sqlite else 0)
    assert _worker_threads() == []
    yk.settings = yk.settings.with_(worker_in_serve="on")
    assert runs_in_serve(yk)
    yk.settings = yk.settings.with_(worker_in_serve="off")
    assert not runs_in_serve(yk)
    with TestClient(create_app(yk, background=True)):
        assert _worker_threads() == []
    yk.settings = yk.settings.with_(worker_in_serve="sometimes")
    with pytest.raises(ConfigError, match="auto, on or off"):
        runs_in_serve(yk)


def test_a_failed_pass_is_logged_without_values_and_retried(tmp_path, monkeypatch, caplog):
    y = _fresh(tmp_path, monkeypatch, worker_schedule="every 1s")
    calls = []

    def flaky(yk, conn, now, batch):
        calls.append(now)
        if len(calls) == 1:  # a driver error quoting its parameters, a member's email among them
            raise sa.exc.OperationalError("DELETE FROM x WHERE email = ?", (MINSU[EMAIL],),
                                          Exception("database is locked"))
        if len(calls) == 2:  # a bug whose message carries a value
            raise RuntimeError(f"unexpected row {MINSU[EMAIL]}")
        return []

    y.expiry.register(ExpiryRule("flaky", "row delete", "test", None, flaky))
    try:
        v = Vault(y.engine, y.keyring, y.policy_in_force, y.settings)
        actor = api_key_actor(y.policy, "ak_t", "t", ["members", "compliance"])
        gone = v.create_member(jurisdiction="KR")
        v.collect(gone, EMAIL, MINSU[EMAIL], channel="app", actor=actor)
        v.erase_member(gone, actor=actor)
        caplog.set_level(logging.INFO, logger="yaksok.retention")
        with TestClient(create_app(y, background=True)) as client:
            _wait(lambda: len(calls) >= 3 and not values_of(y, gone))
            assert client.get("/policy").status_code == 200  # the server lives on
            assert len(_worker_threads()) == 1
        failures = [r.getMessage() for r in caplog.records if "pass failed" in r.getMessage()]
        assert len(failures) == 2
        assert "database is locked" in failures[0] and "(RuntimeError)" in failures[1]
        assert MINSU[EMAIL] not in caplog.text
    finally:
        y.close()


# -- restore-awareness of closures -------------------------------------------------------------

def test_the_erasures_file_keeps_old_lines_readable(tmp_path):
    path = tmp_path / "erasures.txt"
    path.write_text("m_old 2023-05-01T00:00:00.000000Z\n"
                    "m_closed 2024-03-10T12:00:00.000000Z closure\n"
                    "garbage line here too many words\n"
                    "m_bad not-a-time closure\n", "ascii")
    got = read_erasure_entries(path)
    assert [(e.member_id, e.closure) for e in got] == [("m_old", False), ("m_closed", True),
                                                       ("m_bad", True)]
    assert got[1].at == at("2024-03-10T12:00:00") and got[2].at is None
    assert read_erasure_entries(tmp_path / "missing.txt") == []


def _backup(yk, to: Path) -> None:
    """SQLite: the online backup API; PostgreSQL: pg_dump of the test's schema."""
    if yk.engine.dialect.name == "sqlite":
        with sqlite3.connect(yk.engine.url.database) as src, sqlite3.connect(to) as dst:
            src.backup(dst)
        return
    url = yk.engine.url
    schema = url.query["options"].split("search_path=")[1]
    subprocess.run(["pg_dump", "-h", url.host, "-p", str(url.port or 5432), "-U", url.username,
                    "-n", schema, "-Fc", "-f", str(to), url.database], check=True, timeout=60)


def _restore(yk, backup: Path) -> None:
    """Put the backup back over the live database (the process holding it is stopped)."""
    url = yk.engine.url
    yk.close()
    if url.get_backend_name() == "sqlite":
        for p in sqlite_files(yk):
            p.unlink()
        backup.replace(url.database)
        return
    schema = url.query["options"].split("search_path=")[1]
    admin = sa.create_engine(url.set(query={}), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()
    subprocess.run(["pg_restore", "-h", url.host, "-p", str(url.port or 5432), "-U",
                    url.username, "-d", url.database, str(backup)], check=True, timeout=60)


@pytest.mark.promise("P12.5")
@pytest.mark.promise("P12.7")
def test_a_restore_before_a_closure_keeps_its_consent_evidence_after_reapply(
        tmp_path, yk, vault, app):
    closed, erased, other = member(vault), member(vault), member(vault)
    for m in (closed, erased):
        for cat in (EMAIL, PHONE, NICK):
            vault.collect(m, cat, MINSU[cat], channel="app", actor=app)
        consent(vault, m, "customised_ads")
    vault.collect(other, EMAIL, "jiyeon.park@somesing.kr", channel="app", actor=app)
    evidence = _consent_rows(yk, closed)
    assert evidence >= 1
    backup = tmp_path / "backup.db"
    _backup(yk, backup)  # the nightly backup, taken before the closure and the erasure
    closed_at = at("2024-03-10T12:00:00")
    close_account(yk, closed, actor=app, now=closed_at)
    vault.erase_member(erased, actor=app)
    vault.purge_erased()
    lines = erasures_path(yk.settings).read_text("ascii").splitlines()
    assert lines == [f"{closed} 2024-03-10T12:00:00.000000Z closure", lines[1]]
    assert lines[1].startswith(f"{erased} ") and len(lines[1].split()) == 2
    settings = yk.settings
    _restore(yk, backup)
    restored = open_yaksok(settings)
    try:
        v = Vault(restored.engine, restored.keyring, restored.policy_in_force, restored.settings)
        # The restored copy has them back: the risk reapply removes.
        assert v.read(closed, [EMAIL], "contract_performance", actor=app)[EMAIL]
        assert v.read(erased, [EMAIL], "contract_performance", actor=app)[EMAIL]
        assert restored.vault.reapply_erasures() == 2
        for m in (closed, erased):
            with pytest.raises(NotFound):
                v.read(m, [EMAIL], "contract_performance", actor=app)
            assert values_of(restored, m) == []
        with restored.engine.connect() as conn:
            rows = dict(conn.execute(sa.text("SELECT id, closed_at FROM members WHERE id IN "
                                             "(:a, :b)"), {"a": closed, "b": erased}).all())
            statuses = {r[0] for r in conn.execute(sa.text(
                "SELECT status FROM members WHERE id IN (:a, :b)"), {"a": closed, "b": erased})}
        assert statuses == {"erased"}
        assert from_db(rows[closed]) == closed_at and rows[erased] is None
        # The closure's consent evidence is kept (P5Y after the closure); the erasure's is gone.
        assert _consent_rows(restored, closed) == evidence
        assert _consent_rows(restored, erased) == 0
        raw = database_bytes(restored)
        for value in (MINSU[EMAIL], MINSU[PHONE], MINSU[NICK]):
            assert value.encode() not in raw
        assert v.read(other, [EMAIL], "contract_performance", actor=app)[EMAIL][0].value == \
            "jiyeon.park@somesing.kr"
        reasons = {e.subject_ref: e.reason for e in iter_entries(restored.engine)
                   if e.actor_id == "system:reapply-erasures"}
        assert reasons == {closed: "account-closure-reapplied-after-restore",
                           erased: "reapplied-after-restore"}
        assert restored.vault.reapply_erasures() == 0  # idempotent
        # Kept until five years after the closure, then destroyed by the expiry kind.
        assert run_expiry(restored, now=add_period(closed_at, "P5Y") - dt.timedelta(days=1),
                          kinds=["consent_evidence"]) == []
        assert _consent_rows(restored, closed) == evidence
        recs = run_expiry(restored, now=add_period(closed_at, "P5Y") + dt.timedelta(seconds=1),
                          kinds=["consent_evidence"])
        assert [(r.count, r.rule) for r in recs] == [(evidence, "P5Y after the account closed")]
        assert _consent_rows(restored, closed) == 0
    finally:
        restored.close()
