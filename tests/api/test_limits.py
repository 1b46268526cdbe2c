"""Abuse limits over REST (issue 14): logins, sign-up, one-time codes, lookups and DRP answer
429 problem+json with ``Retry-After`` — with the counters in memory and in Redis — and the
counters hold no email, user name or address."""

from __future__ import annotations

import os

import pyotp
import pytest
from fastapi.testclient import TestClient

from tests.support.api import PASSWORD, assert_problem, bearer, key, sign_up, signup_body
from tests.support.members import PASSWORD as MEMBER_PASSWORD
from yaksok.accounts import add_staff
from yaksok.api.app import create_app
from yaksok.throttle import Throttle

STRANGER = ("203.0.113.7", 40000)
HOME = ("198.51.100.20", 40001)
REDIS = os.environ.get("YAKSOK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def need_redis() -> None:
    """Skip without Redis here; in CI (which starts it) its absence fails."""
    try:
        import redis

        if redis.Redis.from_url(REDIS, socket_timeout=1).ping():
            return
    except Exception:  # noqa: S110 - any failure means "not reachable"
        pass
    if os.environ.get("CI"):
        pytest.fail(f"Redis is not reachable at {REDIS}")
    pytest.skip("Redis is not running here")


@pytest.fixture(params=["memory", "redis"])
def store(request, yk):
    """``yk`` with fresh counters in memory or in Redis (a random key per test, so runs never
    share a counter); returns the store URI."""
    if request.param == "redis":
        need_redis()
        uri = REDIS
    else:
        uri = "memory://"
    yk.throttle = Throttle(uri, os.urandom(32))
    return uri


def tuned(yk, store: str, rule: str, limit: str) -> None:
    """Fresh counters in ``store`` with one rule tightened, so a test need not send hundreds."""
    yk.throttle = Throttle(store, os.urandom(32), overrides={rule: limit})


def at(yk, address) -> TestClient:
    return TestClient(create_app(yk), client=address)


def assert_limited(r) -> dict:
    body = assert_problem(r, 429, "rate-limited")
    wait = int(r.headers["retry-after"])
    assert wait >= 1 and body["retry_after"] == wait and str(wait) in body["fix"]
    return body


@pytest.mark.promise("P12.8")
def test_member_logins_are_slowed_per_account_and_address(yk, store):
    sign_up(at(yk, HOME), 1)
    stranger, home = at(yk, STRANGER), at(yk, HOME)
    wrong = {"email": "singer1@example.com", "password": "Wrong-pass-9"}
    for _ in range(5):
        assert_problem(stranger.post("/members/login", json=wrong), 401, "authentication-failed")
    right = {"email": "singer1@example.com", "password": MEMBER_PASSWORD}
    assert_limited(stranger.post("/members/login", json=right))
    r = home.post("/members/login", json=right)
    assert r.status_code == 200, r.text  # the member is not locked out


@pytest.mark.promise("P12.8")
def test_staff_logins_are_slowed_and_the_officer_gets_in_from_elsewhere(yk, store):
    _, secret = add_staff(yk.engine, yk.keyring, yk.policy, "officer", "privacy_officer",
                          PASSWORD)
    stranger, home = at(yk, STRANGER), at(yk, HOME)
    wrong = {"username": "officer", "password": "Wrong-pass-7", "totp": "000000"}
    for _ in range(5):
        assert_problem(stranger.post("/staff/login", json=wrong), 401, "authentication-failed")
    assert_limited(stranger.post("/staff/login", json=wrong))
    r = home.post("/staff/login", json={"username": "officer", "password": PASSWORD,
                                        "totp": pyotp.TOTP(secret).now()})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    accounts = home.get("/staff/accounts", headers=bearer(token)).json()
    assert accounts[0]["restricted_at"] is not None
    r = home.post("/staff/accounts/officer/lift-restriction", headers=bearer(token))
    assert r.status_code == 200 and r.json()["restricted_at"] is None


def test_sign_ups_from_one_address_are_limited(yk, store):
    tuned(yk, store, "signup-address", "3/hour")
    stranger = at(yk, STRANGER)
    for n in range(3):
        assert stranger.post("/members", json=signup_body(n + 1)).status_code == 201
    assert_limited(stranger.post("/members", json=signup_body(9)))
    assert at(yk, HOME).post("/members", json=signup_body(9)).status_code == 201


def test_lookups_are_limited_per_caller(yk, store):
    tuned(yk, store, "lookup-actor", "5/minute")
    client = at(yk, HOME)
    sign_up(client, 1)
    app = key(yk, "members")
    for i in range(5):
        r = client.post("/lookup", headers=app,
                        json={"category": "user.contact.email", "value": f"p{i}@example.com"})
        assert r.status_code == 200, r.text
    assert_limited(client.post("/lookup", headers=app, json={
        "category": "user.contact.email", "value": "singer1@example.com"}))


def test_drp_calls_are_limited_per_address(yk, store):
    tuned(yk, store, "drp-address", "3/minute")
    stranger = at(yk, STRANGER)
    for _ in range(3):
        assert stranger.get("/.well-known/data-rights.json").status_code == 200
    r = stranger.get("/.well-known/data-rights.json")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["code"] == "429"  # DRP's error shape, with RFC 9457's beside it
    assert at(yk, HOME).get("/.well-known/data-rights.json").status_code == 200


def test_one_time_codes_are_limited_per_address(yk, store, smtp):
    from yaksok.rights.verify import RESEND_SECONDS

    tuned(yk, store, "code-send-address", "1/hour")
    client = at(yk, STRANGER)
    sign_up(client, 1)
    token = client.post("/members/login", json={"email": "singer1@example.com",
                                                "password": MEMBER_PASSWORD}).json()["token"]
    r = client.post("/rights/requests", headers=bearer(token), json={"right": "access"})
    rid = r.json()["id"]
    assert client.post(f"/rights/requests/{rid}/code", headers=bearer(token)).status_code == 202
    assert RESEND_SECONDS > 0
    assert_limited(client.post(f"/rights/requests/{rid}/code", headers=bearer(token)))


def test_the_counters_hold_no_identifier_or_address(yk):
    need_redis()
    import redis

    yk.throttle = Throttle(REDIS, os.urandom(32))
    stranger = at(yk, STRANGER)
    for _ in range(6):
        stranger.post("/members/login", json={"email": "secret.person@example.com",
                                              "password": "Wrong-pass-9"})
        stranger.post("/staff/login", json={"username": "officer-kim", "password": "x" * 10,
                                            "totp": "000000"})
    r = redis.Redis.from_url(REDIS)
    dump = b"".join(k + b"".join(r.lrange(k, 0, -1) if r.type(k) == b"list" else [])
                    for k in r.scan_iter("*yaksok-throttle*"))
    assert dump  # the counters are there
    for plain in (b"secret.person", b"example.com", b"officer-kim", b"203.0.113.7"):
        assert plain not in dump


def test_an_unreachable_redis_fails_closed(yk):
    yk.throttle = Throttle("redis://127.0.0.1:1/0", os.urandom(32))
    r = at(yk, STRANGER).post("/members/login", json={"email": "a@example.com",
                                                      "password": "Wrong-pass-9"})
    body = assert_problem(r, 503, "storage")
    assert "rate-limit store" in body["detail"] and "127.0.0.1" not in body["detail"]


@pytest.mark.parametrize(("text", "word"), [
    ("login-pair=5/15 minutes;nope=1/hour", "is not a rate-limit rule"),
    ("login-pair=often", "is not a limit"),
])
def test_a_bad_rate_limit_setting_is_a_clear_config_error(text, word):
    from yaksok.errors import ConfigError
    from yaksok.throttle import parse_overrides

    with pytest.raises(ConfigError, match=word) as err:
        parse_overrides(text)
    assert err.value.field == "YAKSOK_RATE_LIMITS" and err.value.fix
    assert parse_overrides("login-pair=10/15 minutes") == {"login-pair": "10/15 minutes"}
