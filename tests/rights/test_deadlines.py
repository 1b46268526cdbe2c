"""Deadlines of rights requests, counted as each law counts (pure: no database).

Every expected date below was counted by hand from the calendar, not computed by the code under
test: KR 10 calendar days in KST with the day of receipt not counted, EU months under
Regulation 1182/71, California 45 calendar days from the day of receipt and 10 business days
skipping weekends and US federal holidays.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from yaksok.errors import Conflict, ValidationError
from yaksok.policy import load_policy
from yaksok.rights.deadlines import DueDates, due_dates, end_of_day, extended_due

POLICY = Path(__file__).resolve().parents[2] / "policies" / "somesing.yaml"
KST, CET, PT = ZoneInfo("Asia/Seoul"), ZoneInfo("Europe/Brussels"), ZoneInfo("America/Los_Angeles")
UTC = dt.UTC


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY)


def at(text: str, tz) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


def end(day: str, tz) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(23, 59, 59, 999999), tzinfo=tz)


# (jurisdiction, right, received at, expected last day of the answer, expected acknowledgement)
CASES = [
    # Korea: the day of receipt is not counted; the clock is KST.
    ("KR", "access", at("2026-03-02 23:30", KST), "2026-03-12", None),
    ("KR", "access", at("2026-03-02 23:59", KST), "2026-03-12", None),
    ("KR", "access", at("2026-03-03 00:01", KST), "2026-03-13", None),
    # 2026-03-02 15:01 UTC is already 3 March in Seoul.
    ("KR", "erasure", at("2026-03-02 15:01", UTC), "2026-03-13", None),
    ("KR", "erasure", at("2026-03-02 14:59", UTC), "2026-03-12", None),
    ("KR", "rectification", at("2026-12-25 09:00", KST), "2027-01-04", None),
    ("KR", "automated_decision", at("2026-01-10 10:00", KST), "2026-02-09", None),
    # consent withdrawal counts as an objection (PIPA 37: 10 days).
    ("KR", "consent_withdrawal", at("2026-03-02 12:00", KST), "2026-03-12", None),
    # EU: same date of the next month, or that month's last day.
    ("EU", "access", at("2026-01-15 10:00", CET), "2026-02-15", None),
    ("EU", "access", at("2026-01-31 12:00", CET), "2026-02-28", None),
    ("EU", "erasure", at("2028-01-31 12:00", CET), "2028-02-29", None),
    ("EU", "portability", at("2026-03-31 08:00", CET), "2026-04-30", None),
    ("EU", "objection", at("2026-12-31 20:00", CET), "2027-01-31", None),
    # 23:30 UTC on 31 January is 1 February in Brussels.
    ("EU", "access", at("2026-01-31 23:30", UTC), "2026-03-01", None),
    # California: the day of receipt is day 1 of 45; confirmation in 10 business days.
    ("US-CA", "access", at("2026-01-15 10:00", PT), "2026-02-28", "2026-01-29"),
    # Thanksgiving (Thu 26 Nov) skipped; the day after is not a federal holiday.
    ("US-CA", "erasure", at("2026-11-23 10:00", PT), "2027-01-06", "2026-12-07"),
    # Christmas (Fri 25 Dec) and New Year's Day (Fri 1 Jan 2027) skipped.
    ("US-CA", "rectification", at("2026-12-18 10:00", PT), "2027-01-31", "2027-01-04"),
    # 4 July 2026 is a Saturday: observed on Friday 3 July, which is skipped.
    ("US-CA", "access", at("2026-07-01 10:00", PT), "2026-08-14", "2026-07-15"),
    # Received on that Saturday: counting starts on Monday 6 July.
    ("US-CA", "access", at("2026-07-04 10:00", PT), "2026-08-17", "2026-07-17"),
    # Received 23:30 PST on Sunday 1 Nov 2026 (07:30 UTC on 2 Nov), the day DST ended;
    # Veterans Day (Wed 11 Nov) skipped.
    ("US-CA", "portability", at("2026-11-02 07:30", UTC), "2026-12-15", "2026-11-16"),
    # Opt-out (objection): 15 business days, no extension.
    ("US-CA", "objection", at("2026-11-23 10:00", PT), "2026-12-14", None),
]


@pytest.mark.promise("P6.8")
@pytest.mark.parametrize(("jurisdiction", "right", "received", "due", "ack"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2].isoformat()}" for c in CASES])
def test_due_dates(policy, jurisdiction, right, received, due, ack):
    tz = {"KR": KST, "EU": CET, "US-CA": PT}[jurisdiction]
    got = due_dates(policy, jurisdiction, right, received)
    assert isinstance(got, DueDates)
    assert got.due_at == end(due, tz)
    assert got.due_at.tzinfo is not None and got.due_at.astimezone(tz).date().isoformat() == due
    assert got.acknowledge_by == (end(ack, tz) if ack else None)
    assert got.rule_jurisdiction == jurisdiction


def test_end_of_day_in_california_takes_the_offset_of_that_day():
    # DST began on 8 March 2026: the last instant of 7 March is PST, of 9 March PDT.
    assert end_of_day(dt.date(2026, 3, 7), PT).utcoffset() == dt.timedelta(hours=-8)
    assert end_of_day(dt.date(2026, 3, 9), PT).utcoffset() == dt.timedelta(hours=-7)


def test_a_california_deadline_across_the_dst_change_ends_at_local_midnight(policy):
    got = due_dates(policy, "US-CA", "access", at("2026-02-20 09:00", PT))
    assert got.due_at.isoformat() == "2026-04-05T23:59:59.999999-07:00"
    assert got.due_at.astimezone(UTC).isoformat() == "2026-04-06T06:59:59.999999+00:00"


def test_the_stated_korean_example(policy):
    got = due_dates(policy, "KR", "access", at("2026-03-02 23:30", KST))
    assert got.due_at.isoformat() == "2026-03-12T23:59:59.999999+09:00"
    # PIPA 35(3): access may be postponed once, with the reason told (the policy: P10D).
    assert (got.extension_by, got.extensions_allowed) == ("P10D", 1)


# -- extensions ----------------------------------------------------------------------------------


def test_korean_automated_decisions_extend_twice_by_30_days(policy):
    first = due_dates(policy, "KR", "automated_decision", at("2026-01-10 10:00", KST))
    assert (first.extension_by, first.extensions_allowed) == ("P30D", 2)
    once = extended_due(policy, "KR", "automated_decision", first.due_at)
    twice = extended_due(policy, "KR", "automated_decision", once)
    assert once == end("2026-03-11", KST)   # 9 Feb + 30 days (February has 28)
    assert twice == end("2026-04-10", KST)


def test_eu_extension_adds_two_months_from_the_due_date(policy):
    first = due_dates(policy, "EU", "access", at("2026-01-15 10:00", CET))
    assert (first.extension_by, first.extensions_allowed) == ("P2M", 1)
    assert extended_due(policy, "EU", "access", first.due_at) == end("2026-04-15", CET)
    # From a clamped month end the extension never runs past 3 months from receipt:
    # 31 Jan → 28 Feb → 28 Apr (not 30 Apr).
    clamped = due_dates(policy, "EU", "access", at("2026-01-31 12:00", CET))
    assert extended_due(policy, "EU", "access", clamped.due_at) == end("2026-04-28", CET)


def test_california_extension_makes_90_days_in_all(policy):
    received = at("2026-01-15 10:00", PT)
    first = due_dates(policy, "US-CA", "access", received)
    later = extended_due(policy, "US-CA", "access", first.due_at)
    assert later == end("2026-04-14", PT)
    # Day 1 is the day of receipt: 15 Jan .. 14 Apr is 90 days.
    assert (later.date() - received.date()).days + 1 == 90


@pytest.mark.parametrize(("jurisdiction", "right"), [("KR", "rectification"), ("KR", "erasure"),
                                                     ("US-CA", "objection")])
def test_no_extension_where_the_policy_gives_none(policy, jurisdiction, right):
    due = due_dates(policy, jurisdiction, right, at("2026-05-04 10:00", UTC)).due_at
    with pytest.raises(Conflict) as err:
        extended_due(policy, jurisdiction, right, due)
    assert err.value.field == "right" and "no extension" in err.value.message


# -- fall-backs and errors -----------------------------------------------------------------------


def test_a_right_california_does_not_list_takes_the_default_jurisdictions_rule(policy):
    # 10:00 PST on 15 Jan is 03:00 KST on 16 Jan: counted as Korea counts.
    got = due_dates(policy, "US-CA", "restriction", at("2026-01-15 10:00", PT))
    assert got.rule_jurisdiction == "KR" and got.due_at == end("2026-01-26", KST)
    assert got.acknowledge_by is None


def test_errors_name_the_field_and_never_guess(policy):
    received = at("2026-01-15 10:00", UTC)
    with pytest.raises(ValidationError) as err:
        due_dates(policy, "JP", "access", received)
    assert err.value.field == "jurisdiction" and "KR" in err.value.fix
    with pytest.raises(ValidationError) as err:
        due_dates(policy, "KR", "teleport", received)
    assert err.value.field == "right"
    # A mistake is never echoed unless it looks like a code: it might be someone's name.
    with pytest.raises(ValidationError) as err:
        due_dates(policy, "김민수 010-1234-5678", "access", received)
    assert "김민수" not in str(err.value) and "5678" not in str(err.value)
    with pytest.raises(ValidationError) as err:
        due_dates(policy, "KR", "access", dt.datetime(2026, 1, 15, 10, 0))
    assert err.value.field == "received_at"
    with pytest.raises(ValidationError) as err:
        extended_due(policy, "EU", "access", dt.datetime(2026, 1, 15, 10, 0))
    assert err.value.field == "due_at"


def test_a_policy_jurisdiction_without_a_counting_regime_is_refused(policy):
    jp = policy.jurisdiction("KR").model_copy(update={"key": "JP"})
    extended = policy.model_copy(update={"jurisdictions": [*policy.jurisdictions, jp]})
    with pytest.raises(ValidationError) as err:
        due_dates(extended, "JP", "access", at("2026-01-15 10:00", UTC))
    assert err.value.field == "jurisdiction" and "REGIMES" in err.value.fix


def test_business_days_cannot_be_months(policy):
    ca = policy.jurisdiction("US-CA")
    bad = ca.rights["objection"].model_copy(update={"deadline": "P1M"})
    changed = ca.model_copy(update={"rights": {**ca.rights, "objection": bad}})
    odd = policy.model_copy(update={"jurisdictions": [
        changed if j.key == "US-CA" else j for j in policy.jurisdictions]})
    with pytest.raises(ValidationError) as err:
        due_dates(odd, "US-CA", "objection", at("2026-01-15 10:00", UTC))
    assert err.value.field == "deadline"


# -- properties over two years of receipt times --------------------------------------------------


def _instants():
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    return [start + dt.timedelta(hours=7 * i) for i in range(2600)]   # ~2 years, every hour-of-day


def test_korea_always_gives_exactly_ten_whole_days_after_the_day_of_receipt(policy):
    for received in _instants():
        got = due_dates(policy, "KR", "access", received)
        local = received.astimezone(KST).date()
        assert got.due_at.astimezone(KST).date() - local == dt.timedelta(days=10)
        assert got.due_at > received


def test_eu_ends_on_the_same_date_of_the_next_month_or_its_last_day(policy):
    for received in _instants():
        local = received.astimezone(CET).date()
        due = due_dates(policy, "EU", "access", received).due_at.astimezone(CET)
        nxt = (local.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        assert (due.year, due.month) == (nxt.year, nxt.month)
        assert due.day == local.day or (due.day < local.day and
                                        (due.date() + dt.timedelta(days=1)).day == 1)


def test_california_acknowledgement_is_the_tenth_federal_business_day(policy):
    us = holidays.country_holidays("US", years=[2026, 2027, 2028])
    for received in _instants():
        got = due_dates(policy, "US-CA", "access", received)
        local = received.astimezone(PT).date()
        ack = got.acknowledge_by.astimezone(PT).date()
        days = [local + dt.timedelta(days=i) for i in range((ack - local).days + 1)]
        business = [d for d in days if d.weekday() < 5 and d not in us]
        assert len(business) == 10 and business[-1] == ack
        assert (got.due_at.astimezone(PT).date() - local).days == 44


# -- docs/rights.md stays true -------------------------------------------------------------------


def test_the_documented_deadline_example_prints_what_the_page_says(monkeypatch, capsys):
    import re

    doc = (POLICY.parents[1] / "docs" / "rights.md").read_text("utf-8")
    section = doc[doc.index("## Deadlines"):doc.index("## Exports")]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    printed = re.search(r"prints\n\n```text\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(POLICY.parents[1])
    exec(compile(code, "docs/rights.md", "exec"), {"__name__": "rights_doc_deadlines"})  # noqa: S102
    assert capsys.readouterr().out == printed
