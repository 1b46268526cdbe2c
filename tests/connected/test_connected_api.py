"""Connected Google accounts over REST and the CLI (P12.9), against the loopback RFC 7009
endpoint of ``conftest.py``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer, key, login, sign_up
from yaksok.api import create_app
from yaksok.cli import main
from yaksok.connected import CATEGORY

REFRESH = "1//0gRest-refresh-token"
ACCESS = "ya29.rest-access-token"
URL = "/members/{}/connected-accounts/youtube_api"


@pytest.fixture
def client(cyk):
    return TestClient(create_app(cyk))


@pytest.mark.promise("P12.9")
def test_the_app_hands_over_refreshes_and_the_member_revokes_over_rest(cyk, client, google):
    app = key(cyk, "members")
    member = sign_up(client, 1)
    google.issue(REFRESH)
    r = client.post(URL.format(member), headers=app,
                    json={"access_token": ACCESS, "refresh_token": REFRESH})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "connected" and r.headers["cache-control"] == "no-store"
    assert REFRESH not in r.text and ACCESS not in r.text
    r = client.put(URL.format(member), headers=app, json={"access_token": "ya29.refreshed"})
    assert r.status_code == 200, r.text
    got = client.get(f"/members/{member}/values", headers=app,
                     params={"categories": CATEGORY, "purpose": "contract_performance"})
    assert "ya29.refreshed" in got.text and ACCESS not in got.text
    me = bearer(login(client, 1))
    listed = client.get(f"/members/{member}/connected-accounts", headers=me)
    assert [c["status"] for c in listed.json()] == ["connected"]
    r = client.delete(URL.format(member), headers=me)
    assert r.status_code == 200 and r.json()["status"] == "revoked", r.text
    assert google.revoked == [REFRESH]
    assert google.requests[-1]["form"] == {"token": [REFRESH],
                                           "token_type_hint": ["refresh_token"]}


@pytest.mark.promise("P12.9")
def test_erasing_the_account_over_rest_revokes_on_the_next_pass(cyk, client, google,
                                                                monkeypatch):
    monkeypatch.setenv("YAKSOK_GOOGLE_REVOKE_URL", google.url)
    app = key(cyk, "members")
    member = sign_up(client, 2)
    google.issue(REFRESH)
    client.post(URL.format(member), headers=app, json={"refresh_token": REFRESH})
    assert client.delete(f"/members/{member}", headers=app).status_code == 202
    code = main(["--data-dir", str(cyk.settings.data_dir), "--database-url",
                 cyk.settings.effective_database_url, "connected", "retry", "--once"])
    assert code == 0 and google.revoked == [REFRESH]


def test_bad_input_is_a_problem_naming_the_field_never_the_token(cyk, client):
    app = key(cyk, "members")
    member = sign_up(client, 3)
    r = client.post(URL.format(member), headers=app,
                    json={"refresh_token": "1//secret-part\u0000tail"})
    body = assert_problem(r, 422, "validation")
    assert body["field"] == "refresh_token" and "secret-part" not in r.text
    r = client.post(URL.format(member), headers=app, json={})
    assert assert_problem(r, 422, "validation")["field"] == "refresh_token"
    r = client.post(f"/members/{member}/connected-accounts/dropbox", headers=app,
                    json={"access_token": ACCESS})
    assert assert_problem(r, 404, "not-found")["field"] == "provider"
    r = client.post(URL.format(member), headers=app, json={"refresh_token": "x" * 5000})
    assert assert_problem(r, 422, "validation")["field"] and "xxxx" not in r.text
    r = client.put(URL.format(member), headers=app, json={"access_token": ACCESS})
    assert assert_problem(r, 404, "not-found")["field"] == "provider"
    r = client.delete(URL.format(member), headers=app)
    assert assert_problem(r, 404, "not-found")["fix"]


def test_cli_help_has_examples_and_status_shows_the_queue(cyk, google, capsys):
    base = ["--data-dir", str(cyk.settings.data_dir), "--database-url",
            cyk.settings.effective_database_url]
    for command in ("list", "revoke", "retry", "status"):
        assert main([*base, "connected", command, "--help"]) == 0
        assert "Example:" in capsys.readouterr().out
    assert main([*base, "connected", "status", "--json"]) == 0
    assert '"counts"' in capsys.readouterr().out
    assert main([*base, "connected", "list", "m_x"]) == 5  # no staff session: refused


def test_another_members_probe_is_refused_alike_and_logged(cyk, client, google):
    from yaksok.auditlog import iter_entries

    app = key(cyk, "members")
    target, bare, prober = sign_up(client, 4), sign_up(client, 5), sign_up(client, 6)
    google.issue(REFRESH)
    assert client.post(URL.format(target), headers=app,
                       json={"refresh_token": REFRESH}).status_code == 201
    me = bearer(login(client, 6))
    answers = []
    for member in (target, bare):
        post = client.post(URL.format(member), headers=me, json={"access_token": ACCESS})
        put = client.put(URL.format(member), headers=me, json={"access_token": ACCESS})
        for r in (post, put):
            assert r.status_code == 403, r.text
            body = r.json()
            assert body["rule"] == "not-own-data" and ACCESS not in r.text
            answers.append((r.status_code, body["type"], body.get("rule")))
        denied = [e for e in iter_entries(cyk.engine, subject_ref=member)
                  if e.outcome == "denied"]
        assert {e.operation for e in denied} == {"collect", "update"}
        assert all(e.actor_id == prober and e.reason == "not-own-data" for e in denied)
    assert len(set(answers)) == 1  # a connected member and a bare one answer the same
