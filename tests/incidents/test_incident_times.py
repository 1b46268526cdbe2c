"""The times of a breach are facts that happened: one in the future is refused, and one with no
time in UTC (year 1, year 9999) is a mistake on its field, never a register that stops working.

Found by attacking the console (issue 19): an incident recorded as discovered on 9999-12-30 was
accepted, and from then on every clock overflowed (``aware + 72 hours``), so the breach register
and its REST list answered 500 for everyone, and every deadline on it was hidden."""

from __future__ import annotations

import datetime as dt

import pytest

from yaksok.errors import ValidationError
from yaksok.incidents import get_incident, list_incidents, open_incident, record_report


def _open(yk, officer, **kw) -> str:
    values = dict(title="t", nature="n", cause="c", categories=["user.contact.email"],
                  measures="m", discovered_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    values.update(kw)
    return open_incident(yk, officer, **values)


def test_a_time_in_the_future_or_out_of_range_is_refused_on_its_field(yk, officer):
    for field in ("discovered_at", "aware_at", "contained_at", "occurred_from",
                  "occurred_until"):
        for value in ("9999-12-30T00:00:00+00:00", "2030-01-01T09:00:00+09:00",
                      "0001-01-01T00:00:00+09:00", "9999-12-31T23:59:00-08:00"):
            with pytest.raises(ValidationError) as e:
                _open(yk, officer, **{field: value})
            assert e.value.field == field, (field, value)
    assert list_incidents(yk, officer) == []  # nothing recorded, the register still answers


def test_a_report_cannot_be_dated_in_the_future_and_the_register_keeps_working(yk, officer):
    inc = _open(yk, officer)
    with pytest.raises(ValidationError) as e:
        record_report(yk, officer, inc, "pipc", reported_at="9999-12-30T00:00:00+00:00")
    assert e.value.field == "reported_at"
    # A little ahead (clocks disagree) is still a time of now; the clocks are computed.
    record_report(yk, officer, inc, "pipc",
                  reported_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    assert get_incident(yk, officer, inc).reports["pipc"]
    assert [v.id for v in list_incidents(yk, officer)] == [inc]
