"""Appending to the access log on both backends: sequence, encoding, validation, reading back.

The fixtures ``audit`` and ``clock`` are in ``tests/auditlog/conftest.py``, ``yk`` in
``tests/conftest.py``; the helpers ``event`` and ``raw`` in ``tests/support/auditlog.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from hashlib import sha256

import pytest
import sqlalchemy as sa

from tests.support.auditlog import T0, event, raw
from yaksok.auditlog import AuditLog, append, append_many, get_entry, iter_entries
from yaksok.auditlog.encoding import at_text, encode_text, sql_expression
from yaksok.errors import ConfigError, ValidationError
from yaksok.store import IMMEDIATE

# -- tests ------------------------------------------------------------------------------------


def test_appends_get_gap_free_sequence_numbers_from_zero(yk):
    with yk.engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        assert append(conn, event(0)) == 0
        assert append_many(conn, [event(1), event(2), event(3)]) == [1, 2, 3]
        assert append_many(conn, []) == []
    assert raw(yk.engine, "SELECT seq FROM access_log ORDER BY seq") == [(0,), (1,), (2,), (3,)]
    assert raw(yk.engine, "SELECT next_seq FROM access_log_head") == [(4,)]


def test_a_rolled_back_append_leaves_no_gap(yk):
    with pytest.raises(RuntimeError), yk.engine.begin() as conn:
        assert append_many(conn, [event(0), event(1)]) == [0, 1]
        raise RuntimeError("the access it recorded failed")
    with yk.engine.begin() as conn:
        assert append(conn, event(2)) == 0
    assert raw(yk.engine, "SELECT seq, request_id FROM access_log") == [(0, "req-2")]


@pytest.mark.promise("P7.6")
def test_leaf_hash_covers_every_field_in_the_documented_encoding(yk):
    e = event(7, actor_role=None, reason="", task=None)
    with yk.engine.begin() as conn:
        seq = append(conn, e)
    expected = "\x1f".join([
        "1", str(seq), "2026-03-02T09:30:07.123456Z", "st_2", "staff", "\x1e", "203.0.113.7",
        "m_000000000007", "user.contact.email user.name", "read", "customer_support",
        "granted", "", "req-7", "\x1e", "2021-11-03"])
    [(stored,)] = raw(yk.engine, "SELECT leaf_hash FROM access_log")
    assert bytes(stored) == sha256(b"\x00" + expected.encode()).digest()


@pytest.mark.parametrize("changes", [
    {"reason": "Ünïcode ✓ 한국어 \U0001f600 \"quoted\" \\slash"},
    {"reason": "", "purpose": "", "task": ""},
    {"categories": (), "subject_ref": None, "source_ip": "2001:db8::1"},
    {"at": dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))},
    {"at": dt.datetime(2026, 3, 2, 0, 0, 0, 0, tzinfo=dt.UTC)},
])
def test_database_assembles_the_same_encoding_as_python(yk, changes):
    # verify hashes what the database assembles; append hashes what Python assembles.
    e = event(3, **changes)
    with yk.engine.begin() as conn:
        seq = append(conn, e)
        sql_text, sql_bytes, stored = conn.exec_driver_sql(
            f"SELECT {sql_expression(conn.dialect.name)}, "  # noqa: S608 - constants only
            f"{sql_expression(conn.dialect.name, as_bytes=True)}, leaf_hash FROM access_log").one()
    values = (e.actor_id, e.actor_kind, e.actor_role, e.source_ip, e.subject_ref,
              " ".join(e.categories), e.operation, e.purpose, e.outcome, e.reason,
              e.request_id, e.task, e.policy_version)
    assert sql_text == encode_text(seq, at_text(e.at), values)
    assert bytes(sql_bytes) == sql_text.encode()
    assert bytes(stored) == sha256(b"\x00" + sql_text.encode()).digest()


@pytest.mark.parametrize(("changes", "field"), [
    ({"reason": "line one\nline two"}, "reason"),
    ({"actor_id": "st_1\x1fforged"}, "actor_id"),
    ({"purpose": "x" * 65}, "purpose"),
    ({"categories": ("user name",)}, "categories"),
    ({"actor_id": ""}, "actor_id"),
    ({"reason": "\ud800"}, "reason"),
])
def test_values_that_would_make_the_encoding_ambiguous_are_refused(yk, changes, field):
    with pytest.raises(ValidationError) as info, yk.engine.begin() as conn:
        append(conn, event(1, **changes))
    assert info.value.field == field
    assert raw(yk.engine, "SELECT next_seq FROM access_log_head") == [(0,)]


def test_iter_entries_filters_and_returns_stored_entries(yk, audit):
    audit.record_many([event(i, subject_ref="m_a" if i % 3 == 0 else "m_b") for i in range(9)])
    mine = list(iter_entries(yk.engine, subject_ref="m_a"))
    assert [e.seq for e in mine] == [0, 3, 6]
    assert mine[1].at == T0 + dt.timedelta(seconds=3)
    assert mine[1].categories == ("user.contact.email", "user.name")
    window = list(iter_entries(yk.engine, since=T0 + dt.timedelta(seconds=2),
                               until=T0 + dt.timedelta(seconds=5), actor_id="st_3"))
    assert [e.seq for e in window] == [3]
    with yk.engine.connect() as conn:
        stored = get_entry(conn, 4)
        assert get_entry(conn, 99) is None
    original = dataclasses.asdict(event(4, subject_ref="m_b"))
    assert {k: v for k, v in dataclasses.asdict(stored).items() if k != "seq"} == original
    assert stored.seq == 4


@pytest.mark.promise("P12.8")
def test_entries_hold_only_the_random_subject_reference(yk, audit):
    # Erasure is the vault's job: it destroys the link from this random id to the person. The
    # log itself holds no name, contact or other value of the member, only the reference.
    audit.record(event(1, subject_ref="m_7f3a9c"))
    columns = {c["name"] for c in sa.inspect(yk.engine).get_columns("access_log")}
    assert columns == {
        "seq", "at", "actor_id", "actor_kind", "actor_role", "source_ip", "subject_ref",
        "categories", "operation", "purpose", "outcome", "reason", "request_id", "task",
        "policy_version", "leaf_hash"}
    assert raw(yk.engine, "SELECT subject_ref FROM access_log") == [("m_7f3a9c",)]


@pytest.mark.promise("P12.8")
def test_a_background_sealer_signs_a_quiet_log_in_time(yk):
    log = AuditLog.configured(yk.engine, yk.keyring, yk.settings, yk.policy.access_log, checkpoint_seconds=1)
    log.record(event(1))  # one entry, then silence: only the sealer can sign it
    stop = log.start_sealer(interval=0.05)
    try:
        deadline = time.monotonic() + 20
        while log.latest_checkpoint() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop()
    assert log.latest_checkpoint().size == 1
    assert log.verify().ok


def test_a_bad_origin_is_a_configuration_error(yk):
    with pytest.raises(ConfigError, match="origin"):
        AuditLog.configured(yk.engine, yk.keyring, yk.settings, yk.policy.access_log, origin="not a name+")
    assert yk.audit.origin.startswith("yaksok.local/data")
