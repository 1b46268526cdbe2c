"""Purpose-bound reads on both backends: every refusal of ``read`` in its order, the lawful
bases, processors' tasks, restrictions and objections, and the access log of each."""

from __future__ import annotations

import pytest

from tests.support.policy import purpose as policy_purpose
from tests.support.policy import variant
from tests.support.vault import (
    EMAIL,
    GENDER,
    MINSU,
    NAME,
    NICK,
    PHONE,
    POSTING,
    consent,
    entries,
    last_entry,
    member,
)
from yaksok.actors import system_actor
from yaksok.errors import (
    ActorNotAllowed,
    CategoryNotForPurpose,
    NoLawfulBasis,
    NotFound,
    ObjectedTo,
    ProcessingRestricted,
    UnknownPurpose,
    ValidationError,
)
from yaksok.policy.versions import publish_policy

MEDIA_SEEN = "user.behavior.media_consumption"
TX = "user.payment.transaction_id"
PURCHASES = "user.behavior.purchase_history"
DEVICE = "user.device.device_id"


@pytest.fixture
def minsu(vault, app):
    """A member with contact data, a posting, usage data and a payment."""
    m = member(vault)
    for cat in (EMAIL, PHONE, NICK):
        vault.collect(m, cat, MINSU[cat], channel="app", actor=app, flow="sign_up")
    vault.collect(m, POSTING, MINSU[POSTING], channel="app", actor=app)
    vault.collect_many(m, [(MEDIA_SEEN, "발라드 커버 영상"), (TX, "T-2026-000123"),
                           (PURCHASES, "코인 100개 구매"), (DEVICE, "SM-S918N-기기"),
                           ("user.device.ip_address", "203.0.113.10"),
                           ("user.device.ad_environment", "광고 ID 허용")],
                       channel="collection_tool", actor=app)
    return m


def assert_denied(yk, rule: str, purpose: str | None = None):
    e = last_entry(yk)
    assert (e.operation, e.outcome, e.reason) == ("read", "denied", rule)
    if purpose:
        assert e.purpose == purpose
    return e


def plain(got: dict) -> dict:
    return {c: [v.value for v in vs] for c, vs in got.items()}


# -- the grant and its log entry ---------------------------------------------------------------


@pytest.mark.promise("P7.5")
def test_a_granted_read_returns_values_and_is_logged_first(yk, vault, app, minsu):
    n = len(entries(yk))
    got = vault.read(minsu, [EMAIL, NICK], "contract_performance", actor=app,
                     ip="198.51.100.4", request_id="req-7")
    assert plain(got) == {EMAIL: [MINSU[EMAIL]], NICK: [MINSU[NICK]]}
    assert len(entries(yk)) == n + 1
    e = last_entry(yk)
    assert (e.operation, e.outcome, e.purpose, e.subject_ref, e.categories) == (
        "read", "granted", "contract_performance", minsu, (EMAIL, NICK))
    assert (e.source_ip, e.request_id, e.actor_id, e.actor_kind) == (
        "198.51.100.4", "req-7", app.id, "app_backend")
    assert e.policy_version == yk.published.version
    assert MINSU[EMAIL] not in repr(got)  # a Value's repr never shows the value


# -- 1. unknown purpose; 2. category not for purpose -------------------------------------------


@pytest.mark.promise("P3.2")
def test_a_purpose_not_in_the_policy_is_refused(yk, vault, app, minsu):
    with pytest.raises(UnknownPurpose, match="not a purpose") as info:
        vault.read(minsu, [EMAIL], "selling_to_brokers", actor=app)
    assert info.value.rule == "unknown-purpose"
    assert_denied(yk, "unknown-purpose", "selling_to_brokers")


@pytest.mark.promise("P2.3")
def test_a_category_the_purpose_does_not_list_is_refused(yk, vault, app, minsu):
    with pytest.raises(CategoryNotForPurpose, match=EMAIL):
        vault.read(minsu, [MEDIA_SEEN, EMAIL], "service_improvement", actor=app)
    assert_denied(yk, "category-not-for-purpose", "service_improvement")
    with pytest.raises(CategoryNotForPurpose):
        vault.read(minsu, ["user.made.up"], "service_improvement", actor=app)
    assert vault.read(minsu, [MEDIA_SEEN], "service_improvement", actor=app)[MEDIA_SEEN]


