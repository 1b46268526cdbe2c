"""Debian's Chromium driven by Playwright, for the browser tests (the cookie banner, the privacy
center, the demo). Never a downloaded browser: ``/usr/bin/chromium`` or a skip — a failure in CI
(``CI`` set), where ``.ci/run`` installs it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def need_chromium() -> None:
    """Skip (fail in CI) when Debian's Chromium is not installed."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it in CI)"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@contextmanager
def chromium(*extra_args: str) -> Iterator[object]:
    """A headless Chromium (Playwright's ``Browser``), closed afterwards."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


def page_context(browser, base: str, *, width: int = 900, height: int = 800,
                 bypass_csp: bool = False):
    """A Korean browser context whose pages may load only from ``base``: anything asked of
    another origin is aborted and kept in ``ctx.foreign`` (the pages load nothing from
    elsewhere). ``bypass_csp`` only where axe's script must be injected."""
    ctx = browser.new_context(locale="ko-KR", viewport={"width": width, "height": height},
                              accept_downloads=True, bypass_csp=bypass_csp)
    foreign: list[str] = []

    def guard(route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    ctx.foreign = foreign
    return ctx


def watch_csp(page) -> list[str]:
    """The Content-Security-Policy violations the page reports in its console."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    return errors
