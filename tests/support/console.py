"""The staff console over HTTP, for tests/web/console: a browser-like client, staff accounts of
each role signed in through the console's own pages (password + TOTP code), CSRF tokens."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from tests.support.center import csrf_of, fresh_yaksok
from yaksok.api import create_app

__all__ = ["STAFF_PASSWORD", "console_client", "csrf_of", "fresh_yaksok", "next_code",
           "staff_session", "add_staff_account", "console_post"]

STAFF_PASSWORD = "Console-Desk-2026!"  # noqa: S105 - a test account's password
#: Every role of the SOMESING policy a console test signs in as, by the matrix's actor names.
ROLES = {"officer": "privacy_officer", "auditor": "security_auditor",
         "agent": "processor_support_agent", "engineer": "engineer"}
_secrets: dict[tuple[int, str], str] = {}
_steps: dict[tuple[int, str], int] = {}


def console_client(yk, *, app=None, https: bool = False) -> TestClient:
    """A browser-like client of the app over ``yk``: cookies kept, redirects not followed."""
    return TestClient(app or create_app(yk), base_url="https://testserver" if https
                      else "http://testserver", follow_redirects=False)


def add_staff_account(yk, username: str, role: str) -> str:
    """A staff account with an enrolled authenticator; returns its TOTP secret."""
    from yaksok.accounts.staff import add_staff

    made = add_staff(yk.engine, yk.keyring, yk.policy, username, role, STAFF_PASSWORD)
    secret = made.totp_secret
    _secrets[(id(yk), username)] = secret
    return secret


def next_code(yk, username: str, secret: str | None = None) -> str:
    """A TOTP code of ``username`` the core has not seen yet (each code signs in once: the next
    30-second step after the last one used, as a phone would show a little later)."""
    from yaksok.accounts.staff import totp_code

    key = (id(yk), username)
    secret = secret or _secrets[key]
    now = dt.datetime.now(dt.UTC)
    step = max(int(now.timestamp()) // 30, _steps.get(key, -1) + 1)
    if step > int(now.timestamp()) // 30 + 1:  # ran out of steps the core accepts: wait one
        import time

        time.sleep(31 - now.timestamp() % 30)
        return next_code(yk, username, secret)
    _steps[key] = step
    return totp_code(secret, dt.datetime.fromtimestamp(step * 30, dt.UTC))


def console_post(client: TestClient, path: str, data: dict, *, page: str | None = None):
    """POST ``data`` to ``path`` with the CSRF token of ``page`` (default: ``path``'s GET)."""
    html = client.get(page or path).text
    return client.post(path, data={"csrf": csrf_of(html), **data})


def staff_session(client: TestClient, yk, who: str, *, username: str | None = None) -> str:
    """Make a staff account for ``who`` (officer, auditor, agent, engineer) and sign the client
    in through /console/login; returns the username."""
    username = username or f"{who}{len(_secrets) + 1}"
    add_staff_account(yk, username, ROLES[who])
    r = console_post(client, "/console/login",
                     {"username": username, "password": STAFF_PASSWORD,
                      "code": next_code(yk, username)})
    assert r.status_code == 303 and r.headers["location"] == "/console/", r.text[:2000]
    return username


def field_of(html: str, name: str) -> str | None:
    m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    return m.group(1) if m else None
