"""Legitimate interests weighed, and children above all (P3.1): a purpose resting on legitimate
interests carries its balancing test, and one not struck for minors does not hold for a member
under 18 — whose 18th birthday the age gate keeps, sealed, instead of discarding the age.

Runs on SQLite and PostgreSQL (the ``yk`` fixture).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.support.members import NOW, born_years_ago, signup_args
from yaksok.errors import NoLawfulBasis
from yaksok.members import sign_up
from yaksok.store.tables import members
from yaksok.vault import adult_from_age, adult_from_birth

OS = "user.device.operating_system"  # a category of service_improvement
IP = "user.device.ip_address"  # a category of member_management


def _sign_up(yk, n, **kw):
    return sign_up(yk, **signup_args(n, **kw))


def _collect(yk, app, member_id):
    yk.vault.collect(member_id, OS, "Android 14", channel="collection_tool", flow="login",
                     actor=app)
    yk.vault.collect(member_id, IP, "203.0.113.7", channel="collection_tool", flow="login",
                     actor=app)


def _read(yk, app, member_id, category, purpose):
    return yk.vault.read(member_id, [category], purpose, actor=app)


def test_the_policy_weighs_each_legitimate_interest_and_says_whom_it_covers(yk):
    li = {p.key: p.assessment for p in yk.policy.purposes if "legitimate_interests" in p.bases}
    assert set(li) == {"member_management", "service_improvement"}
    assert li["member_management"].covers_minors is True  # abuse protection serves minors too
    assert li["service_improvement"].covers_minors is False
    for assessment in li.values():
        assert assessment.interest.ko and assessment.necessity.en and assessment.balance.ko
    assert "vital_interests" not in yk.policy.purpose("member_management").bases


@pytest.mark.promise("P3.1")
def test_legitimate_interests_not_weighed_for_minors_do_not_hold_for_a_member_under_18(yk, app):
    minor = _sign_up(yk, 1, birth_date=born_years_ago(16, today=dt.date.today()), now=None)
    adult = _sign_up(yk, 2, birth_date=born_years_ago(30, today=dt.date.today()), now=None)
    for m in (minor, adult):
        _collect(yk, app, m)
    # The adult: both legitimate interests hold.
    assert _read(yk, app, adult, OS, "service_improvement")[OS][0].value == "Android 14"
    # The minor: service improvement's assessment was not struck for minors ...
    with pytest.raises(NoLawfulBasis) as refused:
        _read(yk, app, minor, OS, "service_improvement")
    assert "does not cover members under 18" in refused.value.message
    assert "Android" not in str(refused.value)
    # ... while abuse detection (member management) was, so it holds for them too.
    assert _read(yk, app, minor, IP, "member_management")[IP][0].value == "203.0.113.7"
    # The fast gate answers the same.
    assert yk.vault.may_process(adult, "service_improvement") is True
    assert yk.vault.may_process(minor, "service_improvement") is False
    assert yk.vault.may_process(minor, "member_management") is True


@pytest.mark.promise("P3.1")
def test_a_minor_becomes_an_adult_on_the_18th_birthday(yk, app):
    today = dt.date.today()
    # Signed up two years ago at 16; 18 today.
    past = dt.datetime.combine(today.replace(year=today.year - 2), dt.time(12), tzinfo=dt.UTC)
    grown = _sign_up(yk, 3, birth_date=born_years_ago(18, today=today), now=past)
    # Signed up a year ago at 16; 18 tomorrow.
    past1 = dt.datetime.combine(today.replace(year=today.year - 1), dt.time(12), tzinfo=dt.UTC)
    almost = _sign_up(yk, 4, birth_date=born_years_ago(18, days_short=1, today=today), now=past1)
    for m in (grown, almost):
        _collect(yk, app, m)
    assert yk.vault.adult_from(grown) == today
    assert yk.vault.adult_from(almost) == today + dt.timedelta(days=1)
    assert _read(yk, app, grown, OS, "service_improvement")[OS]
    with pytest.raises(NoLawfulBasis):
        _read(yk, app, almost, OS, "service_improvement")


@pytest.mark.promise("P3.1", "P8.1")
def test_a_declared_age_keeps_the_latest_day_the_member_can_turn_18(yk, app):
    member = _sign_up(yk, 5, birth_date=None, declared_age=15, now=None)
    today = dt.date.today()
    assert yk.vault.adult_from(member) == adult_from_age(15, today)
    _collect(yk, app, member)
    with pytest.raises(NoLawfulBasis):
        _read(yk, app, member, OS, "service_improvement")
    adult = _sign_up(yk, 6, birth_date=None, declared_age=18, now=None)
    assert yk.vault.adult_from(adult) is None


@pytest.mark.promise("P3.1")
def test_the_18th_birthday_is_sealed_and_dies_with_the_erasure(yk, officer):
    born = born_years_ago(15, today=NOW.date())
    member = _sign_up(yk, 7, birth_date=born)
    with yk.engine.connect() as conn:
        row = conn.execute(sa.select(members.c.adult_from_key, members.c.adult_from,
                                     members.c.age_verified_min)
                           .where(members.c.id == member)).one()
        dump = " ".join(str(v) for r in conn.execute(sa.select(members)) for v in r)
    assert row.adult_from_key and row.adult_from
    day = adult_from_birth(born)
    for shown in (day.isoformat(), born.isoformat(), day.strftime("%Y%m%d")):
        assert shown.encode() not in bytes(row.adult_from) and shown not in dump
    assert row.age_verified_min == 14  # the fact "at least 14" is all that stays in clear
    assert yk.vault.adult_from(member) == day
    yk.vault.erase_member(member, actor=officer)
    with yk.engine.connect() as conn:
        after = conn.execute(sa.select(members.c.adult_from_key, members.c.adult_from)
                             .where(members.c.id == member)).one()
    assert after == (None, None)
    assert yk.vault.adult_from(member) is None


def test_adult_from_arithmetic():
    assert adult_from_birth(dt.date(2008, 2, 29)) == dt.date(2026, 3, 1)
    assert adult_from_birth(dt.date(2008, 7, 1)) == dt.date(2026, 7, 1)
    # 15 today: born at most 15 years ago, so 18 at the latest in 3 years.
    assert adult_from_age(15, dt.date(2026, 3, 5)) == dt.date(2029, 3, 5)
