"""What yaksok stores in, and sends from, a real browser after "accept all": no identifier.

Policy section 5 promises that cookies and similar technologies gather only non-personal,
aggregated information (P5.1), that performance cookies gather only aggregated, anonymous data
(P5.3) and that functional cookies remember settings without singling the user out (P5.4). This
module checks the part of those promises that is yaksok's own: its banner. What an app's gated
scripts do once a category is accepted is the app's business, not yaksok's.

Setup as in ``test_browser_banner.py``: the real app under uvicorn on a loopback port, Debian's
Chromium at ``/usr/bin/chromium`` through Playwright (never a downloaded browser; without it the
tests skip, except in CI), and the demo page ``tests/browser/demo.html`` (the banner plus two
gated scripts that set ``perf_ran`` and ``func_ran``: the app's cookies, declared in their
``data-yaksok-cookies``).

Three visits, in this order:

- ``first``: a signed-in member. The app logged the member in and, on page load, hands the
  banner the member's session token (``YaksokConsent.link(token)``, the documented way a
  member's choice is linked); the member clicks the real "모두 허용" button, and comes back to
  the page (a reload in the same browser).
- ``anonymous``: the same steps in a fresh browser context with nobody signed in: the control.
  Whatever it shares with the member's visits is the same for every visitor (the policy version,
  the script's ETag, the browser's own headers) and so singles nobody out.
- ``second``: the same member in a second, fresh browser context (a new login, as on another
  device), the same steps.

From each visit the module collects every cookie of the browser context (name, value, domain,
path, expiry, flags), every localStorage and sessionStorage entry (and IndexedDB databases,
Cache Storage, service workers, ``window.name``), and every request the page made to the server
(method, URL, all request headers with the Cookie header, body; the response's status, headers
and body), and asserts that

- the browser holds exactly one cookie of yaksok's, ``yaksok_device`` (32 random hex digits, a
  consent record kept 180 days), besides the app's ``perf_ran``/``func_ran``; nothing in web
  storage, IndexedDB, Cache Storage, service workers or ``window.name``;
- after the choice the banner sends exactly: ``POST /consent/choice`` with
  ``{device_id, choices, gpc, lang}`` (and the member's session only in ``Authorization``), and
  on the return visit ``GET /consent/config`` and ``GET /consent/choice?device_id=...``; no
  response sets a cookie, and no response names the member;
- the member's id, email (as typed and normalised), phone number (in every usual spelling), SNS
  uid and nickname, and password appear nowhere in any of it; the session token appears only in
  the ``Authorization`` header of the banner's ``POST /consent/choice``;
- no value that yaksok sets or sends in the member's first visit comes back in the member's
  second, fresh browser (a stable identifier across visits), unless the anonymous control has it
  too; the device id differs from one browser to the next;
- within one browser, the only such value that comes back on the return visit is the device id
  itself: the consent record the banner keeps so as not to ask again.

That the member really was signed in is checked too: the choice the server recorded for the
first visit's device is linked to the member's id (``current_choice(...).member_id``).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.support.members import PASSWORD, signup_args
from yaksok.consent.cookies import current_choice
from yaksok.members import login_member, sign_up
from yaksok.members.normalise import normalise_email, normalise_phone

#: The cookies the demo page's gated scripts set (the app's, declared in data-yaksok-cookies).
APP_COOKIES = {"perf_ran": "1", "func_ran": "1"}
DEVICE_COOKIE = "yaksok_device"
DEVICE_VALUE = re.compile(r"^[0-9a-f]{32}$")  # the banner's 16 random bytes, in hex
DEVICE_DAYS = 180
ACCEPT_ALL = {"strictly_necessary": True, "performance": True, "functional": True}
#: A value long enough to single someone out: runs of 8+ characters of ids, tokens, emails.
TOKEN = re.compile(r"[A-Za-z0-9_@.+-]{8,}")

# P5.3 and P5.4 as far as yaksok's own part goes; P5.1 only described: the consent cookie
# ``yaksok_device`` is a per-browser random id kept 180 days and linked, on the server, to the
# member who chose in that browser — a pseudonymous identifier, not "non-personal" (see the
# closing note of issue 13; the fix belongs to the hardening of the banner).
pytestmark = [pytest.mark.promise("P5.3", "P5.4"), pytest.mark.promise_text("P5.1")]


# -- the server, the browser and the member -----------------------------------------------------


@dataclass(frozen=True)
class Member:
    id: str
    email: str
    phone: str
    sns_uid: str
    nickname: str

    def secrets(self) -> dict[str, str]:
        """Everything that names this member, in every spelling an app or yaksok might use."""
        e164 = normalise_phone(self.phone, "KR")  # +821059511951
        national = "0" + e164.removeprefix("+82")  # 01059511951
        return {
            "member id": self.id,
            "member id (hex part)": self.id.removeprefix("m_"),
            "email as typed": self.email,
            "email normalised": normalise_email(self.email),
            "email local part": self.email.split("@")[0],
            "phone as typed": self.phone,
            "phone E.164": e164,
            "phone digits": e164.removeprefix("+"),
            "phone national": national,
            "phone national, dashed": f"{national[:3]}-{national[3:7]}-{national[7:]}",
            "phone subscriber digits": national[3:],
            "SNS uid": self.sns_uid,
            "SNS nickname": self.nickname,
            "password": PASSWORD,
        }


@pytest.fixture(scope="module")
def member(server) -> Member:
    _, yk = server
    args = signup_args(951)
    sns = args["sns_accounts"][0]
    member_id = sign_up(yk, **args)
    return Member(id=member_id, email=args["email"], phone=args["phone"], sns_uid=sns["uid"],
                  nickname=sns["nickname"])


# -- one visit ------------------------------------------------------------------------------------


@dataclass
class Sent:
    """One request the page made to the yaksok server, and its answer."""

    phase: str  # "load" (before the choice), "choice" (accept all), "revisit" (the reload)
    method: str
    url: str
    headers: dict[str, str]  # every request header, the Cookie header included
    body: str | None
    status: int
    response_headers: dict[str, str]
    response_body: str

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Visit:
    token: str | None  # the member's session token the app handed the banner, if signed in
    device: str  # the value of yaksok_device at the end
    cookies: list[dict]
    storage: dict
    sent: list[Sent]
    foreign: list[str] = field(default_factory=list)  # requests to anywhere else (aborted)

    def after_choice(self) -> list[Sent]:
        return [s for s in self.sent if s.phase != "load"]

    def places(self) -> list[tuple[str, str, str]]:
        """``(phase, where, text)`` for everything yaksok set or sent in this browser."""
        out: list[tuple[str, str, str]] = []
        for c in self.cookies:
            out.append(("end", f"cookie {c['name']}",
                        f"{c['name']}={c['value']}; domain={c['domain']}; path={c['path']}"))
        for area in ("localStorage", "sessionStorage"):
            for key, value in self.storage[area].items():
                out.append(("end", f"{area} {key}", f"{key}={value}"))
        for kind in ("indexedDB", "caches", "serviceWorkers"):
            for name in self.storage[kind]:
                out.append(("end", kind, str(name)))
        out.append(("end", "window.name", self.storage["windowName"]))
        for s in self.sent:
            out.append((s.phase, f"{s.name} URL", unquote(s.url)))
            for h, v in s.headers.items():
                out.append((s.phase, f"{s.name} request header {h}", v))
            if s.body is not None:
                out.append((s.phase, f"{s.name} request body", _readable(s.body)))
            for h, v in s.response_headers.items():
                out.append((s.phase, f"{s.name} response header {h}", v))
            out.append((s.phase, f"{s.name} response body", _readable(s.response_body)))
        return out

    def tokens(self, *phases: str) -> set[str]:
        return {t for phase, _, text in self.places() if not phases or phase in phases
                for t in TOKEN.findall(text)}


def _readable(text: str) -> str:
    """JSON re-dumped without escapes (so ``\\uac00`` reads as 가), anything else as it is."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


