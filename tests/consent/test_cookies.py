"""Cookie consent: choices per device, GPC, the REST routes and the banner script.

The core tests run on SQLite and PostgreSQL (``db_url``); the browser itself is exercised in
``test_browser_banner.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer, staff_token
from tests.support.members import PASSWORD, signup_args
from yaksok.api import create_app, routes_cookies
from yaksok.consent.cookies import (
    GPC_SUPPORTED_SINCE,
    ChoiceWriter,
    CookieChoice,
    current_choice,
    defaults,
    effective_choice,
    gpc_signal,
    gpc_support,
    history,
    prepare_choice,
    record_choice,
)
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.engine import init_yaksok
from yaksok.errors import StorageError, ValidationError
from yaksok.members import login_member, sign_up
from yaksok.settings import Settings
from yaksok.store.tables import cookie_choices

REPO = Path(__file__).resolve().parents[2]
BANNER = REPO / "src" / "yaksok" / "web" / "static" / "banner.js"
DEVICE = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
ALL_ON = {"strictly_necessary": True, "performance": True, "functional": True}
ALL_OFF = {"strictly_necessary": True, "performance": False, "functional": False}
T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def yk(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh yaksok with the Somesing policy, on each backend."""
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    y = init_yaksok(Settings(data_dir=tmp_path / "data", database_url=db_url,
                             policy_path=REPO / "policies" / "somesing.yaml"))
    yield y
    y.close()


@pytest.fixture
def client(yk) -> TestClient:
    return TestClient(create_app(yk))


# -- GPC -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "expected"), [
    (None, False),
    ([], False),
    ("1", True),
    (["1"], True),
    (["0"], False),
    (["1 "], False),       # exactly "1": not with whitespace as received
    ([" 1"], False),
    (["true"], False),
    (["TRUE"], False),
    (["yes"], False),
    (["1, 1"], False),     # one field whose value is not exactly "1"
    (["0", "1"], True),    # several fields: any "1" counts
    (["true", "1", "0"], True),
    (["true", "0"], False),
])
@pytest.mark.promise("P12.4")
def test_gpc_signal_is_exactly_1_any_of_several(values, expected):
    assert gpc_signal(values) is expected


@pytest.mark.parametrize(("headers", "expected"), [
    ([], False),
    ([("Sec-GPC", "1")], True),
    ([("Sec-GPC", "true")], False),
    ([("Sec-GPC", "0")], False),
    ([("Sec-GPC", "0"), ("Sec-GPC", "1")], True),
    ([("Sec-GPC", "true"), ("Sec-GPC", "yes")], False),
])
@pytest.mark.promise("P12.4")
def test_config_reports_the_gpc_header(client, headers, expected):
    r = client.get("/consent/config", headers=headers)
    assert r.status_code == 200
    assert r.json()["gpc"] is expected
    assert "Sec-GPC" in r.headers["vary"]


def test_gpc_header_with_trailing_space_does_not_count(yk):
    # The ASGI server hands header values over as received; the route must not strip them.
    from starlette.requests import Request

    scope = {"type": "http", "headers": [(b"sec-gpc", b"1 ")], "method": "GET", "path": "/"}
    assert routes_cookies.request_gpc(Request(scope)) is False
    scope["headers"].append((b"sec-gpc", b"1"))
    assert routes_cookies.request_gpc(Request(scope)) is True


@pytest.mark.promise("P12.4")
def test_gpc_json(client, yk):
    r = client.get("/.well-known/gpc.json")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["gpc"] is True
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["lastUpdate"])
    assert dt.date.fromisoformat(body["lastUpdate"]) >= yk.published.effective_date
    # A later policy version restates the support on its own effective date.
    later = GPC_SUPPORTED_SINCE + dt.timedelta(days=40)
    assert gpc_support(later) == {"gpc": True, "lastUpdate": later.isoformat()}


# -- defaults and validation ---------------------------------------------------------------------


@pytest.mark.promise("P5.5")
def test_defaults_with_and_without_gpc(yk):
    assert defaults(yk.policy, gpc=False) == ALL_OFF
    assert defaults(yk.policy, gpc=True) == ALL_OFF


