"""REST shorthands shared by the API tests and the tests of what the API serves (consent,
cookies, retention, rights): bearer headers, a staff login over HTTP, a member signed up and
logged in over HTTP, an API key, and the RFC 9457 problem details every error must be."""

from __future__ import annotations

import datetime as dt

import pyotp
from fastapi.testclient import TestClient

from tests.support.members import PASSWORD as MEMBER_PASSWORD
from yaksok.accounts import add_staff, create_api_key
from yaksok.api.problems import PROBLEM_JSON

#: The staff accounts' password (``staff_token``).
PASSWORD = "Lamp-7-tiger"


def staff_token(client: TestClient, yk, username: str, role: str) -> str:
    """Add a staff member through the core, log in over HTTP; returns the session token."""
    secret = add_staff(yk.engine, yk.keyring, yk.policy, username, role, PASSWORD).totp_secret
    r = client.post("/staff/login", json={"username": username, "password": PASSWORD,
                                          "totp": pyotp.TOTP(secret).now()})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body = r.json()
    assert body["type"] == f"/problems/{code}" and body["status"] == status
    assert body["title"] and body["detail"] and body["instance"]
    assert body["request_id"] == r.headers["x-request-id"]
    assert "pydantic" not in r.text and "Traceback" not in r.text
    return body


# -- members over REST ------------------------------------------------------------------------

def birth(years: int, days_short: int = 0) -> str:
    today = dt.datetime.now(dt.UTC).date()
    # On 29 February the same day ``years`` ago may not exist: take the 28th (still that age).
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    return (today.replace(year=today.year - years, day=day)
            + dt.timedelta(days=days_short)).isoformat()


def signup_body(n: int = 1, **overrides) -> dict:
    body = {"email": f"Singer{n}@Example.com", "password": MEMBER_PASSWORD,
            "phone": f"010-7{n:03d}-{2000 + n:04d}", "birth_date": birth(30),
            "sns_accounts": [{"provider": "naver", "uid": f"nv{n}", "nickname": f"별{n}"}]}
    body.update(overrides)
    return body


def sign_up(client, n: int = 1, **overrides) -> str:
    r = client.post("/members", json=signup_body(n, **overrides))
    assert r.status_code == 201, r.text
    return r.json()["member_id"]


def login(client, n: int = 1, email: str | None = None) -> str:
    r = client.post("/members/login", json={"email": email or f"singer{n}@example.com",
                                            "password": MEMBER_PASSWORD})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    return r.json()["token"]


def key(yk, *scopes: str) -> dict[str, str]:
    _, secret = create_api_key(yk.engine, yk.policy, f"app-{'-'.join(scopes)}", list(scopes))
    return bearer(secret)


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    return r.json()


def app_routes(app):
    """Every ``APIRoute`` of ``app``, through included routers (FastAPI keeps them nested)."""
    from fastapi.routing import APIRoute

    def walk(routes):
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes)

    return list(walk(app.routes))
