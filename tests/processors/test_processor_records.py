"""One processor's history (what the console's processors page shows, and an inspector asks
for): every contract with the clauses it misses and every supervision check, newest first —
from the library, over REST and from the command line; refused to processor staff, logged."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer, staff_token
from yaksok.api import create_app
from yaksok.auditlog import iter_entries
from yaksok.errors import ActorNotAllowed, NotFound
from yaksok.processors import processor_records, record_check, record_contract, required_clauses

BTC = "btc_korea_service"
TODAY = dt.datetime.now(dt.UTC).date()


def test_every_contract_and_check_newest_first_with_what_each_contract_misses(yk, officer,
                                                                               agent):
    assert processor_records(yk, officer, BTC) == {"processor": BTC, "in_policy": True,
                                                   "contracts": [], "checks": []}
    record_contract(yk, officer, BTC, signed_on="2025-01-02",
                    clauses={"purpose_limitation": "제3조"}, document_sha256="ab" * 32)
    full = {c: "art. 1" for c in required_clauses(yk.policy, BTC)}
    record_contract(yk, officer, BTC, signed_on="2026-01-02", clauses=full,
                    document_sha256="cd" * 32)
    for days, who in ((400, "윤현근"), (10, "감사팀")):
        record_check(yk, officer, BTC, checked_on=TODAY - dt.timedelta(days=days),
                     checked_by=who, findings=f"점검 {days}",
                     next_due=TODAY + dt.timedelta(days=180 - days))
    found = processor_records(yk, officer, BTC)
    assert [c["signed_on"] for c in found["contracts"]] == ["2026-01-02", "2025-01-02"]
    assert found["contracts"][0]["missing"] == []
    assert "purpose_and_scope" in found["contracts"][1]["missing"]
    assert [c["checked_by"] for c in found["checks"]] == ["감사팀", "윤현근"]
    assert found["checks"][1]["findings"] == "점검 400"
    assert found["checks"][0]["recorded_by"] == officer.id
    with pytest.raises(NotFound) as exc:
        processor_records(yk, officer, "nobody")
    assert exc.value.field == "processor"
    with pytest.raises(ActorNotAllowed):
        processor_records(yk, agent, BTC)
    assert any(e.outcome == "denied" and e.actor_id == agent.id
               and e.reason == "capability-required" for e in iter_entries(yk.engine))


def test_the_history_over_rest(yk):
    client = TestClient(create_app(yk), client=("203.0.113.9", 50000))
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    r = client.post(f"/registers/processors/{BTC}/checks", headers=officer, json={
        "checked_on": "2026-12-01", "checked_by": "CPO", "findings": "접근권한 점검",
        "next_due": "2027-06-01"})
    assert r.status_code == 201
    r = client.get(f"/registers/processors/{BTC}/records", headers=officer)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert [c["findings"] for c in r.json()["checks"]] == ["접근권한 점검"]
    assert_problem(client.get("/registers/processors/nobody/records", headers=officer), 404,
                   "not-found")


def test_the_history_from_the_command_line(tmp_path, monkeypatch, capsys):
    from tests.support.cli import cli_runner, sign_in_officer

    run = cli_runner(tmp_path, monkeypatch, capsys)
    sign_in_officer(monkeypatch)
    code, _, err = run("registers", "check", BTC, "--checked-on", "2026-12-10", "--checked-by",
                       "윤현근", "--findings", "이상 없음", "--next-due", "2027-06-10")
    assert code == 0, err
    code, out, _ = run("registers", "history", BTC)
    assert code == 0 and "2026-12-10" in out and "이상 없음" in out
    assert run("registers", "history", "nobody")[0] != 0
