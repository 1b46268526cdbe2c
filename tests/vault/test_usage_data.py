"""P1.6, on SQLite and PostgreSQL: the usage data gathered in use (section 1(1)) — profile photo
or its URL, kinds of content seen, people interacted with, activity frequency and duration,
where a video was recorded, payment history, SSG usage history, SNS friend list and country.

Each item is collected automatically (no consent) through the channel and, where the policy
names one, the flow that declares it (the ``posting`` flow gathers the recording place and the
profile photo; the friend list comes through the ``app``); the stored value is ciphertext and
remembers its channel and flow (P1.13); it is read back for a purpose that lists its category
and refused for every purpose that does not; a category the policy does not declare is refused.

``USAGE`` below names, for each item, the channel and flow, a purpose that lists the category
and a declared channel it does not come through; every test first checks that row against the
policy in force, so a change of the policy shows here instead of passing unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests.support.database import database_bytes
from tests.support.vault import MEDIA, POSTING, entries, last_entry, member, values_of
from yaksok.errors import CategoryNotForPurpose, UndeclaredCategory, UndeclaredChannel

SELF_IMAGE = "user.content.self_image"
PLACE = "user.location.recording_place"
FRIENDS = "user.social.friend_list"
MEDIA_SEEN = "user.behavior.media_consumption"
INTERACTIONS = "user.social.interactions"
ACTIVITY = "user.behavior.activity"
PURCHASES = "user.behavior.purchase_history"
SSG = "user.behavior.ssg_usage"
COUNTRY = "user.contact.address.country"


@dataclass(frozen=True)
class Usage:
    category: str
    channel: str
    flow: str | None
    value: str
    #: A purpose that lists the category and rests on a basis that holds without consent.
    purpose: str
    #: A declared channel the category is not collected through.
    other_channel: str


#: Section 1(1)'s usage data, one row per item of P1.6 (values are unique, so a scan of the
#: database for them finds nothing else).
USAGE = [
    Usage(SELF_IMAGE, "app", "posting", "https://cdn.somesing.kr/profile/m7781/셀카_프로필.jpg",
          "social_services", "collection_tool"),
    Usage(MEDIA_SEEN, "collection_tool", None, "트로트 라이브 영상 12편, 발라드 커버 4편",
          "service_improvement", "app"),
    Usage(INTERACTIONS, "collection_tool", None, "듀엣 상대: 노래왕철수, 공유: 발라드여신",
          "social_services", "app"),
    Usage(ACTIVITY, "collection_tool", None, "주 5회 접속, 회당 평균 42분",
          "service_improvement", "app"),
    Usage(PLACE, "app", "posting", "부산광역시 해운대구 달맞이길 코인노래방 앞",
          "contract_performance", "collection_tool"),
    Usage(PURCHASES, "collection_tool", "payment", "코인 300개 구매 2026-03-02 #P-88120",
          "contract_performance", "app"),
    Usage(SSG, "collection_tool", "ssg_cashout", "SSG 12,000원 출금 신청 #S-40917",
          "contract_performance", "app"),
    Usage(FRIENDS, "app", None, "카카오 친구 3명: 트로트소년, 발라드여신, 노래왕철수",
          "social_services", "collection_tool"),
    Usage(COUNTRY, "collection_tool", None, "국가정보: 대한민국/서울 (KR-11)",
          "contract_performance", "app"),
]
CASES = [pytest.param(u, id=u.category.rsplit(".", 1)[-1]) for u in USAGE]

#: Categories the policy does not declare, close to P1.6's items.
UNDECLARED = {
    "user.location.precise": "37.5665,126.9780 (GPS)",
    "user.social.follower_list": "팔로워 1,024명 목록",
    "user.content.private": "비공개 녹음 파일 초안",
}


def check_row(yk, u: Usage) -> None:
    """The row says what the policy in force says: an automatic item of P1.6, collected
    through ``u.channel`` (not ``u.other_channel``), in ``u.flow`` when the flow lists it as
    automatic, and listed by ``u.purpose``."""
    policy = yk.policy
    cat = next(c for c in policy.categories if c.key == u.category)
    assert cat.collection == "automatic" and cat.group == "usage"
    assert u.channel in cat.channels and u.other_channel not in cat.channels
    assert u.other_channel in {c.key for c in policy.channels}
    if u.flow is not None:
        assert u.category in next(f for f in policy.flows if f.key == u.flow).automatic
    assert u.category in next(p for p in policy.purposes if p.key == u.purpose).categories


def test_the_table_covers_every_usage_item_of_the_policy(yk):
    """USAGE is all of section 1(1)'s usage group, so no item of P1.6 goes untested."""
    usage = {c.key for c in yk.policy.categories if c.group == "usage"}
    assert usage == {u.category for u in USAGE}
    assert len(USAGE) == 9


