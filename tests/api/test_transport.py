"""Personal data travels only encrypted (P7.1), and links and client addresses come from what the
operator configured, not from what a request says (issue 14): ``yaksok serve`` with TLS, the
refusals off loopback, proxies believed only when trusted, HSTS, SMTP without TLS only locally."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from tests.support.smtp import FROM, certificate
from yaksok.api.app import create_app
from yaksok.api.serving import uvicorn_options
from yaksok.errors import ConfigError
from yaksok.notify import SmtpConfig
from yaksok.settings import Settings


def _refused(settings: Settings, field: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        uvicorn_options(settings)
    assert info.value.field == field
    return info.value


def test_off_loopback_serve_needs_a_public_address_and_tls(tmp_path):
    cert, key = certificate(tmp_path)
    local = Settings(data_dir=tmp_path)
    assert uvicorn_options(local)["host"] == "127.0.0.1"  # nothing leaves the machine
    assert uvicorn_options(local)["proxy_headers"] is False  # proxies are ours to believe
    wide = local.with_(host="192.0.2.10")  # an address off this machine
    assert "YAKSOK_PUBLIC_URL" in _refused(wide, "YAKSOK_PUBLIC_URL").fix
    public = wide.with_(public_url="https://privacy.example.com/")
    assert "unencrypted" in _refused(public, "YAKSOK_TLS_CERT").message
    tls = uvicorn_options(public.with_(tls_cert=cert, tls_key=key))
    assert (tls["ssl_certfile"], tls["ssl_keyfile"]) == (str(cert), str(key))
    assert "ssl_certfile" not in uvicorn_options(public.with_(behind_proxy=True))
    _refused(local.with_(tls_cert=cert), "YAKSOK_TLS_KEY")  # both or neither
    _refused(local.with_(tls_cert=tmp_path / "none.pem", tls_key=key), "YAKSOK_TLS_CERT")


@pytest.mark.parametrize(("value", "ok"), [
    ("https://privacy.example.com/", True), ("http://127.0.0.1:8000/", True),
    ("http://privacy.example.com/", False), ("privacy.example.com", False),
    ("https://privacy.example.com/?x=1", False), ("https://user@privacy.example.com/", False)])
def test_the_public_address_is_checked(value, ok):
    env = {"YAKSOK_PUBLIC_URL": value}
    if ok:
        assert Settings.from_env(env).public_url == value
    else:
        with pytest.raises(ConfigError) as info:
            Settings.from_env(env)
        assert info.value.field == "YAKSOK_PUBLIC_URL"


def test_trusted_proxies_are_addresses_or_networks():
    s = Settings.from_env({"YAKSOK_TRUSTED_PROXIES": "10.0.0.5, 192.168.0.0/16",
                           "YAKSOK_BEHIND_PROXY": "1"})
    assert s.trusted_proxies == ("10.0.0.5", "192.168.0.0/16") and s.behind_proxy
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"YAKSOK_TRUSTED_PROXIES": "proxy.internal"})
    assert info.value.field == "YAKSOK_TRUSTED_PROXIES"


def _client(yk, **settings) -> TestClient:
    object.__setattr__(yk, "settings", yk.settings.with_(**settings))
    return TestClient(create_app(yk), client=("10.0.0.5", 51000))


def _last_ip(yk) -> str | None:
    from yaksok.auditlog import iter_entries

    return list(iter_entries(yk.engine))[-1].source_ip


def test_a_forwarded_client_is_believed_only_from_a_trusted_proxy(yk):
    from tests.support.api import signup_body

    forwarded = {"X-Forwarded-For": "203.0.113.7, 198.51.100.2", "X-Forwarded-Proto": "https"}
    # An untrusted peer's claim is ignored: the access log has the peer itself.
    r = _client(yk).post("/members", json=signup_body(1), headers=forwarded)
    assert r.status_code == 201, r.text
    assert _last_ip(yk) == "10.0.0.5"
    # From a trusted proxy the right-most address that is not a proxy is the client.
    trusted = _client(yk, trusted_proxies=("10.0.0.0/8", "198.51.100.2"))
    r = trusted.post("/members", json=signup_body(2), headers=forwarded)
    assert r.status_code == 201, r.text
    assert _last_ip(yk) == "203.0.113.7"


@pytest.mark.promise("P7.1")
def test_behind_a_proxy_plain_http_is_refused_and_https_gets_hsts(yk):
    client = _client(yk, trusted_proxies=("10.0.0.5",), behind_proxy=True)
    plain = client.get("/policy", headers={"X-Forwarded-For": "203.0.113.7",
                                           "X-Forwarded-Proto": "http"})
    assert plain.status_code == 421 and plain.json()["type"] == "/problems/https-required"
    assert "203.0.113.7" not in plain.text
    secure = client.get("/policy", headers={"X-Forwarded-For": "203.0.113.7",
                                            "X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure.headers["strict-transport-security"].startswith("max-age=31536000")


@pytest.mark.promise("P7.1")
def test_serve_with_tls_speaks_only_tls(yk, tmp_path):
    cert, key = certificate(tmp_path)
    settings = yk.settings.with_(host="127.0.0.1", port=_free_port(), tls_cert=cert,
                                 tls_key=key)
    object.__setattr__(yk, "settings", settings)
    server = uvicorn.Server(uvicorn.Config(create_app(yk), **{
        **uvicorn_options(settings), "log_level": "warning", "lifespan": "off"}))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline
            time.sleep(0.02)
        context = ssl.create_default_context(cafile=str(cert))
        base = f"https://127.0.0.1:{settings.port}"
        with httpx.Client(verify=context) as https:
            r = https.get(f"{base}/policy", params={"format": "md"})
            assert r.status_code == 200 and "SOMESING" in r.text
            assert r.headers["strict-transport-security"].startswith("max-age=31536000")
        # Plain http on the TLS port gets no page: nothing travels unencrypted.
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{settings.port}/policy", timeout=5).raise_for_status()
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.promise("P7.1")
def test_smtp_without_tls_only_to_a_relay_on_this_machine():
    assert SmtpConfig(host="127.0.0.1", port=25, from_addr=FROM, security="none")
    assert SmtpConfig(host="localhost", port=25, from_addr=FROM, security="none")
    with pytest.raises(ConfigError) as info:
        SmtpConfig(host="smtp.example.com", port=25, from_addr=FROM, security="none")
    assert info.value.field == "YAKSOK_SMTP_SECURITY" and "starttls" in info.value.fix
    assert SmtpConfig(host="smtp.example.com", port=587, from_addr=FROM, security="starttls")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_certificate_helper_writes_pem(tmp_path):
    cert, key = certificate(tmp_path)
    assert Path(cert).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" in Path(key).read_text()