@pytest.mark.promise_text("P5.2")
def test_strictly_necessary_cannot_be_refused(yk):
    with pytest.raises(ValidationError) as err:
        record_choice(yk, DEVICE, {"strictly_necessary": False}, gpc=False, lang="ko")
    assert err.value.field == "choices.strictly_necessary"
    assert "need no consent" in err.value.message and "cannot be turned off" in err.value.message
    assert current_choice(yk, DEVICE) is None  # nothing stored


def test_unknown_categories_are_refused_listing_the_known_ones(yk):
    with pytest.raises(ValidationError) as err:
        record_choice(yk, DEVICE, {"performance": True, "advertising": True, "zz": False},
                      gpc=False, lang="en")
    assert "'advertising', 'zz'" in err.value.message
    assert "strictly_necessary, performance, functional" in err.value.message
    assert err.value.field == "choices"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"device_id": "short"}, "device_id"),
    ({"device_id": "x" * 65}, "device_id"),
    ({"device_id": "a b" * 8}, "device_id"),
    ({"lang": "ja"}, "lang"),
    ({"choices": {"performance": 1}}, "choices.performance"),
    ({"choices": {"performance": "true"}}, "choices.performance"),
    ({"choices": ["performance"]}, "choices"),
])
def test_other_validation_errors(yk, kwargs, field):
    args = {"device_id": DEVICE, "choices": {"performance": True}, "lang": "ko", **kwargs}
    with pytest.raises(ValidationError) as err:
        record_choice(yk, args.pop("device_id"), args.pop("choices"), gpc=False, **args)
    assert err.value.field == field


@pytest.mark.promise("P5.5")
@pytest.mark.promise_text("P5.2")
def test_choices_are_normalised(yk):
    # Strictly necessary is always on; an opt-in category left out is refused, never assumed.
    c = record_choice(yk, DEVICE, {"functional": True}, gpc=False, lang="ko")
    assert c.choices == {"strictly_necessary": True, "performance": False, "functional": True}
    assert c.policy_version == yk.published.version and c.banner_language == "ko"
    assert current_choice(yk, DEVICE).choices == c.choices


# -- history -------------------------------------------------------------------------------------


@pytest.mark.promise("P5.5")
def test_latest_choice_wins_and_history_is_kept(yk):
    record_choice(yk, DEVICE, ALL_ON, gpc=False, lang="ko", now=T0)
    record_choice(yk, OTHER, ALL_ON, gpc=False, lang="en", now=T0 + dt.timedelta(minutes=1))
    record_choice(yk, DEVICE, {"performance": False}, gpc=True, lang="en",
                  now=T0 + dt.timedelta(minutes=2))
    latest = current_choice(yk, DEVICE)
    assert latest.choices == ALL_OFF and latest.gpc is True and latest.banner_language == "en"
    assert latest.at == T0 + dt.timedelta(minutes=2)
    assert [c.choices for c in history(yk, device_id=DEVICE)] == [ALL_ON, ALL_OFF]
    assert current_choice(yk, OTHER).choices == ALL_ON  # devices do not mix
    assert current_choice(yk, "never0chose0this0device") is None
    # Same instant: the one recorded last wins.
    record_choice(yk, DEVICE, ALL_ON, gpc=False, lang="ko", now=T0 + dt.timedelta(minutes=2))
    assert current_choice(yk, DEVICE).choices == ALL_ON


def test_member_linking(yk):
    record_choice(yk, DEVICE, ALL_OFF, gpc=False, lang="ko", now=T0)
    record_choice(yk, DEVICE, ALL_ON, gpc=False, lang="ko", member_id="m_" + "a" * 24,
                  now=T0 + dt.timedelta(seconds=1))
    record_choice(yk, OTHER, ALL_OFF, gpc=True, lang="en", member_id="m_" + "a" * 24,
                  now=T0 + dt.timedelta(seconds=2))
    mine = history(yk, member_id="m_" + "a" * 24)
    assert [(c.device_id, c.choices) for c in mine] == [(DEVICE, ALL_ON), (OTHER, ALL_OFF)]
    assert current_choice(yk, DEVICE).member_id == "m_" + "a" * 24
    assert history(yk, device_id=DEVICE)[0].member_id is None


