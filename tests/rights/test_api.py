"""Data-subject rights over REST, end to end, on SQLite and PostgreSQL (issue 7).

Each right goes the whole way: a member in the privacy center (or the privacy officer entering
a letter, a call or an email) submits it, the requester is verified (password, a one-time code
mailed through a real SMTP server, or a staff check), the officer carries it out, and the
effect is checked from outside (a read refused, a value changed, an account closed, a ZIP
downloaded), with its deadline as the member's law counts it and its access-log entries.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.api import bearer, key, login, problem, sign_up, staff_token
from tests.support.database import database_bytes
from tests.support.members import PASSWORD
from tests.support.smtp import Server, sender
from yaksok.actors import system_actor
from yaksok.api import create_app
from yaksok.auditlog import iter_entries
from yaksok.rights.deadlines import due_dates
from yaksok.rights.requests import submit
from yaksok.store.tables import rights_requests

IP = "203.0.113.77"
NICK = "user.social.nickname"
KST, CET, PT = ZoneInfo("Asia/Seoul"), ZoneInfo("Europe/Brussels"), ZoneInfo("America/Los_Angeles")


@pytest.fixture(autouse=True)
def _officer_carries_out(yk):
    """These tests walk the officer's steps: no verified request is carried out on its own."""
    from tests.support.rights import officer_carries_out

    officer_carries_out(yk)


@pytest.fixture
def client(yk) -> TestClient:
    return TestClient(create_app(yk), client=(IP, 50000))


@pytest.fixture
def officer(client, yk) -> dict[str, str]:
    return bearer(staff_token(client, yk, "yoon", "privacy_officer"))


@pytest.fixture
def smtp():
    server = Server()
    yield server
    server.stop()


def member(client, n: int = 1, **overrides) -> tuple[str, dict[str, str]]:
    """A member signed up over REST and logged in: (member id, auth headers)."""
    member_id = sign_up(client, n, **overrides)
    return member_id, bearer(login(client, n))


def ok(r, status: int = 200) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["cache-control"] == "no-store"
    return r.json()


def rights_entries(yk, request_id: str) -> list:
    """The access-log entries of one rights request (their request id is the request's)."""
    return [e for e in iter_entries(yk.engine) if e.request_id == request_id]


def reasons(yk, request_id: str) -> list[str]:
    return [e.reason for e in rights_entries(yk, request_id)]


def statuses(client, officer, request_id: str) -> list[tuple]:
    events = ok(client.get(f"/rights/requests/{request_id}/events", headers=officer))["events"]
    return [(e["from"], e["to"]) for e in events]


def carry_out(client, officer, request_id: str, **body) -> dict:
    ok(client.post(f"/rights/requests/{request_id}/start", headers=officer))
    return ok(client.post(f"/rights/requests/{request_id}/carry-out", headers=officer,
                          json=body or None))


def local_days(rq: dict, tz) -> int:
    received = dt.datetime.fromisoformat(rq["received_at"]).astimezone(tz).date()
    return (dt.datetime.fromisoformat(rq["due_at"]).astimezone(tz).date() - received).days


def assert_due_as_the_law_counts(yk, rq: dict) -> None:
    expected = due_dates(yk.policy, rq["jurisdiction"], rq["right"],
                         dt.datetime.fromisoformat(rq["received_at"]))
    assert dt.datetime.fromisoformat(rq["due_at"]) == expected.due_at
    local = dt.datetime.fromisoformat(rq["due_at"]).astimezone(expected.due_at.tzinfo)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)  # the end of the last day


# -- access (P6.1), with the export download ---------------------------------------------------


