"""The cookie banner in a real browser: Debian's Chromium, driven by Playwright.

The real app runs under uvicorn in a background thread on a free loopback port, over a fresh
data directory with the Somesing policy. A test-only route (``/demo``, added to this app instance
only) serves ``tests/browser/demo.html``: a page that includes the banner and two gated scripts
(performance: sets the cookie ``perf_ran`` and ``window.__perfRan``; functional: ``func_ran`` and
``window.__funcRan``). Each test uses a fresh browser context, so a fresh device id.

Never a downloaded browser: ``/usr/bin/chromium`` or nothing. Without it the tests skip, except
in CI (``CI`` set), where ``.ci/run`` installs it and a missing browser is a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from yaksok.consent.cookies import current_choice

SCREENSHOT = Path("/tmp/yaksok-banner-ko.png")
# navigator.globalPrivacyControl as a GPC-enabled browser exposes it.
GPC_SCRIPT = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
              "{get: () => true, configurable: true});")

pytestmark = pytest.mark.promise("P5.5")


FOREIGN: list[str] = []  # every request that was not to the loopback server (and was aborted)


def _guard(route) -> None:
    if route.request.url.startswith("http://127.0.0.1:"):
        route.continue_()
    else:
        FOREIGN.append(route.request.url)
        route.abort()


def _context(browser, *, header_gpc: bool = False, navigator_gpc: bool = False):
    ctx = browser.new_context(
        locale="ko-KR", viewport={"width": 900, "height": 700},
        extra_http_headers={"Sec-GPC": "1"} if header_gpc else None)
    if navigator_gpc:
        ctx.add_init_script(GPC_SCRIPT)
    # No request may leave the loopback server: the banner loads nothing from anywhere else.
    ctx.route("**/*", _guard)
    return ctx


@pytest.fixture
def page(browser):
    ctx = _context(browser)
    p = ctx.new_page()
    yield p
    ctx.close()


def _open_demo(page, base: str, lang: str = "ko"):
    page.goto(f"{base}/demo?lang={lang}")
    page.wait_for_function("window.YaksokConsent !== undefined")


def _wait_settled(page) -> None:
    """Wait until the banner has loaded the device's choice (or shown itself)."""
    page.wait_for_function(
        "window.YaksokConsent.decided() || document.getElementById('yaksok-consent') !== null")


def _dialog(page):
    return page.get_by_role("dialog", name="쿠키 설정")


def _cookie_names(page) -> set[str]:
    return {c["name"] for c in page.context.cookies()}


def _device(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "yaksok_device")


def _ran(page, flag: str) -> bool:
    return page.evaluate(f"window.{flag} === true")


# -- the banner --------------------------------------------------------------------------------


def test_banner_shows_accessible_in_korean(server, page):
    base, _ = server
    _open_demo(page, base)
    dialog = _dialog(page)
    dialog.wait_for()
    assert dialog.get_attribute("aria-describedby") == "yaksok-consent-desc"
    for name in ("모두 허용", "직접 선택", "모두 거부"):
        assert dialog.get_by_role("button", name=name).is_visible()
    assert dialog.get_by_role("link", name="개인정보처리방침").get_attribute("href").endswith(
        "/policy?lang=ko")
    # The choose-panel is collapsed until asked for, and says so to assistive technology.
    assert dialog.get_by_role("button", name="직접 선택").get_attribute("aria-expanded") == "false"
    # Nothing gated ran, and the only cookie is none at all until a choice is stored.
    assert not _ran(page, "__perfRan") and not _ran(page, "__funcRan")
    assert "perf_ran" not in _cookie_names(page)
    dialog.get_by_role("button", name="직접 선택").click()
    page.screenshot(path=str(SCREENSHOT), full_page=False)


