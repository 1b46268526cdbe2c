"""One journey through the demo in Debian's Chromium at 375 px, under the demo's CSP: the banner
shows, accepting analytics runs the gated script, then sign up, post and pay — each answered by
the real REST API on loopback. Never a downloaded browser: /usr/bin/chromium or a skip (a
failure in CI, as tests/consent/conftest.py does)."""

from __future__ import annotations

import pytest

from tests.support.browser import chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def test_sign_up_post_and_pay_in_a_phone_sized_browser_with_the_banner(demo, browser):
    base, _yk, _key = demo
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="ko-KR")
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    try:
        page.goto(f"{base}/demo/signup")
        dialog = page.get_by_role("dialog", name="쿠키 설정")
        dialog.wait_for()
        assert dialog.evaluate("d => getComputedStyle(d).position") == "fixed"  # its style ran
        dialog.get_by_role("button", name="모두 허용").click()
        page.locator("html[data-demo-analytics=on]").wait_for(state="attached")  # it ran

        page.get_by_label("이메일(아이디)").fill("browser")
        page.get_by_label("비밀번호").fill("Noraebang-2024!")
        page.get_by_label("휴대폰 번호").fill("010-4000-0001")
        page.get_by_label("생년월일").fill("2001-04-05")
        page.get_by_label("[선택] 이용자 분석").check()
        page.get_by_role("button", name="가입하기").click()
        page.get_by_role("status").filter(has_text="가입했습니다").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll

        page.get_by_role("link", name="노래 올리기").first.click()
        page.get_by_label("글").fill("브라우저에서 부른 아리랑")
        page.get_by_label("글").press("Enter")  # the keyboard submits the form
        page.get_by_text("브라우저에서 부른 아리랑").wait_for()

        page.get_by_role("link", name="결제").first.click()
        page.get_by_label("상품").select_option("coins-100")
        page.get_by_role("button", name="결제하기").click()
        page.get_by_role("status").filter(has_text="결제했습니다").wait_for()
        assert page.get_by_text("보관 기록 번호: hr_").count() == 1
        assert not blocked, blocked
    finally:
        context.close()
