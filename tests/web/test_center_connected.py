"""The privacy center's connected Google account (issue 18, P12.9) over HTTP: the member sees
the connection and revokes it from the page; the tokens are destroyed and the loopback RFC 7009
endpoint (tests/support/revoke_server.py, Google's stand-in) is asked to revoke the grant. No
token is ever on a page."""

from __future__ import annotations

import os

import pytest

from tests.support.api import key
from tests.support.center import POLICY, center_client, csrf_of, member, person
from tests.support.revoke_server import RevokeServer
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.engine import init_yaksok
from yaksok.members.lookups import find_member
from yaksok.settings import Settings

pytestmark = pytest.mark.promise("P12.9")

REFRESH = "1//0gCenter-refresh-token"
ACCESS = "ya29.center-access-token"


@pytest.fixture(scope="module")
def google():
    server = RevokeServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gyk(tmp_path_factory, google):
    saved = os.environ.pop(PASSPHRASE_ENV, None)
    yk = init_yaksok(Settings(data_dir=tmp_path_factory.mktemp("connected") / "data",
                              policy_path=POLICY, google_revoke_url=google.url))
    yield yk
    yk.close()
    if saved is not None:
        os.environ[PASSPHRASE_ENV] = saved


def _connect(client, yk, n: int, tokens: dict) -> str:
    mid = find_member(yk, "user.contact.email", person(n)["email"])
    r = client.post(f"/members/{mid}/connected-accounts/youtube_api", headers=key(yk, "members"),
                    json=tokens)
    assert r.status_code == 201, r.text
    return mid


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_member_sees_the_connection_and_revokes_it(gyk, google, lang):
    n = 1 if lang == "ko" else 2
    q = "?lang=en" if lang == "en" else ""
    client = center_client(gyk)
    member(client, n)
    page = client.get(f"/center/connected{q}")
    assert page.status_code == 200
    assert ("연결되지 않음" if lang == "ko" else "Not connected") in page.text
    assert "https://security.google.com/settings/security/permissions" in page.text
    token = google.issue(f"{REFRESH}-{lang}")
    _connect(client, gyk, n, {"access_token": ACCESS, "refresh_token": token})
    page = client.get(f"/center/connected{q}")
    assert ("연결됨" if lang == "ko" else "Connected") in page.text
    assert token not in page.text and ACCESS not in page.text
    assert 'action="/center/connected/revoke' in page.text
    r = client.post(f"/center/connected/revoke{q}",
                    data={"csrf": csrf_of(page.text), "provider": "youtube_api"})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/center/connected?" + (
        "done=revoked" if lang == "ko" else "done=revoked&lang=en")
    assert token in google.revoked
    assert google.requests[-1]["form"] == {"token": [token], "token_type_hint": ["refresh_token"]}
    page = client.get(r.headers["location"])
    assert ("철회됨" if lang == "ko" else "Revoked") in page.text
    assert token not in page.text
    assert 'action="/center/connected/revoke' not in page.text


def test_revoking_while_google_is_down_destroys_the_tokens_and_retries(gyk, google):
    client = center_client(gyk)
    member(client, 3)
    _connect(client, gyk, 3, {"refresh_token": google.issue(REFRESH + "-down")})
    google.down = True
    try:
        page = client.get("/center/connected?lang=en")
        r = client.post("/center/connected/revoke?lang=en",
                        data={"csrf": csrf_of(page.text), "provider": "youtube_api"})
        assert r.status_code == 303 and "done=revoking" in r.headers["location"]
        page = client.get(r.headers["location"])
        assert "Being revoked" in page.text and "sent again automatically" in page.text
    finally:
        google.down = False


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_revoking_what_is_not_connected_is_the_page_again_with_the_fix(gyk, lang):
    q = "?lang=en" if lang == "en" else ""
    client = center_client(gyk)
    member(client, 4 if lang == "ko" else 5)
    page = client.get(f"/center/connected{q}")
    r = client.post(f"/center/connected/revoke{q}",
                    data={"csrf": csrf_of(page.text), "provider": "youtube_api"})
    assert r.status_code == 404
    assert 'role="alert"' in r.text and 'href="#field-provider"' in r.text
    assert ("연결된 계정이 없습니다" if lang == "ko" else "no youtube_api account") in r.text
    assert f'<html lang="{lang}">' in r.text
    r = client.post(f"/center/connected/revoke{q}", data={"provider": "youtube_api"})
    assert r.status_code == 403  # no CSRF token
