"""The clocks' hours (what the console draws): where each clock starts, the hours the law gives,
the hours gone and the hours left — computed from the record, the numbers of clocks.py."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from yaksok.incidents.clocks import clocks

AWARE = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def incident(**kw):
    values = dict(aware_at=AWARE, discovered_at=AWARE - dt.timedelta(hours=6), possible=False,
                  sensitive=False, unique_ids=False, outside_access=True, high_risk=True)
    values.update(kw)
    return SimpleNamespace(**values)


def by_key(found):
    return {c.key: c for c in found}


def test_an_incident_aware_80_hours_ago_is_8_hours_past_its_72_hour_clocks():
    now = AWARE + dt.timedelta(hours=80)
    c = by_key(clocks(incident(), affected={"KR": 3, "EU": 2}, first_notice=None, reports={},
                      now=now))
    for key in ("members_kr", "pipc", "eu_sa"):
        assert c[key].state == "overdue"
        assert c[key].starts_at == AWARE
        assert c[key].limit_hours == 72
        assert c[key].elapsed_hours(now) == 80
        assert c[key].hours_left(now) == -8
    # GDPR 34: "without undue delay" has no fixed hour, but the time gone since awareness shows.
    assert c["eu_members"].limit_hours is None and c["eu_members"].hours_left(now) is None
    assert c["eu_members"].elapsed_hours(now) == 80
    assert c["members_kr"].to_dict()["limit_hours"] == 72
    assert c["members_kr"].to_dict()["starts_at"] == AWARE.isoformat()


def test_a_clock_done_stops_counting_and_california_counts_30_days_from_discovery():
    now = AWARE + dt.timedelta(hours=100)
    told = AWARE + dt.timedelta(hours=20)
    c = by_key(clocks(incident(), affected={"KR": 1, "US-CA": 600}, first_notice=told,
                      reports={"pipc": AWARE + dt.timedelta(hours=75)}, now=now))
    assert c["members_kr"].state == "done"
    assert c["members_kr"].elapsed_hours(now) == 20 and c["members_kr"].hours_left(now) is None
    assert c["pipc"].state == "late" and c["pipc"].elapsed_hours(now) == 75
    ca = c["ca_members"]
    assert ca.starts_at == AWARE - dt.timedelta(hours=6) and ca.limit_hours == 30 * 24
    assert ca.hours_left(now) == 30 * 24 - 106
    # The AG's clock starts with the complete notice: not yet, so no hours at all.
    assert c["ca_ag"].required and c["ca_ag"].starts_at is None
    assert c["ca_ag"].elapsed_hours(now) is None and c["ca_ag"].limit_hours is None


def test_a_clock_not_required_has_no_hours_left():
    now = AWARE + dt.timedelta(hours=1)
    c = by_key(clocks(incident(outside_access=False), affected={"KR": 1}, first_notice=None,
                      reports={}, now=now))
    assert c["pipc"].state == "not_required" and c["pipc"].hours_left(now) is None
    assert c["members_kr"].hours_left(now) == 71
