"""The privacy center in a real browser (issue 18): Debian's Chromium driven by Playwright.

One server (the real app under uvicorn on a loopback port, a fresh data directory with the
SOMESING policy) and one browser for the module. Three journeys:

- by mouse, at 900 px, under the pages' real CSP (any CSP violation in the console fails):
  sign up (one optional item ticked) → log in → verify the email (the link taken from the email
  delivered through the real SMTP test server) → my data → correct a value → give and withdraw
  a consent → ask for access with the password → download the export → who saw my data →
  change the password → close the account and read the receipt;
- by keyboard alone, at 375 px (no horizontal scrolling on any page): the same journey, every
  control reached with Tab and used with Enter or Space;
- axe-core (``axe-playwright-python``) on every page, Korean and English: 0 serious or
  critical violations; this context alone bypasses the CSP so axe's script can be injected. It
  saves the screenshots (``build/screenshots/``, or ``YAKSOK_SCREENSHOTS``: the ones in
  docs/screenshots/ were made with ``YAKSOK_SCREENSHOTS=docs/screenshots``).

Never a downloaded browser: ``/usr/bin/chromium`` or nothing; without it the tests skip, except
in CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest

from tests.support.browser import chromium, need_chromium, page_context, watch_csp
from tests.support.center import PASSWORD, REPO, fresh_yaksok, person
from tests.support.rights import body, deliver
from tests.support.serving import serving
from yaksok.api import create_app
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.members.lookups import find_member
from yaksok.members.sessions import login_member
from yaksok.members.verify_email import email_verified

SHOTS = REPO / os.environ.get("YAKSOK_SCREENSHOTS", "build/screenshots")
PAGES = ["/center/", "/center/data", "/center/consents", "/center/connected", "/center/rights",
         "/center/history",
         "/center/incidents", "/center/notices", "/center/cookies", "/center/password",
         "/center/forgot", "/center/verify-email", "/center/reset-password", "/center/close"]
NEW_PASSWORD = "Maple-42-river"  # noqa: S105 - a test password
LINK = re.compile(r"https?://[^/\s]+(/center/verify-email\?token=[A-Za-z0-9_-]{43})")


def _emailed_link(yk, smtp) -> str:
    """The verification link's path, from the email delivered through the real SMTP server."""
    [path] = {m.group(1) for msg in deliver(yk, smtp) for m in LINK.finditer(body(msg))}
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, object]]:
    need_chromium()
    saved = os.environ.pop(PASSPHRASE_ENV, None)
    yk = fresh_yaksok(tmp_path_factory.mktemp("center-browser") / "data")
    try:
        with serving(create_app(yk)) as base:
            yield base, yk
    finally:
        yk.close()
        if saved is not None:
            os.environ[PASSPHRASE_ENV] = saved


@pytest.fixture(scope="module")
def browser(server):
    with chromium("--lang=en-US") as b:
        yield b


def _context(browser, base: str, *, width: int = 900, bypass_csp: bool = False):
    return page_context(browser, base, width=width, height=800, bypass_csp=bypass_csp)


# -- by mouse ------------------------------------------------------------------------------------


