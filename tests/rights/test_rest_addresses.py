"""Every rights action over REST writes the client's address to the access log (issue 17): the
member's (submit, code, verify, cancel, explanation, export link and download) and the privacy
officer's (enter, verify, power of attorney, agent check, start, extend, refuse, cancel, carry
out an access, a rectification, a partial and a whole erasure, link and download), and what the
carrying out does in the vault on the way (the export's read, the rectification, the erasures,
the farewell address). On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.api import bearer, login, sign_up, staff_token
from tests.support.members import PASSWORD
from yaksok.api import create_app
from yaksok.auditlog import iter_entries

IP = "198.51.100.42"
PHONE = "user.contact.phone_number"


@pytest.fixture
def client(yk) -> TestClient:
    return TestClient(create_app(yk), client=(IP, 50000))


def _ok(r, status: int = 200) -> dict:
    assert r.status_code == status, r.text
    return r.json()


def _last_seq(yk) -> int:
    return max((e.seq for e in iter_entries(yk.engine)), default=-1)


def test_every_rest_rights_action_logs_the_client_address(client, yk):
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    m1 = sign_up(client, 1, consents=["customised_ads"])
    me = bearer(login(client, 1))
    m2 = sign_up(client, 2)
    m3 = sign_up(client, 3)
    base = _last_seq(yk)

    # The member in the privacy center.
    _ok(client.post("/rights/requests", headers=me,
                    json={"right": "access", "password": PASSWORD}), 201)
    portability = _ok(client.post("/rights/requests", headers=me,
                                  json={"right": "portability"}), 201)["id"]
    _ok(client.post(f"/rights/requests/{portability}/code", headers=me), 202)
    _ok(client.post(f"/rights/requests/{portability}/verify", headers=me,
                    json={"password": PASSWORD}))
    withdrawn = _ok(client.post("/rights/requests", headers=me,
                                json={"right": "erasure"}), 201)["id"]
    _ok(client.delete(f"/rights/requests/{withdrawn}", headers=me))
    _ok(client.get("/rights/decisions/ad_targeting_profile/explanation", headers=me))

    # The officer: an access request entered by phone (started, extended, carried out), the
    # export's links and downloads.
    def entered(member_id: str, right: str, **extra) -> str:
        rid = _ok(client.post("/staff/rights/requests", headers=officer, json={
            "member_id": member_id, "right": right, "channel": "phone", **extra}), 201)["id"]
        _ok(client.post(f"/rights/requests/{rid}/verify-staff", headers=officer,
                        json={"method": "callback-registered-phone"}))
        return rid

    access = entered(m1, "access")
    _ok(client.post(f"/rights/requests/{access}/start", headers=officer))
    _ok(client.post(f"/rights/requests/{access}/extend", headers=officer,
                    json={"reason": "justified_postponement"}))
    export_id = _ok(client.post(f"/rights/requests/{access}/carry-out", headers=officer)
                    )["result"]["export_id"]
    for who in (me, officer):
        token = _ok(client.post(f"/rights/exports/{export_id}/link", headers=who), 201)["token"]
        assert client.get(f"/rights/exports/download/{token}", headers=who).status_code == 200

    # A rectification and a partial erasure entered by phone; a refused and a cancelled one.

    fix = entered(m1, "rectification", personal={"category": PHONE, "value": "010-5555-7777"})
    part = entered(m1, "erasure", details={"categories": ["user.behavior.marketing_activity"]})
    for rid in (fix, part):
        _ok(client.post(f"/rights/requests/{rid}/start", headers=officer))
        _ok(client.post(f"/rights/requests/{rid}/carry-out", headers=officer))
    refused = entered(m2, "access")
    grounds = client.get("/rights/refusal-grounds", headers=officer,
                         params={"right": "access", "jurisdiction": "KR"}).json()
    _ok(client.post(f"/rights/requests/{refused}/refuse", headers=officer,
                    json={"reason": sorted(grounds["refusal_grounds"])[0]}))
    _ok(client.post(f"/rights/requests/{entered(m2, 'restriction', details={'reason': 'accuracy-disputed'})}"
                    "/cancel", headers=officer))

    # An agent's request: the power of attorney, its check; then a whole erasure.
    agent = _ok(client.post("/staff/rights/requests", headers=officer, json={
        "member_id": m3, "right": "erasure", "channel": "email",
        "requester": "authorised_agent"}), 201)["id"]
    _ok(client.post(f"/rights/requests/{agent}/power-of-attorney", headers={
        **officer, "Content-Type": "application/pdf"}, content=b"%PDF-1.4\n%%EOF\n"), 201)
    _ok(client.post(f"/rights/requests/{agent}/agent-check", headers=officer,
                    json={"outcome": "accepted"}))
    _ok(client.post(f"/rights/requests/{agent}/verify-staff", headers=officer,
                    json={"method": "agent-documents-checked"}))
    _ok(client.post(f"/rights/requests/{agent}/start", headers=officer))
    _ok(client.post(f"/rights/requests/{agent}/carry-out", headers=officer))

    new = [e for e in iter_entries(yk.engine) if e.seq > base]
    missing = [(e.seq, e.actor_id, e.operation, e.reason) for e in new if e.source_ip != IP]
    assert not missing, f"access-log entries without the client's address: {missing}"
    # ... and the scenario did write the entries it is about.
    seen = {(e.operation, e.reason) for e in new}
    for wanted in [("admin", "rights:access:in_progress"), ("admin", "rights:access:extended"),
                   ("admin", "rights:access:completed"), ("admin", "rights:erasure:cancelled"),
                   ("admin", "rights:access:refused"), ("admin", "rights:restriction:cancelled"),
                   ("admin", "rights:explain:ad_targeting_profile"),
                   ("read", f"rights:{access}"), ("download", f"rights:{access}"),
                   ("erase", "account-closure"), ("read", "rights:farewell")]:
        assert wanted in seen, f"{wanted} not written: {sorted(seen)}"
    assert {e.operation for e in new if e.request_id == fix} >= {"update"}
    assert {e.operation for e in new if e.request_id == part} >= {"erase"}
    downloads = [e for e in new if e.operation == "download"]
    assert sorted(e.actor_kind for e in downloads) == ["member", "staff"]
