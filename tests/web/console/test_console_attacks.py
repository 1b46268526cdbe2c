"""Attacks on the staff console over HTTP (issue 19's review): what an attacker, or a mistyped or
crafted form, can send, and what must not pass — and what must never be a 500 page.

The first tests pin defects the review found and fixed; the rest pin what was checked and found
sound (CSRF on every form, the pre-login token, the session cookie, enrolment tickets), so a
later change cannot quietly undo it. One yaksok for the module (SQLite)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from tests.support.console import (
    STAFF_PASSWORD,
    add_staff_account,
    console_client,
    console_post,
    csrf_of,
    next_code,
    staff_session,
)
from tests.support.members import signup_args
from tests.web.console.page_matrix import TABLE
from yaksok.members.signup import sign_up

KST = ZoneInfo("Asia/Seoul")
INCIDENTS = "/console/registers/incidents"


@pytest.fixture(scope="module")
def yk(console_yk):
    return console_yk


@pytest.fixture(scope="module")
def officer(yk):
    client = console_client(yk)
    staff_session(client, yk, "officer", username="atk-officer")
    return client


def invalid(html: str, field: str) -> bool:
    """Whether the page marks the input ``field`` as the one in error."""
    tag = re.search(rf'<[^>]*id="field-{re.escape(field)}"[^>]*>', html)
    return bool(tag) and 'aria-invalid="true"' in tag.group(0)


def _minute(hours_ago: float) -> str:
    return (dt.datetime.now(KST) - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def _incident_form(**extra) -> dict:
    form = {"title": "attack review", "nature": "n", "cause": "c",
            "categories": ["user.contact.email"], "measures": "m",
            "discovered_at": _minute(2)}
    form.update(extra)
    return form


# -- defects found and fixed ---------------------------------------------------------------------


def test_a_breach_dated_in_year_9999_is_refused_and_the_register_keeps_working(yk, officer):
    """It was recorded, and from then on every clock overflowed (aware + 72 hours): the breach
    register and the incident's page were 500 for everyone, their deadlines hidden. A discovery
    next year held back the 72-hour clocks the same way, silently."""
    for field, value in (("discovered_at", "9999-12-30T10:00"),
                         ("aware_at", "9999-12-30T10:00"),
                         ("discovered_at", (dt.datetime.now(KST) + dt.timedelta(days=400))
                          .strftime("%Y-%m-%dT%H:%M"))):
        r = console_post(officer, INCIDENTS, _incident_form(**{field: value}))
        assert r.status_code == 422, (field, value, r.status_code)
        assert invalid(r.text, field), (field, value)
    assert officer.get(INCIDENTS).status_code == 200


def test_a_date_with_no_time_in_utc_is_the_form_again_not_a_500(yk, officer):
    """Korean midnight of year 1 and the day after 9999-12-31 exist in no UTC calendar: a typed
    year was an OverflowError (a 500 page) on the disclosure, incident and rights forms."""
    r = console_post(officer, "/console/registers/disclosures",
                     {"exception": "statute", "period_until": "9999-12-31"})
    assert r.status_code == 422 and invalid(r.text, "period_until")
    r = console_post(officer, "/console/registers/disclosures",
                     {"exception": "statute", "notice_deferred_until": "9999-12-31"})
    assert r.status_code == 422 and invalid(r.text, "notice_deferred_until")
    made = console_post(officer, INCIDENTS, _incident_form())
    assert made.status_code == 303, made.text[:1000]
    page = made.headers["location"].split("?")[0]
    for value in ("0001-01-01", "0001-01-01T00:00"):
        r = console_post(officer, f"{page}/reports", {"authority": "pipc", "reported_at": value},
                         page=page)
        assert r.status_code == 422 and invalid(r.text, "reported_at"), value
    sign_up(yk, **signup_args(871))
    r = console_post(officer, "/console/rights/new", {
        "channel": "written", "received_at": "0001-01-01T00:00", "received_zone": "Asia/Seoul",
        "find_by": "email", "identifier": signup_args(871)["email"], "requester": "self",
        "lang": "ko", "right": "access"})
    assert r.status_code == 422 and invalid(r.text, "received_at")


def test_a_crafted_digest_on_publish_is_the_stale_form_not_a_500(yk, officer):
    """The hidden sha256 field with a non-ASCII character made hmac.compare_digest raise
    TypeError in the core: a 500 page. It is another text than the previewed one."""
    version = yk.published.version
    r = console_post(officer, "/console/policy/publish/confirm",
                     {"source": "version: x", "sha256": "９" * 64, "based_on": version},
                     page="/console/policy/publish")
    assert r.status_code == 409
    assert "content-security-policy" in r.headers
    assert yk.published.version == version


def test_a_form_with_more_fields_than_any_of_ours_is_a_page_not_a_500(yk, officer):
    """parse_qsl's limit (200 fields) raised ValueError out of read_form: a 500 page and a
    traceback in the log, for the console and the privacy center alike."""
    csrf = csrf_of(officer.get(INCIDENTS).text)
    body = f"csrf={csrf}&title=many" + "".join(f"&categories=c{i}" for i in range(300))
    r = officer.post(INCIDENTS, content=body.encode(),
                     headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert "항목이 너무 많습니다" in r.text
    assert "content-security-policy" in r.headers and r.headers["cache-control"] == "no-store"


def test_the_password_page_is_no_door_to_guess_the_password_at_will(yk):
    """Someone at a console left signed in guessed the current password on /console/password
    with no limit (each guess a full argon2 check): the tries now count as logins do."""
    client = console_client(yk)
    staff_session(client, yk, "engineer", username="atk-guessed")
    codes = []
    for n in range(12):
        r = console_post(client, "/console/password",
                         {"current_password": f"Guess-{n}-lamp", "new_password": "Brand-new-9x"})
        codes.append(r.status_code)
        if r.status_code == 429:
            break
    assert codes[-1] == 429 and len(codes) <= 7, codes
    assert set(codes[:-1]) == {401}


# -- checked and sound: CSRF ---------------------------------------------------------------------

SIGNED_OUT_FORMS = {"/console/login", "/console/enrol"}
POSTS = sorted(path for method, path in TABLE if method == "POST"
               and path not in SIGNED_OUT_FORMS)


def _planted_pre_token(yk, app) -> tuple[str, str]:
    """A signed-out page's token and the nonce its cookie holds, as an attacker gets them."""
    stranger = console_client(yk, app=app)
    token = csrf_of(stranger.get("/console/login").text)
    return token, stranger.cookies.get("yaksok_console_pre")


