"""The accounts core: password rules and hashing, API keys, staff logins, and actors' purposes."""

from __future__ import annotations

import datetime as dt
import hashlib

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from yaksok.accounts import (
    add_staff,
    authenticate_api_key,
    authenticate_staff_token,
    check_password_rules,
    create_api_key,
    disable_staff,
    hash_password,
    lift_restriction,
    list_api_keys,
    list_staff,
    login_staff,
    logout_staff,
    revoke_api_key,
    totp_uri,
    verify_password,
)
from yaksok.accounts.staff import RESTRICT_AFTER
from yaksok.actors import system_actor
from yaksok.errors import AuthenticationFailed, Conflict, NotFound, RateLimited, ValidationError
from yaksok.store.tables import api_keys, staff_accounts

PASSWORD = "Lamp-7-tiger"
T0 = dt.datetime(2025, 3, 4, 9, 0, 0, tzinfo=dt.UTC)


def staff(yk, username="alice", role="privacy_officer"):
    new = add_staff(yk.engine, yk.keyring, yk.policy, username, role, PASSWORD)
    return new.info, new.totp_secret


def login(yk, secret, username="alice", password=PASSWORD, now=T0, code=None, **kw):
    code = pyotp.TOTP(secret).at(now) if code is None else code
    return login_staff(yk.engine, yk.keyring, yk.policy, username, password, code, now=now,
                       throttle=yk.throttle, **kw)


# -- passwords -------------------------------------------------------------------------------


@pytest.mark.promise("P12.8")
@pytest.mark.parametrize("pw", ["tgr7lamp", "lamp!tiger", "lampsunris", "7392!@#$%^", "호랑이램프7그림자"])
def test_password_rules_accept(pw):
    check_password_rules(pw)  # 8 of two kinds, or 10 of one kind


@pytest.mark.promise("P12.8")
@pytest.mark.parametrize(("pw", "rule"), [
    ("583920174", "10 characters of one kind"),  # 9 digits: one kind, too short for it
    ("lampsunr", "10 characters of one kind"),
    ("ab1!", "at least 8 characters"),
    ("qwer1234", "most common passwords"),
    ("Password1", "most common passwords"),
    ("QWERTYUIOP", "most common passwords"),
    ("", "required"),
])
def test_password_rules_refuse_naming_the_rule_not_the_password(pw, rule):
    with pytest.raises(ValidationError) as err:
        check_password_rules(pw, field="new_password")
    e = err.value
    assert e.field == "new_password"
    assert rule in e.message
    if pw:
        assert pw not in str(e) and pw.lower() not in str(e).lower()
        assert pw not in (e.fix or "")


@pytest.mark.promise("P7.2")
def test_argon2id_hash_is_one_way_and_salted():
    h = hash_password(PASSWORD)
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in h
    assert hash_password(PASSWORD) != h  # a fresh salt each time
    assert verify_password(h, PASSWORD) == (True, None)
    assert verify_password(h, PASSWORD + "x") == (False, None)
    assert verify_password("not a hash", PASSWORD) == (False, None)


@pytest.mark.promise("P7.2")
def test_verify_rehashes_when_parameters_changed():
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    ok, new = verify_password(old, PASSWORD)
    assert ok and new is not None
    assert new.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(new, PASSWORD) == (True, None)
    assert verify_password(old, "wrong-pass-1") == (False, None)  # no rehash on failure


# -- API keys --------------------------------------------------------------------------------