STORAGE_JS = """async () => {
  const dump = s => Object.fromEntries(
    Array.from({length: s.length}, (_, i) => [s.key(i), s.getItem(s.key(i))]));
  return {
    localStorage: dump(window.localStorage),
    sessionStorage: dump(window.sessionStorage),
    indexedDB: indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [],
    caches: self.caches ? await caches.keys() : [],
    serviceWorkers: navigator.serviceWorker
      ? (await navigator.serviceWorker.getRegistrations()).map(r => r.scope) : [],
    windowName: window.name,
  };
}"""


def _visit(browser, base: str, *, token: str | None) -> Visit:
    """A fresh browser: open the demo page (signed in when ``token``), accept all, come back."""
    ctx = browser.new_context(locale="ko-KR", viewport={"width": 900, "height": 700})
    foreign: list[str] = []

    def guard(route) -> None:  # nothing may leave the loopback server
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    page = ctx.new_page()
    phase = {"now": "load"}
    seen: list[tuple[str, object]] = []
    sent: list[Sent] = []
    page.on("request", lambda request: seen.append((phase["now"], request)))

    def settle(next_phase: str) -> None:
        """Read the answers of this phase (before any navigation drops them), then move on."""
        page.wait_for_load_state("networkidle")
        for when, request in seen[len(sent):]:
            response = request.response()
            assert response is not None, f"{request.method} {request.url} got no answer"
            sent.append(Sent(phase=when, method=request.method, url=request.url,
                             headers=request.all_headers(), body=request.post_data,
                             status=response.status, response_headers=response.all_headers(),
                             response_body=response.body().decode("utf-8", "replace")))
        phase["now"] = next_phase

    try:
        page.goto(f"{base}/demo?lang=ko")
        page.wait_for_function("window.YaksokConsent !== undefined")
        if token is not None:
            # The app signed the member in; on page load it hands the banner the session.
            page.evaluate("token => window.YaksokConsent.link(token)", token)
        dialog = page.get_by_role("dialog", name="쿠키 설정")
        dialog.wait_for()
        settle("choice")

        dialog.get_by_role("button", name="모두 허용").click()
        page.wait_for_function("window.__perfRan === true && window.__funcRan === true")
        settle("revisit")

        page.reload()  # the same browser comes back; the app hands the banner nothing this time
        page.wait_for_function("window.YaksokConsent && window.YaksokConsent.decided()"
                               " && window.__perfRan === true && window.__funcRan === true")
        assert page.locator("#yaksok-consent").count() == 0  # the choice was remembered
        settle("done")

        cookies = ctx.cookies()
        storage = page.evaluate(STORAGE_JS)
        device = next((c["value"] for c in cookies if c["name"] == DEVICE_COOKIE), "")
        return Visit(token=token, device=device, cookies=cookies, storage=storage, sent=sent,
                     foreign=foreign)
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def visits(server, browser, member) -> dict[str, Visit]:
    base, yk = server

    def signed_in() -> str:
        return login_member(yk, member.email, PASSWORD)[1]  # a fresh session for each browser

    first = _visit(browser, base, token=signed_in())
    anonymous = _visit(browser, base, token=None)  # between the two: same clock, same hour
    second = _visit(browser, base, token=signed_in())
    return {"first": first, "anonymous": anonymous, "second": second}


