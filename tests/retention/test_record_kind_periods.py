"""P12.6, on SQLite and PostgreSQL: every record kind the law makes us keep (section 12(3))
expires exactly its policy period after the record, and the worker keeps it until that instant
and destroys it then.

The periods are read from the policy *file* (``policies/somesing.yaml``: ``record_kinds`` and
``retention.rules``), never written here; the expected dates are computed from them with
``dateutil.relativedelta`` (python-dateutil, which ``holidays`` brings), not with the engine's
``add_period``. The start is the last day of a month, 2023-08-31 09:30 UTC, so every period
that lands in a shorter month is clamped to its last day (P3M: 2023-11-30, P6M: the leap day
2024-02-29), and the time of day is kept.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
import yaml
from dateutil.relativedelta import relativedelta

from tests.support.paths import POLICY
from tests.support.policy import variant
from tests.support.vault import member
from yaksok.policy.versions import publish_policy
from yaksok.retention import close_account, read_held, run_expiry, write_record

UTC = dt.UTC
START = dt.datetime(2023, 8, 31, 9, 30, tzinfo=UTC)
ONE_DAY = dt.timedelta(days=1)
ONE_SECOND = dt.timedelta(seconds=1)

#: The seven record kinds of section 12(3); their periods come from the policy file.
KINDS = ["contract_record", "payment_record", "complaint_record", "credit_information_record",
         "advertising_record", "login_record", "communication_confirmation_record"]

#: A sample value of every category a record kind may hold (the kinds' categories are the
#: policy file's; a category missing here fails the test with a KeyError naming it).
SAMPLES = {
    "user.payment.user_id": "pay-user-5521",
    "user.payment.method_type": "카카오페이",
    "user.payment.transaction_id": "tx-20230831-QK7",
    "user.payment.product_code": "SSG-GOLD-30",
    "user.payment.discount": "신규가입 10% 할인",
    "user.contact.email": "dispute.sender@somesing.kr",
    "user.contact.phone_number": "+821055512345",
    "user.social.nickname": "환불요청한가수",
    "user.name": "이서연",
    "user.demographic.date_of_birth": "1990-06-02",
    "user.behavior.marketing_activity": "가을 노래 대회 배너 광고 클릭",
    "user.device.ip_address": "203.0.113.77",
    "user.telemetry.log_data": "GET /karaoke/room/42 200",
    "user.behavior.time_of_use": "2023-08-31T09:30Z/PT45M",
}

_ISO_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def policy_file() -> dict:
    """The policy file as YAML, read here (not through the engine's loader)."""
    return yaml.safe_load(POLICY.read_text(encoding="utf-8"))


def file_rules() -> dict[str, dict]:
    """{record kind: its retention rule} as the policy file writes them."""
    return {r["record_kind"]: r for r in policy_file()["retention"]["rules"]}


def file_categories() -> dict[str, list[str]]:
    """{record kind: its categories} as the policy file writes them."""
    return {k["key"]: k["categories"] for k in policy_file()["record_kinds"]}


def after(start: dt.datetime, period: str) -> dt.datetime:
    """``start`` + an ISO-8601 period, by dateutil's calendar arithmetic (independent of
    ``yaksok.policy.periods``)."""
    m = _ISO_PERIOD.match(period)
    assert m is not None and any(m.groups()), f"not an ISO-8601 period: {period!r}"
    years, months, weeks, days = (int(g or 0) for g in m.groups())
    return start + relativedelta(years=years, months=months, weeks=weeks, days=days)


def values_of_kind(kind: str) -> dict[str, str]:
    return {c: SAMPLES[c] for c in file_categories()[kind]}


def held_rows(yk) -> list[tuple[str, str]]:
    """(id, record kind) of every row left in held_records."""
    with yk.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT id, record_kind FROM held_records ORDER BY id"))]


def held_destroyed(records) -> list[tuple[str, int, dt.datetime, dt.datetime]]:
    """(record kind, count, window from, window to) of a run's held-record destructions."""
    return [(r.record_kind, r.count, r.window_from, r.window_to) for r in records
            if r.kind == "held_records"]


@pytest.mark.promise("P12.6")
@pytest.mark.parametrize("kind", KINDS)
def test_each_record_kind_expires_its_policy_period_after_the_record(yk, vault, app, officer,
                                                                    kind):
    rule = file_rules()[kind]
    expected = after(START, rule["period"])
    assert expected > START
    m = member(vault)
    values = values_of_kind(kind)
    rec = write_record(yk, m, kind, values, actor=app, at=START)
    assert (rec.record_kind, rec.created_at, rec.expires_at) == (kind, START, expected)

    # The day before its expiry, and the last second before it, the worker keeps the record
    # and the officer can still read it (the stored expiry is the same on the way back).
    for now in (expected - ONE_DAY, expected - ONE_SECOND):
        assert held_destroyed(run_expiry(yk, now=now)) == [], now
        assert held_rows(yk) == [(rec.id, kind)]
        (got,) = read_held(yk, rec.id, actor=officer, purpose="legal_compliance", now=now)
        assert (got.values, got.created_at, got.expires_at) == (values, START, expected)

    # At its expiry the worker destroys it, and records why: the policy's period and law.
    recs = run_expiry(yk, now=expected)
    assert held_destroyed(recs) == [(kind, 1, expected, expected)]
    (destruction,) = [r for r in recs if r.kind == "held_records"]
    assert destruction.rule == f"{kind}: {rule['period']} after the record"
    assert rule["law"]["en"] in destruction.law and rule["article"] in destruction.law
    assert held_rows(yk) == []
    assert read_held(yk, m, actor=officer, purpose="legal_compliance", now=expected) == []
    # Destroyed once: a later run finds nothing of it.
    assert held_destroyed(run_expiry(yk, now=expected + ONE_DAY)) == []


@pytest.mark.promise("P12.6")
def test_all_seven_kinds_are_kept_after_closure_and_destroyed_in_the_order_of_their_periods(
        yk, vault, app, officer):
    rules = file_rules()
    # The policy file holds exactly the seven kinds of section 12(3), each with its categories.
    assert sorted(rules) == sorted(KINDS)
    assert set(file_categories()) >= set(KINDS)
    expected = {kind: after(START, rules[kind]["period"]) for kind in KINDS}
    m = member(vault)
    ids = {kind: write_record(yk, m, kind, values_of_kind(kind), actor=app, at=START).id
           for kind in KINDS}

    # The account is closed the next day: the held records stay, and the receipt names each
    # kind's period (the policy's) and when its record expires.
    receipt = close_account(yk, m, actor=app, now=START + ONE_DAY)
    held = {h.record_kind: h for h in receipt.held}
    assert sorted(held) == sorted(KINDS)
    for kind, h in held.items():
        assert (h.count, h.period) == (1, rules[kind]["period"])
        assert dt.datetime.fromisoformat(h.last_expiry) == expected[kind]
    assert held_rows(yk) == sorted((i, kind) for kind, i in ids.items())

    # Walk through the expiry dates in order: the day before each, nothing of it goes; on it,
    # exactly the kinds expiring then go, and every later kind is still there.
    destroyed_in_order: list[list[str]] = []
    for when in sorted(set(expected.values())):
        due = sorted(k for k in KINDS if expected[k] == when)
        left_before = sorted(k for k in KINDS if expected[k] >= when)
        assert held_destroyed(run_expiry(yk, now=when - ONE_DAY)) == []
        assert sorted(kind for _, kind in held_rows(yk)) == left_before
        recs = held_destroyed(run_expiry(yk, now=when))
        assert sorted(recs) == [(k, 1, when, when) for k in due]
        left_after = sorted(k for k in KINDS if expected[k] > when)
        assert sorted(kind for _, kind in held_rows(yk)) == left_after
        assert {r.record_kind for r in read_held(yk, m, actor=officer,
                                                 purpose="legal_compliance", now=when)} == \
            set(left_after)
        destroyed_in_order.append(due)
    assert held_rows(yk) == []
    # Every kind went exactly once, shortest period first.
    assert sorted(k for group in destroyed_in_order for k in group) == sorted(KINDS)
    order = [k for group in destroyed_in_order for k in group]
    assert [expected[k] for k in order] == sorted(expected.values())
    assert len(destroyed_in_order) >= 4  # P3M, P6M, P12M, P3Y and P5Y fall on different days


@pytest.mark.promise("P12.6")
def test_an_amended_period_published_in_the_policy_takes_precedence_for_new_records(
        yk, vault, app):
    """"An amended law takes precedence": the period is the published policy's, so a new
    version with an amended period changes the expiry of the records written under it."""
    kind = "login_record"
    old = file_rules()[kind]["period"]
    amended = "P6M" if old != "P6M" else "P9M"

    def amend(d: dict) -> None:
        next(r for r in d["retention"]["rules"] if r["record_kind"] == kind)["period"] = amended

    m = member(vault)
    values = values_of_kind(kind)
    before = write_record(yk, m, kind, values, actor=app, at=START)
    assert before.expires_at == after(START, old)
    publish_policy(yk.engine, variant(change=amend), published_by="officer")
    yk.refresh_policy()
    assert yk.policy.retention_rule(kind).period == amended
    later = write_record(yk, m, kind, values, actor=app, at=START)
    assert later.expires_at == after(START, amended) != after(START, old)