@pytest.mark.promise("P6.1", "P6.8", "P6.11")
def test_access_from_the_account_menu_to_the_downloaded_zip(client, yk, officer):
    member_id, me = member(client, 1)
    rq = ok(client.post("/rights/requests", headers=me,
                        json={"right": "access", "password": PASSWORD}), 201)
    assert (rq["status"], rq["channel"], rq["verification"]) == ("verified", "account_menu",
                                                                 "password")
    assert rq["member_id"] == member_id and rq["jurisdiction"] == "KR"
    assert_due_as_the_law_counts(yk, rq)
    assert local_days(rq, KST) == 10  # the day of receipt not counted, in Korean time
    rid = rq["id"]
    listed = ok(client.get("/rights/requests", headers=officer, params={"status": "verified"}))
    assert rid in [x["id"] for x in listed["requests"]]
    done = carry_out(client, officer, rid, lang="en")
    assert done["request"]["status"] == "completed"
    export_id = done["result"]["export_id"]
    # The member finds the export on their request and makes a link; the ZIP needs both.
    mine = ok(client.get(f"/rights/requests/{rid}", headers=me))
    assert mine["status"] == "completed" and mine["result"]["export_id"] == export_id
    link = ok(client.post(f"/rights/exports/{export_id}/link", headers=me), 201)
    assert link["token"].startswith("yx_") and link["expires_at"]
    r = client.get(f"/rights/exports/download/{link['token']}", headers=me)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    assert r.headers["cache-control"] == "no-store"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert names and any(n.endswith(".json") for n in names)
    assert "singer1@example.com" in zipfile.ZipFile(io.BytesIO(r.content)).read(
        next(n for n in names if n.endswith(".json"))).decode()
    # Every step is in the event trail and the access log, with the client's IP.
    assert statuses(client, officer, rid) == [(None, "received"), ("received", "verified"),
                                              ("verified", "in_progress"),
                                              ("in_progress", "completed")]
    assert reasons(yk, rid)[:2] == ["rights:access:received", "rights:access:verified"]
    assert "rights:access:completed" in reasons(yk, rid)
    assert all(e.source_ip == IP for e in rights_entries(yk, rid) if e.actor_kind == "member")
    downloads = [e for e in iter_entries(yk.engine) if e.operation == "download"]
    assert downloads and downloads[-1].outcome == "granted" and downloads[-1].source_ip == IP
    assert downloads[-1].subject_ref == member_id


def test_a_member_sees_only_their_own_requests_and_exports(client, yk, officer):
    _, me = member(client, 1)
    other_id, other = member(client, 2)
    rid = ok(client.post("/rights/requests", headers=me,
                         json={"right": "access", "password": PASSWORD}), 201)["id"]
    export_id = carry_out(client, officer, rid)["result"]["export_id"]
    # Another member's request id is a 404, exactly like an unknown one.
    for path in (f"/rights/requests/{rid}", "/rights/requests/rq_000000000000000000000000"):
        body = problem(client.get(path, headers=other), 404)
        assert body["type"] == "/problems/not-found"
    problem(client.delete(f"/rights/requests/{rid}", headers=other), 404)
    problem(client.post(f"/rights/requests/{rid}/code", headers=other), 404)
    assert ok(client.get("/rights/requests", headers=other))["requests"] == []
    problem(client.get("/rights/requests", headers=other, params={"member_id": "m_x"}), 403)
    # Nor their export: no link, and the owner's link does not work with another session.
    body = problem(client.post(f"/rights/exports/{export_id}/link", headers=other), 403)
    assert body["rule"] == "not-own-data"
    token = ok(client.post(f"/rights/exports/{export_id}/link", headers=me), 201)["token"]
    problem(client.get(f"/rights/exports/download/{token}", headers=other), 403)
    problem(client.get(f"/rights/exports/download/{token}"), 401)
    refused = [e for e in iter_entries(yk.engine) if e.operation == "download"
               and e.outcome == "denied"]
    assert refused and refused[-1].actor_id == other_id
    # The officer may make a link for any member's export.
    assert ok(client.post(f"/rights/exports/{export_id}/link", headers=officer), 201)["token"]


# -- rectification (P6.2), verified by a code mailed over real SMTP (P6.11) ---------------------


def _mailed_code(yk, smtp) -> str:
    sender(yk, smtp).deliver_once()
    bodies = [m.get_content() for m in smtp.mailbox.messages
              if "verification code" in m["Subject"]]
    assert bodies, "no code was mailed"
    return re.search(r"code: (\d{6})", bodies[-1]).group(1)


