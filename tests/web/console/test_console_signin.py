"""The console's sign-in over HTTP (issue 19): password + TOTP code, first sign-in enrolment with
the QR code, the session cookie, logout, idle sessions, password change, and the menu by role."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest

from tests.support.console import (
    STAFF_PASSWORD,
    console_client,
    console_post,
    csrf_of,
    staff_session,
)
from yaksok.accounts.staff import add_staff

NEW_PASSWORD = "Harbour-Lantern-93"  # noqa: S105 - a test password


def _enrol_page(client, username: str, password: str = STAFF_PASSWORD):
    return console_post(client, "/console/login",
                        {"username": username, "password": password, "code": ""})


def _secret(html: str) -> str:
    m = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html)
    assert m, "the enrolment page shows no key"
    return m.group(1).replace(" ", "")


def _ticket(html: str) -> str:
    return re.search(r'name="ticket" value="([^"]+)"', html).group(1)


@pytest.mark.promise("P7.2")
def test_first_sign_in_enrols_the_authenticator_with_a_qr_code(console_yk):
    yk = console_yk
    add_staff(yk.engine, yk.keyring, yk.policy, "enrol.first", "privacy_officer",
              STAFF_PASSWORD, enrol_on_console=True)
    client = console_client(yk)
    page = _enrol_page(client, "enrol.first")
    assert page.status_code == 200, page.text[:500]
    assert "<svg" in page.text and 'class="qr"' in page.text  # the QR code, drawn in the page
    secret = _secret(page.text)
    assert secret not in client.cookies.values()
    r = client.post("/console/enrol", data={"csrf": csrf_of(page.text), "ticket": _ticket(page.text),
                                            "code": pyotp.TOTP(secret).now()})
    assert r.status_code == 303 and r.headers["location"].startswith("/console/"), r.text[:500]
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("yaksok_console=")][0]
    assert "HttpOnly" in cookie and "Path=/console" in cookie and "samesite=strict" in cookie.lower()
    assert client.get("/console/").status_code == 200
    # Enrolled now: a password alone never starts a new enrolment (that would skip the factor).
    again = _enrol_page(console_client(yk), "enrol.first")
    assert again.status_code == 401 and "<svg" not in again.text


def test_a_wrong_enrolment_code_shows_the_form_again_without_the_key(console_yk):
    yk = console_yk
    add_staff(yk.engine, yk.keyring, yk.policy, "enrol.wrong", "security_auditor",
              STAFF_PASSWORD, enrol_on_console=True)
    client = console_client(yk)
    page = _enrol_page(client, "enrol.wrong")
    secret = _secret(page.text)
    r = client.post("/console/enrol", data={"csrf": csrf_of(page.text),
                                            "ticket": _ticket(page.text), "code": "000000"})
    assert r.status_code == 401 and 'aria-invalid="true"' in r.text
    assert secret not in r.text.replace(" ", "")
    ok = client.post("/console/enrol", data={"csrf": csrf_of(r.text), "ticket": _ticket(r.text),
                                             "code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 303


@pytest.mark.promise("P7.2")
def test_a_temporary_password_is_replaced_while_enrolling(console_yk):
    yk = console_yk
    made = add_staff(yk.engine, yk.keyring, yk.policy, "enrol.temp", "engineer", None,
                     enrol_on_console=True, temporary_password=True)
    client = console_client(yk)
    page = _enrol_page(client, "enrol.temp", made.temporary_password)
    assert 'name="new_password"' in page.text
    secret = _secret(page.text)
    r = client.post("/console/enrol", data={"csrf": csrf_of(page.text),
                                            "ticket": _ticket(page.text), "must_change": "1",
                                            "code": pyotp.TOTP(secret).now()})
    assert r.status_code == 422 and 'id="field-new_password"' in r.text
    code = pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))
    r = client.post("/console/enrol", data={"csrf": csrf_of(r.text), "ticket": _ticket(r.text),
                                            "code": code, "new_password": NEW_PASSWORD,
                                            "must_change": "1"})
    assert r.status_code == 303, r.text[:500]


def test_wrong_sign_in_is_one_answer_and_no_session(console_yk):
    client = console_client(console_yk)
    r = console_post(client, "/console/login", {"username": "nobody", "password": "x",
                                                 "code": "123456"})
    assert r.status_code == 401
    assert "yaksok_console=" not in " ".join(r.headers.get_list("set-cookie"))


def test_logout_ends_the_session_on_the_server(console_yk):
    yk = console_yk
    client = console_client(yk)
    staff_session(client, yk, "officer", username="logout.officer")
    token = client.cookies.get("yaksok_console")
    r = console_post(client, "/console/logout", {}, page="/console/")
    assert r.status_code == 303 and r.headers["location"] == "/console/login?done=logout"
    replay = console_client(yk)
    replay.cookies.set("yaksok_console", token, path="/console")
    assert replay.get("/console/").headers["location"] == "/console/login"


@pytest.mark.promise("P7.2")
def test_an_idle_session_ends_and_the_login_page_says_so(console_yk):
    import sqlalchemy as sa

    from yaksok.accounts.sessions import token_digest
    from yaksok.store.tables import staff_sessions

    yk = console_yk
    client = console_client(yk)
    staff_session(client, yk, "officer", username="idle.officer")
    token = client.cookies.get("yaksok_console")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=yk.settings.staff_idle_seconds + 60)
    with yk.engine.begin() as conn:
        conn.execute(sa.update(staff_sessions)
                     .where(staff_sessions.c.token_hash == token_digest(token))
                     .values(last_seen_at=long_ago, created_at=long_ago))
    r = client.get("/console/")
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    page = client.get("/console/login")
    assert "세션이 끝났습니다" in page.text


def test_changing_the_password_ends_every_other_session(console_yk):
    yk = console_yk
    here, there = console_client(yk), console_client(yk)
    staff_session(here, yk, "auditor", username="pw.auditor")
    token = here.cookies.get("yaksok_console")
    there.cookies.set("yaksok_console", token, path="/console")
    r = console_post(here, "/console/password", {"current_password": STAFF_PASSWORD,
                                                 "new_password": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/console/?done=password"
    assert here.get("/console/").status_code == 200  # this browser got the new session
    assert there.get("/console/").status_code == 303  # the old token is ended


@pytest.mark.promise("P7.5")
@pytest.mark.parametrize(("who", "shown", "hidden"), [
    ("agent", ["/console/tasks"], ["/console/rights", "/console/auditlog", "/console/members",
                                   "/console/staff"]),
    ("auditor", ["/console/auditlog"], ["/console/rights", "/console/members",
                                        "/console/tasks", "/console/staff"]),
    ("officer", ["/console/rights", "/console/members", "/console/auditlog",
                 "/console/staff"], ["/console/tasks"]),
])
def test_the_menu_shows_what_the_core_grants_the_role(console_yk, who, shown, hidden):
    client = console_client(console_yk)
    staff_session(client, console_yk, who)
    nav = client.get("/console/").text.split('<nav class="menu side"')[1].split("</nav>")[0]
    for href in shown:
        assert f'href="{href}"' in nav, (who, href)
    for href in hidden:
        assert f'href="{href}"' not in nav, (who, href)


@pytest.mark.promise("P7.2")
def test_after_a_password_only_reset_the_console_sign_in_sets_a_new_password(console_yk):
    from tests.support.console import add_staff_account, next_code
    from yaksok.accounts.enrolment import reset_staff

    yk = console_yk
    add_staff_account(yk, "reset.pw", "security_auditor")
    temporary = reset_staff(yk.engine, yk.keyring, "reset.pw", totp=False, password=True,
                            by="cli:operator")
    client = console_client(yk)
    # The temporary password alone is not a way in: a new one must be chosen with it.
    r = console_post(client, "/console/login", {"username": "reset.pw", "password": temporary,
                                                "code": next_code(yk, "reset.pw")})
    assert r.status_code == 401 and "<details" in r.text
    r = console_post(client, "/console/login", {"username": "reset.pw", "password": temporary,
                                                "code": next_code(yk, "reset.pw"),
                                                "new_password": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/console/", r.text[:800]
    again = console_client(yk)
    r = console_post(again, "/console/login", {"username": "reset.pw", "password": NEW_PASSWORD,
                                               "code": next_code(yk, "reset.pw")})
    assert r.status_code == 303


def test_nobody_disables_their_own_account(console_yk):
    from yaksok.accounts.staff import disable_staff, list_staff
    from yaksok.errors import Conflict

    yk = console_yk
    add_staff(yk.engine, yk.keyring, yk.policy, "self.off", "privacy_officer", STAFF_PASSWORD)
    me = next(s for s in list_staff(yk.engine) if s.username == "self.off")
    with pytest.raises(Conflict, match="own account"):
        disable_staff(yk.engine, "self.off", by=me.id)
    assert next(s for s in list_staff(yk.engine) if s.username == "self.off").active


def test_the_menu_marks_one_item_as_the_current_page(console_yk):
    client = console_client(console_yk)
    staff_session(client, console_yk, "officer")
    for path in ("/console/auditlog/report", "/console/rights", "/console/"):
        nav = client.get(path).text.split('<nav class="menu side"')[1].split("</nav>")[0]
        current = re.findall(r'href="([^"]+)" aria-current="page"', nav)
        assert current == [path.rstrip("/") if path != "/console/" else path], (path, current)


def test_signing_in_over_a_session_ends_the_old_one(console_yk):
    yk = console_yk
    client = console_client(yk)
    staff_session(client, yk, "auditor", username="twice.a")
    old = client.cookies.get("yaksok_console")
    from tests.support.console import add_staff_account, next_code

    add_staff_account(yk, "twice.b", "security_auditor")  # signs in again in this browser
    r = console_post(client, "/console/login", {"username": "twice.b", "password": STAFF_PASSWORD,
                                                "code": next_code(yk, "twice.b")},
                     page="/console/password")
    assert r.status_code == 303
    assert client.cookies.get("yaksok_console") != old
    replay = console_client(yk)
    replay.cookies.set("yaksok_console", old, path="/console")
    assert replay.get("/console/").status_code == 303
