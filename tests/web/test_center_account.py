"""The privacy center's account security pages over HTTP (issue 18): the email verification link,
the password change, the forgotten password and its reset link. Every link comes by email through
the real SMTP test server (``smtp``), as a member gets it; what the pages did is checked from the
core's side (``email_verified``, a login with the new password, the sessions)."""

from __future__ import annotations

import re

import pytest

from tests.support.center import PASSWORD, center_client, csrf_of, log_in, member, person
from tests.support.rights import body, deliver
from yaksok.members.lookups import find_member
from yaksok.members.sessions import login_member
from yaksok.members.verify_email import email_verified

NEW_PASSWORD = "Maple-42-river"  # noqa: S105 - a test password
LINK = re.compile(r"https?://[^/\s]+(/center/(verify-email|reset-password)\?token=([A-Za-z0-9_-]{43}))")


def _mid(yk, n: int) -> str:
    found = find_member(yk, "user.contact.email", person(n)["email"])
    assert found
    return found


def _link(yk, smtp) -> tuple[str, str]:
    """(path with the token, token) of the one link in the emails delivered now."""
    found = {m.group(1, 3) for msg in deliver(yk, smtp) for m in LINK.finditer(body(msg))}
    [(path, token)] = found
    return path, token


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def _only_in_its_form(html: str, token: str) -> None:
    """The token is in the hidden input and the page's own language switch, nowhere else."""
    assert token not in _title(html)
    rest = html.replace(f'name="token" value="{token}"', "")
    rest = re.sub(r'<a class="lang" href="/center/[a-z-]+\?[^"]*"', "", rest)
    assert token not in rest


def test_the_emailed_link_verifies_the_email_on_the_pages_button_and_works_once(center_yk, smtp):
    yk = center_yk
    client = center_client(yk)
    member(client, 101)
    mid = _mid(yk, 101)
    home = client.get("/center/")
    assert "확인 메일 다시 보내기" in home.text and not email_verified(yk, mid)
    r = client.post("/center/email-verification", data={"csrf": csrf_of(home.text)})
    assert r.status_code == 303 and r.headers["location"] == "/center/?done=verify_sent"
    path, token = _link(yk, smtp)
    assert path.startswith("/center/verify-email?token=")

    visitor = center_client(yk)  # the link opens anywhere: no session needed
    page = visitor.get(path)
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    _only_in_its_form(page.text, token)
    assert not email_verified(yk, mid), "opening the link (a pre-fetcher) confirms nothing"
    done = visitor.post("/center/verify-email", data={"csrf": csrf_of(page.text), "token": token})
    assert done.status_code == 200 and "이메일 주소가 확인되었습니다." in done.text
    assert email_verified(yk, mid)
    assert token not in done.text
    assert "확인 메일 다시 보내기" not in client.get("/center/").text

    again = visitor.post("/center/verify-email?lang=en",
                         data={"csrf": csrf_of(page.text), "token": token})
    assert again.status_code == 404 and "the link is not valid" in again.text
    assert "ask for a new verification email" in again.text and token not in again.text
    ko = visitor.post("/center/verify-email", data={"csrf": csrf_of(page.text), "token": token})
    assert "이 링크는 쓸 수 없습니다" in ko.text and "확인 메일을 다시 받아" in ko.text


def test_the_link_pages_refuse_a_forged_form_and_a_broken_link(center_yk, smtp):
    yk = center_yk
    client = center_client(yk)
    member(client, 102)
    mid = _mid(yk, 102)
    client.post("/center/email-verification", data={"csrf": csrf_of(client.get("/center/").text)})
    _, token = _link(yk, smtp)
    stranger = center_client(yk)
    r = stranger.post("/center/verify-email", data={"token": token})
    assert r.status_code == 403 and not email_verified(yk, mid)
    page = stranger.get("/center/verify-email")
    assert "링크가 완전하지 않습니다" in page.text and 'name="token"' not in page.text
    csrf = csrf_of(stranger.get("/center/forgot").text)  # the same signed-out token on every page
    bad = stranger.post("/center/verify-email", data={"csrf": csrf, "token": "x"})
    assert bad.status_code == 422 and "메일에 있는 링크 전체를 열어 주세요." in bad.text
    assert not email_verified(yk, mid)


