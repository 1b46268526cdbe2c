"""Disclosures and provisions over REST and the CLI: the same library calls, problem+json for
every refusal and bad input, no value in an error or on the terminal."""

from __future__ import annotations

import base64
import json

import pytest

from tests.support.api import assert_problem, bearer, staff_token
from tests.support.vault import EMAIL, MINSU, NICK, member
from yaksok.auditlog import iter_entries

DOC = "수사협조요청서 2026-55: minsu.kim@somesing.kr".encode()


def _minsu(yk, app) -> str:
    m = member(yk.vault)
    yk.vault.collect(m, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    yk.vault.collect(m, NICK, MINSU[NICK], channel="app", actor=app)
    return m


def _body(m: str, **kw) -> dict:
    body = {"exception": "investigation", "authority": "경기남부경찰청",
            "authority_ref": "2026-수사-55", "recipient_country": "KR",
            "legal_citation": "형사소송법 제199조 제2항",
            "members": [m], "categories": [EMAIL],
            "request_document_base64": base64.b64encode(DOC).decode(),
            "document_type": "application/pdf"}
    body.update(kw)
    return body


@pytest.mark.promise("P4.1")
def test_rest_record_approve_produce_and_scope(client, yk, app):
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    m, other = _minsu(yk, app), _minsu(yk, app)
    r = client.post("/disclosures", json=_body(m, request_document_base64=None),
                    headers=officer)
    problem = assert_problem(r, 422, "validation")
    assert problem["field"] == "request_document" and problem["fix"]
    r = client.post("/disclosures", json=_body(m), headers=officer)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["status"] == "recorded" and d["has_document"] and "minsu" not in r.text
    r = client.post(f"/disclosures/{d['id']}/produce", json={"member_id": m}, headers=officer)
    assert assert_problem(r, 403, "refused")["rule"] == "disclosure-not-approved"
    r = client.post(f"/disclosures/{d['id']}/approve", json={"note": "확인"}, headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client.post(f"/disclosures/{d['id']}/produce", json={"member_id": m}, headers=officer)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert [v["value"] for v in r.json()["values"][EMAIL]] == [MINSU[EMAIL]]
    for body, field in (({"member_id": other}, "member_id"),
                        ({"member_id": m, "categories": [NICK]}, "categories")):
        r = client.post(f"/disclosures/{d['id']}/produce", json=body, headers=officer)
        p = assert_problem(r, 403, "refused")
        assert (p["rule"], p["field"]) == ("outside-disclosure-scope", field)
        assert MINSU[NICK] not in r.text
    assert [x["id"] for x in client.get("/disclosures", headers=officer).json()] == [d["id"]]


@pytest.mark.promise("P4.1")
def test_rest_request_document_and_country(client, yk, app):
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    keeper = bearer(staff_token(client, yk, "kim", "engineer"))
    m = _minsu(yk, app)
    body = _body(m)
    del body["recipient_country"]
    assert assert_problem(client.post("/disclosures", json=body, headers=officer),
                          422, "validation")["field"] == "recipient_country"
    r = client.post("/disclosures", json=_body(m, recipient_country="Korea"), headers=officer)
    assert assert_problem(r, 422, "validation")["field"] == "recipient_country"
    d = client.post("/disclosures", json=_body(m), headers=officer).json()
    assert d["recipient_country"] == "KR"
    r = client.get(f"/disclosures/{d['id']}/document", headers=officer)
    assert r.status_code == 200 and r.content == DOC
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    last = list(iter_entries(yk.engine))[-1]
    assert (last.operation, last.outcome, last.subject_ref, last.reason) == (
        "admin", "granted", None, f"disclosure-document:{d['id']}")
    r = client.get(f"/disclosures/{d['id']}/document", headers=keeper)
    assert assert_problem(r, 403, "processing-refused")["rule"] == "capability-required"
    assert "minsu" not in r.text


@pytest.mark.promise("P9.1")
def test_rest_provision_is_refused_with_the_rule(client, yk, app):
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    m = _minsu(yk, app)
    r = client.post("/third-parties/provisions", headers=officer, json={
        "member_id": m, "recipient": "ad_partner", "categories": [EMAIL], "basis": "law",
        "legal_citation": "법 제1조"})
    p = assert_problem(r, 403, "refused")
    assert (p["rule"], p["field"]) == ("recipient-not-named", "recipient")
    last = list(iter_entries(yk.engine, subject_ref=m))[-1]
    assert (last.operation, last.outcome, last.reason) == ("disclose", "denied",
                                                           "recipient-not-named")
    assert client.get("/third-parties/provisions", headers=officer).json() == []


@pytest.mark.promise("P4.1")
def test_cli_records_approves_and_produces_to_a_file(run, cli_officer, tmp_path):
    from yaksok.engine import open_yaksok
    from yaksok.settings import Settings

    assert run("init")[0] == 0
    cli_officer()
    yk = open_yaksok(Settings.from_env())
    try:
        from yaksok.actors import api_key_actor

        app = api_key_actor(yk.policy, "ak_t", "t", ["members"])
        m = _minsu(yk, app)
    finally:
        yk.close()
    doc = tmp_path / "warrant.pdf"
    doc.write_bytes(DOC)
    code, stdout, err = run("disclosures", "record", "--exception", "investigation",
                            "--authority", "경기남부경찰청", "--reference", "2026-55", "--country", "KR",
                            "--citation", "형사소송법 제199조", "--member", m,
                            "--category", EMAIL, "--document", str(doc))
    assert code == 0, err
    did = json.loads(stdout)["id"]
    assert run("disclosures", "approve", did)[1].strip() == "approved"
    opened = tmp_path / "opened.pdf"
    code, stdout, err = run("disclosures", "document", did, "-o", str(opened))
    assert code == 0, err
    assert opened.read_bytes() == DOC and opened.stat().st_mode & 0o777 == 0o600
    assert "minsu" not in stdout
    assert run("disclosures", "document", did, "-o", str(opened))[0] != 0  # never overwritten
    target = tmp_path / "out.json"
    code, stdout, err = run("disclosures", "produce", did, "--member", m, "-o", str(target))
    assert code == 0, err
    assert MINSU[EMAIL] not in stdout
    assert json.loads(target.read_text())["values"][EMAIL][0]["value"] == MINSU[EMAIL]
    code, _, err = run("third-parties", "provide", "--member", m, "--recipient", "x",
                       "--category", EMAIL, "--basis", "law", "--citation", "법")
    assert code == 5 and "recipient" in err
    for group, cmd in (("disclosures", "record"), ("disclosures", "produce"),
                       ("disclosures", "document"),
                       ("third-parties", "provide")):
        assert "Example:" in run(group, cmd, "--help")[1]