# -- 3. the actor ------------------------------------------------------------------------------


@pytest.mark.promise("P7.5")
def test_an_actor_not_allowed_the_purpose_is_refused(yk, vault, engineer, officer, minsu):
    with pytest.raises(ActorNotAllowed, match="may not act for contract_performance"):
        vault.read(minsu, [EMAIL], "contract_performance", actor=engineer)
    assert_denied(yk, "actor-not-allowed", "contract_performance")
    assert vault.read(minsu, [MEDIA_SEEN], "service_improvement", actor=engineer)[MEDIA_SEEN]
    assert vault.read(minsu, [EMAIL], "contract_performance", actor=officer)[EMAIL]
    nobody = system_actor("nightly-job")  # no purposes named: no access, the system included
    with pytest.raises(ActorNotAllowed):
        vault.read(minsu, [EMAIL], "contract_performance", actor=nobody)


@pytest.mark.promise("P10.1")
def test_processor_staff_act_only_through_their_tasks(yk, vault, agent, minsu):
    # Counselling covers email, phone and payment references for contract performance.
    got = vault.read(minsu, [EMAIL, TX], "contract_performance", actor=agent,
                     task="counselling")
    assert plain(got) == {EMAIL: [MINSU[EMAIL]], TX: ["T-2026-000123"]}
    assert last_entry(yk).task == "counselling"
    with pytest.raises(ActorNotAllowed, match="task"):  # no task named
        vault.read(minsu, [EMAIL], "contract_performance", actor=agent)
    assert_denied(yk, "processor-task-required")
    with pytest.raises(ActorNotAllowed, match="does not cover"):  # community: no email
        vault.read(minsu, [EMAIL], "contract_performance", actor=agent, task="community")
    with pytest.raises(ActorNotAllowed, match="does not cover"):  # counselling: not this purpose
        vault.read(minsu, [NICK], "member_management", actor=agent, task="counselling")
    assert vault.read(minsu, [NICK], "member_management", actor=agent, task="community")[NICK]
    with pytest.raises(ActorNotAllowed):  # a purpose outside every task of the processor
        vault.read(minsu, [MEDIA_SEEN], "service_improvement", actor=agent, task="community")
    with pytest.raises(ActorNotAllowed):  # a task the role does not have
        vault.read(minsu, [EMAIL], "contract_performance", actor=agent, task="billing")


# -- 4. the member -----------------------------------------------------------------------------


def test_unknown_and_erased_members_are_not_found(yk, vault, app, minsu):
    with pytest.raises(NotFound):
        vault.read("m_ffffffffffffffffffffffff", [EMAIL], "contract_performance", actor=app)
    assert_denied(yk, "not-found:member_id")
    vault.erase_member(minsu, actor=app)
    with pytest.raises(NotFound):
        vault.read(minsu, [EMAIL], "contract_performance", actor=app)


# -- 5. restrictions ---------------------------------------------------------------------------


@pytest.mark.promise("P6.4")
def test_a_restriction_stops_its_purpose(yk, vault, app, officer, minsu):
    rid = vault.restrict(minsu, "contract_performance", "accuracy-disputed", actor=officer)
    with pytest.raises(ProcessingRestricted):
        vault.read(minsu, [EMAIL], "contract_performance", actor=app)
    assert_denied(yk, "processing-restricted", "contract_performance")
    assert vault.read(minsu, [EMAIL], "change_notices", actor=app)[EMAIL]  # other purposes go on
    assert [r.id for r in vault.active_restrictions(minsu)] == [rid]
    vault.lift_restriction(minsu, rid, actor=officer)
    assert vault.read(minsu, [EMAIL], "contract_performance", actor=app)[EMAIL]
    assert vault.active_restrictions(minsu) == []


