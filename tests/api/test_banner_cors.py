"""The cookie banner on another origin (issue 17's finding): YAKSOK_CORS_ORIGINS lets the listed
page origins call the banner's routes from a browser, and nothing else; a bad value stops
start-up naming the variable; the banner says in the console why its calls failed."""

from __future__ import annotations

import os
import subprocess

import pytest
from fastapi.testclient import TestClient

from tests.support.api import assert_problem
from tests.support.paths import POLICY, ROOT
from yaksok.api import create_app
from yaksok.engine import init_yaksok
from yaksok.errors import ConfigError
from yaksok.settings import Settings

PAGE = "https://www.example.com"
OTHER = "https://evil.example.net"
DEVICE = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    data = tmp_path_factory.mktemp("cors") / "data"
    settings = Settings.from_env({"YAKSOK_CORS_ORIGINS": f"{PAGE}, https://m.example.com"},
                                 data_dir=data, policy_path=POLICY)
    yk = init_yaksok(settings)
    yield TestClient(create_app(yk))
    yk.close()


def _preflight(client, origin: str, path: str = "/consent/choice", method: str = "POST"):
    return client.options(path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type,authorization"})


def test_a_preflight_from_a_listed_origin_is_allowed_without_credentials(client):
    r = _preflight(client, PAGE)
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == PAGE
    assert {m.strip() for m in r.headers["access-control-allow-methods"].split(",")} == \
        {"GET", "POST"}
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert allowed == {"content-type", "authorization"}
    assert "access-control-allow-credentials" not in r.headers  # the banner sends no cookie
    assert "origin" in r.headers["vary"].lower()
    config = _preflight(client, "https://m.example.com", "/consent/config", "GET")
    assert config.status_code == 204
    assert config.headers["access-control-allow-methods"] == "GET"


def test_the_banners_calls_from_a_listed_origin_carry_the_cors_answer(client):
    config = client.get("/consent/config", headers={"Origin": PAGE, "Sec-GPC": "1"})
    assert config.status_code == 200
    assert config.headers["access-control-allow-origin"] == PAGE
    vary = {v.strip().lower() for v in config.headers["vary"].split(",")}
    assert vary == {"sec-gpc", "origin"}  # both kept: a cache must tell them apart
    current = client.get("/consent/choice", params={"device_id": DEVICE},
                         headers={"Origin": PAGE})
    assert current.headers["access-control-allow-origin"] == PAGE
    stored = client.post("/consent/choice", headers={"Origin": PAGE},
                         json={"device_id": DEVICE, "choices": {"performance": False}})
    assert stored.status_code == 201, stored.text
    assert stored.headers["access-control-allow-origin"] == PAGE
    assert "access-control-allow-credentials" not in stored.headers
    # An error too, so the banner can read the problem.
    bad = client.post("/consent/choice", headers={"Origin": PAGE},
                      json={"device_id": DEVICE, "choices": {"no_such": True}})
    assert bad.status_code == 422 and bad.headers["access-control-allow-origin"] == PAGE


def test_an_origin_not_listed_gets_no_cors_answer(client):
    r = client.get("/consent/config", headers={"Origin": OTHER})
    assert r.status_code == 200  # the same-origin answer; the browser keeps it from the page
    assert not any(h.startswith("access-control-") for h in r.headers)
    pre = _preflight(client, OTHER)
    body = assert_problem(pre, 403, "cors-origin")
    assert body["field"] == "Origin" and "YAKSOK_CORS_ORIGINS" in body["fix"]
    assert not any(h.startswith("access-control-") for h in pre.headers)
    # A look-alike is not the origin: exact match only.
    for near in (PAGE + ":8443", "http://www.example.com", PAGE + "/", "https://www.example.com.evil"):
        assert "access-control-allow-origin" not in client.get(
            "/consent/config", headers={"Origin": near}).headers


def test_only_the_banners_routes_answer_cross_origin(client):
    for path in ("/healthz", "/policy", "/consent/banner.js", "/.well-known/gpc.json",
                 "/whoami"):
        r = client.get(path, headers={"Origin": PAGE})
        assert "access-control-allow-origin" not in r.headers, path
    pre = client.options("/staff/login", headers={"Origin": PAGE,
                                                   "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers


def test_without_the_setting_no_route_answers_cross_origin(yk):
    client = TestClient(create_app(yk))
    r = client.get("/consent/config", headers={"Origin": PAGE})
    assert "access-control-allow-origin" not in r.headers
    assert r.headers["vary"] == "Sec-GPC"  # unchanged when nothing is listed
    body = assert_problem(_preflight(client, PAGE), 403, "cors-origin")
    assert "reverse proxy" in body["fix"]


@pytest.mark.parametrize("value", [
    "*", "https://www.example.com/", "https://www.example.com/app", "www.example.com",
    "http://www.example.com", "https://*.example.com", "https://www.example.com, null"])
def test_a_bad_origin_list_is_a_clear_error_naming_the_variable(value):
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"YAKSOK_CORS_ORIGINS": value})
    assert info.value.field == "YAKSOK_CORS_ORIGINS" and info.value.fix


def test_origins_are_written_as_a_browser_sends_them():
    s = Settings.from_env({"YAKSOK_CORS_ORIGINS":
                           "HTTPS://WWW.Example.com:443,http://localhost:3000,,"})
    assert s.cors_origins == ("https://www.example.com", "http://localhost:3000")


def test_serve_refuses_to_start_with_a_wildcard(tmp_path):
    env = {**os.environ, "YAKSOK_DATA_DIR": str(tmp_path / "data"), "YAKSOK_POLICY": str(POLICY),
           "YAKSOK_CORS_ORIGINS": "*"}
    env.pop("YAKSOK_DATABASE_URL", None)
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "yaksok"), "serve"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 6
    assert "YAKSOK_CORS_ORIGINS" in done.stderr and "Traceback" not in done.stderr


def test_an_app_built_from_explicit_settings_checks_them_too(tmp_path):
    yk = init_yaksok(Settings(data_dir=tmp_path / "data", policy_path=POLICY,
                              cors_origins=("*",)))
    try:
        with pytest.raises(ConfigError) as info:
            create_app(yk)
        assert info.value.field == "YAKSOK_CORS_ORIGINS"
    finally:
        yk.close()


def test_the_served_banner_says_in_the_console_why_its_calls_failed(client):
    # The text of the script, not its behaviour in a browser: no promise is claimed.
    script = client.get("/consent/banner.js").text
    assert "function warn(e)" in script and "console.error(" in script
    assert ".catch(warn)" in script and "warn(e);" in script  # loading and saving a choice
    assert "YAKSOK_CORS_ORIGINS" in script and "reverse proxy" in script
    assert "another origin" in script
