"""The privacy officer manages DRP agents over REST (``/drp/agents``): register, list, revoke,
as ``yaksok drp register/agents/revoke`` does; nobody else may."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer, staff_token
from tests.support.drp import AGENT, live_envelope, signed, verify_key_b64
from yaksok.api import create_app
from yaksok.rights import drp


def test_the_officer_registers_lists_and_revokes_agents_over_rest(yk, key):
    client = TestClient(create_app(yk))
    officer = bearer(staff_token(client, yk, "drp-officer", "privacy_officer"))
    auditor = bearer(staff_token(client, yk, "drp-auditor", "security_auditor"))
    body = {"agent_id": AGENT, "name": "Permission Slip", "verify_key": verify_key_b64(key),
            "web_url": "https://permissionslipcr.com"}

    refused = assert_problem(client.post("/drp/agents", json=body, headers=auditor), 403,
                             "processing-refused")
    assert refused["rule"] == "capability-required" and drp.list_agents(yk) == []
    bad = assert_problem(client.post("/drp/agents", headers=officer,
                                     json={**body, "verify_key": "bm90IGEga2V5"}),
                         422, "validation")
    assert bad["field"] == "verify_key" and drp.list_agents(yk) == []

    r = client.post("/drp/agents", json=body, headers=officer)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["id"] == AGENT and made["status"] == "active"
    assert made["verify_key"] == verify_key_b64(key) and made["token_issued_at"] is None
    assert_problem(client.post("/drp/agents", json=body, headers=officer), 409, "conflict")
    # The agent registered over REST fetches its token as DRP 2.05 says.
    token = drp.setup_agent(yk, AGENT, signed(key, live_envelope(AGENT)))[1]
    listed = client.get("/drp/agents", headers=officer).json()
    assert [a["id"] for a in listed] == [AGENT] and listed[0]["token_issued_at"]
    assert token not in client.get("/drp/agents", headers=officer).text
    assert_problem(client.get("/drp/agents", headers=auditor), 403, "processing-refused")

    r = client.delete(f"/drp/agents/{AGENT}", headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert client.get("/v1/agent/" + AGENT, headers=bearer(token)).status_code == 403
    assert_problem(client.delete(f"/drp/agents/{AGENT}", headers=officer), 409, "conflict")
    assert_problem(client.delete("/drp/agents/NOBODY", headers=officer), 404, "not-found")
