"""The registers over REST and the command line: the officer's calls, the gate's refusal as a
403 problem naming its rule, bad input as a 422 naming the field, the record of processing."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer, staff_token
from yaksok.api import create_app

BTC = "btc_korea_service"


@pytest.fixture
def client(yk) -> TestClient:
    return TestClient(create_app(yk), client=("203.0.113.9", 50000))


@pytest.mark.promise("P12.1")
def test_the_officer_keeps_the_registers_over_rest(client, yk):
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    clauses = client.get("/registers/clauses", headers=officer).json()
    assert clauses["purpose_and_scope"]["law"] == "Decree 28(1)1"
    r = client.post(f"/registers/processors/{BTC}/contracts", headers=officer, json={
        "signed_on": "2026-11-02", "clauses": {k: "art. 1" for k in clauses},
        "document_sha256": "ab" * 32})
    assert r.status_code == 201 and r.json()["complete"], r.text
    r = client.post(f"/registers/processors/{BTC}/checks", headers=officer, json={
        "checked_on": "2026-12-01", "checked_by": "CPO", "findings": "none",
        "next_due": "2027-06-01"})
    assert r.status_code == 201
    [row] = client.get("/registers/processors", headers=officer).json()
    assert row["warnings"] == [] and row["next_due"] == "2027-06-01"
    r = client.post("/registers/transfers", headers=officer, json={
        "origin": "EU", "recipient": BTC, "destination": "US",
        "categories": ["user.social.nickname"], "transferred_on": "2026-12-01"})
    problem = assert_problem(r, 403, "refused")
    assert problem["rule"] == "transfer-not-covered" and problem["field"] == "recipient"
    gate = client.get("/registers/transfers/check", headers=officer,
                      params={"origin": "EU", "recipient": BTC}).json()
    assert gate["allowed"] and gate["mechanism"] == "adequacy"
    md = client.get("/registers/ropa", headers=officer, params={"lang": "ko", "format": "md"})
    assert md.status_code == 200 and md.text.startswith("# 개인정보 처리 활동 기록")
    bad = client.post(f"/registers/processors/{BTC}/checks", headers=officer, json={
        "checked_on": "2026-12-01", "checked_by": "CPO", "findings": "none",
        "next_due": "2026-11-01"})
    assert assert_problem(bad, 422, "validation")["field"] == "next_due"
    unknown = client.post("/registers/processors/nobody/checks", headers=officer, json={
        "checked_on": "2026-12-01", "checked_by": "CPO", "findings": "none",
        "next_due": "2027-06-01"})
    assert assert_problem(unknown, 404, "not-found")["field"] == "processor"


def test_the_registers_from_the_command_line(tmp_path, monkeypatch, capsys):
    from tests.support.cli import cli_runner, sign_in_officer

    run = cli_runner(tmp_path, monkeypatch, capsys)
    assert run("registers", "processors")[0] == 5  # nobody signed in
    sign_in_officer(monkeypatch)
    contract = tmp_path / "btc.pdf"
    contract.write_bytes(b"%PDF signed contract")
    code, out, err = run("registers", "contract", BTC, "--signed-on", "2026-11-02",
                         "--clause", "purpose_limitation=제3조", "--document", str(contract))
    assert code == 0, err
    assert hashlib.sha256(b"%PDF signed contract").hexdigest() in out and "missing:" in out
    assert run("registers", "contract", BTC, "--signed-on", "2026-11-02", "--clause",
               "liability", "--document", str(contract))[0] == 2
    code, out, _ = run("registers", "processors")
    assert code == 0 and "never supervised" in out
    code, out, _ = run("registers", "transfer", "--origin", "EU", "--recipient", BTC,
                       "--category", "user.social.nickname", "--on", "2026-12-01")
    assert code == 0 and "adequacy" in out
    assert run("registers", "gate", "--origin", "CH", "--recipient", BTC, "--on",
               "2026-12-01")[0] == 5
    code, out, _ = run("registers", "ropa", "--lang", "en", "--format", "json")
    assert code == 0 and '"Record of processing activities (GDPR Art. 30)"' in out
