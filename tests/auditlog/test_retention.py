"""Retention: whole epochs older than the policy's period are dropped; the rest still verifies."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.auditlog import T0, event, raw
from yaksok.auditlog.retention import cutoff_for
from yaksok.errors import NotFound

pytestmark = pytest.mark.promise("P12.8")
OLD = T0 - dt.timedelta(days=3 * 365)


@pytest.fixture
def aged(audit):
    """100 entries from three years ago (checkpoints at 37, 70, 100), then 50 recent ones."""
    for lo, hi in ((0, 37), (37, 70), (70, 100)):
        audit.record_many([event(i, at=OLD + dt.timedelta(seconds=i)) for i in range(lo, hi)])
        audit.seal(force=True)
    audit.record_many([event(i) for i in range(100, 150)])
    audit.seal(force=True)
    return audit


def test_expiry_drops_whole_old_epochs_and_the_rest_still_verifies(aged, yk):
    result = aged.expire(epoch_bits=4)
    # 0..99 are old, but only whole 16-entry epochs go: 0..95.
    assert (result.dropped, result.expired_before, result.record_seq) == (96, 96, 150)
    assert raw(yk.engine, "SELECT min(seq), count(*) FROM access_log") == [(96, 55)]
    [(reason,)] = raw(yk.engine, "SELECT reason FROM access_log WHERE seq = 150")
    assert reason.startswith("entries before seq 96 expired (retention P2Y")
    aged.seal(force=True)
    verified = aged.verify()
    assert verified.ok, verified.problems
    assert verified.entries == 55 and verified.checkpoints == 5
    # Proofs still work for what is left, and between old and new checkpoints.
    assert aged.prove_inclusion(97).verify()
    assert aged.prove_consistency(37, 151).verify()
    assert aged.prove_consistency(70, 100).verify()
    with pytest.raises(NotFound, match="dropped by retention"):
        aged.prove_inclusion(41)
    # Nothing more is old enough: a second run drops nothing and records nothing.
    again = aged.expire(epoch_bits=4)
    assert (again.dropped, again.record_seq) == (0, None)


def test_tampering_with_a_remaining_entry_still_fails_after_expiry(aged, yk):
    aged.expire(epoch_bits=4)
    aged.seal(force=True)
    raw(yk.engine, "UPDATE access_log SET outcome = 'denied', reason = 'x' WHERE seq = 120")
    result = aged.verify()
    assert not result.ok and result.first_bad_seq == 120


def test_deleting_recent_entries_cannot_pass_for_an_expiry(aged, yk):
    aged.expire(epoch_bits=4)
    aged.seal(force=True)
    raw(yk.engine, "DELETE FROM access_log WHERE seq < 112")
    raw(yk.engine, "UPDATE access_log_head SET expired_before = 112")
    result = aged.verify()
    assert not result.ok and result.first_bad_seq == 96
    assert "last retention record expired only those before 96" in result.problems[-1]


def test_the_kept_hashes_of_dropped_entries_are_checked(aged, yk):
    aged.expire(epoch_bits=4)
    aged.seal(force=True)
    raw(yk.engine, "UPDATE access_log_nodes SET hash = :h WHERE level = 0 AND idx = 33",
        {"h": b"\x07" * 32})
    result = aged.verify()
    assert not result.ok
    assert any("kept hashes of expired entries do not reproduce checkpoint 37" in p
               for p in result.problems)


def test_unsealed_or_young_entries_are_never_dropped(audit, yk):
    audit.record_many([event(i, at=OLD) for i in range(40)])
    audit.seal(force=True)  # sealed: 0..39
    audit.record_many([event(i, at=OLD) for i in range(40, 80)])  # old but not sealed
    result = audit.expire(epoch_bits=4)
    assert result.expired_before == 32  # the sealed prefix, rounded down to an epoch
    assert raw(yk.engine, "SELECT min(seq) FROM access_log") == [(32,)]
    assert audit.expire(now=OLD + dt.timedelta(days=1), epoch_bits=4).dropped == 0


def test_the_cutoff_is_calendar_arithmetic_that_never_shortens_the_period():
    now = dt.datetime(2028, 2, 29, 12, 0, tzinfo=dt.UTC)
    assert cutoff_for(now, "P2Y") == dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC)
    assert cutoff_for(now, "P1Y6M") == dt.datetime(2026, 8, 29, 12, 0, tzinfo=dt.UTC)
    assert cutoff_for(now, "P3M10D") == dt.datetime(2027, 11, 19, 12, 0, tzinfo=dt.UTC)
