"""Consent as evidence (issue 5 item 1), P1.9 end to end (item 2) and the never-stale consent
gate ``Vault.may_process`` (the benchmark's function), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import multiprocessing as mp
import threading

import pytest

from tests.support.vault import MINSU, consent, entries, member, member_actor, values_of
from yaksok.consent.proof import consent_proof, consent_proof_json
from yaksok.engine import open_yaksok
from yaksok.errors import ValidationError
from yaksok.settings import Settings
from yaksok.vault import Vault
from yaksok.vault.ledger import notice_sha256

GENDER = "user.demographic.gender"
NAME = "user.name"
DOB = "user.demographic.date_of_birth"
JOIN = "user.behavior.join_reason"
MARKETING = "user.behavior.marketing_activity"


def text_of(yk, key: str, lang: str = "ko") -> str:
    return yk.policy.consent(key).description.get(lang)


# -- evidence ----------------------------------------------------------------------------------


@pytest.mark.promise("P3.1")
def test_the_proof_shows_what_was_shown_when_which_version_what_and_by_whom(yk, vault):
    m = member(vault)
    consent(vault, m, "sns_sign_in", notice_text=text_of(yk, "sns_sign_in"), language="ko")
    consent(vault, m, "user_analysis", "refuse", notice_text=text_of(yk, "user_analysis", "en"),
            language="en")
    consent(vault, m, "customised_ads", notice_text=text_of(yk, "customised_ads"),
            language="ko", given_by="legal_guardian", given_by_ref="guardian:g_1024")
    consent(vault, m, "customised_ads", "withdraw", notice_text=text_of(yk, "customised_ads"),
            language="ko", given_by="authorised_agent", given_by_ref="agent:a_77")
    proof = consent_proof(yk, m, actor=member_actor(m))
    assert proof["in_force"] == ["sns_sign_in"]
    ev = proof["events"]
    assert [(e["consent_key"], e["answer"], e["given_by"], e["given_by_ref"]) for e in ev] == [
        ("sns_sign_in", "given", "member", None),
        ("user_analysis", "refused", "member", None),
        ("customised_ads", "given", "legal_guardian", "guardian:g_1024"),
        ("customised_ads", "withdrawn", "authorised_agent", "agent:a_77")]
    for e in ev:
        assert e["policy_version"] == yk.published.version and e["at"] and e["channel"] == "app"
        assert e["notice_verified"] is True
        assert notice_sha256(e["notice_text"]) == e["notice_sha256"]
        assert e["recorded_by"] == m
    assert ev[1]["language"] == "en" and ev[1]["notice_text"].startswith("We collect")
    assert "실명" in ev[0]["notice_text"]
    again = json.loads(consent_proof_json(yk, m, actor=member_actor(m)))
    assert again == json.loads(json.dumps(proof))


def test_a_custom_notice_is_proven_by_its_hash_only(yk, vault):
    m = member(vault)
    consent(vault, m, "sns_sign_in", notice_text="앱 화면의 다른 문구")
    e = consent_proof(yk, m, actor=member_actor(m))["events"][0]
    assert e["notice_sha256"] == notice_sha256("앱 화면의 다른 문구")
    assert e["notice_verified"] is False and e["notice_text"] == text_of(yk, "sns_sign_in")


@pytest.mark.parametrize("kw", [
    {"given_by": "friend"},
    {"given_by": "legal_guardian"},                              # no reference
    {"given_by": "legal_guardian", "given_by_ref": "김영희"},    # a name, not an id
    {"given_by": "authorised_agent", "given_by_ref": "Mr Kim"},
    {"given_by": "member", "given_by_ref": "g_1"},
    {"language": "Korean"},
])
def test_who_answered_is_a_kind_and_a_reference_never_a_name(yk, vault, kw):
    m = member(vault)
    with pytest.raises(ValidationError):
        consent(vault, m, "sns_sign_in", **kw)
    assert consent_proof(yk, m, actor=member_actor(m))["events"] == []


# -- withdrawal destroys what only that consent covered (PIPA 37(3)) ---------------------------


@pytest.mark.promise("P3.1")
def test_withdrawal_destroys_data_collected_only_under_that_consent(yk, vault, app):
    m = member(vault)
    consent(vault, m, "sns_sign_in")
    consent(vault, m, "user_analysis")
    consent(vault, m, "customised_ads")
    vault.collect(m, GENDER, MINSU[GENDER], channel="app", actor=app)
    vault.collect(m, NAME, MINSU[NAME], channel="app", flow="sns_sign_in", actor=app)  # consent
    vault.collect(m, DOB, MINSU[DOB], channel="app", flow="ssg_cashout", actor=app)  # contract
    vault.collect(m, JOIN, "노래 친구를 찾으려고", channel="app", actor=app)
    vault.collect(m, MARKETING, "여름 광고 캠페인 클릭", channel="app", actor=app)
    before = len(entries(yk))
    consent(vault, m, "sns_sign_in", "withdraw", request_id="req-withdraw-1")
    left = sorted(r.category for r in values_of(yk, m))
    assert left == sorted([DOB, JOIN, MARKETING])  # gender, and the name collected under it
    log = [e for e in entries(yk)[before:] if e.operation == "erase"]
    assert len(log) == 1 and log[0].actor_id == "system:consent_withdrawal"
    assert set(log[0].categories) == {GENDER, NAME} and log[0].request_id == "req-withdraw-1"
    consent(vault, m, "customised_ads", "withdraw")
    assert sorted(r.category for r in values_of(yk, m)) == sorted([DOB, JOIN])
    consent(vault, m, "customised_ads", "withdraw")  # again: nothing left to destroy
    assert sorted(r.category for r in values_of(yk, m)) == sorted([DOB, JOIN])


# -- P1.9: every flow with every consent refused -----------------------------------------------

SAMPLES = {
    "user.contact.email": "minsu.kim@somesing.kr",
    "user.contact.phone_number": "+821012345678",
    "user.content.public.media": "아리랑_커버_녹음.m4a",
    "user.content.public.posting": "오늘 부른 아리랑 어때요? 한강에서 녹음했어요",
    "user.social.account_id": "kakao:3141592653",
    "user.social.nickname": "노래하는민수",
    "user.name": "김민수",
    "user.demographic.date_of_birth": "1995-04-17",
    "user.device.ip_address": "203.0.113.10",
    "user.device.device_id": "SM-S918N-4f2a",
    "user.behavior.time_of_use": "2026-03-01T21:14:00+09:00",
    "user.location.recording_place": "서울 마포구 한강공원",
    "user.content.self_image": "https://cdn.somesing.kr/p/minsu.jpg",
    "user.payment.user_id": "pay-minsu-0001",
    "user.payment.method_type": "신용카드",
    "user.payment.transaction_id": "T-2026-000123",
    "user.payment.product_code": "COIN-100",
    "user.payment.discount": "신규가입 10% 할인",
    "user.behavior.purchase_history": "코인 100개 구매",
    "user.behavior.ssg_usage": "SSG 5,000원 출금",
}


@pytest.mark.promise("P1.9")
def test_every_flow_works_with_every_optional_consent_refused(yk, vault, app):
    policy = yk.policy
    rules = vault.rules()
    m = member(vault)
    for c in policy.consents:
        consent(vault, m, c.key, "refuse", notice_text=c.description.ko, language="ko")
    assert vault.effective_consents(m) == frozenset()
    collected: set[str] = set()
    for flow in policy.flows:
        wanted = [c for c in (*flow.requires, *flow.automatic) if c not in rules.one_way]
        assert all(rules.collection[c] != "optional" for c in wanted), flow.key
        for cat in wanted:
            if cat in collected and cat in {"user.contact.email", "user.contact.phone_number",
                                            "user.social.nickname", "user.name",
                                            "user.demographic.date_of_birth"}:
                continue  # single-valued, already given in an earlier flow
            channel = sorted(rules.category_channels[cat])[0]
            vault.collect(m, cat, SAMPLES[cat], channel=channel, flow=flow.key, actor=app)
            collected.add(cat)
    read = 0
    for p in policy.purposes:
        if not set(p.bases) & {"contract", "legal_obligation"}:
            continue
        cats = [c for c in p.categories if rules.collection[c] != "optional"
                and c not in rules.one_way and c in collected
                and ("contract" in p.bases or c in rules.statutory)]
        if not cats:
            continue
        got = vault.read(m, cats, p.key, actor=app)
        assert all(got[c] for c in cats), (p.key, [c for c in cats if not got[c]])
        read += 1
    assert read >= 3
    assert all(vault.may_process(m, p.key) for p in policy.purposes
               if set(p.bases) & {"contract", "legal_obligation", "legitimate_interests"})


# -- the gate: never stale ---------------------------------------------------------------------


def test_may_process_follows_consent_at_once_in_this_process_and_thread(yk, vault):
    m = member(vault)
    assert vault.may_process(m, "contract_performance")
    assert not vault.may_process(m, "promotional_events")
    assert not vault.may_process(m, "no_such_purpose") and not vault.may_process("m_x", "x")
    consent(vault, m, "customised_ads")
    assert vault.may_process(m, "promotional_events")
    assert vault.may_process(m, "promotional_events")  # cached
    consent(vault, m, "customised_ads", "withdraw")
    assert not vault.may_process(m, "promotional_events")
    consent(vault, m, "customised_ads")
    seen = []
    t = threading.Thread(target=lambda: (consent(vault, m, "customised_ads", "withdraw"),
                                         seen.append(vault.may_process(m, "promotional_events"))))
    t.start()
    t.join()
    assert seen == [False] and not vault.may_process(m, "promotional_events")


def test_a_withdrawal_by_another_vault_is_seen_before_it_returns(yk, vault):
    """Another Vault on the same database stands for another process (no shared memory)."""
    m = member(vault)
    other = Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings)
    consent(vault, m, "customised_ads")
    assert vault.may_process(m, "consented_marketing") and other.may_process(
        m, "consented_marketing")
    consent(other, m, "customised_ads", "withdraw")
    assert not vault.may_process(m, "consented_marketing")


def _withdraw_in_child(settings: Settings, member_id: str, q) -> None:
    y = open_yaksok(settings)
    v = Vault(y.engine, y.keyring, y.policy_in_force, y.settings)
    consent(v, member_id, "customised_ads", "withdraw")
    q.put("done")
    y.close()


@pytest.mark.promise("P3.1")
def test_a_withdrawal_in_another_process_is_never_missed(yk, vault):
    m = member(vault)
    consent(vault, m, "customised_ads")
    assert vault.may_process(m, "promotional_events")  # cached here
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_withdraw_in_child, args=(yk.settings, m, q))
    proc.start()
    assert q.get(timeout=60) == "done"  # the withdrawal call has returned in the child
    assert not vault.may_process(m, "promotional_events")
    proc.join(30)
    assert proc.exitcode == 0