@pytest.mark.promise("P6.8")
def test_the_journey_by_mouse_under_the_real_csp(server, browser, smtp):
    base, yk = server
    ctx = _context(browser, base)
    page = ctx.new_page()
    csp_errors = watch_csp(page)
    me = person(31)
    page.goto(f"{base}/center/signup")
    page.get_by_label("이메일(아이디)").fill(me["email"])
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_label("휴대전화번호").fill(me["phone"])
    page.get_by_label("생년월일").fill(me["birth_date"])
    page.get_by_label("[선택] 이용자 분석").check()
    page.get_by_role("button", name="가입하기").click()
    page.wait_for_url("**/center/login?done=signup")
    page.get_by_label("이메일(아이디)").fill(me["email"])
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{base}/center/")
    mid = find_member(yk, "user.contact.email", me["email"])

    page.get_by_role("button", name="확인 메일 다시 보내기").click()
    page.wait_for_url("**/center/?done=verify_sent")
    page.goto(base + _emailed_link(yk, smtp))
    assert "token" not in page.url, "center.js takes the token out of the address bar"
    assert not email_verified(yk, mid)
    page.get_by_role("button", name="이메일 주소 확인하기").click()
    page.get_by_text("이메일 주소가 확인되었습니다.").wait_for()
    assert email_verified(yk, mid)

    page.get_by_role("navigation").get_by_role("link", name="내 정보", exact=True).click()
    phone_box = page.get_by_label("새 값 (휴대전화번호)")
    phone_box.fill("010-7777-0031")
    phone_box.locator("xpath=..").get_by_role("button", name="저장").click()
    page.wait_for_url("**/center/data?done=saved")
    assert "+821077770031" in page.content()

    page.get_by_role("navigation").get_by_role("link", name="내 동의").click()
    page.get_by_role("button", name="동의하기: 맞춤화 된 광고의 제공").click()
    page.wait_for_url("**/center/consents?done=saved")
    assert "customised_ads" in yk.vault.effective_consents(mid)
    with page.expect_navigation():
        page.get_by_role("button", name="동의 철회: 맞춤화 된 광고의 제공").click()
    assert "customised_ads" not in yk.vault.effective_consents(mid)

    page.get_by_role("navigation").get_by_role("link", name="권리 행사").click()
    page.locator("#pw-access").fill(PASSWORD)
    page.get_by_role("button", name="요청하기: 열람").click()
    page.wait_for_url("**/center/rights?done=request")
    with page.expect_download() as dl:
        page.get_by_role("button", name="내려받기 (열람").click()
    data = Path(dl.value.path()).read_bytes()
    assert zipfile.ZipFile(BytesIO(data)).namelist()

    page.get_by_role("navigation").get_by_role("link", name="내 정보를 본 사람").click()
    assert page.locator("table tbody tr").count() >= 1

    page.get_by_role("navigation").get_by_role("link", name="비밀번호 변경").click()
    page.get_by_label("현재 비밀번호").fill(PASSWORD)
    page.get_by_label("새 비밀번호").fill(NEW_PASSWORD)
    page.get_by_role("button", name="비밀번호 바꾸기").click()
    page.wait_for_url("**/center/?done=password")
    login_member(yk, me["email"], NEW_PASSWORD)

    page.get_by_role("navigation").get_by_role("link", name="회원 탈퇴").click()
    page.get_by_label("비밀번호").fill(NEW_PASSWORD)
    page.get_by_role("button", name="탈퇴하기").click()
    page.get_by_role("heading", name="탈퇴 확인서").wait_for()
    assert "휴대전화번호" in page.content()
    assert yk.vault.member_status(mid) != "active"
    assert csp_errors == [] and ctx.foreign == []
    ctx.close()


# -- by keyboard alone, at 375 px ---------------------------------------------------------------


def _tab_to(page, selector: str, *, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus (fails after ``limit``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"{selector} is not reachable by Tab")


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} scrolls sideways at 375 px ({width} px)"


@pytest.mark.promise("P12.3")
def test_the_journey_by_keyboard_alone_at_375_px(server, browser, smtp):
    base, yk = server
    ctx = _context(browser, base, width=375)
    page = ctx.new_page()
    csp_errors = watch_csp(page)
    me = person(32)
    kb = page.keyboard
    page.goto(f"{base}/center/signup")
    _fits(page)
    _tab_to(page, "#field-email")
    kb.type(me["email"])
    _tab_to(page, "#field-password")
    kb.type(PASSWORD)
    _tab_to(page, "#field-phone")
    kb.type(me["phone"])
    _tab_to(page, "#field-birth_date")
    kb.type("04051999")  # the date field's parts in the browser's UI order (--lang=en-US: M D Y)
    assert page.input_value("#field-birth_date") == me["birth_date"]
    _tab_to(page, "button[type=submit]:not(.link)")
    kb.press("Enter")
    page.wait_for_url("**/center/login?done=signup")
    _tab_to(page, "#field-email")
    kb.type(me["email"])
    _tab_to(page, "#field-password")
    kb.type(PASSWORD)
    kb.press("Enter")
    page.wait_for_url(f"{base}/center/")
    mid = find_member(yk, "user.contact.email", me["email"])
    for path in PAGES:
        page.goto(base + path)
        _fits(page)

    page.goto(f"{base}/center/")
    _tab_to(page, "form[action='/center/email-verification'] button")
    kb.press("Enter")
    page.wait_for_url("**/center/?done=verify_sent")
    page.goto(base + _emailed_link(yk, smtp))
    _fits(page)
    _tab_to(page, "form[action='/center/verify-email'] button")
    kb.press("Enter")
    page.get_by_text("이메일 주소가 확인되었습니다.").wait_for()
    assert email_verified(yk, mid)

    page.goto(f"{base}/center/")
    _tab_to(page, "nav a[href='/center/data']")
    kb.press("Enter")
    page.wait_for_url("**/center/data")
    _tab_to(page, "input[name=value][value='+821050323032']")
    kb.press("Control+A")
    kb.type("010-6666-0032")
    kb.press("Enter")
    page.wait_for_url("**/center/data?done=saved")
    assert "+821066660032" in page.content()

    page.goto(f"{base}/center/consents")
    _tab_to(page, "button[value=give]")
    kb.press("Space")
    page.wait_for_url("**/center/consents?done=saved")
    given = yk.vault.effective_consents(mid)
    assert len(given) == 1
    _tab_to(page, "button[value=withdraw]")
    with page.expect_navigation():
        kb.press("Space")
    assert yk.vault.effective_consents(mid) == frozenset()

    page.goto(f"{base}/center/rights")
    _tab_to(page, "#pw-access")
    kb.type(PASSWORD)
    kb.press("Enter")
    page.wait_for_url("**/center/rights?done=request")
    _tab_to(page, "form[action='/center/rights/download'] button")
    with page.expect_download() as dl:
        kb.press("Enter")
    assert Path(dl.value.path()).read_bytes()[:2] == b"PK"

    page.goto(f"{base}/center/password")
    _tab_to(page, "#field-old_password")
    kb.type(PASSWORD)
    _tab_to(page, "#field-new_password")
    kb.type(NEW_PASSWORD)
    kb.press("Enter")
    page.wait_for_url("**/center/?done=password")

    # The records pages (nothing to fill for this member): every one fits at 375 px.
    for path in ("/center/connected", "/center/history", "/center/incidents",
                 "/center/notices", "/center/cookies"):
        page.goto(base + path)
        _fits(page)
    page.goto(f"{base}/center/close")
    _tab_to(page, "#field-password")
    kb.type(NEW_PASSWORD)
    kb.press("Enter")
    page.get_by_role("heading", name="탈퇴 확인서").wait_for()
    _fits(page)
    assert yk.vault.member_status(mid) != "active"
    assert csp_errors == [] and ctx.foreign == []
    ctx.close()


