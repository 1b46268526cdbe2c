"""The breach register over REST and the command line: the officer's calls, a member's own
question, the public board, and clear problems for bad input."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer, login, sign_up, staff_token
from yaksok.api import create_app

TEXTS = {lang: {i: f"{lang}:{i}" for i in ("what", "when_how", "member_can_do", "company_does",
                                           "contact", "remedies")} for lang in ("ko", "en")}


@pytest.fixture
def client(yk) -> TestClient:
    return TestClient(create_app(yk), client=("203.0.113.9", 50000))


@pytest.mark.promise("P12.2")
def test_the_officer_works_an_incident_and_the_member_asks_over_rest(client, yk):
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    alice, bob = sign_up(client, 1), sign_up(client, 2)
    r = client.post("/incidents", headers=officer, json={
        "title": "관리자 계정 도용", "nature": "n", "cause": "c", "measures": "m",
        "categories": ["user.contact.email"], "discovered_at": "2026-12-06T09:00:00+09:00"})
    assert r.status_code == 201, r.text
    inc = r.json()["incident_id"]
    r = client.post(f"/incidents/{inc}/stages", headers=officer,
                    json={"kind": "final", "texts": TEXTS})
    assert_problem(r, 409, "conflict")
    r = client.post(f"/incidents/{inc}/affected", headers=officer, json={"member_ids": [alice]})
    assert r.json() == {"incident_id": inc, "affected": 1}
    bad = {"ko": {"what": "x"}, "en": {"what": "x"}}
    problem = assert_problem(client.post(f"/incidents/{inc}/stages", headers=officer,
                                         json={"kind": "final", "texts": bad}), 422, "validation")
    assert problem["field"] == "texts.ko.when_how"
    r = client.post(f"/incidents/{inc}/stages", headers=officer,
                    json={"kind": "final", "texts": TEXTS, "post_on_board": True})
    assert r.status_code == 201 and r.json()["recipients"] == 1
    view = client.get(f"/incidents/{inc}", headers=officer).json()
    assert view["affected_total"] == 1 and view["stages"][0]["kind"] == "final"
    assert {c["key"]: c["state"] for c in view["clocks"]}["pipc"] == "not_required"
    mine = client.get("/me/incidents", headers=bearer(login(client, 1)), params={"lang": "en"})
    assert [i["incident_id"] for i in mine.json()] == [inc] and bob not in mine.text
    assert client.get("/me/incidents", headers=bearer(login(client, 2))).json() == []
    other = client.get(f"/members/{alice}/incidents", headers=bearer(login(client, 2)))
    assert other.status_code == 403 and other.json()["rule"] == "not-own-data"
    assert inc not in other.text
    board = client.get("/breach-notices", params={"lang": "ko"}).json()
    assert board[0]["incident_id"] == inc and "ko:remedies" in board[0]["text"]
    assert alice not in json.dumps(board)
    assert_problem(client.get("/incidents/inc_nothere", headers=officer), 422, "validation")
    assert_problem(client.get("/incidents/inc_000000000000", headers=officer), 404, "not-found")


def test_the_command_line_records_and_shows_an_incident(tmp_path, monkeypatch, capsys):
    from tests.support.cli import cli_runner, sign_in_officer

    run = cli_runner(tmp_path, monkeypatch, capsys)
    assert run("incidents", "list")[0] == 5  # nobody signed in
    sign_in_officer(monkeypatch)
    code, out, err = run("incidents", "open", "--title", "도용", "--nature", "n", "--cause", "c",
                         "--category", "user.contact.email", "--measures", "m",
                         "--discovered-at", "2026-01-06T09:00+09:00", "--outside-access")
    assert code == 0, err
    inc = out.strip()
    code, _, err = run("incidents", "notify", inc, "--kind", "final", "--texts",
                       str(tmp_path / "missing.json"))
    assert code == 2 and "--texts" in err
    assert run("incidents", "affected", inc, "--member", "m_nobody")[0] == 2
    code, out, _ = run("incidents", "show", inc, "--json")
    assert code == 0 and json.loads(out)["id"] == inc
    code, out, _ = run("incidents", "list")
    assert inc in out and "members_kr" not in out  # nobody affected yet: no member clock
    # The PIPC report (outside access) was due 72 hours after 2026-01-06 09:00 KST.
    assert "overdue      pipc" in out
    assert run("incidents", "list", "--fail-on-overdue")[0] == 1
