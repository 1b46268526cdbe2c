"""The privacy center over HTTP, for tests/web: a fresh yaksok, its app in a TestClient, the
CSRF token of a page, and a member signed up and logged in through the pages themselves."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from yaksok.api import create_app
from yaksok.engine import init_yaksok
from yaksok.settings import Settings

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "policies" / "somesing.yaml"
PASSWORD = "Noraebang-2024!"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def fresh_yaksok(data_dir: Path):
    return init_yaksok(Settings(data_dir=data_dir, policy_path=POLICY))


def center_client(yk, *, https: bool = False, app=None) -> TestClient:
    """A browser-like client of the app (``app``, or a new one over ``yk``): cookies kept,
    redirects not followed."""
    return TestClient(app or create_app(yk), base_url="https://testserver" if https
                      else "http://testserver", follow_redirects=False)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "the page has no form with a CSRF token"
    return m.group(1)


def person(n: int) -> dict[str, str]:
    """A sign-up form's values for person ``n`` (unique email and phone)."""
    return {"email": f"singer{n}@example.com", "password": PASSWORD,
            "phone": f"010-5{n:03d}-{3000 + n:04d}", "birth_date": "1999-04-05"}


def sign_up(client: TestClient, n: int, *, consents=(), lang: str = "ko"):
    q = "?lang=en" if lang == "en" else ""
    page = client.get(f"/center/signup{q}")
    form = {"csrf": csrf_of(page.text), **person(n)}
    form.update({f"consent.{key}": "yes" for key in consents})
    return client.post(f"/center/signup{q}", data=form)


def log_in(client: TestClient, n: int):
    page = client.get("/center/login")
    r = client.post("/center/login", data={"csrf": csrf_of(page.text),
                                           "email": person(n)["email"], "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/center/", r.text
    return r


def member(client: TestClient, n: int, **kw) -> None:
    """Person ``n`` signed up and logged in through the pages (the cookie in ``client``)."""
    r = sign_up(client, n, **kw)
    assert r.status_code == 303, r.text
    log_in(client, n)
