"""``GET /me/consents/proof``, withdrawal over the same endpoint as giving, and
``yaksok member consent-proof`` (issue 5 item 1)."""

from __future__ import annotations

import json

import pytest

from tests.support.api import bearer, login, sign_up
from yaksok.vault.ledger import notice_sha256


@pytest.mark.promise("P3.1")
def test_a_member_reads_the_proof_and_withdraws_in_one_call(client, yk):
    m = sign_up(client, consents=["user_analysis"])
    token = login(client)
    r = client.post(f"/members/{m}/consents/customised_ads", json={"action": "give", "lang": "en"},
                    headers=bearer(token))
    assert r.status_code == 201, r.text
    r = client.post(f"/members/{m}/consents/customised_ads", json={"action": "withdraw"},
                    headers=bearer(token))
    assert r.status_code == 201 and "customised_ads" not in r.json()["consents"]
    r = client.get("/me/consents/proof", headers=bearer(token))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    proof = r.json()
    assert proof["member_id"] == m and proof["in_force"] == ["user_analysis"]
    answers = [(e["consent_key"], e["answer"]) for e in proof["events"]]
    assert answers[-2:] == [("customised_ads", "given"), ("customised_ads", "withdrawn")]
    given = proof["events"][-2]
    assert given["notice_sha256"] == notice_sha256(given["notice_text"])
    assert given["notice_text"] == yk.policy.consent("customised_ads").description.en
    assert given["given_by"] == "member" and given["policy_version"] == yk.published.version
    assert client.get("/me/consents/proof").status_code == 401


def test_the_cli_prints_the_proof(run, monkeypatch, cli_officer):
    assert run("init")[0] == 0
    cli_officer()
    monkeypatch.setenv("YAKSOK_MEMBER_PASSWORD", "Noraebang-Singer-2024!")
    code, out, err = run("member", "signup", "--email", "kim@example.com", "--phone",
                         "010-1234-5678", "--declared-age", "30", "--consent", "user_analysis")
    assert code == 0, err
    member_id = out.strip()
    code, out, err = run("member", "consent-proof", member_id)
    assert code == 0, err
    proof = json.loads(out)
    # the items the form offered and the member left unticked are evidence too
    assert [(e["consent_key"], e["answer"]) for e in proof["events"]] == [
        ("user_analysis", "given"), ("sns_sign_in", "refused"), ("customised_ads", "refused")]
    assert proof["events"][0]["notice_text"]
    assert run("member", "consent-proof", "m_nobody")[0] != 0


@pytest.mark.promise("P6.10")
def test_a_legal_guardian_answers_over_rest_and_the_proof_says_so(client, yk):
    m = sign_up(client)
    token = login(client)
    r = client.post(f"/members/{m}/consents/user_analysis",
                    json={"action": "give", "given_by": "legal_guardian",
                          "given_by_ref": "poa-2026-0042", "lang": "en"},
                    headers=bearer(token))
    assert r.status_code == 201, r.text
    event = client.get("/me/consents/proof", headers=bearer(token)).json()["events"][-1]
    assert (event["given_by"], event["given_by_ref"], event["language"]) == (
        "legal_guardian", "poa-2026-0042", "en")
    # a guardian without the reference of a verified mandate is refused, naming the field
    r = client.post(f"/members/{m}/consents/user_analysis",
                    json={"action": "withdraw", "given_by": "legal_guardian"},
                    headers=bearer(token))
    assert r.status_code == 422 and r.json()["field"] == "given_by_ref"