@pytest.mark.promise("P1.6", "P1.13")
@pytest.mark.parametrize("u", CASES)
def test_usage_item_is_collected_through_its_channel_encrypted_and_remembers_it(yk, vault, app,
                                                                               u):
    check_row(yk, u)
    baseline = database_bytes(yk)
    needle = u.value.encode("utf-8")
    assert needle not in baseline
    m = member(vault)  # no consent at all: the item is automatic
    assert vault.effective_consents(m) == frozenset()
    seen = len(entries(yk))
    value_id = vault.collect(m, u.category, u.value, channel=u.channel, flow=u.flow, actor=app,
                             request_id="rq-usage")
    # One granted collect in the access log, resting on a purpose that lists the category.
    (e,) = entries(yk)[seen:]
    assert (e.operation, e.outcome, e.subject_ref, e.categories, e.request_id) == (
        "collect", "granted", m, (u.category,), "rq-usage")
    assert u.category in next(p for p in yk.policy.purposes if p.key == e.purpose).categories
    # The row remembers its channel and flow; its value is ciphertext.
    (row,) = values_of(yk, m)
    assert (row.id, row.category, row.channel, row.flow) == (value_id, u.category, u.channel,
                                                             u.flow)
    ciphertext = bytes(row.ciphertext)
    assert needle not in ciphertext and len(ciphertext) > len(needle)
    raw = database_bytes(yk)
    assert ciphertext in raw  # the scan sees the stored row ...
    assert needle not in raw  # ... and no plaintext of it anywhere in the database
    # Read back for a purpose that lists it: the value, with its channel and flow.
    (got,) = vault.read(m, [u.category], u.purpose, actor=app)[u.category]
    assert (got.id, got.value, got.channel, got.flow) == (value_id, u.value, u.channel, u.flow)


@pytest.mark.promise("P1.6")
@pytest.mark.parametrize("u", CASES)
def test_usage_item_is_read_only_for_a_purpose_that_lists_it(yk, vault, app, u):
    check_row(yk, u)
    m = member(vault)
    vault.collect(m, u.category, u.value, channel=u.channel, flow=u.flow, actor=app)
    listing = {p.key for p in yk.policy.purposes if u.category in p.categories}
    others = [p.key for p in yk.policy.purposes if p.key not in listing]
    assert u.purpose in listing and others  # both sides of the rule are exercised
    for purpose in others:
        n = len(entries(yk))
        with pytest.raises(CategoryNotForPurpose) as refused:
            vault.read(m, [u.category], purpose, actor=app)
        assert u.value not in str(refused.value)
        assert len(entries(yk)) == n + 1
        e = last_entry(yk)
        assert (e.operation, e.outcome, e.reason, e.purpose, e.subject_ref) == (
            "read", "denied", "category-not-for-purpose", purpose, m)
    # Asked together with a category its purpose lists, it is still refused: all or nothing.
    with pytest.raises(CategoryNotForPurpose):
        vault.read(m, [u.category, POSTING], others[0], actor=app)
    # And granted for the purpose that lists it.
    assert [v.value for v in vault.read(m, [u.category], u.purpose,
                                        actor=app)[u.category]] == [u.value]
    assert (last_entry(yk).outcome, last_entry(yk).purpose) == ("granted", u.purpose)