@pytest.mark.promise("P12.3")
def test_the_password_changes_every_other_session_ends_and_this_one_goes_on(center_yk):
    yk = center_yk
    client = center_client(yk)
    member(client, 103)
    other = center_client(yk)
    log_in(other, 103)
    form = client.get("/center/password")
    assert form.status_code == 200
    wrong = client.post("/center/password", data={"csrf": csrf_of(form.text),
                                                  "old_password": "not-it-at-all",
                                                  "new_password": NEW_PASSWORD})
    assert wrong.status_code == 401 and "현재 비밀번호가 맞지 않습니다." in wrong.text
    assert 'aria-invalid="true"' in re.search(r'<input id="field-old_password"[^>]*>',
                                              wrong.text).group(0)
    weak = client.post("/center/password?lang=en", data={"csrf": csrf_of(form.text),
                                                         "old_password": PASSWORD,
                                                         "new_password": "short"})
    assert weak.status_code == 422 and "How to fix it" in weak.text
    assert 'aria-invalid="true"' in re.search(r'<input id="field-new_password"[^>]*>',
                                              weak.text).group(0)
    assert other.get("/center/").status_code == 200, "a refused change ends nothing"

    r = client.post("/center/password", data={"csrf": csrf_of(form.text),
                                              "old_password": PASSWORD,
                                              "new_password": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/center/?done=password"
    assert "비밀번호를 바꿨습니다" in client.get("/center/?done=password").text
    assert other.get("/center/").headers["location"] == "/center/login", "the other session ended"
    login_member(yk, person(103)["email"], NEW_PASSWORD)


def test_a_forgotten_password_is_reset_by_the_emailed_link(center_yk, smtp):
    yk = center_yk
    client = center_client(yk)
    member(client, 104)
    signed_in = center_client(yk)
    log_in(signed_in, 104)
    anyone = center_client(yk)
    page = anyone.get("/center/forgot")
    answers = []
    for email in ("nobody-here@example.com", person(104)["email"]):
        r = anyone.post("/center/forgot", data={"csrf": csrf_of(page.text), "email": email})
        assert r.status_code == 200
        answers.append(re.sub(r'name="csrf" value="[^"]+"', "", r.text))
    assert answers[0] == answers[1], "the same answer whether or not an account has the email"
    bad = anyone.post("/center/forgot", data={"csrf": csrf_of(page.text), "email": "nope"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    path, token = _link(yk, smtp)
    assert path.startswith("/center/reset-password?token=")

    form = anyone.get(path)
    assert form.status_code == 200 and form.headers["referrer-policy"] == "no-referrer"
    _only_in_its_form(form.text, token)
    weak = anyone.post("/center/reset-password", data={"csrf": csrf_of(form.text),
                                                       "token": token, "new_password": "short"})
    assert weak.status_code == 422 and "새 비밀번호가 규칙에 맞지 않습니다." in weak.text
    assert f'name="token" value="{token}"' in weak.text, "the link stays usable"
    done = anyone.post("/center/reset-password", data={"csrf": csrf_of(form.text),
                                                       "token": token,
                                                       "new_password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/center/login?done=reset"
    assert signed_in.get("/center/").headers["location"] == "/center/login"
    login_member(yk, person(104)["email"], NEW_PASSWORD)
    used = anyone.post("/center/reset-password?lang=en", data={"csrf": csrf_of(form.text),
                                                               "token": token,
                                                               "new_password": NEW_PASSWORD})
    assert used.status_code == 404 and "ask for a new password reset email" in used.text
    assert token not in used.text
