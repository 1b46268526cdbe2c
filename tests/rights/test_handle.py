"""Carrying out each right on the vault, retention and exports (P6.1-P6.4, P6.6, P6.7), on
SQLite and PostgreSQL; retries after a failure apply nothing twice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.database import database_bytes
from tests.support.rights import NEW_PHONE, body, deliver, in_progress, new_member, outbox_rows
from tests.support.vault import entries
from yaksok.actors import member_actor
from yaksok.errors import (
    ActorNotAllowed,
    Conflict,
    NotFound,
    ObjectedTo,
    ProcessingRestricted,
    StorageError,
)
from yaksok.retention import read_held, write_record
from yaksok.rights.handle import carry_out, explain_decision
from yaksok.rights.requests import get_request, submit
from yaksok.store.tables import members
from yaksok.vault import Vault

INTEREST = "user.behavior.interest_categories"
APP_USAGE = "user.behavior.app_usage"
DEVICE = "user.device.device_id"
PHONE = "user.contact.phone_number"


def status_of(yk, member_id: str) -> str:
    with yk.engine.connect() as conn:
        return conn.execute(sa.select(members.c.status).where(members.c.id == member_id)
                            ).scalar()


@pytest.mark.promise("P6.1")
def test_access_builds_the_export_and_completes(yk, minsu, officer):
    r = in_progress(yk, officer, minsu, "access")
    out = carry_out(yk, r.id, actor=officer)
    assert out.request.status == "completed" and out.result["export_id"].startswith("ex_")
    assert out.result["size"] > 0 and get_request(yk, r.id).result == out.result
    assert [x.params for x in outbox_rows(yk, "rights_completed")] == [
        f'{{"lang": "ko", "request_id": "{r.id}"}}']
    with pytest.raises(Conflict, match="completed"):  # final: nothing is done twice
        carry_out(yk, r.id, actor=officer)


@pytest.mark.promise("P6.2")
def test_rectification_replaces_the_value_and_keeps_no_copy(yk, vault, minsu, officer, app):
    old = vault.read_one(minsu, PHONE, "member_management", actor=app)
    r = in_progress(yk, officer, minsu, "rectification",
                    personal={"category": PHONE, "value": NEW_PHONE})
    out = carry_out(yk, r.id, actor=officer)
    assert out.result == {"category": PHONE, "value_id": out.result["value_id"]}
    assert vault.read_one(minsu, PHONE, "member_management", actor=app) == NEW_PHONE
    raw = database_bytes(yk)
    assert NEW_PHONE.encode() not in raw and old.encode() not in raw
    [entry] = [e for e in entries(yk) if e.operation == "update" and e.request_id == r.id]
    assert (entry.actor_id, entry.categories) == (officer.id, (PHONE,))


@pytest.mark.promise("P6.3")
def test_erasure_closes_the_account_and_held_records_stay_apart(yk, minsu, officer, app):
    held = write_record(yk, minsu, "payment_record", {"user.payment.transaction_id":
                                                      "tx-20260301-SS77"}, actor=app)
    r = in_progress(yk, officer, minsu, "erasure")
    out = carry_out(yk, r.id, actor=officer)
    assert status_of(yk, minsu) == "erased" and out.request.status == "completed"
    assert out.result["scope"] == "account" and out.result["external"] == []
    assert out.result["destroyed"] == {"user.contact.email": 1, PHONE: 1}
    assert out.result["held"] == {"payment_record": 1}
    [kept] = read_held(yk, held.id, actor=officer, purpose="legal_compliance")
    assert kept.values == {"user.payment.transaction_id": "tx-20260301-SS77"}
    assert outbox_rows(yk, "rights_completed") == []  # nobody is left to write to


@pytest.mark.promise("P6.3")
def test_erasure_of_some_categories_and_withdrawal_of_a_consent(yk, vault, officer, app):
    m = new_member(yk, consents=["user_analysis"])
    vault.collect(m, INTEREST, "발라드", channel="app", actor=app)
    vault.collect(m, "user.behavior.join_reason", "친구 추천", channel="app", actor=app)
    r = in_progress(yk, officer, m, "erasure", details={"categories": [INTEREST]})
    assert carry_out(yk, r.id, actor=officer).result == {
        "scope": "categories", "categories": [INTEREST], "external": [], "deleted": 1}
    assert vault.read(m, [INTEREST], "service_improvement", actor=app)[INTEREST] == []
    assert status_of(yk, m) == "active"
    w = submit(yk, member_id=m, right="consent_withdrawal", channel="account_menu",
               actor=member_actor(m), details={"consent": "user_analysis"},
               verified_by="session")
    from yaksok.rights.requests import start
    start(yk, w.id, actor=officer)
    out = carry_out(yk, w.id, actor=officer)
    assert out.result["withdrawn"] is True and "user_analysis" not in vault.effective_consents(m)
    with yk.engine.connect() as conn:  # what only that consent covered is gone (PIPA 37(3))
        left = conn.execute(sa.text("SELECT category FROM vault_values WHERE member_id = :m"),
                            {"m": m}).scalars().all()
    assert "user.behavior.join_reason" not in left and "user.contact.email" in left


@pytest.mark.promise("P6.4", "P6.6")
def test_restriction_and_objection_are_enforced_by_the_vault(yk, vault, minsu, officer, app,
                                                             engineer):
    vault.collect(minsu, APP_USAGE, "노래방 모드 3회", channel="collection_tool", actor=app)
    assert vault.read(minsu, [APP_USAGE], "service_improvement", actor=engineer)[APP_USAGE]
    r = in_progress(yk, officer, minsu, "objection",
                    details={"purpose": "service_improvement"})
    assert carry_out(yk, r.id, actor=officer).result["purpose"] == "service_improvement"
    with pytest.raises(ObjectedTo):
        vault.read(minsu, [APP_USAGE], "service_improvement", actor=engineer)
    r = in_progress(yk, officer, minsu, "restriction",
                    details={"reason": "accuracy-disputed"})
    assert carry_out(yk, r.id, actor=officer).result["purpose"] == "all"
    with pytest.raises(ProcessingRestricted):
        vault.read(minsu, [PHONE], "contract_performance", actor=app)
    # Storage the law requires goes on (a restriction without a purpose leaves it).
    assert vault.read(minsu, [PHONE], "legal_compliance", actor=app)[PHONE]


@pytest.mark.promise("P6.7")
def test_refusing_an_automated_decision_stops_its_profiling(yk, vault, officer, app):
    m = new_member(yk, consents=["user_analysis"])
    vault.collect(m, INTEREST, "발라드", channel="app", actor=app)
    vault.collect(m, DEVICE, "device-7f3a", channel="collection_tool", actor=app)
    assert vault.read(m, [INTEREST], "usage_statistics", actor=app)[INTEREST]
    r = in_progress(yk, officer, m, "automated_decision",
                    details={"decision": "ad_targeting_profile", "action": "refuse"})
    out = carry_out(yk, r.id, actor=officer)
    assert out.result["stopped_purpose"] == "usage_statistics"
    # The targeting profile is made for usage_statistics, which the member may object to:
    # refusing the decision stops the purpose itself, with or without naming the decision.
    with pytest.raises(ObjectedTo, match="stops that purpose"):
        vault.read(m, [INTEREST], "usage_statistics", actor=app)
    assert vault.read(m, [INTEREST], "service_improvement", actor=app)[INTEREST]
    # Abuse detection serves member management, which the service needs: only the automated
    # decision stops; a person may still decide with the same data.
    r = in_progress(yk, officer, m, "automated_decision",
                    details={"decision": "abuse_detection", "action": "refuse"})
    assert carry_out(yk, r.id, actor=officer).result["stopped_purpose"] is None
    with pytest.raises(ObjectedTo, match="abuse_detection"):
        vault.read(m, [DEVICE], "member_management", actor=app, decision="abuse_detection")
    assert vault.read(m, [DEVICE], "member_management", actor=app)[DEVICE]


@pytest.mark.promise("P6.7")
def test_an_explanation_gives_the_criteria_and_the_categories_used(yk, vault, officer, app,
                                                                    smtp):
    m = new_member(yk)
    vault.collect(m, DEVICE, "device-7f3a", channel="collection_tool", actor=app)
    vault.collect(m, "user.device.ip_address", "203.0.113.7", channel="collection_tool", actor=app)
    vault.collect(m, "user.device.ip_address", "203.0.113.8", channel="collection_tool", actor=app)
    r = in_progress(yk, officer, m, "automated_decision",
                    details={"decision": "abuse_detection", "action": "explain"})
    out = carry_out(yk, r.id, actor=officer)
    e = out.explanation
    assert e["decision"] == "abuse_detection" and e["significant_effect"] is True
    assert "사람이 검토" in e["criteria"]["ko"] and "a person reviews" in e["criteria"]["en"]
    assert e["purpose"] == "member_management"
    assert e["categories_used"] == {DEVICE: 1, "user.device.ip_address": 2}
    assert out.result == {"action": "explain", "decision": "abuse_detection",
                          "categories_used": e["categories_used"]}
    assert "203.0.113" not in str(out) and "203.0.113" not in str(get_request(yk, r.id))
    [msg] = [m for m in deliver(yk, smtp) if "처리 완료" in m["Subject"]]
    text = body(msg)  # told by email too: the criteria and what was used, never the values
    assert e["criteria"]["ko"] in text and e["criteria"]["en"] in text
    assert "(2)" in text and "203.0.113" not in text
    # The member may ask directly; others may not.
    assert explain_decision(yk, m, "abuse_detection", actor=member_actor(m)) == e
    with pytest.raises(ActorNotAllowed):
        explain_decision(yk, m, "abuse_detection", actor=member_actor("m_" + "1" * 24))


def test_a_failure_leaves_the_request_in_progress_and_a_retry_applies_nothing_twice(
        yk, minsu, officer, monkeypatch):
    import yaksok.rights.external as external
    import yaksok.vault.closure as closure

    calls = []
    real_erase, real_close = external.erase_external, closure.close_account
    monkeypatch.setattr(external, "erase_external",
                        lambda *a, **k: calls.append("external") or real_erase(*a, **k))

    def broken(*a, **k):
        raise StorageError("database went away")
    monkeypatch.setattr(closure, "close_account", broken)
    r = in_progress(yk, officer, minsu, "erasure")
    with pytest.raises(StorageError):
        carry_out(yk, r.id, actor=officer)
    assert get_request(yk, r.id).status == "in_progress" and status_of(yk, minsu) == "active"
    monkeypatch.setattr(closure, "close_account", real_close)
    assert carry_out(yk, r.id, actor=officer).request.status == "completed"
    assert calls == ["external"] and status_of(yk, minsu) == "erased"


def test_carry_out_needs_a_started_request_and_a_handler(yk, minsu, officer, monkeypatch):
    r = submit(yk, member_id=minsu, right="rectification", channel="phone", actor=officer,
               personal={"category": PHONE, "value": NEW_PHONE})
    with pytest.raises(Conflict, match="received"):
        carry_out(yk, r.id, actor=officer)
    r = in_progress(yk, officer, minsu, "rectification",
                    personal={"category": PHONE, "value": NEW_PHONE})
    with pytest.raises(ActorNotAllowed):
        carry_out(yk, r.id, actor=member_actor(minsu))
    with pytest.raises(NotFound):
        carry_out(yk, "rq_" + "0" * 24, actor=officer)
    monkeypatch.setattr(Vault, "rectify", lambda *a, **k: (_ for _ in ()).throw(
        StorageError("database went away")))
    with pytest.raises(StorageError):
        carry_out(yk, r.id, actor=officer)
    assert get_request(yk, r.id).status == "in_progress"
    monkeypatch.undo()
    assert carry_out(yk, r.id, actor=officer).result["category"] == PHONE
