"""The REST side of the staff console's member and access-log pages: a member seen for one
purpose or through one task (``GET /members/{id}/view``), a processor's lookup through its task
(``POST /lookup``), the log's status, one entry's proof and the staff view of a member's
entries. The access matrix (tests/access) checks who may call each; these check the answers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.api import bearer, sign_up, staff_token
from yaksok.api import create_app
from yaksok.engine import init_yaksok
from yaksok.settings import Settings

EMAIL = "user.contact.email"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from tests.support.paths import POLICY

    yk = init_yaksok(Settings(data_dir=tmp_path_factory.mktemp("views") / "data",
                              policy_path=POLICY))
    client = TestClient(create_app(yk))
    out = {"yk": yk, "client": client, "member": sign_up(client, 41)}
    for who, role in (("officer", "privacy_officer"), ("agent", "processor_support_agent"),
                      ("auditor", "security_auditor")):
        out[who] = bearer(staff_token(client, yk, f"views-{who}", role))
    yield out
    yk.close()


@pytest.mark.promise("P10.1")
def test_the_agent_looks_up_through_counselling_and_sees_its_categories(api):
    client, member = api["client"], api["member"]
    r = client.post("/lookup", headers=api["agent"], json={
        "category": EMAIL, "value": "singer41@example.com", "purpose": "contract_performance",
        "task": "counselling"})
    assert r.status_code == 200 and r.json()["member_id"] == member
    view = client.get(f"/members/{member}/view", params={"task": "counselling"},
                      headers=api["agent"]).json()
    assert view["task"] == "counselling" and view["status"] == "active"
    [section] = view["sections"]
    assert section["purpose"] == "contract_performance"
    assert EMAIL in section["values"] and "user.device.device_id" not in section["values"]
    assert section["values"][EMAIL][0]["value"] == "singer41@example.com"


@pytest.mark.promise("P7.5")
def test_the_officer_sees_one_purposes_categories(api):
    client, member = api["client"], api["member"]
    r = client.get(f"/members/{member}/view", params={"purpose": "member_management"},
                   headers=api["officer"])
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    values = r.json()["sections"][0]["values"]
    assert "user.payment.transaction_id" not in values  # contract_performance's
    assert "user.authorization.password" not in values
    r = client.get(f"/members/{member}/view", headers=api["officer"])
    assert r.status_code == 403 and r.json()["rule"] == "purpose-required"


@pytest.mark.promise("P7.6")
def test_status_verify_and_an_entry_proof(api):
    client, yk = api["client"], api["yk"]
    yk.audit.seal(force=True)
    status = client.get("/audit/status", headers=api["auditor"]).json()
    assert status["checkpoint_size"] == status["next_seq"] and status["unsealed"] == 0
    verified = client.get("/audit/verify", headers=api["auditor"]).json()
    assert verified["ok"]
    status = client.get("/audit/status", headers=api["auditor"]).json()
    assert status["verification"]["ok"] and status["verification"]["summary"] == \
        verified["summary"]
    r = client.get("/audit/entries/0/proof", headers=api["auditor"])
    body = r.json()
    assert r.status_code == 200 and body["verified"] and body["entry"]["seq"] == 0
    assert body["checks"] == {"leaf": True, "path": True, "signature": True}
    assert body["proof"]["leaf_index"] == 0
    assert client.get("/audit/entries/99999/proof",
                      headers=api["auditor"]).status_code == 404


def test_the_staff_view_of_a_members_entries(api):
    client, member = api["client"], api["member"]
    body = client.get(f"/audit/subjects/{member}/entries", params={"lang": "en"},
                      headers=api["officer"]).json()
    items = body["items"]
    assert items and all({"seq", "actor_id", "reason"} <= set(i) for i in items)
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(seqs, reverse=True)  # newest first
    assert any(i["actor_kind"] == "processor_staff" and i["task"] == "counselling"
               for i in items)
