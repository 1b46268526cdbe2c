"""Members: sign-up (age gate, jurisdiction, uniqueness, compensation), login, sessions.

Every test runs on SQLite and on PostgreSQL (the ``db_url`` fixture behind ``yk``).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from tests.support.database import changed_tables, sqlite_bytes, table_counts
from tests.support.members import NOW, PASSWORD, born_years_ago, signup_args
from yaksok.actors import member_actor
from yaksok.auditlog import iter_entries
from yaksok.errors import (
    AuthenticationFailed,
    Conflict,
    StorageError,
    UndeclaredChannel,
    UnderMinimumAge,
    ValidationError,
)
from yaksok.members import (
    authenticate_member_token,
    find_member,
    login_member,
    logout_member,
    revoke_member_sessions,
    sign_up,
)
from yaksok.members.sessions import DEFAULT_SESSION_SECONDS
from yaksok.store.tables import members, vault_values
from yaksok.vault.ledger import history, notice_sha256

DOB = "user.demographic.date_of_birth"


def member_row(yk, member_id):
    with yk.engine.connect() as conn:
        return conn.execute(sa.select(members).where(members.c.id == member_id)).first()


def categories_of(yk, member_id) -> list[str]:
    with yk.engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(
            sa.select(vault_values.c.category).where(vault_values.c.member_id == member_id)))


def read(yk, member_id, *cats, purpose="member_management"):
    return yk.vault.read(member_id, cats, purpose, actor=member_actor(member_id))


# -- the age gate (P8.1) ---------------------------------------------------------------------


@pytest.mark.promise("P8.1")
def test_under_14_by_one_day_is_refused_and_nothing_is_stored(yk):
    before = table_counts(yk)
    email = "Young.Singer@Example.com"
    birth = born_years_ago(14, days_short=1)  # 13 years and 364 days old on NOW
    with pytest.raises(UnderMinimumAge) as info:
        sign_up(yk, **signup_args(email=email, birth_date=birth, consents=["sns_sign_in"]))
    err = info.value
    assert err.rule == "under-minimum-age"
    assert "14 or older in Korea" in err.message and "nothing was stored" in err.message
    assert "young" not in str(err).lower() and birth.isoformat() not in str(err)
    # Nothing stored: only the denial went to the access log, with no subject and no value.
    assert changed_tables(before, table_counts(yk)) == {"access_log": 1}
    [entry] = list(iter_entries(yk.engine))
    assert entry.outcome == "denied" and entry.reason == "under-minimum-age"
    assert entry.subject_ref is None and entry.operation == "collect"
    assert entry.actor_id == "system:sign-up"
    raw = sqlite_bytes(yk)
    # The phone as typed (+82 10-5001-1001) and as normalised (+821050011001); a bare b"5001"
    # also turns up in the microseconds of the stored times, now and then.
    for secret in (b"young.singer", b"Young.Singer", b"Example.com", birth.isoformat().encode(),
                   b"5001-1001", b"50011001"):
        assert secret not in raw


@pytest.mark.promise("P8.1")
def test_exactly_14_passes_and_only_the_age_fact_is_kept(yk):
    birth = born_years_ago(14)  # the 14th birthday is today
    member_id = sign_up(yk, **signup_args(birth_date=birth))
    row = member_row(yk, member_id)
    assert row.status == "active" and row.jurisdiction == "KR"
    assert row.age_verified_min == 14 and row.age_checked_at == NOW
    # No sns_sign_in consent: the birth date was discarded, not stored in any form.
    assert DOB not in categories_of(yk, member_id)
    raw = sqlite_bytes(yk)
    assert birth.isoformat().encode() not in raw and birth.strftime("%Y%m%d").encode() not in raw


@pytest.mark.promise("P8.1")
@pytest.mark.parametrize(("age", "ok"), [(13, False), (14, True)])
def test_declared_age_path(yk, age, ok):
    args = signup_args(birth_date=None, declared_age=age)
    if ok:
        member_id = sign_up(yk, **args)
        assert member_row(yk, member_id).age_verified_min == 14
        assert DOB not in categories_of(yk, member_id)
    else:
        before = table_counts(yk)
        with pytest.raises(UnderMinimumAge) as info:
            sign_up(yk, **args)
        assert info.value.field == "declared_age"
        assert changed_tables(before, table_counts(yk)) == {"access_log": 1}


def test_age_check_needs_a_birth_date_or_an_age(yk):
    with pytest.raises(ValidationError) as info:
        sign_up(yk, **signup_args(birth_date=None))
    assert info.value.field == "birth_date"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"birth_date": dt.date(2030, 1, 1)}, "birth_date"),
    ({"birth_date": "05/03/2000"}, "birth_date"),
    ({"birth_date": None, "declared_age": -1}, "declared_age"),
    ({"birth_date": None, "declared_age": 200}, "declared_age"),
])
def test_impossible_ages_are_refused(yk, overrides, field):
    with pytest.raises(ValidationError) as info:
        sign_up(yk, **signup_args(**overrides))
    assert info.value.field == field


@pytest.mark.promise("P8.1", "P1.10")
def test_birth_date_is_kept_only_with_the_sns_sign_in_consent(yk):
    birth = born_years_ago(25)
    with_consent = sign_up(yk, **signup_args(1, birth_date=birth, consents=["sns_sign_in"]))
    without = sign_up(yk, **signup_args(2, birth_date=birth, consents=["user_analysis"]))
    [value] = read(yk, with_consent, DOB)[DOB]
    assert value.value == birth.isoformat() and value.flow == "sns_sign_in"
    assert DOB not in categories_of(yk, without)
    assert read(yk, without, DOB)[DOB] == []
    # The consent is recorded with the policy version and the hash of the text shown.
    [event] = [e for e in history(yk.engine, with_consent) if e.action == "given"]
    item = yk.policy.consent("sns_sign_in")
    assert (event.consent_key, event.action) == ("sns_sign_in", "given")
    assert event.policy_version == yk.published.version
    assert event.notice_sha256 == notice_sha256(item.description.ko)
    assert event.channel == "app" and event.actor_id == with_consent


def test_the_exact_notice_text_shown_is_what_is_hashed(yk):
    shown = "SNS로 로그인하면 실명, 생년월일, 성별을 수집합니다. (v7 화면)"
    member_id = sign_up(yk, **signup_args(consents=["sns_sign_in"],
                                          notice_texts={"sns_sign_in": shown}))
    [event] = [e for e in history(yk.engine, member_id) if e.action == "given"]
    assert event.notice_sha256 == notice_sha256(shown)


# -- jurisdiction ----------------------------------------------------------------------------


@pytest.mark.promise("P8.1")
@pytest.mark.parametrize(("country", "jurisdiction", "minimum"), [
    ("KR", "KR", 14), ("DE", "EU", 16), ("US-CA", "US-CA", 13), ("JP", "KR", 14),
])
def test_jurisdiction_comes_from_the_country_and_sets_the_minimum_age(yk, country,
                                                                      jurisdiction, minimum):
    with pytest.raises(UnderMinimumAge) as info:
        sign_up(yk, **signup_args(1, country=country, birth_date=None,
                                  declared_age=minimum - 1))
    assert f"aged {minimum} or older" in info.value.message
    member_id = sign_up(yk, **signup_args(2, country=country, birth_date=None,
                                          declared_age=minimum))
    row = member_row(yk, member_id)
    assert row.jurisdiction == jurisdiction and row.age_verified_min == minimum


def test_a_german_phone_is_read_in_germany(yk):
    member_id = sign_up(yk, **signup_args(country="DE", phone="0151 23456789"))
    phone = "user.contact.phone_number"
    assert read(yk, member_id, phone)[phone][0].value == "+4915123456789"


# -- input rules and normalisation (P1.1, P1.2) ----------------------------------------------


@pytest.mark.promise("P1.1", "P1.2")
def test_identifiers_are_stored_normalised(yk):
    member_id = sign_up(yk, **signup_args(
        email="  Kim.MinJun@예시.한국 ", phone="010-1234-5678",
        sns_accounts=[{"provider": "Kakao", "uid": "K123", "nickname": "노래하는민준"},
                      ("naver", "n-77", "민준")]))
    cats = ("user.contact.email", "user.contact.phone_number", "user.social.account_id",
            "user.social.nickname")
    got = {c: sorted(v.value for v in vs) for c, vs in read(yk, member_id, *cats).items()}
    assert got == {
        "user.contact.email": ["kim.minjun@xn--vv4b11d.xn--3e0b707e"],
        "user.contact.phone_number": ["+821012345678"],
        "user.social.account_id": ["kakao:K123", "naver:n-77"],
        "user.social.nickname": ["노래하는민준"],  # the first account's
    }
    assert find_member(yk, "user.contact.email", "kim.minjun@xn--vv4b11d.xn--3e0b707e") == \
        member_id


@pytest.mark.promise("P12.8")
def test_password_rules_apply_and_nothing_is_stored(yk):
    before = table_counts(yk)
    with pytest.raises(ValidationError) as info:
        sign_up(yk, **signup_args(password="qwer1234"))
    assert info.value.field == "password"
    assert changed_tables(before, table_counts(yk)) == {}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"email": "zq9secret-at-nowhere"}, "email"),
    ({"phone": "02-975-3975"}, "phone"),
    ({"sns_accounts": [{"provider": "myspace", "uid": "zq9secret", "nickname": "n"}]},
     "sns_accounts[0].provider"),
    ({"consents": ["newsletter"]}, "consents"),
    ({"country": "Korea"}, "country"),
])
def test_invalid_input_names_the_field_does_not_echo_and_stores_nothing(yk, overrides, field):
    before = table_counts(yk)
    with pytest.raises(ValidationError) as info:
        sign_up(yk, **signup_args(**overrides))
    assert info.value.field == field
    assert "zq9secret" not in str(info.value) and "975" not in str(info.value)
    assert changed_tables(before, table_counts(yk)) == {}


# -- uniqueness ------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "field"), [
    ({"email": "MEMBER1@example.COM"}, "email"),
    ({"phone": "010 5001 1001"}, "phone"),
    ({"sns_accounts": [{"provider": "KAKAO", "uid": "kk1", "nickname": "other"}]},
     "sns_accounts"),
])
def test_identifiers_are_unique_among_active_members(yk, change, field):
    sign_up(yk, **signup_args(1))
    before = table_counts(yk)
    fresh = signup_args(2)
    fresh.update(change)
    with pytest.raises(Conflict) as info:
        sign_up(yk, **fresh)
    assert info.value.field == field
    text = str(info.value).lower()
    assert "member1" not in text and "5001" not in text and "kk1" not in text
    assert set(changed_tables(before, table_counts(yk))) <= {"access_log"}


def test_a_closed_members_email_may_sign_up_again(yk):
    first = sign_up(yk, **signup_args(1))
    yk.vault.close_member(first)
    second = sign_up(yk, **signup_args(2, email="member1@example.com"))
    assert find_member(yk, "user.contact.email", "member1@example.com") == second


def test_a_concurrent_duplicate_is_undone_by_the_later_sign_up(yk, monkeypatch):
    """The uniqueness check and the write are two steps; the re-check after the write undoes a
    sign-up that lost a race (simulated: the first check sees nothing)."""
    import yaksok.members.signup as signup_mod

    first = sign_up(yk, **signup_args(1))
    real = signup_mod._taken
    calls = []

    def racing(yk_, checks, *, exclude, ip, request_id):
        calls.append(exclude)
        return None if exclude is None else real(yk_, checks, exclude=exclude, ip=ip,
                                                 request_id=request_id)

    monkeypatch.setattr(signup_mod, "_taken", racing)
    import yaksok.vault as vault_face

    monkeypatch.setattr(vault_face, "new_member_id", lambda: "m_" + "f" * 24)
    before = table_counts(yk)
    with pytest.raises(Conflict):
        sign_up(yk, **signup_args(2, email="member1@example.com"))
    assert calls == [None, "m_" + "f" * 24]
    assert set(changed_tables(before, table_counts(yk))) <= {"access_log"}
    assert member_row(yk, "m_" + "f" * 24) is None
    assert find_member(yk, "user.contact.email", "member1@example.com") == first


# -- compensation: never a half-written member -----------------------------------------------


@pytest.mark.promise("P1.13")
def test_a_refused_value_mid_sign_up_leaves_no_member(yk):
    """The member row and consents are written, then the vault refuses the SNS id (collected
    only through the app, not web pages): the whole sign-up is undone."""
    before = table_counts(yk)
    with pytest.raises(UndeclaredChannel):
        sign_up(yk, **signup_args(channel="web_page", consents=["user_analysis"]))
    assert set(changed_tables(before, table_counts(yk))) <= {"access_log"}
    with yk.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(members)).scalar() == 0


def test_a_storage_failure_mid_sign_up_leaves_no_member(yk, monkeypatch):
    from yaksok.vault.service import Vault

    def broken(self, items, **kwargs):
        raise StorageError("the database went away")

    before = table_counts(yk)
    monkeypatch.setattr(Vault, "collect_batch", broken)
    with pytest.raises(StorageError):
        sign_up(yk, **signup_args(consents=["sns_sign_in"]))
    # Only the access log grew: the uniqueness lookups before the failure are accesses.
    assert set(changed_tables(before, table_counts(yk))) == {"access_log"}


def test_an_invalid_sns_entry_after_the_email_stores_nothing(yk):
    before = table_counts(yk)
    accounts = [{"provider": "kakao", "uid": "ok1", "nickname": "좋아"},
                {"provider": "kakao", "uid": "has space", "nickname": "나빠"}]
    with pytest.raises(ValidationError) as info:
        sign_up(yk, **signup_args(sns_accounts=accounts))
    assert info.value.field == "sns_accounts[1].uid"
    assert changed_tables(before, table_counts(yk)) == {}


# -- login, lockout, rehash ------------------------------------------------------------------


@pytest.fixture
def member(yk):
    return sign_up(yk, **signup_args(1))


def test_login_by_email_in_any_case_returns_a_member_actor_and_token(yk, member):
    actor, token = login_member(yk, "  MEMBER1@example.com", PASSWORD, now=NOW)
    assert actor.kind == "member" and actor.id == member
    assert token.startswith("ym_") and len(token) > 40
    assert authenticate_member_token(yk, token, now=NOW) == actor
    # Only the token's hash is stored.
    assert token.encode() not in sqlite_bytes(yk)


@pytest.mark.parametrize(("email", "password"), [
    ("member1@example.com", "Wrong-pass-9"), ("nobody@example.com", PASSWORD),
    ("not an email", PASSWORD),
])
def test_failed_logins_all_say_the_same(yk, member, email, password):
    with pytest.raises(AuthenticationFailed) as info:
        login_member(yk, email, password, now=NOW)
    assert info.value.message == "email or password is not right"


STRANGER = "203.0.113.7"
HOME = "198.51.100.20"


@pytest.mark.promise("P12.8")
def test_repeated_failures_slow_the_address_down_and_lock_no_one_out(yk, member):
    from yaksok.errors import RateLimited

    for i in range(5):
        with pytest.raises(AuthenticationFailed):
            login_member(yk, "member1@example.com", "Wrong-pass-9", ip=STRANGER,
                         now=NOW + dt.timedelta(seconds=i))
    with pytest.raises(RateLimited) as info:  # even the right password, from there
        login_member(yk, "member1@example.com", PASSWORD, ip=STRANGER, now=NOW)
    assert "account from this address" in info.value.message and info.value.retry_after > 0
    actor, _ = login_member(yk, "member1@example.com", PASSWORD, ip=HOME, now=NOW)
    assert actor.id == member  # the member, at home, never noticed
    row = member_row(yk, member)
    assert row.failed_logins == 0 and row.locked_until is None  # nothing about it in the table


@pytest.mark.promise("P12.8")
def test_the_limits_tell_no_one_who_is_a_member(yk, member):
    """The same sequence of answers for a member's email and a stranger's: 401s, then 429s."""
    from yaksok.errors import RateLimited

    def answers(email):
        out = []
        for i in range(7):
            try:
                login_member(yk, email, "Wrong-pass-9", ip=STRANGER,
                             now=NOW + dt.timedelta(seconds=i))
            except (AuthenticationFailed, RateLimited) as exc:
                out.append((type(exc).__name__, exc.message, exc.fix))
        return out

    mine, theirs = answers("member1@example.com"), answers("nobody@example.com")
    assert [(k, m) for k, m, _ in mine] == [(k, m) for k, m, _ in theirs]
    assert [k for k, _, _ in mine] == ["AuthenticationFailed"] * 5 + ["RateLimited"] * 2


def test_an_address_spraying_many_accounts_is_slowed(yk, member):
    from yaksok.errors import RateLimited
    from yaksok.throttle import Throttle

    yk.throttle = Throttle("memory://", b"k" * 32, overrides={"login-address": "10/minute"})
    for i in range(10):
        with pytest.raises(AuthenticationFailed):
            login_member(yk, f"person{i}@example.com", "Spring-2026!", ip=STRANGER, now=NOW)
    with pytest.raises(RateLimited, match="from this address"):
        login_member(yk, "member1@example.com", PASSWORD, ip=STRANGER, now=NOW)
    login_member(yk, "member1@example.com", PASSWORD, ip=HOME, now=NOW)


@pytest.mark.promise("P7.2")
def test_login_rehashes_a_password_hashed_with_old_parameters(yk, member):
    """A row from before the hash was sealed, with older parameters: the next good login hashes
    anew and seals the hash under the member's key; no plain hash is left in the row."""
    from yaksok.vault.credentials import _stored_hash

    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with yk.engine.begin() as conn:
        conn.execute(sa.update(members).where(members.c.id == member).values(
            password_hash=old, password_key=None, password_sealed=None))
    login_member(yk, "member1@example.com", PASSWORD, now=NOW)
    row = member_row(yk, member)
    assert row.password_hash is None and b"$argon2" not in row.password_sealed
    with yk.engine.connect() as conn:
        stored = _stored_hash(yk.vault, conn, (row.id, row.status, row.password_hash,
                                               row.password_key, row.password_sealed))
    assert stored != old and stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD.encode() not in sqlite_bytes(yk)
    login_member(yk, "member1@example.com", PASSWORD, now=NOW)