# -- the tests ------------------------------------------------------------------------------------


MEMBER_VISITS = ("first", "second")
ALL_VISITS = ("first", "anonymous", "second")
#: The response fields of the banner's POST /consent/choice: the choice, never who made it.
CHOICE_OUT = {"device_id", "choices", "gpc", "policy_version", "lang", "at", "member_linked"}
CURRENT_OUT = {"device_id", "decided", "reason", "gpc", "choices", "recorded"}


def test_yaksok_keeps_one_random_cookie_and_nothing_else(server, member, visits):
    """The browser holds yaksok_device (32 random hex digits, 180 days) and the app's own two
    cookies; no web storage, IndexedDB, Cache Storage, service worker or window.name."""
    _, yk = server
    for name in ALL_VISITS:
        visit = visits[name]
        cookies = {c["name"]: c for c in visit.cookies}
        assert sorted(cookies) == sorted([DEVICE_COOKIE, *APP_COOKIES]), name
        assert {n: c["value"] for n, c in cookies.items() if n in APP_COOKIES} == APP_COOKIES
        yaksoks = {n: c["value"] for n, c in cookies.items() if n not in APP_COOKIES}
        assert yaksoks == {DEVICE_COOKIE: visit.device}, name
        assert DEVICE_VALUE.fullmatch(visit.device), visit.device
        device = cookies[DEVICE_COOKIE]
        assert (device["domain"], device["path"], device["httpOnly"], device["secure"],
                device["sameSite"]) == ("127.0.0.1", "/", False, False, "Lax")
        days = (device["expires"] - time.time()) / 86400
        assert DEVICE_DAYS - 0.1 < days <= DEVICE_DAYS, days
        assert visit.storage == {"localStorage": {}, "sessionStorage": {}, "indexedDB": [],
                                 "caches": [], "serviceWorkers": [], "windowName": ""}, name
        assert visit.foreign == [], name  # and nothing went to any other origin
    # One device id per browser: the same member's two browsers do not share one.
    assert len({visits[name].device for name in ALL_VISITS}) == 3
    # The member really was signed in: the server linked both browsers' choices to the member.
    for name in MEMBER_VISITS:
        recorded = current_choice(yk, visits[name].device)
        assert (recorded.member_id, recorded.choices) == (member.id, ACCEPT_ALL), name
    recorded = current_choice(yk, visits["anonymous"].device)
    assert (recorded.member_id, recorded.choices) == (None, ACCEPT_ALL)