@pytest.mark.promise("P6.4", "P2.9")
def test_a_restriction_without_purpose_stops_all_but_legal_storage(yk, vault, app, minsu):
    vault.restrict(minsu, None, "preserve-for-claims", actor=app)
    for purpose, cats in [("contract_performance", [EMAIL]), ("member_management", [NICK]),
                          ("service_improvement", [MEDIA_SEEN]), ("change_notices", [PHONE])]:
        with pytest.raises(ProcessingRestricted):
            vault.read(minsu, cats, purpose, actor=app)
    got = vault.read(minsu, [TX], "legal_compliance", actor=app)
    assert [v.value for v in got[TX]] == ["T-2026-000123"]


def test_restriction_reasons_are_codes_and_purposes_are_checked(yk, vault, app, minsu):
    with pytest.raises(ValidationError, match="accuracy-disputed"):
        vault.restrict(minsu, "contract_performance", "김민수 씨가 전화로 요청", actor=app)
    with pytest.raises(ValidationError):
        vault.restrict(minsu, "selling", "accuracy-disputed", actor=app)
    a = vault.restrict(minsu, "contract_performance", "accuracy-disputed", actor=app)
    assert vault.restrict(minsu, "contract_performance", "accuracy-disputed", actor=app) == a
    e = last_entry(yk)
    assert (e.operation, e.reason) == ("admin", "restrict:accuracy-disputed")


# -- 6. objections -----------------------------------------------------------------------------


@pytest.mark.promise("P6.6")
def test_an_objection_to_a_legitimate_interest_purpose_stops_it(yk, vault, app, minsu):
    oid = vault.object_to(minsu, "purpose", "service_improvement", actor=app)
    with pytest.raises(ObjectedTo):
        vault.read(minsu, [MEDIA_SEEN], "service_improvement", actor=app)
    assert_denied(yk, "objected-to", "service_improvement")
    assert vault.read(minsu, [EMAIL], "contract_performance", actor=app)[EMAIL]
    vault.withdraw_objection(minsu, oid, actor=app)
    assert vault.read(minsu, [MEDIA_SEEN], "service_improvement", actor=app)[MEDIA_SEEN]


@pytest.mark.promise("P6.6")
def test_objections_apply_to_objectable_purposes_only(yk, vault, app, minsu):
    with pytest.raises(ValidationError, match="service_improvement"):
        vault.object_to(minsu, "purpose", "contract_performance", actor=app)
    with pytest.raises(ValidationError):
        vault.object_to(minsu, "purpose", "no_such_purpose", actor=app)
    # Direct marketing: its data use is marketing, so the member may object even with consent.
    consent(vault, minsu, "customised_ads")
    assert vault.read(minsu, [EMAIL], "consented_marketing", actor=app)[EMAIL]
    vault.object_to(minsu, "purpose", "consented_marketing", actor=app)
    with pytest.raises(ObjectedTo):
        vault.read(minsu, [EMAIL], "consented_marketing", actor=app)


@pytest.mark.promise("P6.7")
def test_an_objection_to_an_automated_decision_stops_it(yk, vault, app, minsu):
    vault.object_to(minsu, "decision", "abuse_detection", actor=app)
    with pytest.raises(ObjectedTo, match="abuse_detection"):
        vault.read(minsu, [DEVICE], "member_management", actor=app,
                   decision="abuse_detection")
    assert_denied(yk, "objected-to", "member_management")
    # The same data for the same purpose, decided by a person, is not the decision objected to.
    assert vault.read(minsu, [DEVICE], "member_management", actor=app)[DEVICE]
    with pytest.raises(ValidationError):  # a decision made for another purpose
        vault.read(minsu, [DEVICE], "member_management", actor=app,
                   decision="ad_targeting_profile")
    with pytest.raises(ValidationError):
        vault.object_to(minsu, "decision", "mind_reading", actor=app)
    assert [o.target_key for o in vault.active_objections(minsu)] == ["abuse_detection"]


# -- 7. lawful bases (P3.1) --------------------------------------------------------------------


