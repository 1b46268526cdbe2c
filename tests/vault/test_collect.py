"""Collection control on both backends: every refusal of ``collect``, in its order, logged with
its rule; channels and times recorded; automatic collection in batches."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.support.vault import (
    DOB,
    EMAIL,
    GENDER,
    MEDIA,
    MINSU,
    NAME,
    NICK,
    PHONE,
    POSTING,
    SNS_ID,
    age_years_ago,
    consent,
    entries,
    last_entry,
    member,
    values_of,
)
from yaksok.errors import (
    Conflict,
    ConsentRequired,
    NotFound,
    OutsideFlow,
    UndeclaredCategory,
    UndeclaredChannel,
    UnderMinimumAge,
    ValidationError,
)
from yaksok.vault import NewValue
from yaksok.vault.rules import SINGLE_VALUED


def assert_denied(yk, rule: str, category: str | None = None, operation: str = "collect"):
    e = last_entry(yk)
    assert (e.operation, e.outcome, e.reason) == (operation, "denied", rule)
    if category:
        assert category in e.categories
    return e


# -- what is always allowed --------------------------------------------------------------------


@pytest.mark.promise("P1.1", "P1.2")
def test_required_items_are_collected_without_consent(yk, vault, app):
    m = member(vault)
    for cat in (EMAIL, PHONE, NICK, SNS_ID):
        vault.collect(m, cat, MINSU[cat], channel="app", actor=app, flow="sign_up")
    vault.collect(m, POSTING, MINSU[POSTING], channel="app", actor=app, flow="posting")
    vault.collect(m, MEDIA, "media/2026/03/arirang.mp4", channel="app", actor=app)
    got = vault.read(m, [EMAIL, PHONE, NICK, SNS_ID, POSTING, MEDIA], "contract_performance",
                     actor=app)
    assert {c: [v.value for v in vs] for c, vs in got.items()} == {
        EMAIL: [MINSU[EMAIL]], PHONE: [MINSU[PHONE]], NICK: [MINSU[NICK]],
        SNS_ID: [MINSU[SNS_ID]], POSTING: [MINSU[POSTING]], MEDIA: ["media/2026/03/arirang.mp4"]}


@pytest.mark.promise("P1.13")
def test_channel_and_time_are_recorded_with_each_value(yk, vault, app):
    m = member(vault)
    before = dt.datetime.now(dt.UTC)
    vault.collect(m, EMAIL, MINSU[EMAIL], channel="web_page", actor=app)
    vault.collect(m, NAME, MINSU[NAME], channel="written_form", flow="ssg_cashout", actor=app)
    after = dt.datetime.now(dt.UTC)
    got = vault.read(m, [EMAIL, NAME], "contract_performance", actor=app)
    email, name = got[EMAIL][0], got[NAME][0]
    assert (email.channel, name.channel) == ("web_page", "written_form")
    assert name.flow == "ssg_cashout" and email.flow is None
    for v in (email, name):
        assert before <= v.collected_at <= after and v.collected_at.tzinfo is not None
    rows = values_of(yk, m)
    assert sorted(r.channel for r in rows) == ["web_page", "written_form"]


# -- 1. undeclared category, password ----------------------------------------------------------


@pytest.mark.promise("P1.1")
def test_undeclared_category_is_refused_and_logged(yk, vault, app):
    m = member(vault)
    with pytest.raises(UndeclaredCategory) as info:
        vault.collect(m, "user.favourite.colour", "파란색", channel="app", actor=app)
    assert info.value.rule == "undeclared-category" and "파란색" not in str(info.value)
    assert values_of(yk, m) == []
    assert_denied(yk, "undeclared-category", "user.favourite.colour")


@pytest.mark.promise("P7.2")
def test_password_never_enters_the_vault(yk, vault, app):
    m = member(vault)
    with pytest.raises(ValidationError, match="one-way"):
        vault.collect(m, "user.authorization.password", "Lamp-7-tiger", channel="app",
                      actor=app)
    assert values_of(yk, m) == []
    assert_denied(yk, "validation:category")


# -- 2. channels and flows ---------------------------------------------------------------------


@pytest.mark.promise("P1.13")
def test_undeclared_channel_is_refused(yk, vault, app):
    m = member(vault)
    with pytest.raises(UndeclaredChannel, match="not a collection channel"):
        vault.collect(m, EMAIL, MINSU[EMAIL], channel="carrier_pigeon", actor=app)
    assert_denied(yk, "undeclared-channel", EMAIL)
    # A declared channel the category is not collected through (email: web page or app only).
    with pytest.raises(UndeclaredChannel, match="not collected through fax"):
        vault.collect(m, EMAIL, MINSU[EMAIL], channel="fax", actor=app)
    assert values_of(yk, m) == []


def test_undeclared_flow_is_a_validation_error(yk, vault, app):
    m = member(vault)
    with pytest.raises(ValidationError, match="no flow"):
        vault.collect(m, NAME, MINSU[NAME], channel="app", flow="midnight_cashout", actor=app)
    assert values_of(yk, m) == []
    assert_denied(yk, "validation:flow", NAME)


# -- 3. the member -----------------------------------------------------------------------------


def test_unknown_closed_and_erased_members_are_refused(yk, vault, app):
    with pytest.raises(NotFound):
        vault.collect("m_000000000000000000000000", EMAIL, MINSU[EMAIL], channel="app",
                      actor=app)
    assert_denied(yk, "not-found:member_id")
    closed = member(vault)
    vault.close_member(closed)
    with pytest.raises(Conflict, match="closed"):
        vault.collect(closed, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    assert_denied(yk, "conflict:member_id")
    erased = member(vault)
    vault.collect(erased, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    vault.erase_member(erased, actor=app)
    with pytest.raises(NotFound):
        vault.collect(erased, PHONE, MINSU[PHONE], channel="app", actor=app)
    assert values_of(yk, closed) == []


# -- 4. collection kinds -----------------------------------------------------------------------


@pytest.mark.promise("P1.9", "P1.10")
def test_optional_item_needs_the_consent_that_covers_it(yk, vault, app):
    m = member(vault)
    with pytest.raises(ConsentRequired, match="sns_sign_in") as info:
        vault.collect(m, GENDER, MINSU[GENDER], channel="app", actor=app)
    assert MINSU[GENDER] not in str(info.value)
    assert values_of(yk, m) == []
    assert_denied(yk, "consent-required", GENDER)
    consent(vault, m, "sns_sign_in")
    vault.collect(m, GENDER, MINSU[GENDER], channel="app", actor=app)
    assert [r.category for r in values_of(yk, m)] == [GENDER]
    assert (last_entry(yk).outcome, last_entry(yk).categories) == ("granted", (GENDER,))


@pytest.mark.promise("P1.11")
@pytest.mark.parametrize("category", ["user.behavior.join_reason",
                                      "user.behavior.interest_categories",
                                      "user.social.account_profile"])
def test_user_analysis_items_need_the_user_analysis_consent(yk, vault, app, category):
    m = member(vault)
    consent(vault, m, "customised_ads")  # another item does not cover them
    with pytest.raises(ConsentRequired, match="user_analysis"):
        vault.collect(m, category, "친구 추천으로 가입", channel="app", actor=app)
    consent(vault, m, "user_analysis")
    vault.collect(m, category, "친구 추천으로 가입", channel="app", actor=app)


@pytest.mark.promise("P1.12")
@pytest.mark.parametrize("category", ["user.behavior.marketing_activity",
                                      "user.behavior.event_participation"])
def test_customised_ads_items_need_their_consent(yk, vault, app, category):
    m = member(vault)
    with pytest.raises(ConsentRequired, match="customised_ads"):
        vault.collect(m, category, "봄맞이 노래 이벤트 참여", channel="app", actor=app)
    consent(vault, m, "customised_ads")
    vault.collect(m, category, "봄맞이 노래 이벤트 참여", channel="app", actor=app)


@pytest.mark.promise("P1.9")
def test_a_withdrawn_consent_stops_collection_at_once(yk, vault, app):
    m = member(vault)
    consent(vault, m, "customised_ads")
    cat = "user.behavior.marketing_activity"
    vault.collect(m, cat, "여름 광고 캠페인 클릭", channel="app", actor=app)
    consent(vault, m, "customised_ads", "withdraw")
    with pytest.raises(ConsentRequired):
        vault.collect(m, cat, "가을 광고 캠페인 클릭", channel="app", actor=app)
    # and what was collected only under it is destroyed (PIPA 37(3))
    assert len(values_of(yk, m)) == 0


@pytest.mark.promise("P1.3", "P1.10")
def test_real_name_and_birth_date_are_required_only_in_ssg_cashout(yk, vault, app):
    m = member(vault)
    for cat in (NAME, DOB):
        with pytest.raises(OutsideFlow, match="ssg_cashout") as info:
            vault.collect(m, cat, MINSU[cat], channel="app", actor=app)
        assert "sns_sign_in" in str(info.value) and MINSU[cat] not in str(info.value)
        assert_denied(yk, "outside-flow", cat)
        with pytest.raises(OutsideFlow):  # another flow does not require it
            vault.collect(m, cat, MINSU[cat], channel="app", flow="sign_up", actor=app)
        vault.collect(m, cat, MINSU[cat], channel="app", flow="ssg_cashout", actor=app)
    other = member(vault)
    consent(vault, other, "sns_sign_in")  # elsewhere: optional, with the SNS sign-in consent
    vault.collect(other, NAME, MINSU[NAME], channel="app", flow="sns_sign_in", actor=app)
    assert [r.category for r in values_of(yk, other)] == [NAME]


# -- 5. minimum age ----------------------------------------------------------------------------


@pytest.mark.promise("P8.1")
def test_a_birth_date_under_the_minimum_age_is_refused_and_nothing_stored(yk, vault, app):
    m = member(vault)
    child = age_years_ago(14, days=-1)  # 14 tomorrow: still 13 today
    with pytest.raises(UnderMinimumAge, match="under 14") as info:
        vault.collect(m, DOB, child, channel="app", flow="ssg_cashout", actor=app)
    assert child not in str(info.value)
    assert values_of(yk, m) == []
    assert_denied(yk, "under-minimum-age", DOB)
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT age_verified_min FROM members WHERE id = :m"),
                            {"m": m}).scalar() is None
    vault.collect(m, DOB, age_years_ago(14), channel="app", flow="ssg_cashout", actor=app)
    with yk.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT age_verified_min, age_checked_at FROM members "
                                   "WHERE id = :m"), {"m": m}).first()
    assert row[0] == 14 and row[1] is not None


@pytest.mark.promise("P8.1")
def test_the_minimum_age_is_the_members_jurisdictions(yk, vault, app):
    eu = member(vault, jurisdiction="EU")  # 16 in the EU
    with pytest.raises(UnderMinimumAge, match="under 16"):
        vault.collect(eu, DOB, age_years_ago(15), channel="app", flow="ssg_cashout", actor=app)
    kr = member(vault)
    vault.collect(kr, DOB, age_years_ago(15), channel="app", flow="ssg_cashout", actor=app)


def test_a_malformed_birth_date_is_refused_without_echoing_it(yk, vault, app):
    m = member(vault)
    with pytest.raises(ValidationError) as info:
        vault.collect(m, DOB, "95년 4월 17일", channel="app", flow="ssg_cashout", actor=app)
    assert "95년" not in str(info.value) and info.value.__context__ is None
    assert values_of(yk, m) == []


# -- 6. single-valued categories ---------------------------------------------------------------


def test_single_valued_category_twice_is_a_conflict_multi_valued_adds(yk, vault, app):
    m = member(vault)
    vault.collect(m, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    with pytest.raises(Conflict, match="rectify"):
        vault.collect(m, EMAIL, "other@somesing.kr", channel="app", actor=app)
    assert_denied(yk, "conflict:category", EMAIL)
    vault.collect(m, POSTING, "첫 번째 글", channel="app", actor=app)
    vault.collect(m, POSTING, "두 번째 글", channel="app", actor=app)
    assert sorted(r.category for r in values_of(yk, m)) == [EMAIL, POSTING, POSTING]
    other = member(vault)  # two values of a single-valued category in one batch
    with pytest.raises(Conflict, match="the batch has two"):
        vault.collect_many(other, [(PHONE, MINSU[PHONE]), (PHONE, "+821000000000")],
                           channel="app", actor=app)
    assert values_of(yk, other) == []
    assert {EMAIL, PHONE, NAME, DOB, GENDER, NICK} <= SINGLE_VALUED
    assert POSTING not in SINGLE_VALUED and SNS_ID not in SINGLE_VALUED


# -- automatic collection in batches (P1.4 - P1.8) ---------------------------------------------

AUTOMATIC = {
    "P1.4": ["user.device.device_id", "user.device.operating_system",
             "user.device.hardware_version", "user.device.settings", "user.device.browser",
             "user.behavior.app_usage"],
    "P1.5": ["user.device.ip_address", "user.telemetry.log_data", "user.behavior.time_of_use",
             "user.behavior.search_history", "user.device.cookie",
             "user.telemetry.file_created_at"],
    "P1.6": ["user.behavior.media_consumption", "user.social.interactions",
             "user.behavior.activity", "user.behavior.purchase_history",
             "user.behavior.ssg_usage", "user.contact.address.country"],
    "P1.7": ["user.payment.user_id", "user.payment.method_type", "user.payment.transaction_id",
             "user.payment.product_code", "user.payment.discount"],
    "P1.8": ["user.behavior.preferences", "user.device.ad_environment",
             "user.behavior.browsing_history"],
}


@pytest.mark.parametrize("promise", [pytest.param(p, marks=pytest.mark.promise(p))
                                     for p in AUTOMATIC])
def test_automatic_collection_in_one_batch(yk, vault, app, promise):
    m = member(vault)
    cats = AUTOMATIC[promise]
    seen = len(entries(yk))
    items = [(c, f"{c.rsplit('.', 1)[-1]}-값-{i}") for i in range(3) for c in cats
             if i == 0 or c not in SINGLE_VALUED]  # the country is single-valued
    ids = vault.collect_many(m, items, channel="collection_tool", actor=app, request_id="rq-1")
    assert len(ids) == len(set(ids)) == len(items)
    new = entries(yk)[seen:]
    # One transaction; one access-log entry per purpose the grant rests on, each naming the
    # first purpose of the policy the app acts for that lists its categories.
    purposes = {p.key: set(p.categories) for p in yk.policy.purposes}
    assert len({e.purpose for e in new}) == len(new) >= 1
    for e in new:
        assert (e.operation, e.outcome, e.subject_ref) == ("collect", "granted", m)
        assert set(e.categories) <= purposes[e.purpose] and e.request_id == "rq-1"
    assert {c for e in new for c in e.categories} == set(cats)
    rows = values_of(yk, m)
    assert len(rows) == len(items) and {r.channel for r in rows} == {"collection_tool"}


@pytest.mark.promise("P1.4", "P1.9")
def test_a_batch_is_all_or_nothing(yk, vault, app):
    m = member(vault)
    optional = "user.behavior.marketing_activity"  # without the customised_ads consent
    items = [("user.device.device_id", "SM-S918N-기기"), (optional, "광고 클릭 3회"),
             ("user.behavior.app_usage", "노래방 화면 12분")]
    with pytest.raises(ConsentRequired):
        vault.collect_many(m, items, channel="collection_tool", actor=app)
    assert values_of(yk, m) == []
    assert_denied(yk, "consent-required", optional)


def test_batch_across_members(yk, vault, app):
    a, b = member(vault), member(vault)
    seen = len(entries(yk))
    ids = vault.collect_batch([
        NewValue(a, "user.device.ip_address", "203.0.113.10", "collection_tool"),
        NewValue(b, "user.device.ip_address", "198.51.100.20", "collection_tool"),
        NewValue(b, "user.behavior.time_of_use", "2026-03-02T21:00/PT40M", "collection_tool"),
    ], actor=app)
    assert len(ids) == 3
    new = entries(yk)[seen:]
    assert sorted((e.subject_ref, len(e.categories)) for e in new) == sorted([(a, 1), (b, 2)])
    assert repr(NewValue(a, EMAIL, MINSU[EMAIL], "app")).count(MINSU[EMAIL]) == 0


def test_every_grant_and_denial_of_collect_is_logged_with_its_rule(yk, vault, app):
    m = member(vault)
    vault.collect(m, EMAIL, MINSU[EMAIL], channel="app", actor=app, ip="203.0.113.7",
                  request_id="req-42", flow="sign_up")
    e = last_entry(yk)
    # The purpose the grant rests on (the first the app acts for that lists the email).
    assert (e.operation, e.outcome, e.purpose, e.source_ip, e.request_id, e.actor_id) == (
        "collect", "granted", "member_management", "203.0.113.7", "req-42", app.id)
    assert e.policy_version == yk.published.version and e.subject_ref == m
    refusals = [
        (dict(category="user.nope", value="x", channel="app"), "undeclared-category"),
        (dict(category=EMAIL, value="x", channel="telegram"), "undeclared-channel"),
        (dict(category=GENDER, value="x", channel="app"), "consent-required"),
        (dict(category=NAME, value="x", channel="app"), "outside-flow"),
        (dict(category=DOB, value=age_years_ago(5), channel="app", flow="ssg_cashout"),
         "under-minimum-age"),
    ]
    for kwargs, rule in refusals:
        n = len(entries(yk))
        with pytest.raises(Exception) as info:
            vault.collect(m, actor=app, **kwargs)
        assert getattr(info.value, "rule", None) == rule
        assert len(entries(yk)) == n + 1
        assert_denied(yk, rule)