@pytest.mark.promise("P1.6", "P1.13")
@pytest.mark.parametrize("u", CASES)
def test_usage_item_through_another_channel_is_refused_and_nothing_stored(yk, vault, app, u):
    check_row(yk, u)
    m = member(vault)
    for channel in (u.other_channel, "carrier_pigeon"):
        with pytest.raises(UndeclaredChannel) as refused:
            vault.collect(m, u.category, u.value, channel=channel, flow=u.flow, actor=app)
        assert u.value not in str(refused.value)
        e = last_entry(yk)
        assert (e.operation, e.outcome, e.reason, e.categories) == (
            "collect", "denied", "undeclared-channel", (u.category,))
    assert values_of(yk, m) == []
    # The declared channel still works for the same member.
    vault.collect(m, u.category, u.value, channel=u.channel, flow=u.flow, actor=app)
    assert [r.channel for r in values_of(yk, m)] == [u.channel]


@pytest.mark.promise("P1.6", "P1.13")
def test_the_posting_flow_gathers_the_recording_place_and_profile_photo_with_the_post(
        yk, vault, app):
    """One posting through the app: its required content and its automatic items in one
    batch, every value tagged with the channel and the flow."""
    posting = next(f for f in yk.policy.flows if f.key == "posting")
    assert {PLACE, SELF_IMAGE} <= set(posting.automatic)
    m = member(vault)
    items = [(MEDIA, "media/2026/03/해운대_버스킹.mp4"), (POSTING, "해운대에서 버스킹 했어요"),
             (PLACE, "부산광역시 해운대구 해운대해변로 264"),
             (SELF_IMAGE, "https://cdn.somesing.kr/profile/m7781/버스킹_프로필.jpg")]
    ids = vault.collect_many(m, items, channel="app", flow="posting", actor=app)
    assert len(set(ids)) == 4
    rows = values_of(yk, m)
    assert sorted((r.category, r.channel, r.flow) for r in rows) == sorted(
        (c, "app", "posting") for c, _ in items)
    raw = database_bytes(yk)
    for _, value in items:
        assert value.encode("utf-8") not in raw
    got = vault.read(m, [PLACE, SELF_IMAGE, MEDIA, POSTING], "contract_performance", actor=app)
    assert {c: [(v.value, v.channel, v.flow) for v in vs] for c, vs in got.items()} == {
        c: [(value, "app", "posting")] for c, value in items}
    # The photo serves the social services too; the place does not.
    assert [v.value for v in vault.read(m, [SELF_IMAGE], "social_services",
                                        actor=app)[SELF_IMAGE]] == [items[3][1]]
    with pytest.raises(CategoryNotForPurpose):
        vault.read(m, [PLACE], "social_services", actor=app)


@pytest.mark.promise("P1.6")
@pytest.mark.parametrize("category", sorted(UNDECLARED))
def test_a_usage_category_the_policy_does_not_declare_is_refused(yk, vault, app, category):
    assert category not in {c.key for c in yk.policy.categories}
    value = UNDECLARED[category]
    m = member(vault)
    for channel in ("app", "collection_tool"):
        with pytest.raises(UndeclaredCategory) as refused:
            vault.collect(m, category, value, channel=channel, actor=app)
        assert value not in str(refused.value)
        e = last_entry(yk)
        assert (e.operation, e.outcome, e.reason) == ("collect", "denied", "undeclared-category")
        assert category in e.categories
    # Not even inside a batch of declared usage items: the batch is all or nothing.
    with pytest.raises(UndeclaredCategory):
        vault.collect_many(m, [(ACTIVITY, "주 3회 접속"), (category, value)],
                           channel="collection_tool", actor=app)
    assert values_of(yk, m) == []
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM vault_values WHERE category = :c"),
                            {"c": category}).scalar() == 0
    # No purpose lists it, so no read may ask for it either.
    for purpose in (p.key for p in yk.policy.purposes):
        with pytest.raises(CategoryNotForPurpose):
            vault.read(m, [category], purpose, actor=app)