@pytest.mark.promise("P6.2", "P6.11")
def test_rectification_by_an_eu_member_verified_with_a_mailed_code(client, yk, officer, smtp):
    member_id, me = member(client, 1, country="DE", phone="0151 23456789")
    new_nick = "고친닉네임별"
    rq = ok(client.post("/rights/requests", headers=me, json={
        "right": "rectification", "personal": {"category": NICK, "value": new_nick},
        "lang": "en"}), 201)
    rid = rq["id"]
    assert rq["status"] == "received" and rq["jurisdiction"] == "EU"
    assert_due_as_the_law_counts(yk, rq)
    received = dt.datetime.fromisoformat(rq["received_at"]).astimezone(CET).date()
    due = dt.datetime.fromisoformat(rq["due_at"]).astimezone(CET).date()
    assert (due.year * 12 + due.month) - (received.year * 12 + received.month) == 1
    # The new value is sealed, never in the database in plaintext.
    assert new_nick.encode() not in database_bytes(yk)
    # The officer cannot start an unverified request.
    problem(client.post(f"/rights/requests/{rid}/start", headers=officer), 409)
    assert ok(client.post(f"/rights/requests/{rid}/code", headers=me), 202)["sent"] == "email"
    code = _mailed_code(yk, smtp)
    wrong = "000000" if code != "000000" else "111111"
    body = problem(client.post(f"/rights/requests/{rid}/verify", headers=me,
                               json={"code": wrong}), 401)
    assert body["field"] == "code" and code not in json.dumps(body)
    rq = ok(client.post(f"/rights/requests/{rid}/verify", headers=me, json={"code": code}))
    assert rq["status"] == "verified" and rq["verification"] == "code"
    assert "rights:verify:code-wrong" in reasons(yk, rid)
    carry_out(client, officer, rid)
    r = client.get(f"/members/{member_id}/values", headers=me, params={"categories": NICK})
    assert r.status_code == 200 and [v["value"] for v in r.json()["values"][NICK]] == [new_nick]
    assert all(code not in e.reason for e in rights_entries(yk, rid) if e.reason)


# -- erasure (P6.3): a letter, entered by the officer (P6.8) ----------------------------------


@pytest.mark.promise("P6.3", "P6.8", "P6.11")
def test_erasure_received_by_letter_entered_and_verified_by_staff(client, yk, officer):
    member_id, me = member(client, 1)
    rq = ok(client.post("/staff/rights/requests", headers=officer, json={
        "member_id": member_id, "right": "erasure", "channel": "written"}), 201)
    rid = rq["id"]
    assert (rq["status"], rq["channel"]) == ("received", "written")
    assert local_days(rq, KST) == 10
    # The member sees the letter's request in the privacy center too.
    assert [x["id"] for x in ok(client.get("/rights/requests", headers=me))["requests"]] == [rid]
    body = problem(client.post(f"/rights/requests/{rid}/verify-staff", headers=officer,
                               json={"method": "gut-feeling"}), 422)
    assert body["field"] == "method" and "id-card-seen" in body["fix"]
    rq = ok(client.post(f"/rights/requests/{rid}/verify-staff", headers=officer,
                        json={"method": "signed-letter-matched"}))
    assert rq["verification"] == "staff:signed-letter-matched"
    done = carry_out(client, officer, rid)
    assert done["request"]["status"] == "completed"
    # The account is closed: the member can no longer log in or use the session.
    r = client.post("/members/login", json={"email": "singer1@example.com",
                                            "password": PASSWORD})
    assert r.status_code == 401
    assert client.get("/me", headers=me).status_code == 401
    entries = rights_entries(yk, rid)
    assert {e.actor_id for e in entries if e.reason == "rights:erasure:verified"} == {
        e.actor_id for e in entries if e.reason == "rights:erasure:received"}
    assert [e.source_ip for e in entries if e.reason == "rights:erasure:received"] == [IP]


# -- restriction (P6.4), objection (P6.6), automated decisions (P6.7) -------------------------


@pytest.mark.promise("P6.4", "P6.8")
def test_restriction_and_consent_withdrawal_verified_by_the_session(client, yk, officer):
    member_id, me = member(client, 1, consents=["user_analysis"])
    app = key(yk, "members")
    params = {"categories": NICK, "purpose": "social_services"}
    assert client.get(f"/members/{member_id}/values", headers=app, params=params
                      ).status_code == 200
    rq = ok(client.post("/rights/requests", headers=me, json={
        "right": "restriction",
        "details": {"purpose": "social_services", "reason": "accuracy-disputed"}}), 201)
    # Restriction discloses and deletes nothing: the session itself verifies it.
    assert (rq["status"], rq["verification"]) == ("verified", "session")
    carry_out(client, officer, rq["id"])
    body = problem(client.get(f"/members/{member_id}/values", headers=app, params=params), 403)
    assert body["rule"] == "processing-restricted"
    # Withdrawing a consent (PIPA 37: 10 days, like an objection) needs no re-authentication.
    assert "user_analysis" in ok(client.get("/me", headers=me))["consents"]
    rq = ok(client.post("/rights/requests", headers=me, json={
        "right": "consent_withdrawal", "details": {"consent": "user_analysis"}}), 201)
    assert rq["status"] == "verified" and local_days(rq, KST) == 10
    assert carry_out(client, officer, rq["id"])["result"]["withdrawn"] is True
    assert "user_analysis" not in ok(client.get("/me", headers=me))["consents"]