def test_every_console_form_wants_the_sessions_csrf_token(yk, officer):
    """Every POST of a signed-in officer without the token, or with a signed-out page's token
    and its nonce planted as the pre-login cookie (a sibling subdomain can plant cookies, and
    SameSite does not stop a same-site form), is the 403 page; nothing is done."""
    from yaksok.accounts.staff import list_staff

    token, nonce = _planted_pre_token(yk, officer.app)
    planted = (f"yaksok_console={officer.cookies.get('yaksok_console')}; "
               f"yaksok_console_pre={nonce}")
    before = {s.username for s in list_staff(yk.engine)}
    for path in POSTS:
        url = re.sub(r"\{[^}]+\}", "atk-x", path)
        form = {"username": "atk-made", "role": "engineer", "confirmed": "yes", "totp": "yes"}
        r = officer.post(url, data=form)
        assert r.status_code == 403, (path, "no token", r.status_code)
        r = officer.post(url, data={**form, "csrf": token}, headers={"Cookie": planted})
        assert r.status_code == 403, (path, "pre-login token", r.status_code)
        assert "content-security-policy" in r.headers and r.headers["cache-control"] == "no-store"
    assert {s.username for s in list_staff(yk.engine)} == before  # nothing was added
    assert officer.get("/console/").status_code == 200  # the logout without a token did nothing


def test_the_centers_token_is_no_console_token(yk, officer):
    """A token of the privacy center's pages (its own HKDF key) does not pass a console form."""
    from tests.support.center import center_client

    center = center_client(yk, app=officer.app)
    token = csrf_of(center.get("/center/login").text)
    nonce = center.cookies.get("yaksok_center_pre")
    r = officer.post("/console/staff", data={"csrf": token, "username": "atk-made2",
                                             "role": "engineer"},
                     headers={"Cookie": f"yaksok_console={officer.cookies.get('yaksok_console')};"
                                        f" yaksok_console_pre={nonce}"})
    assert r.status_code == 403