@pytest.mark.promise("P6.3")
@pytest.mark.promise("P7.2")
def test_the_password_hash_is_sealed_and_dies_with_the_erasure(yk, member):
    """What a backup holds of a member's password is a ciphertext under the member's key: no
    argon2 hash to crack offline once the key is destroyed."""
    from yaksok.actors import member_actor
    from yaksok.errors import AuthenticationFailed

    row = member_row(yk, member)
    assert row.password_hash is None and row.password_sealed and row.password_key
    assert b"$argon2" not in sqlite_bytes(yk)
    yk.vault.erase_member(member, actor=member_actor(member))
    row = member_row(yk, member)
    assert (row.password_hash, row.password_key, row.password_sealed) == (None, None, None)
    with pytest.raises(AuthenticationFailed):
        login_member(yk, "member1@example.com", PASSWORD, now=NOW)


# -- sessions --------------------------------------------------------------------------------


def test_sessions_expire_after_30_days_by_default(yk, member):
    _, token = login_member(yk, "member1@example.com", PASSWORD, now=NOW)
    end = NOW + dt.timedelta(seconds=DEFAULT_SESSION_SECONDS)
    authenticate_member_token(yk, token, now=end - dt.timedelta(seconds=1))
    with pytest.raises(AuthenticationFailed) as info:
        authenticate_member_token(yk, token, now=end)
    assert "expired" in info.value.message