def test_banner_in_english(server, page):
    base, _ = server
    _open_demo(page, base, lang="en")
    dialog = page.get_by_role("dialog", name="Cookie settings")
    dialog.wait_for()
    for name in ("Accept all", "Choose", "Refuse all"):
        assert dialog.get_by_role("button", name=name).is_visible()
    dialog.get_by_role("button", name="Choose").click()
    assert dialog.get_by_role("checkbox", name="Performance cookies").is_visible()


@pytest.mark.promise("P12.4")
def test_refuse_all_never_runs_the_script(server, page):
    base, yk = server
    _open_demo(page, base)
    _dialog(page).get_by_role("button", name="모두 거부").click()
    page.wait_for_function("window.YaksokConsent.decided()")
    assert page.locator("#yaksok-consent").count() == 0
    assert not _ran(page, "__perfRan") and not _ran(page, "__funcRan")
    assert {"perf_ran", "func_ran"}.isdisjoint(_cookie_names(page))
    assert FOREIGN == []  # the banner and the page reached no other origin
    recorded = current_choice(yk, _device(page))
    assert recorded is not None
    assert recorded.choices == {"strictly_necessary": True, "performance": False,
                                "functional": False}
    # After a reload: no banner (the choice is remembered), and still nothing ran.
    page.reload()
    page.wait_for_function("window.YaksokConsent && window.YaksokConsent.decided()")
    page.wait_for_load_state("networkidle")
    assert page.locator("#yaksok-consent").count() == 0
    assert not _ran(page, "__perfRan")
    assert {"perf_ran", "func_ran"}.isdisjoint(_cookie_names(page))


def test_accept_all_runs_the_scripts(server, page):
    base, yk = server
    _open_demo(page, base)
    _dialog(page).get_by_role("button", name="모두 허용").click()
    page.wait_for_function("window.__perfRan === true && window.__funcRan === true")
    assert {"perf_ran", "func_ran"} <= _cookie_names(page)
    assert current_choice(yk, _device(page)).choices["performance"] is True
    page.reload()
    page.wait_for_function("window.__perfRan === true")
    assert page.locator("#yaksok-consent").count() == 0


def test_choose_per_category_with_the_keyboard(server, page):
    base, yk = server
    _open_demo(page, base)
    dialog = _dialog(page)
    dialog.wait_for()
    # The dialog takes focus; Tab reaches the actions, Enter and Space work them.
    assert page.evaluate("document.activeElement.id") == "yaksok-consent"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.yaksokAction") == "choose":
            break
    else:
        pytest.fail("Tab never reached the choose button")
    page.keyboard.press("Enter")
    assert dialog.get_by_role("button", name="직접 선택").get_attribute("aria-expanded") == "true"
    necessary = dialog.get_by_role("checkbox", name="반드시 필요한 쿠키 (항상 사용)")
    assert necessary.is_checked() and necessary.is_disabled()
    performance = dialog.get_by_role("checkbox", name="수행 쿠키")
    functional = dialog.get_by_role("checkbox", name="기능 쿠키")
    assert not performance.is_checked() and not functional.is_checked()  # opt-in: off
    assert page.evaluate("document.activeElement.name") == "performance"
    page.keyboard.press("Space")
    assert performance.is_checked()
    dialog.get_by_role("button", name="선택 저장").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("window.__perfRan === true")
    assert not _ran(page, "__funcRan") and "func_ran" not in _cookie_names(page)
    assert current_choice(yk, _device(page)).choices == {
        "strictly_necessary": True, "performance": True, "functional": False}


