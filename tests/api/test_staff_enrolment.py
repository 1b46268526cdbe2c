"""The REST shell over staff enrolment, resets, password changes and idle sessions
(``yaksok.api.routes_staff`` over ``yaksok.accounts.enrolment``)."""

from __future__ import annotations

import datetime as dt
import time

import pyotp
import pytest
import sqlalchemy as sa

from tests.support.api import PASSWORD, assert_problem, bearer, staff_token
from yaksok.accounts.rights_log import changes
from yaksok.store.tables import staff_sessions

NEW_PASSWORD = "Brand-new-lamp-9"


def _next_code(secret: str) -> str:
    # The next 30-second step's code: accepted (clock drift) and after any step used before.
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.mark.promise("P12.8")
def test_an_account_added_over_rest_enrols_resets_and_changes_its_password(client, yk):
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    r = client.post("/staff/accounts", headers=officer,
                    json={"username": "bora", "role": "engineer"})
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    temporary = r.json()["temporary_password"]
    (bora,) = [a for a in client.get("/staff/accounts", headers=officer).json()
               if a["username"] == "bora"]
    assert not bora["enrolled"] and bora["must_change_password"]

    # The login door refuses an account still to enrol, with the one generic answer.
    r = client.post("/staff/login", json={"username": "bora", "password": temporary,
                                          "totp": "123456"})
    refused = assert_problem(r, 401, "authentication-failed")
    r = client.post("/staff/enrolment", json={"username": "bora", "password": temporary})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    started = r.json()
    assert started["ticket"].startswith("ye_") and started["must_change_password"]
    assert started["uri"].startswith("otpauth://totp/yaksok:bora?")
    confirm = {"ticket": started["ticket"], "totp": pyotp.TOTP(started["secret"]).now()}
    body = assert_problem(client.post("/staff/enrolment/confirm", json=confirm), 422,
                          "validation")
    assert body["field"] == "new_password"
    r = client.post("/staff/enrolment/confirm", json={**confirm, "new_password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert r.json()["role"] == "engineer"
    assert client.get("/whoami", headers=bearer(token)).json()["role"] == "engineer"

    # Enrolled now: the password alone starts no second enrolment (the same 401 as a stranger).
    r = client.post("/staff/enrolment", json={"username": "bora", "password": NEW_PASSWORD})
    assert assert_problem(r, 401, "authentication-failed")["detail"] == refused["detail"]
    # An engineer manages no accounts.
    r = client.post("/staff/accounts/yoon/reset", headers=bearer(token), json={"totp": True})
    assert r.status_code == 403 and r.json()["rule"] == "capability-required"

    # Own password: every session ends, the answer carries the new one.
    r = client.post("/staff/password", headers=bearer(token),
                    json={"current_password": "Wrong-pass-7", "new_password": "Other-lamp-5"})
    assert assert_problem(r, 401, "authentication-failed")["field"] == "current_password"
    r = client.post("/staff/password", headers=bearer(token),
                    json={"current_password": NEW_PASSWORD, "new_password": "Other-lamp-5"})
    assert r.status_code == 200, r.text
    fresh = r.json()["token"]
    assert client.get("/whoami", headers=bearer(token)).status_code == 401
    assert client.get("/whoami", headers=bearer(fresh)).status_code == 200

    # The officer resets both: bora's session ends; the temporary password is shown once.
    r = client.post("/staff/accounts/bora/reset", headers=officer,
                    json={"totp": True, "password": True})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert r.json()["temporary_password"]
    assert client.get("/whoami", headers=bearer(fresh)).status_code == 401
    *_, change = changes(yk.engine)
    assert (change.change, change.reason) == ("reset", "TOTP and password reset")
    r = client.post("/staff/accounts/yoon/reset", headers=officer, json={"password": True})
    assert assert_problem(r, 409, "conflict")["fix"]
    r = client.post("/staff/accounts/nobody/reset", headers=officer, json={"totp": True})
    assert_problem(r, 404, "not-found")
    r = client.post("/staff/accounts/bora/reset", headers=officer, json={})
    assert_problem(r, 422, "validation")

    r = client.post("/staff/accounts/bora/disable", headers=officer)
    assert r.status_code == 200 and r.json()["disabled_at"]


def test_a_password_reset_is_replaced_at_the_rest_login(client, yk):
    from yaksok.accounts.enrolment import reset_staff
    from yaksok.accounts.staff import add_staff

    secret = add_staff(yk.engine, yk.keyring, yk.policy, "mina", "engineer",
                       PASSWORD).totp_secret
    temporary = reset_staff(yk.engine, yk.keyring, "mina", totp=False, password=True,
                            by="cli:operator")
    body = {"username": "mina", "password": temporary, "totp": _next_code(secret)}
    assert_problem(client.post("/staff/login", json=body), 401, "authentication-failed")
    r = client.post("/staff/login", json={**body, "new_password": NEW_PASSWORD})
    assert r.status_code == 200, r.text


@pytest.mark.promise("P12.8")
def test_an_idle_session_is_refused_over_rest(client, yk):
    token = staff_token(client, yk, "yoon", "privacy_officer")
    assert client.get("/whoami", headers=bearer(token)).status_code == 200
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with yk.engine.begin() as conn:
        conn.execute(sa.update(staff_sessions).values(last_seen_at=an_hour_ago))
    body = assert_problem(client.get("/whoami", headers=bearer(token)), 401,
                          "authentication-failed")
    assert "30 minutes without use" in body["fix"]