@pytest.mark.promise("P6.6", "P6.8")
def test_objection_by_phone_stops_a_legitimate_interest_purpose(client, yk, officer):
    member_id, _ = member(client, 1)
    analytics = key(yk, "analytics")
    r = client.post(f"/members/{member_id}/values", headers=analytics, json={
        "category": "user.behavior.app_usage", "value": "노래방 모드 3회",
        "channel": "collection_tool"})
    assert r.status_code == 201, r.text
    params = {"categories": "user.behavior.app_usage", "purpose": "service_improvement"}
    assert client.get(f"/members/{member_id}/values", headers=analytics,
                      params=params).status_code == 200
    rq = ok(client.post("/staff/rights/requests", headers=officer, json={
        "member_id": member_id, "right": "objection", "channel": "phone",
        "details": {"purpose": "service_improvement"}}), 201)
    ok(client.post(f"/rights/requests/{rq['id']}/verify-staff", headers=officer,
                   json={"method": "callback-registered-phone"}))
    done = carry_out(client, officer, rq["id"])
    assert done["result"]["purpose"] == "service_improvement"
    body = problem(client.get(f"/members/{member_id}/values", headers=analytics,
                              params=params), 403)
    assert body["rule"] == "objected-to"


@pytest.mark.promise("P6.7")
def test_automated_decision_explained_then_refused(client, yk, officer):
    member_id, me = member(client, 1, consents=["user_analysis"])
    analytics = key(yk, "analytics")
    r = client.post(f"/members/{member_id}/values/batch", headers=analytics, json={
        "items": [{"category": "user.behavior.activity", "value": "주 5회 노래"},
                  {"category": "user.behavior.activity", "value": "듀엣 2회"}],
        "channel": "collection_tool"})
    assert r.status_code == 201, r.text
    why = ok(client.get("/rights/decisions/ad_targeting_profile/explanation", headers=me))
    assert why["decision"] == "ad_targeting_profile" and why["criteria"]["en"]
    assert why["categories_used"] == {"user.behavior.activity": 2}
    assert "주 5회" not in json.dumps(why, ensure_ascii=False)
    assert any(e.reason == "rights:explain:ad_targeting_profile" and e.subject_ref == member_id
               for e in iter_entries(yk.engine))
    params = {"categories": "user.behavior.activity", "purpose": "usage_statistics"}
    assert client.get(f"/members/{member_id}/values", headers=analytics,
                      params=params).status_code == 200
    rq = ok(client.post("/rights/requests", headers=me, json={
        "right": "automated_decision",
        "details": {"decision": "ad_targeting_profile", "action": "refuse"}}), 201)
    assert rq["status"] == "verified"
    done = carry_out(client, officer, rq["id"])
    assert done["result"]["stopped_purpose"] == "usage_statistics"
    body = problem(client.get(f"/members/{member_id}/values", headers=analytics,
                              params=params), 403)
    assert body["rule"] == "objected-to"
    problem(client.get("/rights/decisions/no_such_decision/explanation", headers=me), 422)


# -- portability (P6.5): California, with its acknowledgement deadline --------------------------


@pytest.mark.promise("P6.5")
def test_portability_for_a_californian_with_business_day_acknowledgement(client, yk, officer):
    member_id, me = member(client, 1, country="US-CA", phone="+1 415 555 0134")
    rq = ok(client.post("/rights/requests", headers=me,
                        json={"right": "portability", "password": PASSWORD}), 201)
    assert rq["jurisdiction"] == "US-CA"
    assert_due_as_the_law_counts(yk, rq)
    assert local_days(rq, PT) == 44   # the day of receipt is day 1 of 45
    ack = dt.datetime.fromisoformat(rq["acknowledge_by"]).astimezone(PT)
    assert ack.weekday() < 5 and ack.date() > dt.datetime.fromisoformat(
        rq["received_at"]).astimezone(PT).date()
    export_id = carry_out(client, officer, rq["id"])["result"]["export_id"]
    token = ok(client.post(f"/rights/exports/{export_id}/link", headers=me), 201)["token"]
    r = client.get(f"/rights/exports/download/{token}", headers=me)
    assert r.status_code == 200 and "-portability-" in r.headers["content-disposition"]