@pytest.mark.promise("P3.1", "P2.7")
def test_consent_basis_holds_only_while_the_consent_is_in_force(yk, vault, app, minsu):
    with pytest.raises(NoLawfulBasis, match="customised_ads") as info:
        vault.read(minsu, [MEDIA_SEEN], "usage_statistics", actor=app)
    assert info.value.rule == "no-lawful-basis"
    assert_denied(yk, "no-lawful-basis", "usage_statistics")
    consent(vault, minsu, "user_analysis")
    assert vault.read(minsu, [MEDIA_SEEN], "usage_statistics", actor=app)[MEDIA_SEEN]
    consent(vault, minsu, "user_analysis", "withdraw")
    with pytest.raises(NoLawfulBasis):  # at once: nothing is cached
        vault.read(minsu, [MEDIA_SEEN], "usage_statistics", actor=app)


@pytest.mark.promise("P3.1")
def test_contract_basis_needs_an_active_membership(yk, vault, app, minsu):
    assert vault.read(minsu, [POSTING], "contract_performance", actor=app)[POSTING]
    vault.close_member(minsu)
    with pytest.raises(NoLawfulBasis, match="contract: the account is closed"):
        vault.read(minsu, [POSTING], "contract_performance", actor=app)


@pytest.mark.promise("P3.1", "P2.9")
def test_legal_obligation_covers_statutory_records_only(yk, vault, app, minsu):
    vault.close_member(minsu)
    got = vault.read(minsu, [TX, EMAIL], "legal_compliance", actor=app)  # payment, complaint
    assert plain(got) == {TX: ["T-2026-000123"], EMAIL: [MINSU[EMAIL]]}
    with pytest.raises(NoLawfulBasis, match="purchase_history is not a statutory record"):
        vault.read(minsu, [PURCHASES], "legal_compliance", actor=app)


@pytest.mark.promise("P3.1")
def test_vital_interests_need_an_incident_reference(yk, vault, app, minsu):
    # SOMESING's 2021 text rested abuse detection on vital interests (its version today rests
    # it on legitimate interests): a purpose that does needs an incident reference.
    def on_vital_interests(d):
        p = policy_purpose(d, "member_management")
        p["bases"] = ["contract", "vital_interests"]
        p.pop("assessment")

    publish_policy(yk.engine, variant(change=on_vital_interests), published_by="test")
    yk.refresh_policy()
    vault.close_member(minsu)  # contract no longer holds for member management
    with pytest.raises(NoLawfulBasis, match="vital_interests"):
        vault.read(minsu, [DEVICE], "member_management", actor=app)
    got = vault.read(minsu, [DEVICE], "member_management", actor=app, reason="INC-2026-0042")
    assert got[DEVICE] and last_entry(yk).reason == "INC-2026-0042"


@pytest.mark.promise("P3.1")
def test_legitimate_interests_hold_unless_objected(yk, vault, app, minsu):
    vault.close_member(minsu)
    assert vault.read(minsu, [MEDIA_SEEN], "service_improvement", actor=app)[MEDIA_SEEN]
    # Abuse detection rests on the contract and on legitimate interests weighed for every
    # member: a closed account is still protected against abuse without a case reference.
    assert vault.read(minsu, [DEVICE], "member_management", actor=app)[DEVICE]


# -- 8. optional and conditional categories ----------------------------------------------------


@pytest.mark.promise("P1.9", "P1.10")
def test_an_optional_category_is_read_only_under_its_consent(yk, vault, app, minsu):
    consent(vault, minsu, "sns_sign_in")
    vault.collect(minsu, GENDER, MINSU[GENDER], channel="app", actor=app)
    assert plain(vault.read(minsu, [GENDER], "member_management", actor=app)) == {
        GENDER: [MINSU[GENDER]]}
    # Usage statistics lists gender, and the member consented to customised ads, but no item
    # the member gave covers gender for statistics.
    consent(vault, minsu, "customised_ads")
    with pytest.raises(NoLawfulBasis) as info:
        vault.read(minsu, [GENDER], "usage_statistics", actor=app)
    assert info.value.rule == "consent-required"
    assert_denied(yk, "consent-required", "usage_statistics")
    consent(vault, minsu, "sns_sign_in", "withdraw")
    with pytest.raises(NoLawfulBasis, match="sns_sign_in"):
        vault.read(minsu, [GENDER], "member_management", actor=app)
    # Refusing the optional items never restricts the service (P1.9).
    assert vault.read(minsu, [EMAIL, POSTING], "contract_performance", actor=app)[POSTING]


