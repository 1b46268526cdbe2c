"""The audit routes: who may read the report and a member's history, and that reading is logged."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from fastapi.testclient import TestClient

from yaksok.accounts import add_staff, create_api_key
from yaksok.api import create_app
from yaksok.api.problems import PROBLEM_JSON
from yaksok.auditlog import AccessEvent, iter_entries

PASSWORD = "Lamp-7-tiger"
CLIENT_IP = "203.0.113.9"
ME = "m_51c0ffee"
KST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def client(yk) -> TestClient:
    return TestClient(create_app(yk), client=(CLIENT_IP, 50000))


def login(client: TestClient, yk, username: str, role: str) -> tuple[str, dict[str, str]]:
    """Add a staff member and log in over HTTP: (staff id, auth headers)."""
    new = add_staff(yk.engine, yk.keyring, yk.policy, username, role, PASSWORD)
    info, secret = new.info, new.totp_secret
    r = client.post("/staff/login", json={"username": username, "password": PASSWORD,
                                          "totp": pyotp.TOTP(secret).now()})
    assert r.status_code == 200, r.text
    return info.id, {"Authorization": f"Bearer {r.json()['token']}"}


def entries(yk) -> list:
    return list(iter_entries(yk.engine))


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    return r.json()


@pytest.fixture
def seeded(yk):
    """One flagged November 2024 entry about ME (a read with no purpose) and a clean one."""
    log = yk.audit
    base = dict(actor_kind="app_backend", actor_id="ak_1", operation="read", outcome="granted",
                subject_ref=ME, categories=("user.social.nickname",))
    log.record_many([
        AccessEvent(at=dt.datetime(2024, 11, 4, 10, tzinfo=KST), **base),
        AccessEvent(at=dt.datetime(2024, 11, 4, 11, tzinfo=KST), purpose="social_services",
                    **base)])


ROUTES = ["/audit/report?month=2024-11", f"/audit/subjects/{ME}/history"]


@pytest.mark.promise("P12.8")
@pytest.mark.parametrize("url", ROUTES)
def test_no_token_is_401_and_nothing_is_read(client, yk, url):
    body = problem(client.get(url), 401)
    assert body["field"] == "Authorization"
    assert entries(yk) == []


@pytest.mark.promise("P12.8")
@pytest.mark.parametrize("url", ROUTES)
def test_an_engineer_is_refused_and_the_attempt_is_logged(client, yk, url):
    staff_id, auth = login(client, yk, "eve", "engineer")
    body = problem(client.get(url, headers=auth), 403)
    assert "audit.read" in body["detail"]
    (entry,) = entries(yk)
    assert (entry.actor_id, entry.actor_role, entry.outcome) == (staff_id, "engineer", "denied")
    assert entry.source_ip == CLIENT_IP and entry.request_id == body["request_id"]
    assert entry.subject_ref == (ME if "subjects" in url else None)


@pytest.mark.promise("P12.8")
def test_an_app_backend_key_is_refused(client, yk):
    _, secret = create_api_key(yk.engine, yk.policy, "backend", ["members"])
    r = client.get(ROUTES[0], headers={"Authorization": f"Bearer {secret}"})
    problem(r, 403)


@pytest.mark.promise("P12.8")
def test_the_officer_downloads_the_json_report_and_the_download_is_logged(client, yk, seeded):
    staff_id, auth = login(client, yk, "alice", "privacy_officer")
    r = client.get("/audit/report", params={"month": "2024-11"}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    report = r.json()
    assert report["month"] == "2024-11" and report["total"] == 2 and report["complete"]
    (flag,) = report["flags"]
    assert flag["kind"] == "no_purpose" and flag["seqs"] == [0]
    logged = entries(yk)[-1]
    assert (logged.actor_id, logged.actor_kind, logged.actor_role) == (
        staff_id, "staff", "privacy_officer")
    assert (logged.operation, logged.outcome, logged.reason, logged.purpose) == (
        "download", "granted", "monthly inspection 2024-11", "legal_compliance")
    assert logged.source_ip == CLIENT_IP
    assert logged.request_id == r.headers["x-request-id"]
    assert logged.policy_version == yk.published.version


@pytest.mark.promise("P12.8")
@pytest.mark.parametrize(("lang", "heading"), [("en", "Access-log inspection report"),
                                               ("ko", "접속기록 점검 보고서")])
def test_the_security_auditor_gets_the_html_report(client, yk, seeded, lang, heading):
    _, auth = login(client, yk, "sam", "security_auditor")
    r = client.get("/audit/report", params={"month": "2024-11", "format": "html", "lang": lang},
                   headers=auth)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in r.text and heading in r.text


@pytest.mark.promise("P12.8")
@pytest.mark.parametrize("month", ["2026-13", "November", "2026-1"])
def test_a_bad_month_is_a_422_naming_the_field_and_nothing_is_logged(client, yk, month):
    _, auth = login(client, yk, "alice", "privacy_officer")
    body = problem(client.get("/audit/report", params={"month": month}, headers=auth), 422)
    assert body["field"] == "month" and "YYYY-MM" in body["fix"]
    assert entries(yk) == []


@pytest.mark.promise("P12.8")
def test_a_bad_format_is_a_422(client, yk):
    _, auth = login(client, yk, "alice", "privacy_officer")
    r = client.get("/audit/report", params={"month": "2026-11", "format": "pdf"}, headers=auth)
    assert problem(r, 422)["field"] == "format"


@pytest.mark.promise("P6.1", "P12.8")
def test_the_officer_reads_a_members_history_and_the_read_is_logged(client, yk, seeded):
    staff_id, auth = login(client, yk, "alice", "privacy_officer")
    r = client.get(f"/audit/subjects/{ME}/history", params={"lang": "en"}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["subject_ref"] == ME and body["lang"] == "en"
    # The read is logged (and committed) before the history is built, so it is already in it.
    assert [i["who"] for i in body["items"]] == [
        "Privacy officer", "the SOMESING service", "the SOMESING service"]
    assert body["items"][1]["categories"] == ["SNS name (nickname)"]
    assert "alice" not in r.text and staff_id not in r.text and CLIENT_IP not in r.text
    logged = entries(yk)[-1]
    assert (logged.operation, logged.subject_ref, logged.actor_id, logged.source_ip) == (
        "read", ME, staff_id, CLIENT_IP)
    assert logged.request_id == r.headers["x-request-id"]

    r = client.get(f"/audit/subjects/{ME}/history", params={"lang": "ko", "limit": 1},
                   headers=auth)
    assert [i["who"] for i in r.json()["items"]] == ["개인정보 보호책임자"]


@pytest.mark.promise("P6.1")
def test_a_bad_language_is_a_422(client, yk):
    _, auth = login(client, yk, "alice", "privacy_officer")
    r = client.get(f"/audit/subjects/{ME}/history", params={"lang": "fr"}, headers=auth)
    assert problem(r, 422)["field"] == "lang"


@pytest.mark.promise("P7.6")
def test_the_auditor_verifies_the_log_over_rest_with_a_pinned_key(client, yk, seeded):
    yk.audit.seal(force=True)
    _, auth = login(client, yk, "aud", "security_auditor")
    keys = client.get("/audit/key", headers=auth).json()
    assert keys["log_key"] == yk.audit.verifier_key() and keys["witness_url"] is None
    r = client.get("/audit/verify", params={"key": keys["log_key"]}, headers=auth)
    assert r.status_code == 200 and r.json()["ok"] and r.json()["pinned"], r.text
    # Tampering is an answer, not an error.
    from tests.support.auditlog import raw

    raw(yk.engine, "UPDATE access_log SET purpose = 'marketing' WHERE seq = 0")
    body = client.get("/audit/verify", headers=auth).json()
    assert not body["ok"] and body["first_bad_seq"] == 0 and not body["pinned"]
    body = problem(client.get("/audit/verify", params={"key": "no+such+key"}, headers=auth), 422)
    assert body["field"] == "key"
    _, officer = login(client, yk, "alice", "privacy_officer")
    assert "audit.verify" in problem(client.get("/audit/verify", headers=officer), 403)["detail"]


@pytest.mark.promise("P12.8")
def test_denials_for_another_members_data_say_what_was_asked_and_for_what(client, yk):
    """The safety-measures standard's log items for a refused access: who, when, from where,
    whose data, which data and what for -- not only that it was refused."""
    from tests.support.api import bearer, sign_up
    from tests.support.api import login as member_login

    sign_up(client, 1)
    other = sign_up(client, 2)
    token = bearer(member_login(client, 1))
    before = len(entries(yk))
    client.get(f"/members/{other}/values", headers=token,
               params={"categories": "user.contact.email", "purpose": "member_management"})
    client.post(f"/members/{other}/values", headers=token,
                json={"category": "user.contact.phone_number", "value": "010-2222-3333",
                      "channel": "app", "purpose": "member_management"})
    _, auth = login(client, yk, "eve", "engineer")
    client.get(f"/audit/subjects/{other}/history", headers=auth)
    read, collect, history = entries(yk)[before:]
    assert (read.operation, read.categories, read.purpose) == (
        "read", ("user.contact.email",), "member_management")
    assert (collect.operation, collect.categories, collect.purpose) == (
        "collect", ("user.contact.phone_number",), "member_management")
    assert (history.operation, history.purpose) == ("read", "legal_compliance")
    for entry in (read, collect, history):
        assert entry.outcome == "denied" and entry.subject_ref == other
        assert entry.source_ip == CLIENT_IP and entry.request_id and entry.reason