def test_session_length_is_a_setting(yk, member):
    yk.settings = yk.settings.with_(member_session_seconds=60)
    _, token = login_member(yk, "member1@example.com", PASSWORD, now=NOW)
    with pytest.raises(AuthenticationFailed):
        authenticate_member_token(yk, token, now=NOW + dt.timedelta(seconds=60))


def test_logout_and_revocation_end_sessions(yk, member):
    _, one = login_member(yk, "member1@example.com", PASSWORD, now=NOW)
    _, two = login_member(yk, "member1@example.com", PASSWORD, now=NOW)
    _, three = login_member(yk, "member1@example.com", PASSWORD, now=NOW)
    assert logout_member(yk, one, now=NOW) is True
    assert logout_member(yk, one, now=NOW) is False
    with pytest.raises(AuthenticationFailed) as info:
        authenticate_member_token(yk, one, now=NOW)
    assert "ended" in info.value.message
    assert revoke_member_sessions(yk.engine, member, now=NOW) == 2
    for token in (two, three):
        with pytest.raises(AuthenticationFailed):
            authenticate_member_token(yk, token, now=NOW)


@pytest.mark.parametrize("token", ["", "ym_", "ym_not-a-real-token", "ys_staff-token", "x" * 80])
def test_bad_tokens_are_refused(yk, member, token):
    with pytest.raises(AuthenticationFailed):
        authenticate_member_token(yk, token, now=NOW)


def test_a_closed_or_erased_member_cannot_log_in_or_use_a_session(yk, member):
    _, token = login_member(yk, "member1@example.com", PASSWORD, now=NOW)
    yk.vault.close_member(member)
    with pytest.raises(AuthenticationFailed):
        authenticate_member_token(yk, token, now=NOW)
    with pytest.raises(AuthenticationFailed) as info:
        login_member(yk, "member1@example.com", PASSWORD, now=NOW)
    assert info.value.message == "email or password is not right"


def test_a_rotation_seals_the_plain_hashes_of_members_who_never_log_in(yk, member):
    from yaksok.rotation import rotate_kek

    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with yk.engine.begin() as conn:
        conn.execute(sa.update(members).where(members.c.id == member).values(
            password_hash=old, password_key=None, password_sealed=None))
    assert rotate_kek(yk).sealed_passwords == 1
    row = member_row(yk, member)
    assert row.password_hash is None and row.password_sealed
    login_member(yk, "member1@example.com", PASSWORD, now=NOW)  # still the same password
