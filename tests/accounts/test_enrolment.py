"""Staff enrolment on the console, the officer's resets, idle sessions and password changes
(``yaksok.accounts.enrolment``, ``yaksok.accounts.staff``), on real SQLite.

Most tests share one store (module scope), each with its own usernames; the ones whose point is
a transaction or the migration run on each backend (``yk``, ``engine``)."""

from __future__ import annotations

import datetime as dt
import itertools

import pyotp
import pytest
import sqlalchemy as sa

from tests.support.paths import POLICY
from yaksok.accounts.enrolment import (
    WRONG_CODES,
    change_staff_password,
    finish_enrolment,
    reset_staff,
    start_enrolment,
)
from yaksok.accounts.passwords import check_password_rules
from yaksok.accounts.rights_log import changes
from yaksok.accounts.staff import (
    add_staff,
    authenticate_staff_token,
    list_staff,
    login_staff,
)
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.engine import init_yaksok
from yaksok.errors import AuthenticationFailed, Conflict, NotFound, ValidationError
from yaksok.settings import Settings
from yaksok.store.tables import staff_accounts, staff_sessions

PASSWORD = "Lamp-7-tiger"
NEW_PASSWORD = "Brand-new-lamp-9"
T0 = dt.datetime(2026, 12, 1, 9, 0, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(seconds=30)
_names = itertools.count()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One store for the module; the abuse limits opened wide, since every sign-in here comes
    from one unknown address within seconds (the limits are the login tests' subject)."""
    from yaksok.throttle.limiter import RULES

    generous = ";".join(f"{rule}=1000000/minute" for rule in RULES)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSPHRASE_ENV, raising=False)
        yk = init_yaksok(Settings(data_dir=tmp_path_factory.mktemp("enrol") / "data",
                                  policy_path=POLICY, rate_limits=generous))
        yield yk
        yk.close()


def name() -> str:
    return f"staff{next(_names)}"


def code(secret: str, at: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def wrong_code(secret: str, at: dt.datetime) -> str:
    valid = {pyotp.TOTP(secret).at(at, counter_offset=o) for o in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def new_account(yk, username=None, role="engineer", **kw):
    if not kw.get("temporary_password"):
        kw.setdefault("password", PASSWORD)
    password = kw.pop("password", None)
    return add_staff(yk.engine, yk.keyring, yk.policy, username or name(), role, password,
                     now=T0, **kw)


def start(yk, username, password=PASSWORD, now=T0, **kw):
    return start_enrolment(yk.engine, yk.keyring, yk.policy, username, password,
                           throttle=yk.throttle, now=now, **kw)


def finish(yk, enrolment, now=T0, totp=None, **kw):
    totp = code(enrolment.secret, now) if totp is None else totp
    return finish_enrolment(yk.engine, yk.keyring, yk.policy, enrolment.ticket, totp,
                            throttle=yk.throttle, now=now, **kw)


def login(yk, username, secret, password=PASSWORD, now=T0, **kw):
    return login_staff(yk.engine, yk.keyring, yk.policy, username, password,
                       code(secret, now), throttle=yk.throttle, now=now, **kw)


def row_of(yk, staff_id):
    with yk.engine.connect() as conn:
        return conn.execute(sa.select(staff_accounts)
                            .where(staff_accounts.c.id == staff_id)).one()


def enrolled(yk, role="engineer"):
    """An account enrolled on the console: (username, staff id, TOTP secret, session token)."""
    new = new_account(yk, role=role, enrol_on_console=True)
    started = start(yk, new.info.username)
    _, token = finish(yk, started)
    return new.info.username, new.info.id, started.secret, token


# -- enrolment ---------------------------------------------------------------------------------


@pytest.mark.promise("P12.8", "P7.2")
def test_first_sign_in_enrols_the_authenticator_and_replaces_the_temporary_password(yk):
    new = add_staff(yk.engine, yk.keyring, yk.policy, "bora", "processor_support_agent",
                    enrol_on_console=True, temporary_password=True, now=T0)
    assert new.totp_secret is None and not new.info.enrolled and new.info.must_change_password
    temporary = new.temporary_password
    check_password_rules(temporary)
    assert len(temporary.replace("-", "")) >= 16
    assert temporary not in repr(new)

    # Password + any code at the login: the generic refusal, not a way round the enrolment.
    with pytest.raises(AuthenticationFailed) as refused:
        login_staff(yk.engine, yk.keyring, yk.policy, "bora", temporary, "123456",
                    throttle=yk.throttle, now=T0)
    with pytest.raises(AuthenticationFailed) as wrong:
        login_staff(yk.engine, yk.keyring, yk.policy, "bora", "Wrong-pass-7", "123456",
                    throttle=yk.throttle, now=T0)
    assert str(refused.value) == str(wrong.value)
    assert "/console/login" in refused.value.fix

    started = start(yk, "BORA ", temporary)
    assert started.ticket.startswith("ye_") and len(started.ticket) == 46
    assert started.must_change_password and started.username == "bora"
    assert started.expires_at == T0 + dt.timedelta(minutes=10)
    assert f"secret={started.secret}" in started.uri and "yaksok:bora" in started.uri
    assert started.secret not in repr(started) and started.ticket not in repr(started)
    row = row_of(yk, new.info.id)
    for value in row._mapping.values():  # only sealed and hashed forms are stored
        assert started.secret not in str(value) and started.ticket not in str(value)
        assert temporary not in str(value)

    actor, token = finish(yk, started, now=T0 + STEP, new_password=NEW_PASSWORD)
    assert actor.id == new.info.id and actor.kind == "processor_staff"
    assert authenticate_staff_token(yk.engine, yk.policy, token, now=T0 + STEP) == actor
    row = row_of(yk, new.info.id)
    assert row.totp_pending_enc is None and row.enrol_ticket_hash is None
    assert row.totp_secret_enc is not None and not row.must_change_password
    (info,) = [i for i in list_staff(yk.engine) if i.username == "bora"]
    assert info.enrolled and not info.must_change_password
    # From now on the ordinary login, with the new password and the enrolled secret.
    later = T0 + 2 * STEP
    assert login(yk, "bora", started.secret, NEW_PASSWORD, now=later)[0] == actor
    with pytest.raises(AuthenticationFailed):
        login(yk, "bora", started.secret, temporary, now=later + STEP)


@pytest.mark.promise("P12.8")
def test_an_enrolled_account_cannot_be_enrolled_again_with_its_password(store):
    username, staff_id, _, _ = enrolled(store)
    answers = set()
    for who, password in ((username, PASSWORD), (username, "Wrong-pass-7"),
                          ("nobody-here", PASSWORD)):
        with pytest.raises(AuthenticationFailed) as err:
            start(store, who, password)
        answers.add(str(err.value))
    assert len(answers) == 1  # right password, wrong password, unknown: one answer
    # The right password is not a guess: only the wrong one counts towards the restriction.
    assert row_of(store, staff_id).failed_logins == 1
    assert row_of(store, staff_id).enrol_ticket_hash is None


@pytest.mark.promise("P12.8")
def test_the_enrolment_code_signs_in_once(store):
    new = new_account(store, enrol_on_console=True)
    started = start(store, new.info.username)
    finish(store, started)
    with pytest.raises(AuthenticationFailed) as err:  # the same ticket and code again
        finish(store, started)
    assert err.value.field == "ticket" and "sign in again with your password" in err.value.fix
    with pytest.raises(AuthenticationFailed):  # the same code at the login
        login(store, new.info.username, started.secret, now=T0)
    assert login(store, new.info.username, started.secret, now=T0 + 2 * STEP)[0].id == new.info.id


@pytest.mark.promise("P12.8")
def test_wrong_codes_end_the_enrolment(store):
    new = new_account(store, enrol_on_console=True)
    started = start(store, new.info.username)
    bad = wrong_code(started.secret, T0)
    for _ in range(WRONG_CODES - 1):
        with pytest.raises(AuthenticationFailed) as err:
            finish(store, started, totp=bad)
        assert err.value.field == "totp" and "not right" in err.value.message
    with pytest.raises(AuthenticationFailed) as err:
        finish(store, started, totp=bad)
    assert err.value.field == "ticket" and f"{WRONG_CODES} wrong codes" in err.value.message
    assert row_of(store, new.info.id).totp_pending_enc is None
    with pytest.raises(AuthenticationFailed, match="ended"):  # even the right code now
        finish(store, started)
    again = start(store, new.info.username)
    assert again.secret != started.secret
    assert finish(store, again)[0].id == new.info.id


def test_an_expired_or_replaced_ticket_is_refused(store):
    new = new_account(store, enrol_on_console=True)
    first = start(store, new.info.username)
    with pytest.raises(AuthenticationFailed) as err:
        finish(store, first, now=T0 + dt.timedelta(minutes=10))
    assert err.value.field == "ticket" and "sign in again with your password" in err.value.fix
    second = start(store, new.info.username, now=T0 + dt.timedelta(minutes=11))
    third = start(store, new.info.username, now=T0 + dt.timedelta(minutes=12))
    later = T0 + dt.timedelta(minutes=13)
    with pytest.raises(AuthenticationFailed):  # a newer start replaced it
        finish(store, second, now=later)
    with pytest.raises(AuthenticationFailed):
        finish_enrolment(store.engine, store.keyring, store.policy, "ye_made-up", "123456",
                         throttle=store.throttle, now=later)
    assert finish(store, third, now=later)[0].id == new.info.id


def test_a_temporary_password_must_be_replaced_by_a_good_one(store):
    new = new_account(store, enrol_on_console=True, temporary_password=True)
    started = start(store, new.info.username, new.temporary_password)
    for bad, rule in ((None, "new password is needed"),
                      (new.temporary_password, "same as the current one"),
                      ("qwer1234", "most common passwords")):
        with pytest.raises(ValidationError) as err:
            finish(store, started, new_password=bad)
        assert err.value.field == "new_password" and rule in err.value.message
    assert row_of(store, new.info.id).must_change_password  # nothing half-written
    finish(store, started, new_password=NEW_PASSWORD)
    assert not row_of(store, new.info.id).must_change_password


def test_add_staff_refuses_a_password_with_a_temporary_one(store):
    with pytest.raises(ValidationError) as err:
        new_account(store, temporary_password=True, password=PASSWORD)
    assert err.value.field == "password"


# -- resets ------------------------------------------------------------------------------------


@pytest.mark.promise("P12.8")
def test_a_totp_reset_ends_the_sessions_is_recorded_and_means_enrolling_again(yk):
    officer = new_account(yk, "yoon", "privacy_officer")
    username, staff_id, secret, token = enrolled(yk)
    assert reset_staff(yk.engine, yk.keyring, username, totp=True, password=False,
                       by=officer.info.id, now=T0 + STEP) is None
    with pytest.raises(AuthenticationFailed, match="ended"):
        authenticate_staff_token(yk.engine, yk.policy, token, now=T0 + STEP)
    with pytest.raises(AuthenticationFailed):  # the old authenticator no longer signs in
        login(yk, username, secret, now=T0 + 3 * STEP)
    (info,) = [i for i in list_staff(yk.engine) if i.username == username]
    assert not info.enrolled
    *_, change = changes(yk.engine, subject=staff_id)
    assert (change.change, change.by, change.reason) == ("reset", officer.info.id, "TOTP reset")
    assert change.rights == "role:engineer"
    again = start(yk, username, now=T0 + 4 * STEP)
    assert not again.must_change_password
    assert finish(yk, again, now=T0 + 4 * STEP)[0].id == staff_id


@pytest.mark.promise("P12.8")
def test_a_password_reset_gives_a_temporary_password_to_replace_at_the_login(store):
    officer = new_account(store, role="privacy_officer")
    username, staff_id, secret, token = enrolled(store)
    temporary = reset_staff(store.engine, store.keyring, username, totp=False, password=True,
                            by=officer.info.id, now=T0)
    check_password_rules(temporary)
    with pytest.raises(AuthenticationFailed):
        authenticate_staff_token(store.engine, store.policy, token, now=T0)
    with pytest.raises(AuthenticationFailed):  # enrolled: not a second enrolment
        start(store, username, temporary)
    with pytest.raises(AuthenticationFailed) as err:  # the temporary password alone
        login(store, username, secret, temporary, now=T0 + STEP)
    assert err.value.message == "username, password or code is not right"
    with pytest.raises(ValidationError) as bad:
        login(store, username, secret, temporary, now=T0 + STEP, new_password=temporary)
    assert bad.value.field == "new_password"
    actor, _ = login(store, username, secret, temporary, now=T0 + STEP,
                     new_password=NEW_PASSWORD)
    assert actor.id == staff_id
    assert login(store, username, secret, NEW_PASSWORD, now=T0 + 2 * STEP)[0].id == staff_id
    assert [c.reason for c in changes(store.engine, subject=staff_id) if c.change == "reset"] \
        == ["password reset"]


def test_a_reset_is_refused_on_oneself_unknown_names_and_nothing_chosen(store):
    officer = new_account(store, role="privacy_officer")
    me = officer.info
    with pytest.raises(Conflict) as err:
        reset_staff(store.engine, store.keyring, me.username, totp=True, password=True,
                    by=me.id)
    assert err.value.fix and "another privacy officer" in err.value.fix
    assert row_of(store, me.id).totp_secret_enc is not None
    assert [c.change for c in changes(store.engine, subject=me.id)] == ["granted"]
    with pytest.raises(NotFound):
        reset_staff(store.engine, store.keyring, "nobody-at-all", totp=True, password=False,
                    by=me.id)
    other = new_account(store)
    with pytest.raises(ValidationError):
        reset_staff(store.engine, store.keyring, other.info.username, totp=False,
                    password=False, by=me.id)
    temporary = reset_staff(store.engine, store.keyring, other.info.username, totp=True,
                            password=True, by="cli:operator")
    assert temporary
    assert [c.reason for c in changes(store.engine, subject=other.info.id)
            if c.change == "reset"] == ["TOTP and password reset"]


# -- idle sessions -----------------------------------------------------------------------------


@pytest.mark.promise("P12.8")
def test_an_idle_session_ends(store):
    username, _, secret, _ = enrolled(store)
    later = T0 + 2 * STEP
    _, token = login(store, username, secret, now=later)
    idle = 30 * 60
    seen = later + dt.timedelta(minutes=29)
    authenticate_staff_token(store.engine, store.policy, token, now=seen, idle_seconds=idle)
    # 29 minutes after its last use it lives; 30 minutes and a second after, it has ended.
    authenticate_staff_token(store.engine, store.policy, token,
                             now=seen + dt.timedelta(minutes=29), idle_seconds=idle)
    gone = seen + dt.timedelta(minutes=59, seconds=1)
    with pytest.raises(AuthenticationFailed) as err:
        authenticate_staff_token(store.engine, store.policy, token, now=gone, idle_seconds=idle)
    assert "30 minutes without use" in err.value.fix
    with pytest.raises(AuthenticationFailed, match="ended"):  # revoked, not only refused
        authenticate_staff_token(store.engine, store.policy, token, now=gone)


def test_last_use_is_written_at_most_once_a_minute_and_old_sessions_count_from_their_start(store):
    username, _, secret, _ = enrolled(store)
    later = T0 + 2 * STEP
    _, token = login(store, username, secret, now=later)

    def last_seen():
        with store.engine.connect() as conn:
            return conn.execute(sa.select(staff_sessions.c.last_seen_at).where(
                staff_sessions.c.token_hash == _digest(token))).scalar_one()

    assert last_seen() == later
    authenticate_staff_token(store.engine, store.policy, token, now=later + dt.timedelta(seconds=59))
    assert last_seen() == later  # no write
    authenticate_staff_token(store.engine, store.policy, token, now=later + dt.timedelta(seconds=61))
    assert last_seen() == later + dt.timedelta(seconds=61)
    # A session from before the column: its start counts as its last use.
    with store.engine.begin() as conn:
        conn.execute(sa.update(staff_sessions).where(
            staff_sessions.c.token_hash == _digest(token)).values(last_seen_at=None))
    with pytest.raises(AuthenticationFailed):
        authenticate_staff_token(store.engine, store.policy, token,
                                 now=later + dt.timedelta(minutes=31), idle_seconds=1800)


def _digest(token: str) -> str:
    from yaksok.accounts.sessions import token_digest

    return token_digest(token)


def test_the_idle_setting_comes_from_the_environment():
    assert Settings().staff_idle_seconds == 1800
    assert Settings.from_env({"YAKSOK_STAFF_IDLE_SECONDS": "600"}).staff_idle_seconds == 600


# -- changing one's password -------------------------------------------------------------------


@pytest.mark.promise("P12.8")
def test_changing_the_password_ends_every_session_and_returns_a_new_one(yk):
    username, staff_id, secret, first = enrolled(yk)
    _, second = login(yk, username, secret, now=T0 + 2 * STEP)
    with pytest.raises(AuthenticationFailed) as err:
        change_staff_password(yk.engine, second, "Wrong-pass-7", NEW_PASSWORD, now=T0)
    assert err.value.field == "current_password"
    with pytest.raises(ValidationError) as err:
        change_staff_password(yk.engine, second, PASSWORD, PASSWORD, now=T0)
    assert err.value.field == "new_password"
    fresh = change_staff_password(yk.engine, second, PASSWORD, NEW_PASSWORD, now=T0)
    for old in (first, second):
        with pytest.raises(AuthenticationFailed, match="ended"):
            authenticate_staff_token(yk.engine, yk.policy, old, now=T0)
    assert authenticate_staff_token(yk.engine, yk.policy, fresh, now=T0).id == staff_id
    assert login(yk, username, secret, NEW_PASSWORD, now=T0 + 3 * STEP)[0].id == staff_id
    with pytest.raises(AuthenticationFailed):
        change_staff_password(yk.engine, "ys_made-up", NEW_PASSWORD, "Another-lamp-3", now=T0)


# -- storage -----------------------------------------------------------------------------------


def test_a_pending_secret_survives_a_kek_rotation_and_retirement(store):
    from yaksok.rotation import retire_kek, rotate_kek

    new = new_account(store, enrol_on_console=True)
    started = start(store, new.info.username)
    rotate_kek(store)
    retire_kek(store, 1)
    assert finish(store, started)[0].id == new.info.id


def test_migration_0028_goes_down_and_up_with_accounts_and_sessions(engine):
    from alembic import command

    from yaksok.store.migrate import _config, upgrade

    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(staff_accounts.insert().values(
            id="st_1", username="mina", role="engineer", password_hash="$argon2id$x",
            created_at=T0))
        conn.execute(staff_sessions.insert().values(
            token_hash="a" * 64, staff_id="st_1", role="engineer", created_at=T0,
            expires_at=T0 + dt.timedelta(hours=8)))
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0027")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("staff_accounts")}
    assert "enrol_ticket_hash" not in columns and "must_change_password" not in columns
    upgrade(engine)
    row = row_of(type("Y", (), {"engine": engine}), "st_1")
    assert row.enrol_failures == 0 and row.must_change_password is False
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(staff_sessions)) == 1