# -- checked and sound: the session cookie and sign-in -------------------------------------------


def test_the_session_cookie_is_httponly_strict_console_only_and_secure_under_https(yk):
    add_staff_account(yk, "atk-https", "engineer")
    client = console_client(yk, https=True)
    r = console_post(client, "/console/login", {"username": "atk-https",
                                                "password": STAFF_PASSWORD,
                                                "code": next_code(yk, "atk-https")})
    assert r.status_code == 303
    [cookie] = [h for h in r.headers.get_list("set-cookie") if h.startswith("yaksok_console=")]
    low = cookie.lower()
    assert "httponly" in low and "samesite=strict" in low and "path=/console" in low
    assert "secure" in low
    assert "max-age" not in low and "expires" not in low  # a browser session's cookie
    assert "ys_" not in r.headers["location"]


def test_a_planted_session_cookie_is_replaced_by_the_sign_in(yk):
    """Session fixation: a cookie planted before sign-in (a made-up token, or one the attacker
    holds) is never the session the sign-in starts."""
    add_staff_account(yk, "atk-fixed", "engineer")
    client = console_client(yk)
    token = csrf_of(client.get("/console/login").text)
    client.cookies.set("yaksok_console", "ys_planted-by-the-attacker", domain="testserver.local",
                       path="/console")
    r = client.post("/console/login", data={"csrf": token, "username": "atk-fixed",
                                             "password": STAFF_PASSWORD,
                                             "code": next_code(yk, "atk-fixed")})
    assert r.status_code == 303
    assert client.cookies.get("yaksok_console") not in (None, "ys_planted-by-the-attacker")
    assert client.get("/console/").status_code == 200


def test_an_enrolment_ticket_works_once_and_a_guessed_one_never(yk):
    import pyotp

    from yaksok.accounts.staff import add_staff

    add_staff(yk.engine, yk.keyring, yk.policy, "atk-enrol", "engineer", STAFF_PASSWORD,
              enrol_on_console=True)
    client = console_client(yk)
    page = console_post(client, "/console/login", {"username": "atk-enrol",
                                                   "password": STAFF_PASSWORD, "code": ""})
    assert page.status_code == 200
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.text)[1]
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)[1].replace(" ", "")
    totp = pyotp.TOTP(secret)
    guessed = console_post(console_client(yk), "/console/enrol",
                           {"ticket": "ye_" + "A" * 43, "code": totp.now()},
                           page="/console/login")
    assert guessed.status_code == 401 and "yaksok_console=" not in guessed.headers.get(
        "set-cookie", "")
    r = client.post("/console/enrol", data={"csrf": csrf_of(page.text), "ticket": ticket,
                                            "code": totp.now()})
    assert r.status_code == 303
    # the same ticket again (a second browser, the back button): refused, no session
    again = console_post(console_client(yk), "/console/enrol",
                         {"ticket": ticket, "code": totp.at(dt.datetime.now(dt.UTC)
                                                            + dt.timedelta(seconds=30))},
                         page="/console/login")
    assert again.status_code == 401 and secret not in again.text
    # enrolled now: the password alone never starts another enrolment
    r = console_post(console_client(yk), "/console/login",
                     {"username": "atk-enrol", "password": STAFF_PASSWORD, "code": ""})
    assert r.status_code == 401 and "<svg" not in r.text


def test_a_crafted_query_never_reaches_the_page_as_markup(yk, officer):
    """Query parameters a link can carry (``done``, ``month``, ``from``, ``purpose``) are shown
    only as the page's own words, or escaped."""
    for path in ("/console/?done=%3Cb%3Eforged", "/console/staff?done=%3Cb%3Eforged",
                 "/console/auditlog/report?month=%3Cb%3Eforged",
                 "/console/policy/diff?from=%3Cb%3Eforged",
                 "/console/rights?status=%3Cb%3Eforged",
                 "/console/retention?months=%3Cb%3Eforged"):
        r = officer.get(path)
        assert r.status_code < 500 and "<b>forged" not in r.text, path
        assert "content-security-policy" in r.headers, path
