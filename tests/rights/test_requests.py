"""Rights requests (issue 7) on SQLite and PostgreSQL: submit, lifecycle, deadlines, refusal
grounds, messages over a real SMTP server. The helpers shared with the other rights tests are
in ``tests/support/rights.py``, the ``minsu`` fixture in ``tests/rights/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.support.database import database_bytes
from tests.support.paths import ROOT
from tests.support.rights import (
    EMAIL,
    NEW_PHONE,
    body,
    deliver,
    in_progress,
    log_reasons,
    new_member,
)
from yaksok.actors import member_actor
from yaksok.errors import ActorNotAllowed, Conflict, NotFound, ValidationError
from yaksok.rights import requests as rq
from yaksok.rights.deadlines import due_dates
from yaksok.rights.grounds import EXTENSION_REASONS, REFUSAL_GROUNDS, grounds_for
from yaksok.rights.requests import (
    cancel,
    complete,
    extend,
    get_request,
    list_requests,
    open_personal,
    refuse,
    request_events,
    start,
    submit,
)
from yaksok.rights.verify import verify_by_staff
from yaksok.store.tables import utcnow
from yaksok.vault import Vault

# -- submit --------------------------------------------------------------------------------------

@pytest.mark.promise("P6.8", "P6.1")
def test_a_member_asks_in_the_account_menu_and_is_told_by_email(yk, minsu, smtp):
    now = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)  # 23:30 in Seoul
    r = submit(yk, member_id=minsu, right="access", channel="account_menu",
               actor=member_actor(minsu), now=now)
    assert (r.status, r.jurisdiction, r.requester, r.extensions) == ("received", "KR", "self", 0)
    assert r.received_at == now and r.acknowledge_by is None
    # PIPA: 10 days, the day of receipt not counted; the end of the last day in Seoul.
    assert r.due_at.astimezone(dt.timezone(dt.timedelta(hours=9))).isoformat() \
        .startswith("2026-03-12T23:59:59")
    [ev] = request_events(yk, r.id)
    assert (ev.actor, ev.from_status, ev.to_status, ev.reason) == (
        minsu, None, "received", "channel:account_menu")
    assert log_reasons(yk, r.id) == [("granted", "rights:access:received")]
    [msg] = deliver(yk, smtp)
    assert msg["To"] == EMAIL and "개인정보 권리 요청" in msg["Subject"]
    text = body(msg)
    assert r.id in text and "2026-03-12" in text and text.index("접수") < text.index("received")
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT acknowledged_at FROM rights_requests WHERE id = :i"),
                            {"i": r.id}).scalar() is not None


@pytest.mark.promise("P6.8")
def test_staff_enter_requests_received_by_letter_phone_email_and_fax(yk, minsu, officer, agent):
    for channel in ("written", "phone", "email", "fax"):
        r = submit(yk, member_id=minsu, right="erasure", channel=channel, actor=officer)
        assert (r.channel, r.status, r.verified_at) == (channel, "received", None)
        assert request_events(yk, r.id)[0].actor == officer.id
    # Entering a request is handling it (rights.decide): not a member, not processor staff.
    for actor in (member_actor(minsu), agent):
        with pytest.raises(ActorNotAllowed) as refused:
            submit(yk, member_id=minsu, right="erasure", channel="written", actor=actor)
        assert refused.value.rule == "capability-required"
    with pytest.raises(ValidationError, match="session"):  # staff entry never starts verified
        submit(yk, member_id=minsu, right="objection", channel="phone", actor=officer,
               details={"purpose": "service_improvement"}, verified_by="session")
    assert [r.channel for r in list_requests(yk, member_id=minsu)] == [
        "fax", "email", "phone", "written"]  # newest first


def test_submit_checks_everything_and_never_echoes_a_value(yk, minsu, officer):
    me = member_actor(minsu)
    bad = [
        (dict(right="forgetting"), ValidationError, "right"),
        (dict(right="access", channel="pigeon"), ValidationError, "channel"),
        (dict(right="access", requester="friend"), ValidationError, "requester"),
        (dict(right="objection", details={"purpose": "contract_performance"}),
         ValidationError, "details.purpose"),
        (dict(right="restriction", details={}), ValidationError, "details.reason"),
        (dict(right="automated_decision", details={"decision": "ad_targeting_profile"}),
         ValidationError, "details.action"),
        (dict(right="consent_withdrawal", details={"consent": "mind_reading"}),
         ValidationError, "details.consent"),
        (dict(right="erasure", details={"categories": ["user.soul"]}), ValidationError,
         "details.categories"),
        (dict(right="erasure", details={"note": "please delete minsu.kim@somesing.kr"}),
         ValidationError, "details"),
        (dict(right="rectification"), ValidationError, "personal"),
        (dict(right="rectification", personal={"category": "user.authorization.password",
                                               "value": "hunter2-secret"}),
         ValidationError, "personal.category"),
        (dict(right="access", member_id="m_" + "0" * 24, actor=officer, channel="phone"),
         NotFound, "member_id"),
    ]
    for kw, error, field in bad:
        kw = {"member_id": minsu, "channel": "account_menu", "actor": me, **kw}
        with pytest.raises(error) as info:
            submit(yk, **kw)
        assert info.value.field == field, kw
        assert "minsu.kim" not in str(info.value) and "hunter2" not in str(info.value)
    other = new_member(yk, email="jiyeon.park@somesing.kr", phone="010-9876-5432")
    with pytest.raises(ActorNotAllowed):  # a member asks only for themself
        submit(yk, member_id=other, right="access", channel="account_menu", actor=me)
    Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings).close_member(other)
    with pytest.raises(Conflict, match="closed"):
        submit(yk, member_id=other, right="access", channel="phone", actor=officer)
    assert list_requests(yk) == []  # nothing half-written
    # Withdrawing consent is open although the policy's rights list does not name it.
    r = submit(yk, member_id=minsu, right="consent_withdrawal", channel="account_menu",
               actor=me, details={"consent": "user_analysis"}, verified_by="session")
    assert r.status == "verified" and r.details == {"consent": "user_analysis"}


@pytest.mark.promise("P6.2")
def test_personal_inputs_are_sealed_under_the_member_key(yk, minsu, officer):
    r = submit(yk, member_id=minsu, right="rectification", channel="written", actor=officer,
               personal={"category": "user.contact.phone_number", "value": NEW_PHONE})
    assert r.details == {} and NEW_PHONE.encode() not in database_bytes(yk)
    assert NEW_PHONE not in str(r.to_dict())
    assert open_personal(yk, r.id) == {"category": "user.contact.phone_number",
                                       "value": NEW_PHONE}
    Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings).erase_member(minsu, actor=officer)
    with pytest.raises(NotFound, match="shredded"):  # erasure shreds the request's inputs too
        open_personal(yk, r.id)


# -- lifecycle -----------------------------------------------------------------------------------

@pytest.mark.promise("P6.8", "P6.11")
def test_every_transition_is_recorded_and_final_states_are_final(yk, minsu, officer, smtp):
    r = submit(yk, member_id=minsu, right="objection", channel="email", actor=officer,
               details={"purpose": "service_improvement"})
    with pytest.raises(Conflict, match="received"):  # not verified yet
        start(yk, r.id, actor=officer)
    with pytest.raises(ActorNotAllowed):
        start(yk, r.id, actor=member_actor(minsu))
    verify_by_staff(yk, r.id, actor=officer, method="reply-from-registered-email")
    start(yk, r.id, actor=officer)
    done = complete(yk, r.id, actor=officer, result={"objection_id": 7})
    assert done.status == "completed" and done.closed_at and done.result == {"objection_id": 7}
    assert [(e.from_status, e.to_status, e.reason, e.actor) for e in request_events(yk, r.id)] \
        == [(None, "received", "channel:email", officer.id),
            ("received", "verified", "staff:reply-from-registered-email", officer.id),
            ("verified", "in_progress", None, officer.id),
            ("in_progress", "completed", None, officer.id)]
    assert [x for _, x in log_reasons(yk, r.id)] == [
        "rights:objection:received", "rights:objection:verified",
        "rights:objection:in_progress", "rights:objection:completed"]
    for action in (lambda: start(yk, r.id, actor=officer),
                   lambda: extend(yk, r.id, actor=officer, reason="complex"),
                   lambda: refuse(yk, r.id, actor=officer, reason="pipa_37_2_1_law_requires"),
                   lambda: cancel(yk, r.id, actor=officer),
                   lambda: complete(yk, r.id, actor=officer)):
        with pytest.raises(Conflict, match="completed") as info:
            action()
        assert "final" in info.value.fix
    with pytest.raises(ValidationError, match="free text"):  # results are codes and counts
        complete(yk, in_progress(yk, officer, minsu, "access").id, actor=officer,
                 result={"note": "sent to minsu.kim@somesing.kr"})
    subjects = [m["Subject"] for m in deliver(yk, smtp)]
    assert sum("처리 완료" in s for s in subjects) == 1


def test_the_member_cancels_their_own_request_only(yk, minsu, officer):
    me = member_actor(minsu)
    r = submit(yk, member_id=minsu, right="access", channel="account_menu", actor=me)
    other = member_actor(new_member(yk, email="jiyeon.park@somesing.kr", phone="010-9876-5432"))
    with pytest.raises(ActorNotAllowed):
        cancel(yk, r.id, actor=other)
    assert cancel(yk, r.id, actor=me).status == "cancelled"
    assert request_events(yk, r.id)[-1].reason == "by-member"
    assert [x.id for x in list_requests(yk, status="cancelled")] == [r.id]
    with pytest.raises(NotFound) as info:
        get_request(yk, "rq_<script>")
    assert "<script>" not in str(info.value)


def test_extensions_follow_the_jurisdiction_and_are_told(yk, minsu, officer, smtp):
    t0 = utcnow()
    # KR: an objection has no extension (PIPA allows postponing only access and decisions).
    r = in_progress(yk, officer, minsu, "objection", details={"purpose": "service_improvement"})
    with pytest.raises(Conflict, match="PIPA"):
        extend(yk, r.id, actor=officer, reason="complex")
    # KR automated decision: P30D twice, as the policy says.
    r = in_progress(yk, officer, minsu, "automated_decision",
                    details={"decision": "abuse_detection", "action": "explain"})
    with pytest.raises(ValidationError, match="extension reason"):
        extend(yk, r.id, actor=officer, reason="we are busy")
    first = extend(yk, r.id, actor=officer, reason="human_review")
    second = extend(yk, r.id, actor=officer, reason="complex")
    assert (first.status, first.extensions, second.extensions) == ("extended", 1, 2)
    assert dt.timedelta(days=29) < second.due_at - first.due_at <= dt.timedelta(days=31)
    with pytest.raises(Conflict, match="allows 2"):
        extend(yk, r.id, actor=officer, reason="complex")
    # EU: one extension of two months, to be told before the due date passes.
    eu = new_member(yk, email="anna.schmidt@example.de", phone="+49 151 23456789", country="DE")
    r = in_progress(yk, officer, eu, "access")
    assert r.jurisdiction == "EU"
    with pytest.raises(Conflict, match="passed"):
        extend(yk, r.id, actor=officer, reason="complex", now=r.due_at + dt.timedelta(hours=1))
    e = extend(yk, r.id, actor=officer, reason="many_requests", now=t0)
    assert dt.timedelta(days=58) < e.due_at - r.due_at < dt.timedelta(days=63)
    with pytest.raises(Conflict, match="allows 1"):
        extend(yk, r.id, actor=officer, reason="complex")
    told = [m for m in deliver(yk, smtp) if "기한 연장" in m["Subject"]]
    assert len(told) == 3
    eu_mail = next(m for m in told if m["To"] == "anna.schmidt@example.de")
    text = body(eu_mail)
    local = e.due_at.astimezone(ZoneInfo("Europe/Brussels")).date().isoformat()
    assert EXTENSION_REASONS["many_requests"]["en"] in text and f"answer by {local}" in text


@pytest.mark.promise("P6.1", "P6.8")
def test_a_korean_access_request_is_postponed_with_its_reason_not_extended(
        yk, minsu, officer, smtp):
    # PIPA 35(3): access within 10 days; for a justified reason it may be put off, told to the
    # requester with the reason before the deadline, and answered without delay once it ends.
    rule = due_dates(yk.policy, "KR", "access", utcnow())
    assert (rule.extension_kind, rule.extension_by, rule.extensions_allowed) == (
        "postponement", "P10D", 1)
    r = in_progress(yk, officer, minsu, "access")
    with pytest.raises(ValidationError, match="can only be postponed") as info:
        extend(yk, r.id, actor=officer, reason="complex")
    assert info.value.field == "reason" and "justified_postponement" in info.value.fix
    assert get_request(yk, r.id).status == "in_progress"  # nothing changed
    later = extend(yk, r.id, actor=officer, reason="justified_postponement")
    assert later.status == "extended" and later.extensions == 1
    assert dt.timedelta(days=9) < later.due_at - r.due_at <= dt.timedelta(days=11)
    with pytest.raises(Conflict, match="allows 1"):
        extend(yk, r.id, actor=officer, reason="justified_postponement")
    (told,) = [m for m in deliver(yk, smtp) if "처리 연기" in m["Subject"]]
    text = body(told)
    assert "연기합니다" in text and "지체 없이" in text and "제35조 제3항" in text
    assert "연장합니다" not in text
    assert EXTENSION_REASONS["justified_postponement"]["ko"] in text


# -- refusal -------------------------------------------------------------------------------------

@pytest.mark.promise("P6.9")
def test_a_refusal_needs_a_legal_ground_and_is_told_with_the_law(yk, minsu, officer, smtp):
    r = submit(yk, member_id=minsu, right="access", channel="written", actor=officer)
    with pytest.raises(ValidationError) as info:
        refuse(yk, r.id, actor=officer, reason="we would rather not")
    assert info.value.field == "reason" and "pipa_35_4_1_law_forbids" in info.value.fix
    with pytest.raises(ValidationError, match="does not apply"):  # erasure ground, EU ground
        refuse(yk, r.id, actor=officer, reason="pipa_36_1_other_law_requires")
    with pytest.raises(ValidationError, match="does not apply"):
        refuse(yk, r.id, actor=officer, reason="gdpr_12_5_manifestly_excessive")
    with pytest.raises(ActorNotAllowed):
        refuse(yk, r.id, actor=member_actor(minsu), reason="pipa_35_4_2_harms_others")
    assert get_request(yk, r.id).status == "received"
    done = refuse(yk, r.id, actor=officer, reason="pipa_35_4_2_harms_others")
    assert (done.status, done.refusal_reason) == ("refused", "pipa_35_4_2_harms_others")
    assert request_events(yk, r.id)[-1].reason == "pipa_35_4_2_harms_others"
    [msg] = [m for m in deliver(yk, smtp) if "거절" in m["Subject"]]
    text = body(msg)
    ground = REFUSAL_GROUNDS["pipa_35_4_2_harms_others"]
    assert ground["ko"] in text and ground["en"] in text and "PIPA art. 35(4)2" in text
    assert "118" in text and "kopico" in text  # how to complain to the PIPC and mediate


def test_the_refusal_grounds_cite_the_law_for_each_regime():
    from yaksok.rights.lifecycle import RIGHTS

    for code, g in REFUSAL_GROUNDS.items():
        assert g["ko"] and g["en"] and g["law"], code
        assert set(g["rights"]) <= set(RIGHTS) and set(g["jurisdictions"]) <= {"KR", "EU",
                                                                                "US-CA"}
        assert re.match(r"^(pipa|gdpr|ccpa)_[a-z0-9_]+$", code)
    assert {"pipa_35_4_1_law_forbids", "pipa_35_4_2_harms_others"} <= set(
        grounds_for("access", "KR"))
    assert "pipa_36_1_other_law_requires" in grounds_for("erasure", "KR")
    assert "gdpr_17_3_b_legal_obligation" in grounds_for("erasure", "EU")
    assert "gdpr_12_5_manifestly_unfounded" in grounds_for("objection", "EU")
    assert {"ccpa_7062_cannot_verify", "ccpa_1798_105_d_exemption"} <= set(
        grounds_for("erasure", "US-CA"))
    # Withdrawing consent can be refused only when the requester cannot be verified.
    assert grounds_for("consent_withdrawal", "KR") == ["pipa_decree_46_identity"]
    assert rq.REFUSAL_GROUNDS is REFUSAL_GROUNDS


# -- the documentation ---------------------------------------------------------------------------

def test_the_documented_example_runs(monkeypatch, capsys, tmp_path):
    doc = (ROOT / "docs" / "rights.md").read_text("utf-8")
    tail = doc[doc.index("## Example"):]
    code = re.search(r"```python\n(.*?)```", tail, re.S).group(1)
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("tempfile.mkdtemp", lambda: str(tmp_path))
    monkeypatch.delenv("YAKSOK_KEYRING_PASSPHRASE", raising=False)
    exec(compile(code, "docs/rights.md", "exec"), {"__name__": "rights_doc_example"})  # noqa: S102
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "received verified in_progress completed"
    assert out[1] == "refused: ObjectedTo" and out[-1].startswith("refusal grounds for access")
