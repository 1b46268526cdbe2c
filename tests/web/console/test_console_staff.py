"""The console's staff page over HTTP (issue 19), signed in through the console as the privacy
officer, the security auditor and an engineer: the accounts and the record of access-right
changes, adding a member who enrols with the temporary password, resets behind a confirmation
(the person's sessions end and they enrol again), disabling, lifting a restriction; the
auditor refused and logged; no temporary password in a URL or a log line."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pyotp
import pytest
import sqlalchemy as sa

from tests.support.console import (
    STAFF_PASSWORD,
    console_client,
    console_post,
    csrf_of,
    next_code,
    staff_session,
)
from yaksok.api import create_app

NEW_PASSWORD = "Harbour-Lantern-93"  # noqa: S105 - a test password


@pytest.fixture(scope="module")
def desk(console_yk):
    """One app; the officer's and the auditor's console sessions."""
    app = create_app(console_yk)
    out = {"yk": console_yk, "app": app}
    for who in ("officer", "auditor"):
        out[who] = console_client(console_yk, app=app)
        out[f"{who}_name"] = staff_session(out[who], console_yk, who, username=f"sf-{who}")
    return out


def _temporary(html: str) -> str:
    m = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert m, "the page shows no temporary password"
    return m.group(1)


def _staff_id(yk, username: str) -> str:
    from yaksok.accounts.staff import list_staff

    return next(s.id for s in list_staff(yk.engine) if s.username == username)


def _denied(yk, username: str) -> int:
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM access_log WHERE actor_id = :a AND "
                                    "outcome = 'denied'"), {"a": _staff_id(yk, username)}).scalar()


def _enrol(yk, app, username: str, password: str, *, new_password: str | None = None):
    """Sign in on the console with a password alone and finish the enrolment it starts;
    returns the signed-in client."""
    client = console_client(yk, app=app)
    page = console_post(client, "/console/login",
                        {"username": username, "password": password, "code": ""})
    assert page.status_code == 200 and 'class="qr"' in page.text, page.text[:500]
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text).group(1)
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.text).group(1)
    data = {"csrf": csrf_of(page.text), "ticket": ticket,
            "code": pyotp.TOTP(secret.replace(" ", "")).now()}
    if new_password:
        data.update(new_password=new_password, must_change="1")
    r = client.post("/console/enrol", data=data)
    assert r.status_code == 303, r.text[:500]
    return client


def test_the_officer_sees_the_accounts_and_the_record_of_changes_in_both_languages(desk):
    officer = desk["officer"]
    html = officer.get("/console/staff").text
    assert "<title>직원 계정 · " in html
    assert "<th scope=\"row\">sf-auditor</th>" in html and "<td>보안 감사자</td>" in html
    assert "(나)" in html  # the officer's own row: no reset or disable offered there
    assert 'href="/console/staff/sf-officer/reset"' not in html
    assert 'href="/console/staff/sf-auditor/reset"' in html
    assert "접근권한 변경 기록" in html and "부여" in html and "서버 운영자(CLI)" in html
    english = officer.get("/console/staff?lang=en").text
    assert "<title>Staff accounts · " in english and "Record of access-right changes" in english
    assert 'href="/console/staff/sf-auditor/reset?lang=en"' in english
    assert 'action="/console/staff?lang=en"' in english


@pytest.mark.promise("P12.8")
def test_a_member_added_on_the_page_enrols_with_the_temporary_password(desk, caplog):
    yk, officer = desk["yk"], desk["officer"]
    caplog.set_level(logging.DEBUG)
    r = console_post(officer, "/console/staff", {"username": "sf.bora", "role": "engineer"})
    assert r.status_code == 200 and "location" not in r.headers
    assert "<title>직원 계정을 만들었습니다 · " in r.text and "직접 만나서 건네세요" in r.text
    temporary = _temporary(r.text)
    listing = officer.get("/console/staff").text
    assert temporary not in listing  # shown once
    assert "미등록 · 첫 로그인 때 등록" in listing and "임시 비밀번호 · 다음 로그인 때 변경" in listing
    bora = _enrol(yk, desk["app"], "sf.bora", temporary, new_password=NEW_PASSWORD)
    assert bora.get("/console/").status_code == 200
    assert temporary not in caplog.text and NEW_PASSWORD not in caplog.text
    # A bad name or a taken one: the form again, the field marked, in Korean.
    r = console_post(officer, "/console/staff", {"username": "sf.bora", "role": "engineer"})
    assert r.status_code == 409 and "이미 있는 사용자 이름입니다." in r.text
    assert 'aria-invalid="true"' in r.text
    r = console_post(officer, "/console/staff?lang=en", {"username": "9 bad", "role": "engineer"})
    assert r.status_code == 422 and "a username is 2 to 64 characters" in r.text


@pytest.mark.promise("P12.8", "P7.5")
def test_a_totp_reset_ends_the_persons_sessions_and_they_enrol_again(desk, caplog):
    yk, app, officer = desk["yk"], desk["app"], desk["officer"]
    engineer = console_client(yk, app=app)
    staff_session(engineer, yk, "engineer", username="sf-eun")
    assert engineer.get("/console/").status_code == 200
    page = officer.get("/console/staff/sf-eun/reset").text
    assert "<title>직원 계정 초기화 · " in page
    # Without the officer's word that they checked who is asking: nothing happens.
    r = officer.post("/console/staff/sf-eun/reset",
                     data={"csrf": csrf_of(page), "totp": "yes"})
    assert r.status_code == 422 and 'id="field-confirmed"' in r.text
    assert "요청한 사람을 확인했다는 표시가 필요합니다." in r.text
    assert engineer.get("/console/").status_code == 200
    caplog.set_level(logging.DEBUG)
    r = officer.post("/console/staff/sf-eun/reset",
                     data={"csrf": csrf_of(page), "totp": "yes", "password": "yes",
                           "confirmed": "yes"})
    assert r.status_code == 200 and "location" not in r.headers
    temporary = _temporary(r.text)
    assert "이 계정의 모든 세션이 끝났습니다." in r.text and "인증 앱을 다시 등록" in r.text
    assert temporary not in caplog.text
    # Their session has ended: the next page sends them to the login page, which says so.
    r = engineer.get("/console/")
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    # The old authenticator signs in no more; the temporary password enrols a new one.
    r = console_post(console_client(yk, app=app), "/console/login",
                     {"username": "sf-eun", "password": temporary, "code": next_code(yk, "sf-eun")})
    assert r.status_code == 401
    again = _enrol(yk, app, "sf-eun", temporary, new_password=NEW_PASSWORD)
    assert again.get("/console/").status_code == 200
    listing = officer.get("/console/staff").text
    assert "인증 앱과 비밀번호 초기화" in listing  # in the record of access-right changes
    from yaksok.accounts.rights_log import changes

    (reset,) = [c for c in changes(yk.engine, subject=_staff_id(yk, "sf-eun"))
                if c.change == "reset"]
    assert reset.by == _staff_id(yk, "sf-officer")


def test_nobody_resets_their_own_account_and_nothing_is_not_a_reset(desk):
    officer = desk["officer"]
    page = officer.get("/console/staff/sf-officer/reset").text
    r = officer.post("/console/staff/sf-officer/reset",
                     data={"csrf": csrf_of(page), "totp": "yes", "confirmed": "yes"})
    assert r.status_code == 409 and "자기 계정이거나 비활성화된 계정" in r.text
    assert officer.get("/console/").status_code == 200  # still signed in
    page = officer.get("/console/staff/sf-auditor/reset?lang=en").text
    r = officer.post("/console/staff/sf-auditor/reset?lang=en",
                     data={"csrf": csrf_of(page), "confirmed": "yes"})
    assert r.status_code == 422 and "nothing to reset" in r.text
    assert 'id="error-totp"' in r.text
    assert officer.get("/console/staff/nobody-here/reset").status_code == 404


@pytest.mark.promise("P7.5")
def test_the_auditor_is_refused_every_staff_page_and_the_refusal_is_logged(desk):
    yk, auditor = desk["yk"], desk["auditor"]
    for page in ("/console/staff", "/console/staff/sf-officer/reset",
                 "/console/staff/sf-officer/disable"):
        before = _denied(yk, "sf-auditor")
        assert auditor.get(page).status_code == 403, page
        assert _denied(yk, "sf-auditor") == before + 1, page
    before = _denied(yk, "sf-auditor")
    r = console_post(auditor, "/console/staff/sf-officer/reset",
                     {"totp": "yes", "password": "yes", "confirmed": "yes"},
                     page="/console/password")
    assert r.status_code == 403 and _denied(yk, "sf-auditor") == before + 1
    r = console_post(auditor, "/console/staff", {"username": "sf.sneaky", "role": "engineer"},
                     page="/console/password")
    assert r.status_code == 403
    from yaksok.accounts.staff import list_staff

    assert "sf.sneaky" not in {s.username for s in list_staff(yk.engine)}
    assert desk["officer"].get("/console/").status_code == 200  # the officer's session lives


def test_lifting_a_restriction_and_disabling_an_account(desk):
    from yaksok.store.tables import staff_accounts

    yk, app, officer = desk["yk"], desk["app"], desk["officer"]
    leaver = console_client(yk, app=app)
    staff_session(leaver, yk, "engineer", username="sf-leaver")
    with yk.engine.begin() as conn:  # as five failed logins in a row leave it
        conn.execute(sa.update(staff_accounts).where(staff_accounts.c.username == "sf-leaver")
                     .values(restricted_at=dt.datetime.now(dt.UTC), failed_logins=5))
    listing = officer.get("/console/staff").text
    assert 'class="overdue">로그인 제한' in listing
    r = console_post(officer, "/console/staff/sf-leaver/lift-restriction", {},
                     page="/console/staff")
    assert r.status_code == 303 and r.headers["location"] == "/console/staff?done=lifted"
    assert "로그인 제한을 풀었습니다." in officer.get(r.headers["location"]).text
    page = officer.get("/console/staff/sf-leaver/disable").text
    assert "<title>직원 계정 비활성화 · " in page and "되돌릴 수 없습니다" in page
    r = officer.post("/console/staff/sf-leaver/disable", data={"csrf": csrf_of(page)})
    assert r.status_code == 303 and r.headers["location"] == "/console/staff?done=disabled"
    assert leaver.get("/console/").status_code == 303  # its session ended
    assert "이미 비활성화된 계정입니다." in officer.get("/console/staff/sf-leaver/disable").text
    assert 'href="/console/staff/sf-leaver/reset"' not in officer.get("/console/staff").text
    r = console_post(console_client(yk, app=app), "/console/login",
                     {"username": "sf-leaver", "password": STAFF_PASSWORD,
                      "code": next_code(yk, "sf-leaver")})
    assert r.status_code == 401
