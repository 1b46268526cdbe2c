"""The staff console in a real browser (issue 19): Debian's Chromium driven by Playwright.

One server (the real app under uvicorn on a loopback port, a fresh data directory with the
SOMESING policy, members and rights requests entered as letters) and one browser for the module:

- the privacy officer, by mouse under the pages' real CSP (any CSP violation fails): enrols the
  authenticator from the QR page's key, signs in, works the rights queue (verifies a request and
  extends it with a reason, refuses one on a legal ground picked from the list, carries out an
  erasure after its preview), reads the monthly access-log report and a member's access history,
  and publishes a policy change after its preview;
- the processor's support agent: the menu holds only their tasks, a task shows only its
  categories, every other page is refused;
- the security auditor: the menu holds only the access log, every other page is refused;
- axe-core on every console page the journeys reach, Korean and English: 0 serious or critical
  violations; the screenshots (``build/screenshots/``, or ``YAKSOK_SCREENSHOTS``: the ones in
  docs/screenshots/ were made with ``YAKSOK_SCREENSHOTS=docs/screenshots``).

Labels are the console's own words (``console_text``), so a renamed button is found by its new
name. Never a downloaded browser: ``/usr/bin/chromium`` or nothing (a failure in CI).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pyotp
import pytest

from tests.support.browser import chromium, need_chromium, page_context, watch_csp
from tests.support.center import REPO
from tests.support.console import STAFF_PASSWORD, add_staff_account, fresh_yaksok, next_code
from tests.support.rights import new_member
from tests.support.serving import serving
from yaksok.accounts.staff import add_staff, list_staff
from yaksok.actors import staff_actor
from yaksok.api import create_app
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.rights.requests import submit
from yaksok.web.console import console_text

SHOTS = REPO / os.environ.get("YAKSOK_SCREENSHOTS", "build/screenshots")
OFFICER = "kim.officer"


def ko(key: str) -> str:
    return console_text("ko", key)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    need_chromium()
    saved = os.environ.pop(PASSPHRASE_ENV, None)
    yk = fresh_yaksok(tmp_path_factory.mktemp("console-browser") / "data")
    add_staff(yk.engine, yk.keyring, yk.policy, OFFICER, "privacy_officer", STAFF_PASSWORD,
              enrol_on_console=True)
    # The requests came by letter: entered by a colleague, so they wait for the officer.
    add_staff_account(yk, "lee.desk", "privacy_officer")
    desk = next(s for s in list_staff(yk.engine) if s.username == "lee.desk")
    colleague = staff_actor(yk.policy, desk.id, desk.username, desk.role)
    now = dt.datetime.now(dt.UTC)
    members = [new_member(yk, email=f"singer{i}@example.com", phone=f"010-3100-{4000 + i}")
               for i in range(4)]
    requests = {}
    for name, member, right, days in (("refuse", members[0], "access", 12),
                                      ("extend", members[1], "access", 3),
                                      ("erase", members[2], "erasure", 1)):
        requests[name] = submit(yk, member_id=member, right=right, channel="written",
                                actor=colleague, received_at=now - dt.timedelta(days=days)).id
    try:
        with serving(create_app(yk)) as base:
            yield {"base": base, "yk": yk, "members": members, "requests": requests}
    finally:
        yk.close()
        if saved is not None:
            os.environ[PASSPHRASE_ENV] = saved


@pytest.fixture(scope="module")
def browser(server):
    with chromium("--lang=ko-KR") as b:
        yield b


def _context(browser, base: str, *, width: int = 1280, bypass_csp: bool = False):
    return page_context(browser, base, width=width, height=900, bypass_csp=bypass_csp)


def _signed_in(server, browser, username: str, role: str, *, bypass_csp: bool = False):
    """A new staff account of ``role``, and a page signed in as them: (context, page, the CSP
    violations the page reports)."""
    add_staff_account(server["yk"], username, role)
    ctx = _context(browser, server["base"], bypass_csp=bypass_csp)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    csp_errors = watch_csp(page)
    _sign_in(page, server["base"], server["yk"], username)
    return ctx, page, csp_errors


def _sign_in(page, base: str, yk, username: str) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label(ko("si_username")).fill(username)
    page.get_by_label(ko("si_password"), exact=True).fill(STAFF_PASSWORD)
    page.get_by_label(ko("si_code")).fill(next_code(yk, username))
    page.get_by_role("button", name=ko("si_submit")).click()
    page.wait_for_url("**/console/")


def _nav(page) -> list[str]:
    return page.locator("nav.menu.side a").evaluate_all("els => els.map(e => e.getAttribute('href'))")


def _menu(page, key: str) -> None:
    """Open the menu's item ``key`` (the console's menu, not a card of the same name)."""
    page.get_by_role("navigation", name=ko("console_menu")).get_by_role(
        "link", name=ko(key), exact=True).click()


def _press(page, name: str) -> None:
    """Click the button ``name`` and wait for the answer; the page must show no error."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()
    problem = page.locator("#problem")
    assert problem.count() == 0, problem.inner_text()