# -- wrong passwords, cancelling, agents, extension, refusal ------------------------------------


@pytest.mark.promise("P6.11")
def test_a_wrong_password_leaves_no_open_request_and_members_cancel_their_own(client, yk,
                                                                             officer):
    member_id, me = member(client, 1)
    body = problem(client.post("/rights/requests", headers=me,
                               json={"right": "erasure", "password": "Wrong-horse-9"}), 401)
    assert body["field"] == "password" and "Wrong-horse" not in json.dumps(body)
    [rq] = ok(client.get("/rights/requests", headers=me))["requests"]
    assert rq["status"] == "cancelled"
    assert "rights:verify:password-wrong" in reasons(yk, rq["id"])
    # A cancelled request is final.
    problem(client.delete(f"/rights/requests/{rq['id']}", headers=me), 409)
    # An open request is the member's to withdraw.
    rid = ok(client.post("/rights/requests", headers=me, json={"right": "access"}), 201)["id"]
    assert ok(client.delete(f"/rights/requests/{rid}", headers=me))["status"] == "cancelled"
    assert statuses(client, officer, rid)[-1] == ("received", "cancelled")


@pytest.mark.promise("P6.10", "P6.8")
def test_an_agents_email_request_needs_an_accepted_power_of_attorney(client, yk, officer):
    member_id, _ = member(client, 1)
    rid = ok(client.post("/staff/rights/requests", headers=officer, json={
        "member_id": member_id, "right": "access", "channel": "email",
        "requester": "authorised_agent"}), 201)["id"]
    body = problem(client.post(f"/rights/requests/{rid}/verify-staff", headers=officer,
                               json={"method": "agent-documents-checked"}), 409)
    assert body["field"] == "agent_check"
    r = client.post(f"/rights/requests/{rid}/power-of-attorney", headers={
        **officer, "Content-Type": "text/plain"}, content=b"I allow it")
    assert problem(r, 422)["field"] == "Content-Type"
    pdf = b"%PDF-1.4\n% power of attorney, signed\n%%EOF\n"
    r = client.post(f"/rights/requests/{rid}/power-of-attorney", headers={
        **officer, "Content-Type": "application/pdf"}, content=pdf)
    doc = ok(r, 201)
    assert doc["document_id"].startswith("pd_") and doc["size"] == len(pdf)
    assert pdf not in database_bytes(yk)   # sealed under the member's key
    rq = ok(client.post(f"/rights/requests/{rid}/agent-check", headers=officer,
                        json={"outcome": "accepted"}))
    assert rq["agent_check"] == "accepted"
    rq = ok(client.post(f"/rights/requests/{rid}/verify-staff", headers=officer,
                        json={"method": "agent-documents-checked"}))
    assert rq["status"] == "verified"
    assert "rights:agent:accepted" in reasons(yk, rid)


@pytest.mark.promise("P6.9")
def test_extension_by_the_law_and_refusal_on_a_legal_ground(client, yk, officer):
    _, eu = member(client, 1, country="DE", phone="0151 23456789")
    rq = ok(client.post("/rights/requests", headers=eu,
                        json={"right": "access", "password": PASSWORD}), 201)
    rid = rq["id"]
    ok(client.post(f"/rights/requests/{rid}/start", headers=officer))
    body = problem(client.post(f"/rights/requests/{rid}/extend", headers=officer,
                               json={"reason": "felt-like-it"}), 422)
    assert body["field"] == "reason"
    later = ok(client.post(f"/rights/requests/{rid}/extend", headers=officer,
                           json={"reason": "complex"}))
    assert later["status"] == "extended" and later["extensions"] == 1
    old = dt.datetime.fromisoformat(rq["due_at"]).astimezone(CET).date()
    new = dt.datetime.fromisoformat(later["due_at"]).astimezone(CET).date()
    assert (new.year * 12 + new.month) - (old.year * 12 + old.month) == 2
    # GDPR allows one extension.
    problem(client.post(f"/rights/requests/{rid}/extend", headers=officer,
                        json={"reason": "complex"}), 409)
    grounds = ok_plain(client.get("/rights/refusal-grounds", headers=officer,
                                  params={"right": "access", "jurisdiction": "EU"}))
    assert "gdpr_12_5_manifestly_excessive" in grounds["refusal_grounds"]
    assert "pipa_35_4_1_law_forbids" not in grounds["refusal_grounds"]
    problem(client.post(f"/rights/requests/{rid}/refuse", headers=officer,
                        json={"reason": "pipa_35_4_1_law_forbids"}), 422)
    refused = ok(client.post(f"/rights/requests/{rid}/refuse", headers=officer,
                             json={"reason": "gdpr_12_5_manifestly_excessive"}))
    assert (refused["status"], refused["refusal_reason"]) == (
        "refused", "gdpr_12_5_manifestly_excessive")
    assert reasons(yk, rid)[-1] == "rights:access:refused"
    # A Korean erasure cannot be extended at all.
    _, kr = member(client, 2)
    kid = ok(client.post("/rights/requests", headers=kr,
                         json={"right": "erasure", "password": PASSWORD}), 201)["id"]
    ok(client.post(f"/rights/requests/{kid}/start", headers=officer))
    problem(client.post(f"/rights/requests/{kid}/extend", headers=officer,
                        json={"reason": "complex"}), 409)


