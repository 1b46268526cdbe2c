"""`yaksok worker` as real processes (issue 6, item 4) on SQLite and PostgreSQL: three workers
started together destroy every expired record exactly once, and a worker killed with SIGKILL in
the middle of a run is resumed by the next run without counting anything twice."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.support.paths import POLICY
from yaksok.crypto.envelope import new_id, seal_value
from yaksok.retention import HOLD_MEMBER, add_period, hold_scope
from yaksok.store.sql import sql, to_db, write
from yaksok.vault.held import _aad, _hold_key

UTC = dt.UTC
KINDS = [("contract_record", "user.payment.user_id"), ("payment_record", "user.payment.user_id"),
         ("complaint_record", "user.contact.email"), ("credit_information_record", "user.name"),
         ("advertising_record", "user.behavior.marketing_activity"),
         ("login_record", "user.device.ip_address"),
         ("communication_confirmation_record", "user.telemetry.log_data")]


def fill_expired(yk, n: int) -> set[str]:
    """``n`` held records across the kinds and 24 months, all long expired (written 2015-2016),
    sealed under their real hold keys and inserted with executemany; returns the hold scopes."""
    v = yk.vault
    rows, scopes = [], set()
    with write(yk.engine) as conn:
        keys: dict[str, tuple[str, AESGCM]] = {}
        for i in range(n):
            kind, category = KINDS[i % len(KINDS)]
            at = dt.datetime(2015, 1 + (i // len(KINDS)) % 12, 1 + i % 28, tzinfo=UTC) \
                + dt.timedelta(days=366 * ((i // 84) % 2))
            expires = add_period(at, yk.policy.retention_rule(kind).period)
            scope = hold_scope(kind, expires)
            if scope not in keys:
                key_id, key = _hold_key(conn, v.keyring, scope, at)
                keys[scope] = (key_id, AESGCM(key))
            key_id, aes = keys[scope]
            rid = new_id("hr_")
            payload = json.dumps({category: f"value-{i}"}).encode()
            rows.append((rid, kind, None, key_id, seal_value(aes, _aad(rid, kind, key_id), payload),
                         to_db(v.sqlite, at), to_db(v.sqlite, expires)))
        scopes = set(keys)
        conn.exec_driver_sql(sql(conn, "INSERT INTO held_records (id, record_kind, member_ref, "
                                 "key_id, ciphertext, created_at, expires_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)"), rows)
    return scopes


def count(yk, q: str) -> int:
    with yk.engine.connect() as conn:
        return conn.execute(sa.text(q), {"h": HOLD_MEMBER}).scalar()


def destroyed_held(yk) -> int:
    return count(yk, "SELECT COALESCE(SUM(count), 0) FROM destruction_records "
                     "WHERE kind = 'held_records'")


def worker_env(yk) -> dict[str, str]:
    s = yk.settings
    env = dict(os.environ)
    env.update(YAKSOK_DATA_DIR=str(s.data_dir), YAKSOK_DATABASE_URL=s.effective_database_url,
               YAKSOK_POLICY=str(POLICY), YAKSOK_KEYRING=str(s.keyring_path))
    return env


def start_worker(yk, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "yaksok", "worker", "--once", *args],
                            env=worker_env(yk), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def assert_all_destroyed_once(yk, n: int, scopes: set[str]) -> None:
    assert count(yk, "SELECT COUNT(*) FROM held_records") == 0
    assert destroyed_held(yk) == n  # each record counted once, none twice
    assert count(yk, "SELECT COALESCE(SUM(count), 0) FROM destruction_records "
                     "WHERE kind = 'hold_keys'") == len(scopes)
    assert count(yk, "SELECT COUNT(*) FROM data_keys WHERE member_id = :h "
                     "AND wrapped IS NOT NULL") == 0


@pytest.mark.promise("P12.7")
def test_three_worker_processes_destroy_every_expired_record_exactly_once(yk):
    n = 3000
    scopes = fill_expired(yk, n)
    assert count(yk, "SELECT COUNT(*) FROM held_records") == n
    procs = [start_worker(yk, "--batch", "100") for _ in range(3)]
    outs = [p.communicate(timeout=240) for p in procs]
    for p, (_o, e) in zip(procs, outs, strict=True):
        assert p.returncode == 0, e
    assert_all_destroyed_once(yk, n, scopes)
    runs = count(yk, "SELECT COUNT(DISTINCT run_id) FROM destruction_records")
    assert 1 <= runs <= 3
    # A further run finds nothing left to destroy.
    p = start_worker(yk)
    o, e = p.communicate(timeout=120)
    assert p.returncode == 0, e
    assert "destroyed 0 item(s)" in o
    assert destroyed_held(yk) == n


@pytest.mark.promise("P12.7")
def test_a_worker_killed_mid_run_is_resumed_without_counting_anything_twice(yk):
    # A transaction groups up to 100 batches (SQLite; held records on PostgreSQL): enough rows
    # for several transactions, so the kill lands between the first commit and the last.
    n = 20000
    scopes = fill_expired(yk, n)
    p = start_worker(yk, "--batch", "50")
    deadline = time.monotonic() + 120
    while destroyed_held(yk) == 0:
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(p.pid, signal.SIGKILL)
    p.communicate(timeout=30)
    assert p.returncode == -signal.SIGKILL
    left = count(yk, "SELECT COUNT(*) FROM held_records")
    assert 0 < left < n  # killed in the middle: some done, some left
    assert destroyed_held(yk) == n - left  # what was committed was recorded with it
    second = start_worker(yk)
    o, e = second.communicate(timeout=240)
    assert second.returncode == 0, e
    assert_all_destroyed_once(yk, n, scopes)
    third = start_worker(yk)
    o, e = third.communicate(timeout=120)
    assert third.returncode == 0, e
    assert "destroyed 0 item(s)" in o
    assert destroyed_held(yk) == n


@pytest.mark.promise("P12.7")
def test_on_postgresql_a_block_range_another_worker_holds_is_left_to_it(yk):
    """The claim itself: while another transaction holds the advisory lock of the first block
    range, a run deletes every expired row but that range's, and records only what it deleted;
    once the lock is gone the next run takes the rest. Nothing is waited for, nothing counted
    twice."""
    if yk.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer: there is no range to share")
    from yaksok.retention import run_expiry
    from yaksok.vault.expiry import _PG_HELD_RANGE_LOCK

    n = 2000
    scopes = fill_expired(yk, n)
    with yk.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE held_records")  # ranges sized from real statistics
    other = yk.engine.connect()
    try:
        other.begin()
        other.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_PG_HELD_RANGE_LOCK | 0,))
        in_first = other.exec_driver_sql(
            "SELECT COUNT(*) FROM held_records WHERE ctid < '(1,0)'::tid").scalar()
        assert in_first > 0
        first = run_expiry(yk, batch=100, kinds=["held_records"])
        left = count(yk, "SELECT COUNT(*) FROM held_records")
        assert 0 < left < n and left >= in_first  # the first range (one block or more) stays
        assert sum(r.count for r in first) == n - left
        other.rollback()
    finally:
        other.close()
    second = run_expiry(yk, batch=100)
    assert sum(r.count for r in second if r.kind == "held_records") == left
    assert_all_destroyed_once(yk, n, scopes)