def test_the_skip_link_is_the_first_stop_and_focus_is_visible(server, browser):
    base, _ = server
    ctx = _context(browser, base, width=375)
    page = ctx.new_page()
    page.goto(f"{base}/center/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    ctx.close()


# -- axe-core, and the screenshots ---------------------------------------------------------------


def test_axe_finds_no_serious_or_critical_violation_on_any_page(server, browser):
    from axe_playwright_python.sync_playwright import Axe

    base, _ = server
    axe = Axe()
    ctx = _context(browser, base, bypass_csp=True)  # this context only: axe's script injected
    page = ctx.new_page()
    me = person(33)
    page.goto(f"{base}/center/signup")
    found: dict[str, list] = {}

    def check(name: str, shot: str | None = None) -> None:
        result = axe.run(page)
        bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result.response["violations"]
               if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = bad
        if shot:
            SHOTS.mkdir(parents=True, exist_ok=True)
            # The top of the page (at most 1100 px): the committed PNGs stay small.
            height = min(page.evaluate("document.documentElement.scrollHeight"), 1100)
            page.screenshot(path=str(SHOTS / shot), full_page=True,
                            clip={"x": 0, "y": 0, "width": 900, "height": height})

    check("signup ko", "signup-ko.png")
    page.goto(f"{base}/center/signup?lang=en")
    check("signup en", "signup-en.png")
    # A form with an error on it, as a member sees it.
    page.fill("#field-email", "not-an-email")
    page.fill("#field-password", PASSWORD)
    page.fill("#field-phone", me["phone"])
    page.fill("#field-birth_date", me["birth_date"])
    page.click("button:has-text('Sign up')")
    page.wait_for_selector("[aria-invalid=true]")
    check("signup error en")
    page.goto(f"{base}/center/signup")
    page.fill("#field-email", me["email"])
    page.fill("#field-password", PASSWORD)
    page.fill("#field-phone", me["phone"])
    page.fill("#field-birth_date", me["birth_date"])
    page.click("button:has-text('가입하기')")
    page.wait_for_url("**/center/login?done=signup")
    check("login ko")
    page.fill("#field-email", me["email"])
    page.fill("#field-password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/center/")
    page.goto(f"{base}/center/rights")
    page.fill("#pw-access", PASSWORD)
    page.click("button:has-text('요청하기: 열람')")
    page.wait_for_url("**/center/rights?done=request")
    shots = {"/center/": "home", "/center/data": "data", "/center/consents": "consents",
             "/center/rights": "rights", "/center/history": "history",
             "/center/connected": "connected", "/center/notices": "notices",
             "/center/incidents": "incidents", "/center/cookies": "cookies"}
    for path in PAGES:
        for lang in ("ko", "en"):
            page.goto(base + path + ("?lang=en" if lang == "en" else ""))
            name = shots.get(path)
            check(f"{path} {lang}", f"{name}-{lang}.png" if name else None)
    page.goto(f"{base}/center/close?lang=en")
    page.fill("#field-password", PASSWORD)
    page.click("button:has-text('Close my account')")
    page.wait_for_selector("#receipt")
    check("receipt en", "receipt-en.png")
    assert found == {}, found
    ctx.close()