@pytest.mark.promise_text("P5.1", "P12.4")
def test_no_ip_address_or_user_agent_is_stored(client, yk):
    names = {c.name for c in cookie_choices.columns}
    assert names == {"id", "device_id", "member_id", "choices", "gpc", "policy_version",
                     "banner_language", "at"}
    r = client.post("/consent/choice", json={"device_id": DEVICE, "choices": ALL_ON},
                    headers={"User-Agent": "UA-marker/1.0", "X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 201, r.text
    with yk.engine.connect() as conn:
        row = conn.execute(sa.select(cookie_choices)).one()
    dumped = json.dumps([str(v) for v in row])
    assert "UA-marker" not in dumped and "203.0.113" not in dumped and "testclient" not in dumped


# -- the API's group-commit writer ------------------------------------------------------------


def test_writer_commits_concurrent_choices_and_stops_when_idle(yk):
    writer = ChoiceWriter(yk.engine, max_batch=7, idle_seconds=0.1)
    prepared = [prepare_choice(yk, f"{i:032x}", {"performance": i % 2 == 0}, gpc=i % 3 == 0,
                               lang="en", member_id=None if i % 4 else f"m_{i:024x}")
                for i in range(40)]

    async def write_all():
        return await asyncio.gather(*(writer.write(c) for c in prepared))

    assert asyncio.run(write_all()) == prepared
    for choice in prepared:  # every row committed before its caller was answered
        assert current_choice(yk, choice.device_id) == choice
    deadline = time.monotonic() + 5
    while writer._thread is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert writer._thread is None  # no idle thread left behind
    # ...and it starts again on the next write.
    again = prepare_choice(yk, DEVICE, ALL_ON, gpc=False, lang="ko")
    assert asyncio.run(writer.write(again)) == again
    assert current_choice(yk, DEVICE) == again


def test_writer_never_waits_for_a_held_sqlite_lock_on_the_loop(yk):
    if yk.engine.dialect.name != "sqlite":
        pytest.skip("the no-wait path is SQLite's; PostgreSQL always uses the writer thread")
    writer = ChoiceWriter(yk.engine, idle_seconds=0.1)
    first = prepare_choice(yk, OTHER, ALL_ON, gpc=False, lang="ko")
    assert asyncio.run(writer.write(first)) == first
    assert writer._thread is None  # written on the caller's thread
    choice = prepare_choice(yk, DEVICE, ALL_ON, gpc=False, lang="ko")
    with yk.engine.connect().execution_options(yaksok_sqlite_immediate=True) as other:
        other.begin()  # another writer holds SQLite's write lock

        async def write_while_locked():
            task = asyncio.ensure_future(writer.write(choice))
            await asyncio.sleep(0.3)  # the loop keeps running meanwhile
            # A write waiting for the lock on the loop would hold the loop until its busy
            # timeout, the lock (released below, by this same loop) never freed, and end in an
            # error: the task would be done. No clock is read: a loaded CI machine may take
            # longer than any bound on this sleep.
            assert not task.done()  # queued for the writer thread, which waits for the lock
            other.rollback()
            return await task

        assert asyncio.run(write_while_locked()) == choice
    assert current_choice(yk, DEVICE) == choice


def test_writer_reports_a_storage_error_to_every_caller(yk):
    prepared = [prepare_choice(yk, f"{i:032x}", {}, gpc=False, lang="ko") for i in range(5)]
    with yk.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE cookie_choices")
    writer = ChoiceWriter(yk.engine, idle_seconds=0.1)

    async def write_all():
        return await asyncio.gather(*(writer.write(c) for c in prepared), return_exceptions=True)

    results = asyncio.run(write_all())
    assert all(isinstance(r, StorageError) for r in results), results
    assert "postgresql" not in str(results[0]) and "sqlite" not in str(results[0])


# -- effective choice and GPC --------------------------------------------------------------------


def _recorded(choices: dict, gpc: bool) -> CookieChoice:
    return CookieChoice(device_id=DEVICE, choices=choices, gpc=gpc, policy_version="v",
                        banner_language="ko", at=T0)


@pytest.mark.promise("P12.4")
def test_effective_choice(yk):
    p = yk.policy
    none = effective_choice(p, None, gpc=True)
    assert (none.choices, none.decided, none.reason) == (ALL_OFF, False, "none")
    # A choice made without GPC is overridden once the signal arrives; the banner asks again.
    over = effective_choice(p, _recorded(ALL_ON, gpc=False), gpc=True)
    assert (over.choices, over.decided, over.reason) == (ALL_OFF, False, "gpc")
    # An explicit opt-in made while GPC was on (and the banner said so) is honoured.
    kept = effective_choice(p, _recorded(ALL_ON, gpc=True), gpc=True)
    assert (kept.choices, kept.decided, kept.reason) == (ALL_ON, True, "recorded")
    plain = effective_choice(p, _recorded(ALL_ON, gpc=False), gpc=False)
    assert (plain.choices, plain.decided) == (ALL_ON, True)
    # A category the recorded choice never answered is off, and the banner asks.
    old = effective_choice(p, _recorded({"strictly_necessary": True, "performance": True},
                                        gpc=False), gpc=False)
    assert old.choices == {"strictly_necessary": True, "performance": True, "functional": False}
    assert (old.decided, old.reason) == (False, "policy_changed")


# -- REST ----------------------------------------------------------------------------------------


@pytest.mark.promise_text("P5.2", "P5.3", "P5.4")
def test_config_lists_the_policy_categories(client, yk):
    body = client.get("/consent/config").json()
    cats = {c["key"]: c for c in body["categories"]}
    assert list(cats) == [c.key for c in yk.policy.cookies]
    assert cats["strictly_necessary"]["needs_consent"] is False
    assert cats["performance"]["needs_consent"] is True
    assert cats["functional"]["needs_consent"] is True
    assert cats["performance"]["label"] == {"ko": "수행 쿠키", "en": "Performance cookies"}
    uses = [u["en"] for u in cats["performance"]["uses"]]
    assert any(u.startswith("web analytics") for u in uses)
    assert any("layout" in u["en"] for u in cats["functional"]["uses"])
    assert body["choices"] == ["accept_all", "confirm_each", "refuse_all"]
    assert body["defaults"] == ALL_OFF and body["policy_version"] == yk.published.version
    # The policy's own facts behind P5.1-P5.4: no cookie identifies the user or markets.
    assert not any(c.identifies_user or c.marketing for c in yk.policy.cookies)


@pytest.mark.promise("P5.5")
def test_rest_round_trip(client):
    r = client.get("/consent/choice", params={"device_id": DEVICE})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.json() == {"device_id": DEVICE, "decided": False, "reason": "none", "gpc": False,
                        "choices": ALL_OFF, "recorded": None}
    for choices, expected in (({"performance": True, "functional": True}, ALL_ON),  # accept all
                              ({"performance": True}, {**ALL_OFF, "performance": True}),  # each
                              ({}, ALL_OFF)):  # refuse all
        r = client.post("/consent/choice",
                        json={"device_id": DEVICE, "choices": choices, "lang": "en"})
        assert r.status_code == 201, r.text
        assert r.json()["choices"] == expected and r.json()["member_linked"] is False
        got = client.get("/consent/choice", params={"device_id": DEVICE}).json()
        assert got["decided"] is True and got["choices"] == expected


def test_rest_gpc_is_recorded_from_header_or_body(client, yk):
    client.post("/consent/choice", json={"device_id": DEVICE, "choices": ALL_ON},
                headers={"Sec-GPC": "1"})
    assert current_choice(yk, DEVICE).gpc is True
    client.post("/consent/choice", json={"device_id": OTHER, "choices": ALL_ON, "gpc": True})
    assert current_choice(yk, OTHER).gpc is True
    client.post("/consent/choice", json={"device_id": OTHER, "choices": ALL_ON},
                headers={"Sec-GPC": "true"})
    assert current_choice(yk, OTHER).gpc is False
    # A choice made without GPC does not apply to a request that now carries it.
    got = client.get("/consent/choice", params={"device_id": OTHER},
                     headers={"Sec-GPC": "1"}).json()
    assert (got["decided"], got["reason"], got["choices"]) == (False, "gpc", ALL_OFF)
    got = client.get("/consent/choice", params={"device_id": OTHER, "gpc": "true"}).json()
    assert got["reason"] == "gpc"


def test_rest_validation_problems(client):
    body = assert_problem(client.post("/consent/choice", json={
        "device_id": DEVICE, "choices": {"strictly_necessary": False}}), 422, "validation")
    assert body["field"] == "choices.strictly_necessary"
    body = assert_problem(client.post("/consent/choice", json={
        "device_id": DEVICE, "choices": {"marketing": True}}), 422, "validation")
    assert "strictly_necessary, performance, functional" in body["detail"]
    assert_problem(client.post("/consent/choice", json={
        "device_id": DEVICE, "choices": {"performance": "yes"}}), 422, "validation")
    assert_problem(client.post("/consent/choice", json={
        "device_id": "1", "choices": {}}), 422, "validation")
    assert_problem(client.post("/consent/choice", json={
        "device_id": DEVICE, "choices": {}, "ip": "1.2.3.4"}), 422, "validation")
    assert_problem(client.get("/consent/choice", params={"device_id": "../x"}), 422,
                   "validation")
    assert_problem(client.get("/consent/choice"), 422, "validation")


def test_rest_links_the_choice_to_a_member(client, yk):
    member_id = sign_up(yk, **signup_args())
    _, token = login_member(yk, signup_args()["email"], PASSWORD)
    r = client.post("/consent/choice", json={"device_id": DEVICE, "choices": ALL_ON},
                    headers=bearer(token))
    assert r.status_code == 201, r.text
    assert r.json()["member_linked"] is True and "member_id" not in r.json()
    assert current_choice(yk, DEVICE).member_id == member_id
    assert [c.device_id for c in history(yk, member_id=member_id)] == [DEVICE]
    # Without a token the same device records an unlinked choice.
    r = client.post("/consent/choice", json={"device_id": DEVICE, "choices": ALL_OFF})
    assert r.json()["member_linked"] is False and current_choice(yk, DEVICE).member_id is None


def test_rest_refuses_bad_or_non_member_tokens(client, yk):
    assert_problem(client.post("/consent/choice", json={"device_id": DEVICE, "choices": {}},
                               headers=bearer("ym_not-a-session")), 401, "authentication-failed")
    token = staff_token(client, yk, "alice", yk.policy.staff_roles[0].key)
    body = assert_problem(client.post("/consent/choice",
                                      json={"device_id": DEVICE, "choices": {}},
                                      headers=bearer(token)), 403, "processing-refused")
    assert body["rule"] == "members-only"
    assert current_choice(yk, DEVICE) is None


# -- the banner script ---------------------------------------------------------------------------


@pytest.mark.promise("P5.5")
def test_banner_is_small_and_served_cacheable(client):
    r = client.get("/consent/banner.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/javascript")
    assert "max-age" in r.headers["cache-control"] and r.headers["etag"]
    assert len(r.content) < 15 * 1024 and r.content == BANNER.read_bytes()
    again = client.get("/consent/banner.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.promise("P12.4")
def test_banner_loads_nothing_from_other_origins():
    js = BANNER.read_text(encoding="utf-8")
    assert "://" not in js  # no absolute URL of any origin
    assert not re.search(r"""["'`]//""", js)  # nor a protocol-relative one
    assert "@import" not in js and "url(" not in js  # nor through CSS
    for banned in ("eval(", "new Function", "document.write", "innerHTML", "importScripts",
                   "sendBeacon", "XMLHttpRequest", "localStorage"):
        assert banned not in js, banned
    # Every request goes to BASE, the origin and path prefix the script itself came from.
    assert js.count("fetch(") == 1 and "fetch(BASE + path" in js


def test_banner_speaks_korean_and_english():
    js = BANNER.read_text(encoding="utf-8")
    for text in ("모두 허용", "직접 선택", "모두 거부", "Accept all", "Choose", "Refuse all",
                 "GPC", 'role: \'dialog\'', "aria-labelledby", "data-yaksok-reopen",
                 "data-yaksok-category", "globalPrivacyControl"):
        assert text in js, text