def ok_plain(r) -> dict:
    assert r.status_code == 200, r.text
    return r.json()


# -- who may call what ----------------------------------------------------------------------------


def test_staff_routes_need_rights_decide_and_member_routes_a_member(client, yk, officer):
    member_id, me = member(client, 1)
    engineer = bearer(staff_token(client, yk, "dev", "engineer"))
    entry = {"member_id": member_id, "right": "access", "channel": "written"}
    for headers, status in ((engineer, 403), (me, 403), ({}, 401)):
        problem(client.post("/staff/rights/requests", headers=headers, json=entry), status)
        problem(client.get("/rights/due", headers=headers), status)
        problem(client.get("/rights/refusal-grounds", headers=headers), status)
    problem(client.get("/rights/requests", headers=engineer), 403)
    problem(client.post("/rights/requests", headers=officer, json={"right": "access"}), 403)
    body = problem(client.post("/staff/rights/requests", headers=officer,
                               json={**entry, "channel": "account_menu"}), 422)
    assert body["field"] == "channel"
    body = problem(client.post("/rights/requests", headers=me, json={"right": "teleport"}), 422)
    assert body["field"] == "right"
    problem(client.post("/rights/requests", headers=me, json={
        "right": "objection", "details": {"purpose": "kim minsu at 010-1234-5678"}}), 422)


# -- due and overdue ---------------------------------------------------------------------------


@pytest.mark.promise("P6.8")
def test_due_lists_overdue_and_near_requests_soonest_first(client, yk, officer):
    kr_id, _ = member(client, 1)
    eu_id, _ = member(client, 2, country="DE", phone="0151 23456780")
    now = dt.datetime.now(dt.UTC)
    drp = system_actor("drp", capabilities=("rights.decide",))  # as the DRP bridge is made
    overdue = submit(yk, member_id=kr_id, right="erasure", channel="written",
                     actor=drp, now=now - dt.timedelta(days=12))
    soon = submit(yk, member_id=kr_id, right="access", channel="written", actor=drp,
                  now=now - dt.timedelta(days=9))
    later = submit(yk, member_id=eu_id, right="access", channel="written", actor=drp,
                   now=now - dt.timedelta(days=1))
    # A DRP request with no member matched: nobody could be told it was received.
    unacked = submit(yk, member_id=None, right="access", channel="drp", actor=drp,
                     jurisdiction="US-CA", now=now - dt.timedelta(days=20))
    closed = submit(yk, member_id=kr_id, right="objection", channel="written", actor=drp,
                    details={"purpose": "service_improvement"}, now=now - dt.timedelta(days=30))
    ok(client.post(f"/rights/requests/{closed.id}/cancel", headers=officer))
    due = ok(client.get("/rights/due", headers=officer))
    ids = [d["id"] for d in due["requests"]]
    assert ids == [unacked.id, overdue.id, soon.id]
    by_id = {d["id"]: d for d in due["requests"]}
    assert by_id[overdue.id]["overdue"] and by_id[overdue.id]["days_left"] < 0
    assert not by_id[soon.id]["overdue"] and 0 <= by_id[soon.id]["days_left"] <= 2
    assert by_id[unacked.id]["acknowledge_overdue"] and not by_id[unacked.id]["overdue"]
    assert not by_id[overdue.id]["acknowledge_overdue"]
    assert due["overdue"] == 1
    wide = ok(client.get("/rights/due", headers=officer, params={"within_days": 40}))
    assert later.id in [d["id"] for d in wide["requests"]]
    assert closed.id not in [d["id"] for d in wide["requests"]]
    with yk.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(rights_requests)).scalar() == 5