def test_what_the_banner_sends_after_accept_all(visits):
    """After the click: one POST of {device_id, choices, gpc, lang}; on the return visit the
    page, the script, the config and GET /consent/choice?device_id=...; no Set-Cookie ever."""
    for name in ALL_VISITS:
        visit = visits[name]
        by_phase = {phase: sorted(s.name for s in visit.sent if s.phase == phase)
                    for phase in ("choice", "revisit")}
        assert by_phase == {
            "choice": ["POST /consent/choice"],
            "revisit": sorted(["GET /demo", "GET /consent/banner.js", "GET /consent/config",
                               "GET /consent/choice"]),
        }, name
        (post,) = [s for s in visit.after_choice() if s.phase == "choice"]
        assert json.loads(post.body) == {"device_id": visit.device, "choices": ACCEPT_ALL,
                                         "gpc": False, "lang": "ko"}
        assert post.query == {}
        assert post.headers["cookie"] == f"{DEVICE_COOKIE}={visit.device}"
        assert post.headers.get("authorization") == (
            None if visit.token is None else f"Bearer {visit.token}")
        assert post.status == 201
        answer = json.loads(post.response_body)
        assert set(answer) == CHOICE_OUT, answer
        assert (answer["device_id"], answer["choices"], answer["member_linked"]) == (
            visit.device, ACCEPT_ALL, visit.token is not None)

        revisit = {s.name: s for s in visit.sent if s.phase == "revisit"}
        for sent in revisit.values():
            assert "authorization" not in sent.headers, sent.name
            assert sent.headers["cookie"] == (
                f"{DEVICE_COOKIE}={visit.device}; perf_ran=1; func_ran=1"), sent.name
        assert revisit["GET /consent/config"].query == {}
        assert revisit["GET /consent/banner.js"].query == {}
        asked = revisit["GET /consent/choice"]
        assert asked.query == {"device_id": [visit.device]}
        current = json.loads(asked.response_body)
        assert set(current) == CURRENT_OUT and set(current["recorded"]) == CHOICE_OUT
        assert (current["device_id"], current["decided"], current["choices"]) == (
            visit.device, True, ACCEPT_ALL)
        # The server never sets a cookie: the one cookie is the banner's, written by script.
        assert [s.name for s in visit.sent if "set-cookie" in s.response_headers] == [], name


def _where(visit: Visit, value: str) -> list[str]:
    """Every place in ``visit`` whose text holds ``value`` (case-insensitive)."""
    needle = value.casefold()
    return [f"{phase}: {where}" for phase, where, text in visit.places()
            if needle in text.casefold()]


def test_no_member_data_in_what_yaksok_sets_or_sends(member, visits):
    """The member's id, email, phone, SNS uid and nickname, and password are nowhere; the
    session token only in the Authorization header of the banner's POST /consent/choice."""
    secrets = member.secrets()
    for name in ALL_VISITS:
        visit = visits[name]
        found = {label: places for label, value in secrets.items()
                 if (places := _where(visit, value))}
        assert found == {}, f"{name}: the member's data in {found}"
    for name in MEMBER_VISITS:
        visit = visits[name]
        assert _where(visit, visit.token) == [
            "choice: POST /consent/choice request header authorization"], name
    # Neither browser holds or sends the other's session.
    assert _where(visits["second"], visits["first"].token) == []
    assert _where(visits["first"], visits["second"].token) == []


def test_nothing_comes_back_in_a_second_browser_of_the_same_member(visits):
    """No value that yaksok set or sent in the member's first browser reappears in the second
    (a fresh context, a fresh login) unless the anonymous visitor's browser has it too."""
    first, anonymous, second = (visits[name] for name in ALL_VISITS)
    stable = (first.tokens() & second.tokens()) - anonymous.tokens()
    assert stable == set(), {t: _where(second, t) for t in stable}
    assert first.device != second.device and first.token != second.token


def test_within_one_browser_only_the_device_id_comes_back(visits):
    """Across the visits of one browser the only value that returns (and is not the same for
    everyone) is the yaksok_device id: the record of the choice. Where it goes is listed."""
    for name in ALL_VISITS:
        visit = visits[name]
        control = visits["first" if name == "anonymous" else "anonymous"]
        returning = (visit.tokens("load") & visit.tokens("revisit")) - control.tokens()
        assert returning == {visit.device}, name
        revisit = [where for where in _where(visit, visit.device) if where.startswith("revisit")]
        assert sorted(revisit) == sorted([
            # sent with every request to the origin, the app's own page included
            "revisit: GET /demo request header cookie",
            "revisit: GET /consent/banner.js request header cookie",
            "revisit: GET /consent/config request header cookie",
            "revisit: GET /consent/choice request header cookie",
            # and by the banner, to look its choice up
            "revisit: GET /consent/choice URL",
            "revisit: GET /consent/choice response body",
        ]), name