def _refused(page, base: str, path: str) -> None:
    r = page.goto(f"{base}{path}")
    assert r.status == 403, (path, r.status)


# -- the privacy officer, by mouse -------------------------------------------------------------


@pytest.mark.promise("P6.3")
def test_the_officer_enrols_signs_in_and_works_the_queue(server, browser):
    base, yk, rq = server["base"], server["yk"], server["requests"]
    ctx = _context(browser, base)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    csp_errors = watch_csp(page)

    # First sign-in: the password and no code → the QR page; the key under it goes in the app.
    page.goto(f"{base}/console/login")
    page.get_by_label(ko("si_username")).fill(OFFICER)
    page.get_by_label(ko("si_password"), exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name=ko("si_submit")).click()
    assert page.locator("svg.qr").is_visible()
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label(ko("si_code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=ko("si_enrol_submit")).click()
    page.wait_for_url("**/console/?done=enrolled")
    assert ko("si_notice_enrolled") in page.inner_text("main")

    # The queue: by due date, the overdue one marked in words.
    _menu(page, "rt_menu")
    page.wait_for_url("**/console/rights")
    rows = page.locator("table tbody tr").filter(has=page.locator("a[href*='/console/rights/rq_']"))
    ids = rows.locator("a[href*='/console/rights/rq_']").all_inner_texts()
    assert ids[0].strip() == rq["refuse"]  # 12 days ago: overdue in Korea's 10 days
    assert ko("rt_overdue") in rows.first.inner_text()

    # Verify, start, then extend with a reason.
    page.get_by_role("link", name=rq["extend"]).click()
    page.wait_for_url(f"**/console/rights/{rq['extend']}")
    _press(page, ko("rt_verify"))
    _press(page, ko("rt_start"))
    page.get_by_label(ko("rt_extend_reason")).select_option("justified_postponement")
    _press(page, ko("rt_extend"))
    assert ko("rt_status_extended") in page.inner_text("main") or "연장" in page.inner_text("main")

    # Refuse on a legal ground picked from the list.
    page.goto(f"{base}/console/rights/{rq['refuse']}")
    _press(page, ko("rt_verify"))
    ground = page.get_by_label(ko("rt_refuse_ground"))
    ground.select_option(index=0)
    chosen = ground.evaluate("s => s.options[s.selectedIndex].text")
    _press(page, ko("rt_refuse"))
    assert ko("rt_status_refused") in page.inner_text("main")
    assert chosen.split(" ")[0] in page.inner_text("main")

    # Carry out an erasure after its preview.
    page.goto(f"{base}/console/rights/{rq['erase']}")
    _press(page, ko("rt_verify"))
    _press(page, ko("rt_start"))
    assert ko("rt_preview") in page.inner_text("main")
    page.get_by_label(ko("rt_confirm_erasure")).check()
    _press(page, ko("rt_carry_out"))
    assert ko("rt_status_completed") in page.inner_text("main")
    erased = server["members"][2]
    assert yk.vault.member_status(erased) != "active"
    assert not any(yk.vault.live_counts(erased, ["user.contact.email",
                                                 "user.contact.phone_number"]).values())

    assert csp_errors == [] and ctx.foreign == []
    ctx.close()


@pytest.mark.promise("P7.6")
def test_the_officer_reads_the_monthly_report_and_a_members_history(server, browser):
    yk = server["yk"]
    ctx, page, csp_errors = _signed_in(server, browser, "choi.reader", "privacy_officer")
    # The monthly report: the chart and, under it, its numbers as a table.
    _menu(page, "al_report_nav")
    page.wait_for_url("**/console/auditlog/report*")
    assert page.locator("figure.chart-box svg.chart").count() == 1
    table = page.locator("figure.chart-box table.chart-table tbody tr")
    assert table.count() >= 28  # a row per day of the month
    # A member found under a purpose picked first, then their access history.
    _menu(page, "mb_nav")
    page.wait_for_url("**/console/members")
    page.locator("input[name=purpose]").first.check()
    page.get_by_label(ko("mb_value")).fill("singer3@example.com")
    _press(page, ko("mb_submit"))
    assert "singer3@example.com" not in page.url  # the value went in the form's body
    assert "/console/members/" in page.url
    page.get_by_role("link", name=ko("mb_history")).click()
    page.wait_for_url("**/console/auditlog/member/*")
    me = next(s.id for s in list_staff(yk.engine) if s.username == "choi.reader")
    assert me in page.inner_text("main")  # the lookup just made is in it, by the officer's id
    assert csp_errors == [] and ctx.foreign == []
    ctx.close()


# -- the processor's agent and the security auditor ---------------------------------------------


@pytest.mark.promise("P10.1")
def test_the_processor_agent_sees_only_their_tasks_data(server, browser):
    base = server["base"]
    ctx, page, _ = _signed_in(server, browser, "btc.agent", "processor_support_agent")
    assert set(_nav(page)) == {"/console/", "/console/tasks", "/console/password"}
    _menu(page, "tk_nav")
    page.wait_for_url("**/console/tasks")
    page.get_by_label("상담서비스").check()  # counselling: contact, nickname, purchases
    page.get_by_label(ko("tk_value")).fill("singer3@example.com")
    _press(page, ko("tk_submit"))
    main = page.inner_text("main")
    assert "singer3@example.com" in main  # the email is within the counselling task
    assert "생년월일" not in main  # the date of birth is not
    for path in ("/console/rights", "/console/members", "/console/auditlog",
                 "/console/retention", "/console/policy", "/console/staff",
                 "/console/registers/incidents"):
        _refused(page, base, path)
    ctx.close()


@pytest.mark.promise("P7.5")
def test_the_security_auditor_sees_the_log_and_nothing_else(server, browser):
    base = server["base"]
    ctx, page, _ = _signed_in(server, browser, "han.auditor", "security_auditor")
    assert set(_nav(page)) == {"/console/", "/console/auditlog", "/console/auditlog/report",
                               "/console/password"}
    _menu(page, "al_nav")
    page.wait_for_url("**/console/auditlog")
    _press(page, ko("al_verify_now"))
    assert ko("al_ok") in page.inner_text("main")
    page.goto(f"{base}/console/auditlog/report")
    assert page.locator("svg.chart").count() == 1
    for path in ("/console/rights", "/console/members", "/console/tasks", "/console/retention",
                 "/console/policy", "/console/staff", "/console/operations",
                 "/console/registers/incidents", f"/console/rights/{server['requests']['extend']}"):
        _refused(page, base, path)
    ctx.close()


@pytest.mark.promise("P11.1")
def test_the_officer_publishes_a_policy_change_after_its_preview(server, browser):
    from tests.support.policy import NEXT, add_ai_training, variant

    base, yk = server["base"], server["yk"]
    ctx, page, csp_errors = _signed_in(server, browser, "park.publisher", "privacy_officer")
    page.goto(f"{base}/console/policy/publish")
    # Pasted, as an officer would (typing 100 KB key by key is not a journey).
    page.get_by_label(ko("po_source")).evaluate("(el, text) => { el.value = text; }",
                                                variant(change=add_ai_training).source)
    _press(page, ko("po_check"))
    main = page.inner_text("main")
    assert "AI 모델 학습" in main  # the diff: the purpose the change adds
    _press(page, ko("po_confirm"))
    assert "/console/policy?done=published" in page.url
    assert yk.published.version == NEXT
    assert csp_errors == [] and ctx.foreign == []
    ctx.close()


# -- axe-core and screenshots on every console page --------------------------------------------

#: Every console page the journeys reach, as the officer opens them (path, screenshot name or
#: None); ``{extend}``-style names are the fixture's requests.
OFFICER_PAGES = [
    ("/console/", "home"), ("/console/rights", "rights-queue"),
    ("/console/rights/{extend}", "rights-request"), ("/console/rights/new", None),
    ("/console/members", None), ("/console/auditlog", None),
    ("/console/auditlog/report", "auditlog-report"), ("/console/auditlog/member/{member0}", None),
    ("/console/retention", "retention"), ("/console/policy", "policy-versions"),
    ("/console/policy/publish", None), ("/console/policy/matrix", None),
    ("/console/operations", None), ("/console/keys", None), ("/console/outbox", None),
    ("/console/drp-agents", None), ("/console/staff", "staff"),
    ("/console/registers/disclosures", None), ("/console/registers/processors", None),
    ("/console/registers/transfers", None), ("/console/registers/incidents", "incidents"),
    ("/console/registers/measures", None), ("/console/registers/ropa", None),
    ("/console/password", None),
]


def _shoot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The top of the page (at most 1100 px): the committed PNGs stay small.
    height = min(page.evaluate("document.documentElement.scrollHeight"), 1100)
    page.screenshot(path=str(SHOTS / f"console-{name}.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height})


@pytest.mark.promise("P7.5")
def test_axe_finds_no_serious_or_critical_violation_on_any_console_page(server, browser):
    from axe_playwright_python.sync_playwright import Axe

    base, yk = server["base"], server["yk"]
    username = "axe.officer"
    add_staff_account(yk, username, "privacy_officer")
    axe = Axe()
    ctx = _context(browser, base, bypass_csp=True)  # this context only: axe's script injected
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    found: dict[str, list] = {}
    names = {"extend": server["requests"]["extend"], "member0": server["members"][0]}

    def check(name: str, shot: str | None = None) -> None:
        result = axe.run(page)
        bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result.response["violations"]
               if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = bad
        if shot:
            _shoot(page, shot, 1280)

    page.goto(f"{base}/console/login")
    check("login ko", "login-ko")
    page.goto(f"{base}/console/login?lang=en")
    check("login en", "login-en")
    _sign_in(page, base, yk, username)
    for lang in ("ko", "en"):
        for path, shot in OFFICER_PAGES:
            url = f"{base}{path.format(**names)}" + ("?lang=en" if lang == "en" else "")
            r = page.goto(url)
            assert r.status == 200, (url, r.status)
            check(f"{path} {lang}", f"{shot}-{lang}" if shot else None)
    # A form with the core's error on it, as staff see it.
    page.goto(f"{base}/console/password")
    page.get_by_label(ko("si_current_password")).fill("not-my-password")
    page.get_by_label(ko("si_new_password")).fill("Harbour-Lantern-93")
    page.get_by_role("button", name=ko("si_password_submit")).click()
    page.wait_for_selector("[aria-invalid=true]")
    check("password error ko")
    assert found == {}, found
    ctx.close()