@pytest.mark.promise("P7.5")
def test_api_key_create_authenticate_revoke(yk):
    info, secret = create_api_key(yk.engine, yk.policy, "web-backend", ["members", "analytics"])
    assert secret.startswith(f"yk_{info.id}_") and info.scopes == ("members", "analytics")
    actor = authenticate_api_key(yk.engine, yk.policy, secret, now=T0)
    assert actor.kind == "app_backend" and actor.id == info.id
    assert actor.scopes == {"members", "analytics"}
    expected = {p for s in ("members", "analytics") for p in yk.policy.api_scope(s).purposes}
    assert actor.purposes == expected
    assert "usage_statistics" in actor.purposes and "consented_marketing" not in actor.purposes
    [listed] = list_api_keys(yk.engine)
    assert listed.last_used_at == T0 and listed.active
    assert not hasattr(listed, "secret") and not hasattr(listed, "key_hash")

    with pytest.raises(AuthenticationFailed):
        authenticate_api_key(yk.engine, yk.policy, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    with pytest.raises(AuthenticationFailed):
        authenticate_api_key(yk.engine, yk.policy, "yk_nonsense")
    revoked = revoke_api_key(yk.engine, info.id)
    assert revoked.revoked_at is not None and not revoked.active
    with pytest.raises(AuthenticationFailed, match="revoked"):
        authenticate_api_key(yk.engine, yk.policy, secret)
    with pytest.raises(NotFound):
        revoke_api_key(yk.engine, "ak_0000000000000000")


def test_unknown_scope_lists_known_scopes(yk):
    with pytest.raises(ValidationError) as err:
        create_api_key(yk.engine, yk.policy, "web", ["members", "everything"])
    assert err.value.field == "scopes" and "'everything'" in err.value.message
    for known in ("members", "analytics", "marketing", "compliance"):
        assert known in err.value.message
    with pytest.raises(ValidationError):
        create_api_key(yk.engine, yk.policy, "web", [])
    assert list_api_keys(yk.engine) == []


@pytest.mark.promise("P7.2")
def test_only_the_api_key_hash_is_stored(yk):
    info, secret = create_api_key(yk.engine, yk.policy, "web", ["members"])
    with yk.engine.connect() as conn:
        row = conn.execute(select(api_keys)).one()
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    # Not rsplit("_"): the urlsafe random part may itself hold "_", leaving a fragment short
    # enough to turn up in the hash or the name by chance (about 1 run in 100 failed).
    random_part = secret.removeprefix(f"yk_{info.id}_")
    assert len(random_part) == 43
    for value in row._mapping.values():
        assert secret not in str(value) and random_part not in str(value)


# -- staff -----------------------------------------------------------------------------------


def test_add_staff_validates_role_username_password(yk):
    with pytest.raises(ValidationError) as err:
        add_staff(yk.engine, yk.keyring, yk.policy, "alice", "admin", PASSWORD)
    assert err.value.field == "role"
    for role in ("privacy_officer", "processor_support_agent", "security_auditor", "engineer"):
        assert role in err.value.message
    with pytest.raises(ValidationError) as err:
        add_staff(yk.engine, yk.keyring, yk.policy, "a b", "engineer", PASSWORD)
    assert err.value.field == "username"
    with pytest.raises(ValidationError) as err:
        add_staff(yk.engine, yk.keyring, yk.policy, "alice", "engineer", "password1")
    assert err.value.field == "password" and "password1" not in str(err.value)
    assert list_staff(yk.engine) == []
    staff(yk)
    with pytest.raises(Conflict):
        staff(yk, username="Alice")  # usernames are case-insensitive


@pytest.mark.promise("P7.2", "P12.8")
def test_totp_secret_and_password_not_stored_in_plaintext(yk):
    info, secret = staff(yk)
    with yk.engine.connect() as conn:
        row = conn.execute(select(staff_accounts)).one()
    for value in row._mapping.values():
        assert secret not in str(value) and PASSWORD not in str(value)
    assert row.password_hash.startswith("$argon2id$")
    uri = totp_uri(secret, info.username)
    assert uri.startswith("otpauth://totp/yaksok:alice?") and f"secret={secret}" in uri


@pytest.mark.promise("P12.8", "P7.5")
def test_login_with_totp_then_session_expires(yk):
    info, secret = staff(yk)
    actor, token = login(yk, secret, session_seconds=3600)
    assert token.startswith("ys_")
    assert actor.kind == "staff" and actor.role == "privacy_officer" and actor.id == info.id
    assert actor.display == "staff:alice (privacy_officer)"
    assert actor.purposes == set(yk.policy.staff_role("privacy_officer").purposes)
    again = authenticate_staff_token(yk.engine, yk.policy, token, now=T0 + dt.timedelta(seconds=3599))
    assert again == actor
    with pytest.raises(AuthenticationFailed, match="expired"):
        authenticate_staff_token(yk.engine, yk.policy, token, now=T0 + dt.timedelta(seconds=3600))
    _, token2 = login(yk, secret, now=T0 + dt.timedelta(seconds=30))
    assert logout_staff(yk.engine, token2, now=T0)
    with pytest.raises(AuthenticationFailed):
        authenticate_staff_token(yk.engine, yk.policy, token2, now=T0)
    with pytest.raises(AuthenticationFailed):
        authenticate_staff_token(yk.engine, yk.policy, "ys_made-up", now=T0)


@pytest.mark.promise("P12.8")
def test_a_totp_code_works_only_once(yk):
    _, secret = staff(yk)
    login(yk, secret)
    with pytest.raises(AuthenticationFailed):
        login(yk, secret, now=T0 + dt.timedelta(seconds=5))  # same code, same 30 s step
    # an earlier step's code, still inside the drift window, is refused too
    with pytest.raises(AuthenticationFailed):
        login(yk, secret, now=T0 + dt.timedelta(seconds=31), code=pyotp.TOTP(secret).at(T0))
    actor, _ = login(yk, secret, now=T0 + dt.timedelta(seconds=31))
    assert actor.role == "privacy_officer"


@pytest.mark.promise("P12.8")
def test_failures_share_one_message(yk):
    _, secret = staff(yk)
    valid = {pyotp.TOTP(secret).at(T0, counter_offset=o) for o in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    messages = set()
    for kwargs in ({"code": wrong}, {"password": "Wrong-pass-7"}, {"username": "nobody"}):
        with pytest.raises(AuthenticationFailed) as err:
            login(yk, secret, **kwargs)
        messages.add(str(err.value))
    assert len(messages) == 1


A = "203.0.113.7"  # the stranger's address
B = "198.51.100.20"  # the officer's own address


def _fail(yk, secret, ip, n, username="alice", start=0):
    for i in range(n):
        with pytest.raises(AuthenticationFailed):
            login(yk, secret, username=username, password="Wrong-pass-7", ip=ip,
                  now=T0 + dt.timedelta(seconds=start + i))


@pytest.mark.promise("P12.8")
def test_a_stranger_cannot_lock_the_officer_out(yk):
    """Five failures slow the stranger's address down and restrict the account; the officer
    still logs in from their own address with password and TOTP."""
    _, secret = staff(yk)
    _fail(yk, secret, A, RESTRICT_AFTER)
    with pytest.raises(RateLimited) as err:  # the right password from the stranger's address
        login(yk, secret, ip=A, now=T0 + dt.timedelta(minutes=1))
    assert 0 < err.value.retry_after <= 15 * 60
    (info,) = list_staff(yk.engine)
    assert info.restricted_at is not None
    actor, _ = login(yk, secret, ip=B, now=T0 + dt.timedelta(minutes=1))
    assert actor.role == "privacy_officer"


@pytest.mark.promise("P12.8")
def test_a_restricted_account_refuses_the_addresses_that_failed_until_the_officer_lifts_it(yk):
    from yaksok.throttle import Throttle

    yk.throttle = Throttle("memory://", b"k" * 32, overrides={"login-pair": "5/1 second"})
    _, secret = staff(yk)
    _fail(yk, secret, A, RESTRICT_AFTER)
    import time

    time.sleep(1.2)  # the pair's slow-down is over; the restriction is not
    with pytest.raises(AuthenticationFailed) as err:
        login(yk, secret, ip=A, now=T0 + dt.timedelta(minutes=2))
    assert err.value.message == "username, password or code is not right"
    assert lift_restriction(yk.engine, "alice").restricted_at is None
    actor, _ = login(yk, secret, ip=A, now=T0 + dt.timedelta(minutes=3))
    assert actor.role == "privacy_officer"


def test_login_limits_answer_the_same_for_an_unknown_user(yk):
    """A stranger learns nothing from the limits: an unknown user name is slowed down exactly
    like a real one."""
    _, secret = staff(yk)

    def answers(username):
        out = []
        for i in range(RESTRICT_AFTER + 2):
            try:
                login(yk, secret, username=username, password="Wrong-pass-7", ip=A,
                      now=T0 + dt.timedelta(seconds=i))
            except (AuthenticationFailed, RateLimited) as exc:
                out.append((type(exc).__name__, exc.message))
        return out

    assert answers("alice") == answers("nobody")
    assert answers("alice")[-1][0] == "RateLimited"


def test_success_restarts_the_failure_count(yk):
    _, secret = staff(yk)
    step = iter(T0 + dt.timedelta(seconds=30 * n) for n in range(10))
    for _round in range(2):
        _fail(yk, secret, None, RESTRICT_AFTER - 1)
        login(yk, secret, now=next(step))  # the fifth try succeeds, and the count starts again
    (info,) = list_staff(yk.engine)
    assert info.restricted_at is None


@pytest.mark.promise("P7.2")
def test_login_rehashes_a_password_hashed_with_old_parameters(yk):
    _, secret = staff(yk)
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with yk.engine.begin() as conn:
        conn.execute(update(staff_accounts).values(password_hash=old))
    login(yk, secret)
    with yk.engine.connect() as conn:
        stored = conn.execute(select(staff_accounts.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.promise("P7.5")
def test_processor_support_agent_acts_only_through_processor_tasks(yk):
    _, secret = staff(yk, "bora", "processor_support_agent")
    actor, token = login(yk, secret, username="bora")
    assert actor.kind == "processor_staff" and actor.processor == "btc_korea_service"
    btc = yk.policy.processor("btc_korea_service")
    tasks = yk.policy.staff_role("processor_support_agent").tasks
    expected = {p for t in btc.tasks if t.key in tasks for p in t.purposes}
    assert actor.purposes == expected == {"contract_performance", "member_management"}
    assert "consented_marketing" not in actor.purposes and "legal_compliance" not in actor.purposes
    assert authenticate_staff_token(yk.engine, yk.policy, token, now=T0).kind == "processor_staff"


@pytest.mark.promise("P7.5")
def test_roles_grant_differentiated_purposes(yk):
    _, s1 = staff(yk, "eun", "engineer")
    _, s2 = staff(yk, "sam", "security_auditor")
    engineer, _ = login(yk, s1, username="eun")
    auditor, _ = login(yk, s2, username="sam")
    assert "service_improvement" in engineer.purposes
    assert "member_management" not in engineer.purposes
    assert auditor.purposes == frozenset()
    assert "member_management" not in system_actor("retention").purposes
    assert "legal_compliance" in system_actor("retention", ["legal_compliance"]).purposes


def test_disable_staff_ends_sessions_and_logins(yk):
    _, secret = staff(yk)
    _, token = login(yk, secret)
    info = disable_staff(yk.engine, "alice", now=T0)
    assert info.disabled_at == T0 and not info.active
    with pytest.raises(AuthenticationFailed):
        authenticate_staff_token(yk.engine, yk.policy, token, now=T0)
    with pytest.raises(AuthenticationFailed, match="not right"):
        login(yk, secret)
    with pytest.raises(NotFound):
        disable_staff(yk.engine, "nobody")