def test_reopen_from_the_footer_and_withdraw(server, page):
    base, yk = server
    _open_demo(page, base)
    _dialog(page).get_by_role("button", name="모두 허용").click()
    page.wait_for_function("window.__perfRan === true")
    assert "perf_ran" in _cookie_names(page)

    page.get_by_role("link", name="쿠키 설정 / Cookie settings").click()
    dialog = _dialog(page)
    dialog.wait_for()
    # Reopened with the panel open and the current choice ticked; Escape closes it unchanged.
    assert dialog.get_by_role("checkbox", name="수행 쿠키").is_checked()
    page.keyboard.press("Escape")
    assert page.locator("#yaksok-consent").count() == 0

    page.get_by_role("link", name="쿠키 설정 / Cookie settings").click()
    dialog.wait_for()
    with page.expect_navigation():  # a script that ran cannot be stopped: the page reloads
        dialog.get_by_role("button", name="모두 거부").click()
    page.wait_for_function("window.YaksokConsent && window.YaksokConsent.decided()")
    page.wait_for_load_state("networkidle")
    assert not _ran(page, "__perfRan")
    assert {"perf_ran", "func_ran"}.isdisjoint(_cookie_names(page))  # declared cookies deleted
    assert current_choice(yk, _device(page)).choices["performance"] is False


@pytest.mark.parametrize("source", ["header", "navigator", "both"])
def test_gpc_turns_optional_categories_off(server, browser, source):
    base, yk = server
    ctx = _context(browser, header_gpc=source in ("header", "both"),
                   navigator_gpc=source in ("navigator", "both"))
    page = ctx.new_page()
    try:
        _open_demo(page, base)
        dialog = _dialog(page)
        dialog.wait_for()
        note = page.locator("#yaksok-consent-gpc")
        assert "GPC" in note.inner_text() and "존중" in note.inner_text()
        dialog.get_by_role("button", name="직접 선택").click()
        assert not dialog.get_by_role("checkbox", name="수행 쿠키").is_checked()
        assert not dialog.get_by_role("checkbox", name="기능 쿠키").is_checked()
        assert dialog.get_by_role("checkbox", name="반드시 필요한 쿠키 (항상 사용)").is_checked()
        assert not _ran(page, "__perfRan")
        # An explicit opt-in made in the banner that said GPC is honoured is recorded and kept.
        dialog.get_by_role("checkbox", name="기능 쿠키").check()
        dialog.get_by_role("button", name="선택 저장").click()
        page.wait_for_function("window.__funcRan === true")
        assert not _ran(page, "__perfRan")
        recorded = current_choice(yk, _device(page))
        assert recorded.gpc is True and recorded.choices["functional"] is True
    finally:
        ctx.close()


def test_gpc_overrides_a_choice_made_before_the_signal(server, browser):
    base, yk = server
    plain = _context(browser)
    page = plain.new_page()
    _open_demo(page, base)
    _dialog(page).get_by_role("button", name="모두 허용").click()
    page.wait_for_function("window.__perfRan === true")
    device = [c for c in plain.cookies() if c["name"] == "yaksok_device"]
    plain.close()

    gpc = _context(browser, header_gpc=True, navigator_gpc=True)
    gpc.add_cookies(device)  # the same browser, now sending GPC
    page = gpc.new_page()
    try:
        _open_demo(page, base)
        _dialog(page).wait_for()  # asked again, with the GPC note
        assert page.locator("#yaksok-consent-gpc").count() == 1
        page.wait_for_load_state("networkidle")
        assert not _ran(page, "__perfRan") and not _ran(page, "__funcRan")
        assert current_choice(yk, device[0]["value"]).choices["performance"] is True  # history
    finally:
        gpc.close()


def test_link_to_the_member_after_login(server, page):
    from tests.support.members import PASSWORD, signup_args
    from yaksok.consent.cookies import history
    from yaksok.members import login_member, sign_up

    base, yk = server
    args = signup_args(901)
    member_id = sign_up(yk, **args)
    _, token = login_member(yk, args["email"], PASSWORD)
    _open_demo(page, base)
    _dialog(page).get_by_role("button", name="모두 거부").click()
    page.wait_for_function("window.YaksokConsent.decided()")
    assert current_choice(yk, _device(page)).member_id is None
    # The app logs the member in, then hands the banner the member's session token.
    page.evaluate("token => window.YaksokConsent.link(token)", token)
    linked = current_choice(yk, _device(page))
    assert linked.member_id == member_id and linked.choices["performance"] is False
    assert [c.device_id for c in history(yk, member_id=member_id)] == [_device(page)]
