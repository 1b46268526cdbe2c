"""The REST API: public routes, problem details, bearer authentication and staff/API-key flows."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.api import PASSWORD, assert_problem, bearer, staff_token
from yaksok.accounts import add_staff
from yaksok.api import create_app, create_app_from_settings
from yaksok.api.problems import status_for
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.engine import init_yaksok
from yaksok.errors import (
    AuthenticationFailed,
    ConfigError,
    Conflict,
    NotFound,
    NotInitialised,
    PermissionDenied,
    PolicyError,
    StorageError,
    ValidationError,
    YaksokError,
)
from yaksok.policy.problems import Problem
from yaksok.settings import Settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    return Settings(data_dir=tmp_path / "data", policy_path=REPO / "policies" / "somesing.yaml")


@pytest.fixture
def yk(settings: Settings):
    """A freshly initialised yaksok in its own data directory, with the Somesing policy."""
    y = init_yaksok(settings)
    yield y
    y.close()


@pytest.fixture
def client(yk) -> TestClient:
    return TestClient(create_app(yk))


# -- public routes ---------------------------------------------------------------------------


def test_healthz(client, yk):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "policy_version": yk.published.version}


def test_healthz_reports_a_dead_database_as_503(client, yk, tmp_path, monkeypatch):
    dead = sa.create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    monkeypatch.setattr(yk, "engine", dead)  # restored before the fixture closes yk
    body = assert_problem(client.get("/healthz"), 503, "storage")
    assert "missing-dir" not in body["detail"]
    dead.dispose()


@pytest.mark.promise("P13.1")
def test_policy_is_public_korean_html_by_default(client):
    r = client.get("/policy")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-language"] == "ko"
    assert "개인정보" in r.text and "윤현근" in r.text
    en = client.get("/policy", params={"lang": "en"})
    assert en.status_code == 200 and en.headers["content-language"] == "en"
    assert "Yoon Hyun-geun" in en.text and "개인정보 보호책임자" not in en.text
    md = client.get("/policy", params={"format": "md", "lang": "en"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "<html" not in md.text.lower() and "Yoon Hyun-geun" in md.text


def test_policy_rendering_is_cached_per_version_language_format(client, monkeypatch):
    import yaksok.policy.render as render

    calls: list[tuple] = []
    real = render.render_policy

    def counting(policy, lang="ko", fmt="md"):
        calls.append((lang, fmt))
        return real(policy, lang=lang, fmt=fmt)

    monkeypatch.setattr(render, "render_policy", counting)
    for _ in range(3):
        assert client.get("/policy", params={"format": "md"}).status_code == 200
    assert client.get("/policy", params={"format": "md", "lang": "en"}).status_code == 200
    assert calls == [("ko", "md"), ("en", "md")]
    assert_problem(client.get("/policy", params={"lang": "fr"}), 422, "validation")


def test_policy_versions_are_public(client, yk):
    r = client.get("/policy/versions")
    assert r.status_code == 200
    old, v = r.json()  # init publishes SOMESING's 2021 text, then the version in force
    assert old["version"] == "2021-11-03"
    assert v["version"] == yk.published.version
    assert v["content_sha256"] == yk.published.content_sha256
    assert "published_by" not in v


def test_openapi_document(client):
    doc = client.get("/openapi.json").json()
    assert doc["info"]["title"] == "yaksok" and doc["info"]["version"]
    assert doc["info"]["description"]
    for path in ("/healthz", "/policy", "/policy/versions", "/staff/login", "/staff/logout",
                 "/whoami", "/api-keys", "/api-keys/{key_id}"):
        assert path in doc["paths"]


# -- problem details -------------------------------------------------------------------------


@pytest.mark.promise("P7.5")
def test_401_problem_without_or_with_a_bad_token(client):
    for headers in ({}, bearer("yk_ak_0000000000000000_" + "A" * 43), bearer("ys_nope"),
                    bearer("something-else"), {"Authorization": "Basic dXNlcjpwYXNz"}):
        r = client.get("/whoami", headers=headers)
        assert_problem(r, 401, "authentication-failed")
        assert r.headers["www-authenticate"] == "Bearer"


def test_unknown_route_and_method_are_problems(client):
    body = assert_problem(client.get("/no/such/route"), 404, "not-found")
    assert body["instance"] == "/no/such/route"
    body = assert_problem(client.delete("/healthz"), 405, "method-not-allowed")
    assert "GET" in body["fix"]


def test_bad_body_is_a_422_naming_the_field_without_echoing_it(client):
    r = client.post("/staff/login", json={"username": "alice", "password": "Secret-Value-991",
                                          "totp": 123456})
    body = assert_problem(r, 422, "validation")
    assert body["field"] == "totp" and body["fix"]
    assert body["errors"][0]["rule"]
    assert "Secret-Value-991" not in r.text
    r = client.post("/staff/login", content=b"{not json", headers={"content-type": "application/json"})
    assert_problem(r, 422, "validation")


def test_405_allows_every_method_of_the_path(client):
    # GET and POST /api-keys are two routes; Starlette named only the first one's methods.
    r = client.request("OPTIONS", "/api-keys")
    body = assert_problem(r, 405, "method-not-allowed")
    assert r.headers["allow"] == "GET, HEAD, POST"
    assert body["fix"] == "use one of: GET, HEAD, POST"
    r = client.put("/members/m_1/values")
    assert_problem(r, 405, "method-not-allowed")
    assert r.headers["allow"] == "GET, HEAD, POST"
    assert client.delete("/healthz").headers["allow"] == "GET, HEAD"
    # /members/login is its own resource, though DELETE /members/{member_id} matches it too.
    assert client.get("/members/login").headers["allow"] == "POST"
    assert client.get("/members/m_1/values/batch").headers["allow"] == "POST"


def test_a_body_that_cannot_be_decoded_is_a_400_problem_naming_the_body(client):
    r = client.post("/staff/login", content=b'{"username": "\xff"}',
                    headers={"content-type": "application/json"})
    body = assert_problem(r, 400, "bad-request")
    assert body["field"] == "body" and "UTF-8" in body["fix"]


def test_openapi_declares_every_error_as_a_problem(client):
    doc = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    problem = {"$ref": "#/components/schemas/Problem"}
    seen = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for code, response in op["responses"].items():
                if code[0] in "45":
                    seen.add(code)
                    if "content" not in response:  # DRP 2.05.1: a bare 403 to a key setup
                        assert (method, path, code) == ("post", "/v1/agent/{agent_id}", "403")
                        continue
                    media = response["content"]["application/problem+json"]
                    assert media["schema"] == problem, (method, path, code)
                    own = response["content"].get("application/json")
                    if own:  # only the Data Rights Protocol's routes answer in its shape
                        assert own["schema"]["$ref"].endswith("/DrpError"), (method, path, code)
                        assert op["tags"] == ["data rights protocol"], (method, path, code)
            if op.get("security"):
                assert {"401", "403"} <= set(op["responses"]), (method, path)
            if "requestBody" in op:
                assert {"400", "413", "422"} <= set(op["responses"]), (method, path)
            if "{" in path:
                assert "404" in op["responses"], (method, path)
    assert {"400", "401", "403", "404", "409", "413", "422", "429"} <= seen


def test_openapi_declares_the_data_rights_protocol_as_it_answers(client):
    paths = client.get("/openapi.json").json()["paths"]
    exercise = paths["/v1/data-rights-request"]["post"]
    assert exercise["security"] == [{"DrpAgentToken": []}]
    assert "text/plain" in exercise["requestBody"]["content"]
    key_setup = paths["/v1/agent/{agent_id}"]["post"]
    assert "security" not in key_setup and "content" not in key_setup["responses"]["403"]
    r = client.post("/v1/data-rights-request", content="not signed",
                    headers={"content-type": "text/plain"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/json"
    assert {"code", "message", "fatal", "type", "title", "status"} <= set(r.json())
    r = client.post("/v1/agent/agent-1", content="not signed")
    assert r.status_code == 403 and not r.content


def test_request_id_is_echoed_or_generated(client):
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = client.get("/healthz", headers={"X-Request-ID": "x" * 300})
    assert r.headers["x-request-id"] != "x" * 300 and len(r.headers["x-request-id"]) == 32


def test_unexpected_error_is_a_bare_500_with_request_id(yk, caplog):
    app = create_app(yk)

    def boom():
        raise RuntimeError("internal detail 4242")

    app.add_api_route("/boom", boom)
    r = TestClient(app).get("/boom", headers={"X-Request-ID": "req-77"})
    body = assert_problem(r, 500, "internal")
    assert body["request_id"] == "req-77" and "4242" not in r.text
    assert any("req-77" in rec.getMessage() for rec in caplog.records)


@pytest.mark.parametrize(("exc", "status"), [
    (ValidationError("x"), 422), (NotFound("x"), 404), (Conflict("x"), 409),
    (AuthenticationFailed("x"), 401), (PermissionDenied("x"), 403), (NotInitialised("x"), 503),
    (PolicyError([]), 422), (ConfigError("x"), 500), (StorageError("x"), 503),
    (YaksokError("x"), 400),
])
def test_domain_errors_map_to_statuses(exc, status):
    assert status_for(exc)[0] == status


def test_policy_error_lists_its_problems(yk):
    app = create_app(yk)
    problem = Problem("p.yaml", 3, 5, "error", "bases is empty", "add a lawful basis")

    def bad():
        raise PolicyError([problem])

    app.add_api_route("/bad", bad)
    body = assert_problem(TestClient(app).get("/bad"), 422, "policy-invalid")
    assert body["problems"] == [problem.format()]


# -- staff and API keys ----------------------------------------------------------------------


@pytest.mark.promise("P7.5", "P12.8")
def test_engineer_may_not_create_api_keys(client, yk):
    token = staff_token(client, yk, "eun", "engineer")
    r = client.post("/api-keys", json={"name": "web", "scopes": ["members"]}, headers=bearer(token))
    body = assert_problem(r, 403, "processing-refused")
    assert "staff.manage" in body["detail"] and "privacy_officer" in body["fix"]
    assert body["rule"] == "capability-required"
    assert_problem(client.get("/api-keys", headers=bearer(token)), 403, "processing-refused")


@pytest.mark.promise("P7.5", "P12.8")
def test_staff_login_create_key_whoami_revoke_logout(client, yk):
    token = staff_token(client, yk, "alice", "privacy_officer")
    me = client.get("/whoami", headers=bearer(token)).json()
    assert me["kind"] == "staff" and me["role"] == "privacy_officer"

    r = client.post("/api-keys", json={"name": "web", "scopes": ["members", "analytics"]},
                    headers=bearer(token))
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    created = r.json()
    secret = created["secret"]
    assert secret.startswith(f"yk_{created['id']}_")

    me = client.get("/whoami", headers=bearer(secret)).json()
    assert me["kind"] == "app_backend" and me["id"] == created["id"]
    assert me["scopes"] == ["analytics", "members"]
    expected = {p for s in ("members", "analytics") for p in yk.policy.api_scope(s).purposes}
    assert set(me["purposes"]) == expected

    # An API key is not staff: it may not manage keys, whatever its scopes.
    assert_problem(client.get("/api-keys", headers=bearer(secret)), 403, "processing-refused")
    listed = client.get("/api-keys", headers=bearer(token))
    assert listed.status_code == 200 and secret not in listed.text
    assert [k["id"] for k in listed.json()] == [created["id"]]

    body = assert_problem(client.post("/api-keys", json={"name": "x", "scopes": ["root"]},
                                      headers=bearer(token)), 422, "validation")
    assert body["field"] == "scopes" and "members" in body["detail"]
    body = assert_problem(client.post("/api-keys", json={"name": "x"}, headers=bearer(token)),
                          422, "validation")
    assert body["field"] == "scopes"

    assert client.delete(f"/api-keys/{created['id']}", headers=bearer(token)).json()["active"] is False
    assert_problem(client.get("/whoami", headers=bearer(secret)), 401, "authentication-failed")
    assert_problem(client.delete("/api-keys/ak_0000000000000000", headers=bearer(token)),
                   404, "not-found")

    assert client.post("/staff/logout", headers=bearer(token)).status_code == 204
    assert_problem(client.get("/whoami", headers=bearer(token)), 401, "authentication-failed")


@pytest.mark.promise("P12.8")
def test_staff_login_failure_is_a_generic_401(client, yk):
    secret = add_staff(yk.engine, yk.keyring, yk.policy, "alice", "privacy_officer",
                       PASSWORD).totp_secret
    now = time.time()
    valid = {pyotp.TOTP(secret).at(now + d) for d in (-60, -30, 0, 30, 60)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    r = client.post("/staff/login", json={"username": "alice", "password": PASSWORD,
                                          "totp": wrong})
    body = assert_problem(r, 401, "authentication-failed")
    r2 = client.post("/staff/login", json={"username": "bob", "password": PASSWORD,
                                           "totp": "000000"})
    assert assert_problem(r2, 401, "authentication-failed")["detail"] == body["detail"]


@pytest.mark.promise("P7.5")
def test_processor_staff_whoami(client, yk):
    token = staff_token(client, yk, "bora", "processor_support_agent")
    me = client.get("/whoami", headers=bearer(token)).json()
    assert me["kind"] == "processor_staff" and me["processor"] == "btc_korea_service"
    assert set(me["purposes"]) == {"contract_performance", "member_management"}


def test_create_app_from_settings(settings):
    with pytest.raises(NotInitialised):
        create_app_from_settings(settings)
    init_yaksok(settings).close()
    with TestClient(create_app_from_settings(settings)) as c:
        assert c.get("/healthz").status_code == 200


# -- what /openapi.json says a request may hold is what the app takes --------------------------


def _parameter(doc, method: str, path: str, name: str) -> dict:
    op = doc["paths"][path][method]
    return next(p for p in op["parameters"] if p["name"] == name)["schema"]


def test_ids_in_paths_are_one_line_and_a_control_character_names_the_parameter(client, yk):
    doc = client.get("/openapi.json").json()
    for method, path, name in (("delete", "/members/{member_id}", "member_id"),
                               ("get", "/audit/subjects/{subject_ref}/history", "subject_ref")):
        assert _parameter(doc, method, path, name)["pattern"] == r"^[^\x00-\x1f\x7f]+$"
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    # Before: the access log refused the id as `subject_ref`, a name the caller never sent.
    body = assert_problem(client.delete("/members/m%01x", headers=officer), 422, "validation")
    assert body["field"] == "member_id"
    body = assert_problem(client.get("/audit/subjects/m%7Fx/history", headers=officer), 422,
                          "validation")
    assert body["field"] == "subject_ref"


def test_the_audit_month_is_declared_as_the_log_reads_it(client, yk):
    import re

    pattern = _parameter(client.get("/openapi.json").json(), "get", "/audit/report",
                         "month")["pattern"]
    for good in ("1970-01", "2026-11", "9998-12"):
        assert re.fullmatch(pattern, good)
    for bad in ("", "1969-12", "9999-01", "2026-13", "2026-1", " 2026-11"):
        assert not re.fullmatch(pattern, bad)
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    r = client.get("/audit/report", params={"month": " 2026-11"}, headers=officer)
    assert assert_problem(r, 422, "validation")["field"] == "month"


def test_rights_codes_are_enumerated(client):
    from yaksok.rights.grounds import EXTENSION_REASONS, REFUSAL_GROUNDS, STAFF_METHODS
    from yaksok.rights.lifecycle import STATUSES

    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert _parameter(doc, "get", "/rights/requests", "status")["anyOf"][0]["enum"] == \
        list(STATUSES)
    assert schemas["StaffVerifyIn"]["properties"]["method"]["enum"] == list(STAFF_METHODS)
    assert schemas["ExtendIn"]["properties"]["reason"]["enum"] == list(EXTENSION_REASONS)
    assert schemas["RefuseIn"]["properties"]["reason"]["enum"] == list(REFUSAL_GROUNDS)


def test_the_policy_s_scopes_and_consent_items_are_enumerated(client, yk):
    doc = client.get("/openapi.json").json()
    scopes = doc["components"]["schemas"]["ApiKeyIn"]["properties"]["scopes"]["items"]
    assert scopes["enum"] == [s.key for s in yk.policy.api_scopes]
    item = _parameter(doc, "post", "/members/{member_id}/consents/{item}", "item")
    assert item["enum"] == [c.key for c in yk.policy.consents]
    assert "x-policy-keys" not in str(doc)


def test_the_document_follows_the_policy_in_force(client, yk, monkeypatch):
    client.get("/openapi.json")
    published = yk.published
    fewer = published.policy.model_copy(update={"consents": published.policy.consents[:1]})
    monkeypatch.setattr(type(yk), "published", property(lambda self: type(published)(
        **{**published.__dict__, "version": "test-next", "policy": fewer})))
    item = _parameter(client.get("/openapi.json").json(), "post",
                      "/members/{member_id}/consents/{item}", "item")
    assert item["enum"] == [published.policy.consents[0].key]