@pytest.mark.promise("P1.3", "P1.10")
def test_a_name_given_under_consent_is_withheld_once_it_is_withdrawn(yk, vault, app):
    by_consent, cashout = member(vault), member(vault)
    consent(vault, by_consent, "sns_sign_in")
    vault.collect(by_consent, NAME, MINSU[NAME], channel="app", flow="sns_sign_in", actor=app)
    vault.collect(cashout, NAME, "박지연", channel="app", flow="ssg_cashout", actor=app)
    assert plain(vault.read(by_consent, [NAME], "member_management", actor=app)) == {
        NAME: [MINSU[NAME]]}
    consent(vault, by_consent, "sns_sign_in", "withdraw")
    assert plain(vault.read(by_consent, [NAME], "member_management", actor=app)) == {NAME: []}
    # Collected in the flow that requires it: read under the purpose's own basis.
    assert plain(vault.read(cashout, [NAME], "contract_performance", actor=app)) == {
        NAME: ["박지연"]}


# -- the nine purposes (P2.1 - P2.9) -----------------------------------------------------------

PURPOSES = [
    ("P2.1", "member_management", [EMAIL, DEVICE], None),
    ("P2.2", "contract_performance", [EMAIL, TX, PURCHASES], None),
    ("P2.3", "service_improvement", [MEDIA_SEEN], None),
    ("P2.4", "change_notices", [EMAIL, PHONE], None),
    ("P2.5", "consented_marketing", [EMAIL, "user.device.ad_environment"], "customised_ads"),
    ("P2.6", "social_services", [NICK], None),
    ("P2.7", "usage_statistics", [MEDIA_SEEN], "user_analysis"),
    ("P2.8", "promotional_events", [PHONE], "customised_ads"),
    ("P2.9", "legal_compliance", [TX, "user.device.ip_address"], None),
]


@pytest.mark.parametrize(("pid", "purpose", "cats", "needs"), [
    pytest.param(*p, marks=pytest.mark.promise(p[0]), id=p[1]) for p in PURPOSES])
def test_each_purpose_reads_its_categories_on_its_basis(yk, vault, app, minsu, pid, purpose,
                                                        cats, needs):
    if needs:
        with pytest.raises(NoLawfulBasis):
            vault.read(minsu, cats, purpose, actor=app)
        consent(vault, minsu, needs)
    got = vault.read(minsu, cats, purpose, actor=app)
    assert all(got[c] for c in cats)
    with pytest.raises(CategoryNotForPurpose):  # and nothing the purpose does not list
        vault.read(minsu, [*cats, "user.social.friend_list" if purpose != "social_services"
                           else EMAIL], purpose, actor=app)


def test_every_refusal_of_read_is_logged_with_its_rule(yk, vault, app, engineer, minsu):
    cases = [
        (lambda: vault.read(minsu, [EMAIL], "nope", actor=app), "unknown-purpose"),
        (lambda: vault.read(minsu, [EMAIL], "service_improvement", actor=app),
         "category-not-for-purpose"),
        (lambda: vault.read(minsu, [EMAIL], "contract_performance", actor=engineer),
         "actor-not-allowed"),
        (lambda: vault.read(minsu, [MEDIA_SEEN], "usage_statistics", actor=app),
         "no-lawful-basis"),
    ]
    for call, rule in cases:
        n = len(entries(yk))
        with pytest.raises(Exception) as info:
            call()
        assert info.value.rule == rule
        assert len(entries(yk)) == n + 1
        assert_denied(yk, rule)
        assert last_entry(yk).subject_ref == minsu
