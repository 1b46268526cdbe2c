"""The privacy center over HTTP (issue 18): headers, cookies, CSRF, errors in the page's
language with the field and the fix, no personal value in a URL or a title, and what the
pages do, checked from the core's side (the vault, the consent proof, the rights requests)."""

from __future__ import annotations

import re

import pytest

from tests.support.center import (
    CSP,
    PASSWORD,
    center_client,
    csrf_of,
    log_in,
    member,
    person,
    sign_up,
)
from yaksok.consent.proof import consent_proof
from yaksok.members.lookups import find_member

MEMBER_PAGES = ["/center/", "/center/data", "/center/consents", "/center/connected",
                "/center/rights",
                "/center/history", "/center/incidents", "/center/notices", "/center/password",
                "/center/close"]
PUBLIC_PAGES = ["/center/signup", "/center/login", "/center/cookies", "/center/forgot",
                "/center/verify-email", "/center/reset-password"]


def _member_id(yk, n: int) -> str:
    found = find_member(yk, "user.contact.email", person(n)["email"])
    assert found
    return found


def _no_inline(html: str) -> None:
    """Nothing the CSP would block: no inline script, no style element or attribute."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"


def test_every_page_carries_the_security_headers_and_no_inline_code(center_yk):
    client = center_client(center_yk)
    member(client, 1)
    anonymous = center_client(center_yk)
    for who, path in [(client, p) for p in MEMBER_PAGES] + [(anonymous, p) for p in PUBLIC_PAGES]:
        for lang in ("", "?lang=en"):
            r = who.get(path + lang)
            assert r.status_code == 200, (path, r.text)
            assert r.headers["content-security-policy"] == CSP
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "no-referrer"
            assert r.headers["cache-control"] == "no-store"
            assert f'<html lang="{"en" if lang else "ko"}">' in r.text
            assert '<a class="skip" href="#main">' in r.text and '<main id="main"' in r.text
            _no_inline(r.text)
    css = client.get("/center/static/center.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.headers["content-security-policy"] == CSP
    assert client.get("/center/static/banner.js").status_code == 404  # only our two files


def test_every_link_and_form_keeps_the_language(center_yk):
    client = center_client(center_yk)
    member(client, 2)
    for path in MEMBER_PAGES:
        html = client.get(path + "?lang=en").text
        assert re.search(r'<a class="lang" href="/center/[^"?]*" hreflang="ko"', html)
        html = re.sub(r'<a class="lang"[^>]*>', "", html)  # the switch itself goes to Korean
        for target in re.findall(r'(?:href|action)="(/center/[^"#]*)"', html):
            if target.startswith("/center/static/"):
                continue
            assert "lang=en" in target, (path, target)
        assert 'href="/center/data?lang=en"' in html or path == "/center/data"


@pytest.mark.parametrize("https", [False, True])
def test_the_session_cookie_is_httponly_strict_and_secure_under_https(center_yk, https):
    client = center_client(center_yk, https=https)
    sign_up(client, 10 + https)
    page = client.get("/center/login")
    r = client.post("/center/login", data={"csrf": csrf_of(page.text),
                                           "email": person(10 + https)["email"],
                                           "password": PASSWORD})
    assert r.status_code == 303
    cookie = next(c for c in r.headers.get_list("set-cookie")
                  if c.startswith("yaksok_center="))
    flags = [f.strip().lower() for f in cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/center" in flags
    assert ("secure" in flags) is https
    assert "lang" not in cookie  # the language is in the URL, never in a cookie


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(center_yk):
    client = center_client(center_yk)
    member(client, 3)
    mid = _member_id(center_yk, 3)
    for lang, words in (("", "요청을 확인할 수 없습니다"), ("?lang=en", "could not be checked")):
        for token in (None, "forged", csrf_of(client.get("/center/signup").text) + "x"):
            data = {"item": "customised_ads", "action": "give"}
            if token:
                data["csrf"] = token
            r = client.post("/center/consents" + lang, data=data)
            assert r.status_code == 403 and words in r.text
            assert r.headers["content-security-policy"] == CSP
    assert "customised_ads" not in center_yk.vault.effective_consents(mid)
    # Another member's token does not pass either: it is bound to the session.
    other = center_client(center_yk)
    member(other, 4)
    stolen = csrf_of(other.get("/center/consents").text)
    assert client.post("/center/consents", data={"csrf": stolen, "item": "customised_ads",
                                                 "action": "give"}).status_code == 403
    # A cross-site login form (no pre-session cookie) is refused too.
    stranger = center_client(center_yk)
    r = stranger.post("/center/login", data={"csrf": stolen, "email": person(3)["email"],
                                             "password": PASSWORD})
    assert r.status_code == 403 and "yaksok_center=" not in r.headers.get("set-cookie", "")


def test_errors_name_the_field_and_the_fix_in_the_pages_language(center_yk):
    client = center_client(center_yk)
    page = client.get("/center/signup")
    bad = {**person(5), "email": "not-an-email", "csrf": csrf_of(page.text)}
    r = client.post("/center/signup", data=bad)
    assert r.status_code == 422
    assert "이메일 주소 형식이 아닙니다" in r.text and "name@example.com처럼" in r.text
    assert 'id="field-email"' in r.text
    field = re.search(r'<input id="field-email"[^>]*>', r.text).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="error-email"' in field
    assert 'href="#field-email"' in r.text  # the summary leads to the field
    assert "Traceback" not in r.text
    # English: the core's own message and fix.
    page = client.get("/center/signup?lang=en")
    bad["csrf"] = csrf_of(page.text)
    r = client.post("/center/signup?lang=en", data=bad)
    assert r.status_code == 422 and '<html lang="en">' in r.text
    assert 'aria-invalid="true"' in re.search(r'<input id="field-email"[^>]*>', r.text).group(0)
    assert "이메일" not in re.search(r'<div class="problem".*?</div>', r.text, re.S).group(0)
    # A wrong password at login: the generic answer, on the password field.
    page = client.get("/center/login")
    r = client.post("/center/login", data={"csrf": csrf_of(page.text),
                                           "email": "nobody@example.com", "password": "x"})
    assert r.status_code == 401 and "이메일 또는 비밀번호가 맞지 않습니다" in r.text
    assert 'aria-invalid="true"' in re.search(r'<input id="field-password"[^>]*>',
                                              r.text).group(0)


@pytest.mark.promise("P8.1")
def test_the_age_gate_refuses_a_child_and_stores_nothing(center_yk):
    client = center_client(center_yk)
    page = client.get("/center/signup")
    r = client.post("/center/signup", data={**person(6), "birth_date": "2020-01-01",
                                            "csrf": csrf_of(page.text)})
    assert r.status_code == 403 and "만 14세 미만은 가입할 수 없습니다" in r.text
    assert find_member(center_yk, "user.contact.email", person(6)["email"]) is None


@pytest.mark.promise("P1.9")
def test_optional_items_unticked_are_refused_and_restrict_nothing(center_yk):
    client = center_client(center_yk)
    page = client.get("/center/signup")
    assert "선택 항목에 동의하지 않아도 서비스 이용은 전혀 제한되지 않습니다." in page.text
    assert "<legend>필수 항목</legend>" in page.text and "<legend>선택 동의 항목</legend>" in page.text
    member(client, 7, consents=["user_analysis"])
    mid = _member_id(center_yk, 7)
    proof = consent_proof(center_yk, mid, actor=_actor(mid))
    answers = {e["consent_key"]: e["answer"] for e in proof["events"]}
    assert answers == {"user_analysis": "given", "sns_sign_in": "refused",
                       "customised_ads": "refused"}
    # Refusing restricted nothing: every page of the member works.
    for path in MEMBER_PAGES:
        assert client.get(path).status_code == 200, path


def _actor(mid: str):
    from yaksok.actors import member_actor

    return member_actor(mid)


@pytest.mark.promise("P12.3")
def test_a_member_corrects_a_value_at_any_time_and_the_old_one_is_gone(center_yk):
    client = center_client(center_yk)
    member(client, 8)
    mid = _member_id(center_yk, 8)
    html = client.get("/center/data").text
    assert "휴대전화번호" in html and "회원관리" in html and "계약" in html  # purpose, basis
    assert "탈퇴하면 지체 없이 파기" in html or "탈퇴, 보유 기간 경과" in html
    phone_id = next(v.id for v in center_yk.vault.read(
        mid, ["user.contact.phone_number"], "member_management",
        actor=_actor(mid))["user.contact.phone_number"])
    r = client.post("/center/data", data={"csrf": csrf_of(html), "value_id": phone_id,
                                          "value": "010-9999-0008"})
    assert r.status_code == 303 and r.headers["location"] == "/center/data?done=saved"
    values = center_yk.vault.read(mid, ["user.contact.phone_number"], "member_management",
                                  actor=_actor(mid))["user.contact.phone_number"]
    assert [v.value for v in values] == ["+821099990008"]
    # A bad value: the same page, the field marked, Korean text; nothing changed.
    r = client.post("/center/data", data={"csrf": csrf_of(html),
                                          "value_id": values[0].id, "value": "12"})
    assert r.status_code == 422 and "휴대전화번호를 확인해 주세요" in r.text
    field = re.search(rf'<input id="field-value.{values[0].id}"[^>]*>', r.text).group(0)
    assert 'aria-invalid="true"' in field
    again = center_yk.vault.read(mid, ["user.contact.phone_number"], "member_management",
                                 actor=_actor(mid))["user.contact.phone_number"]
    assert [v.value for v in again] == ["+821099990008"]


@pytest.mark.promise("P6.8")
def test_consent_is_withdrawn_as_easily_as_it_was_given(center_yk):
    client = center_client(center_yk)
    member(client, 9)
    mid = _member_id(center_yk, 9)
    html = client.get("/center/consents").text
    assert html.count('value="give"') == 3
    token = csrf_of(html)
    give = client.post("/center/consents", data={"csrf": token, "item": "customised_ads",
                                                 "action": "give"})
    assert give.status_code == 303
    assert "customised_ads" in center_yk.vault.effective_consents(mid)
    html = client.get("/center/consents").text
    assert 'value="withdraw"' in html  # one button, one click, like giving
    client.post("/center/consents", data={"csrf": token, "item": "customised_ads",
                                          "action": "withdraw"})
    assert "customised_ads" not in center_yk.vault.effective_consents(mid)
    html = client.get("/center/consents").text
    history = re.search(r'id="item-customised_ads".*?</section>', html, re.S).group(0)
    assert history.count("<li>") == 3  # refused at sign-up, given, withdrawn
    assert "철회" in history and "동의" in history


@pytest.mark.promise("P6.5")
def test_access_with_the_password_then_the_export_downloads(center_yk):
    client = center_client(center_yk)
    member(client, 12)
    html = client.get("/center/rights").text
    wrong = client.post("/center/rights", data={"csrf": csrf_of(html), "right": "portability",
                                                "password": "not-mine"})
    assert wrong.status_code == 401 and "비밀번호가 맞지 않습니다" in wrong.text
    r = client.post("/center/rights", data={"csrf": csrf_of(html), "right": "portability",
                                            "password": PASSWORD})
    assert r.status_code == 303
    html = client.get("/center/rights").text
    assert "완료" in html and "취소" in html  # the wrong try's request was cancelled
    export_id = re.search(r'name="export_id" value="([^"]+)"', html).group(1)
    z = client.post("/center/rights/download", data={"csrf": csrf_of(html),
                                                     "export_id": export_id})
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    assert z.content[:2] == b"PK" and "attachment" in z.headers["content-disposition"]
    # Another member cannot download it, even with the id.
    other = center_client(center_yk)
    member(other, 13)
    r = other.post("/center/rights/download", data={
        "csrf": csrf_of(other.get("/center/rights").text), "export_id": export_id})
    assert r.status_code in (403, 404) and "PK" not in r.text[:2]


@pytest.mark.promise("P12.5")
def test_closing_the_account_gives_the_receipt_and_ends_the_session(center_yk):
    client = center_client(center_yk)
    member(client, 14)
    mid = _member_id(center_yk, 14)
    html = client.get("/center/close").text
    r = client.post("/center/close", data={"csrf": csrf_of(html), "password": "nope"})
    assert r.status_code == 401 and center_yk.vault.member_status(mid) == "active"
    r = client.post("/center/close", data={"csrf": csrf_of(html), "password": PASSWORD})
    assert r.status_code == 200 and "탈퇴 확인서" in r.text and "파기한 정보" in r.text
    assert "휴대전화번호" in r.text
    assert center_yk.vault.member_status(mid) != "active"
    assert client.get("/center/data").status_code == 303  # signed out with the account


def test_no_personal_value_in_a_url_or_a_title(center_yk):
    client = center_client(center_yk)
    seen_urls: list[str] = []
    r = sign_up(client, 15)
    seen_urls.append(r.headers["location"])
    r = log_in(client, 15)
    seen_urls.append(r.headers["location"])
    values = [person(15)["email"], "5015", "3015", "1999-04-05", PASSWORD]
    for path in MEMBER_PAGES + ["/center/data?lang=en"]:
        html = client.get(path).text
        seen_urls += re.findall(r'(?:href|action|src)="([^"]+)"', html)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert not any(v in title for v in values), title
    assert not [u for u in seen_urls if any(v in u for v in values)]
