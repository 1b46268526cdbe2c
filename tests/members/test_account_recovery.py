"""The account's own security (issue 18): email verification, password change, password reset.

Over the library and over HTTP, on SQLite and PostgreSQL (``yk``), with the real SMTP server
(``smtp``) delivering every email: the tokens these tests use are taken from the delivered
messages' links, as a member would.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer
from tests.support.database import database_bytes
from tests.support.rights import EMAIL, PASSWORD, body, deliver, new_member
from tests.support.vault import entries
from yaksok.actors import member_actor
from yaksok.api import create_app
from yaksok.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    RateLimited,
    Refused,
    ValidationError,
)
from yaksok.members import (
    authenticate_member_token,
    change_password,
    confirm_email,
    email_verified,
    login_member,
    request_password_reset,
    reset_password,
    send_email_verification,
)
from yaksok.retention.expiry import run_expiry
from yaksok.store.tables import member_tokens, outbox, utcnow
from yaksok.throttle import Throttle

NEW_PASSWORD = "Maple-42-river"  # noqa: S105 - a test password
LINK = re.compile(r"(https?://\S+/center/(verify-email|reset-password)\?token=([A-Za-z0-9_-]{43}))")


def links(messages) -> list[tuple[str, str, str]]:
    """(link, page, token) of every link in the delivered messages, in order (each message
    carries its link twice: in the Korean part and in the English one)."""
    return list(dict.fromkeys(m.groups() for msg in messages for m in LINK.finditer(body(msg))))


def token_of(messages) -> str:
    [(_, _, token)] = links(messages)
    return token


def rows(yk, kind: str | None = None) -> list:
    with yk.engine.connect() as conn:
        q = sa.select(member_tokens)
        return conn.execute(q.where(member_tokens.c.kind == kind) if kind else q).all()


def reasons(yk, member_id: str) -> list[tuple[str, str | None]]:
    return [(e.outcome, e.reason) for e in entries(yk) if e.subject_ref == member_id]


def tuned(yk, **limits: str) -> None:
    yk.throttle = Throttle("memory://", b"k" * 32, overrides=limits)


# -- email verification ---------------------------------------------------------------------------

def test_a_verification_link_comes_by_email_works_once_and_no_token_is_kept(yk, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    minsu = new_member(yk)
    assert email_verified(yk, minsu) is False
    send_email_verification(yk, minsu, actor=member_actor(minsu), ip="203.0.113.9")
    [row] = rows(yk, "verify_email")
    assert row.sealed is not None and row.used_at is None
    assert row.expires_at - row.created_at == dt.timedelta(hours=24)
    got = deliver(yk, smtp)
    [msg] = got
    assert msg["To"] == EMAIL
    assert msg["Subject"] == "이메일 주소 확인 / Confirm your email address"  # Korean first
    text = body(msg)
    assert text.index("이메일 주소를 확인해") < text.index("Please confirm")
    [(link, page, token)] = links(got)
    assert page == "verify-email" and link.startswith("http://127.0.0.1:8000/center/")
    # Kept: an HMAC (and the sealed copy only until the email went out), never the token.
    [sent] = rows(yk, "verify_email")
    assert sent.sealed is None and token not in sent.token_mac and len(sent.token_mac) == 64
    assert token.encode() not in database_bytes(yk)
    with yk.engine.connect() as conn:
        params = conn.execute(sa.select(outbox.c.params)).scalars().all()
    assert params and all(token not in p and "@" not in p for p in params)
    assert confirm_email(yk, token, ip="203.0.113.9") == minsu
    assert email_verified(yk, minsu) is True
    with pytest.raises(NotFound) as dead:
        confirm_email(yk, token)
    assert dead.value.field == "token" and "new verification email" in dead.value.fix
    assert ("granted", "account:email-verification-sent") in reasons(yk, minsu)
    assert ("granted", "account:email-verified") in reasons(yk, minsu)
    assert all(token not in f"{e.reason} {e.request_id}" for e in entries(yk))
    assert all(token not in rec.getMessage() for rec in caplog.records)
    assert token.encode() not in database_bytes(yk)
    # Verified already: nothing to send.
    with pytest.raises(Conflict, match="verified already"):
        send_email_verification(yk, minsu, actor=member_actor(minsu))


def test_a_verification_link_expires_after_a_day_and_a_new_one_replaces_it(yk, smtp):
    minsu = new_member(yk)
    me = member_actor(minsu)
    t0 = utcnow()
    send_email_verification(yk, minsu, actor=me, now=t0)
    first = token_of(deliver(yk, smtp))
    send_email_verification(yk, minsu, actor=me, now=t0 + dt.timedelta(minutes=5))
    second = token_of(deliver(yk, smtp, at=t0 + dt.timedelta(minutes=5)))
    assert first != second and len(rows(yk, "verify_email")) == 1
    with pytest.raises(NotFound, match="newer one replaced it"):
        confirm_email(yk, first, now=t0 + dt.timedelta(minutes=6))
    with pytest.raises(NotFound):  # the same words when it expired
        confirm_email(yk, second, now=t0 + dt.timedelta(hours=24, minutes=6))
    assert email_verified(yk, minsu) is False
    send_email_verification(yk, minsu, actor=me)
    third = token_of(deliver(yk, smtp))
    assert confirm_email(yk, third) == minsu and email_verified(yk, minsu)
    # The worker destroys used and expired links, with a destruction record.
    records = run_expiry(yk, kinds=["member_tokens"], now=utcnow())
    assert [(x.kind, x.count, x.method) for x in records] == [("member_tokens", 1, "row delete")]
    assert rows(yk) == []


def test_a_changed_email_is_unverified_and_an_older_link_verifies_nothing(yk, smtp):
    minsu = new_member(yk)
    me = member_actor(minsu)
    send_email_verification(yk, minsu, actor=me)
    confirm_email(yk, token_of(deliver(yk, smtp)))
    assert email_verified(yk, minsu)
    yk.vault.rectify(minsu, "user.contact.email", "minsu.new@somesing.kr", actor=me,
                     channel="app")
    assert email_verified(yk, minsu) is False  # the new address has not been proved
    send_email_verification(yk, minsu, actor=me)
    [msg] = deliver(yk, smtp)
    assert msg["To"] == "minsu.new@somesing.kr"
    pending = token_of([msg])
    yk.vault.rectify(minsu, "user.contact.email", "minsu.third@somesing.kr", actor=me,
                     channel="app")
    with pytest.raises(Conflict, match="changed after this link was sent"):
        confirm_email(yk, pending)
    assert email_verified(yk, minsu) is False
    with pytest.raises(NotFound):  # used up by that answer
        confirm_email(yk, pending)
    assert ("denied", "account:email-changed-since-sent") in reasons(yk, minsu)


def test_who_may_send_a_verification_link_and_how_often(yk, officer, agent):
    minsu, other = new_member(yk), new_member(yk, "jiwoo@somesing.kr", "010-2222-3333")
    with pytest.raises(Refused) as refused:
        send_email_verification(yk, minsu, actor=member_actor(other))
    assert refused.value.rule == "not-own-data"
    with pytest.raises(Refused) as refused:
        send_email_verification(yk, minsu, actor=agent)
    assert refused.value.rule == "on-behalf-not-allowed"
    assert ("denied", "on-behalf-not-allowed") in reasons(yk, minsu)
    send_email_verification(yk, minsu, actor=officer)  # support, for the member's own address
    tuned(yk, **{"email-verify-member": "2/hour"})
    send_email_verification(yk, minsu, actor=member_actor(minsu), ip="198.51.100.1")
    send_email_verification(yk, minsu, actor=member_actor(minsu), ip="198.51.100.2")
    with pytest.raises(RateLimited) as limited:
        send_email_verification(yk, minsu, actor=member_actor(minsu), ip="198.51.100.3")
    assert limited.value.retry_after > 0 and "wait" in limited.value.fix
    tuned(yk, **{"email-verify-address": "1/hour"})
    send_email_verification(yk, minsu, actor=member_actor(minsu), ip="198.51.100.4")
    with pytest.raises(RateLimited):
        send_email_verification(yk, other, actor=member_actor(other), ip="198.51.100.4")


@pytest.mark.parametrize("token", ["", "short", "x" * 43 + "!", "a b" * 20])
def test_a_malformed_token_names_the_field_and_the_fix(yk, token):
    for use in (lambda: confirm_email(yk, token), lambda: reset_password(yk, token, NEW_PASSWORD)):
        with pytest.raises(ValidationError) as bad:
            use()
        assert bad.value.field == "token" and "copy the whole link" in bad.value.fix


# -- password change ------------------------------------------------------------------------------

@pytest.mark.promise("P12.3")
@pytest.mark.promise("P7.2")
def test_a_password_change_checks_the_old_one_and_ends_every_session(yk):
    minsu = new_member(yk)
    me = member_actor(minsu)
    _, phone = login_member(yk, EMAIL, PASSWORD)
    _, laptop = login_member(yk, EMAIL, PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        change_password(yk, minsu, "not-the-password-1", NEW_PASSWORD, actor=me)
    assert wrong.value.field == "old_password" and "reset it by email" in wrong.value.fix
    assert authenticate_member_token(yk, phone).id == minsu  # nothing changed
    fresh = change_password(yk, minsu, PASSWORD, NEW_PASSWORD, actor=me, ip="203.0.113.9")
    for old in (phone, laptop):
        with pytest.raises(AuthenticationFailed):
            authenticate_member_token(yk, old)
    assert authenticate_member_token(yk, fresh).id == minsu
    with pytest.raises(AuthenticationFailed):
        login_member(yk, EMAIL, PASSWORD)
    assert login_member(yk, EMAIL, NEW_PASSWORD)[0].id == minsu
    # One access-log entry for the change, naming the category, never a value; the denial too.
    [changed] = [e for e in entries(yk) if e.reason == "account:password-changed"]
    assert (changed.operation, changed.categories, changed.purpose, changed.subject_ref,
            changed.source_ip) == ("update", ("user.authorization.password",),
                                   "member_management", minsu, "203.0.113.9")
    assert ("denied", "account:password-wrong") in reasons(yk, minsu)
    # Stored one-way (argon2id), sealed under the member's key: the password is nowhere.
    data = database_bytes(yk)
    assert NEW_PASSWORD.encode() not in data and b"$argon2id$" not in data


@pytest.mark.promise("P12.8")
def test_a_new_password_must_meet_the_rules(yk):
    minsu = new_member(yk)
    me = member_actor(minsu)
    for weak, rule in (("short1", "characters"), ("password123", "common"),
                       (PASSWORD, "same as the current one")):
        with pytest.raises(ValidationError, match=rule) as bad:
            change_password(yk, minsu, PASSWORD, weak, actor=me)
        assert bad.value.field == "new_password" and bad.value.fix
    assert login_member(yk, EMAIL, PASSWORD)[0].id == minsu


def test_only_the_member_changes_their_password_and_tries_are_limited_like_logins(yk, officer):
    minsu = new_member(yk)
    other = new_member(yk, "jiwoo@somesing.kr", "010-2222-3333")
    for actor in (member_actor(other), officer):
        with pytest.raises(Refused):
            change_password(yk, minsu, PASSWORD, NEW_PASSWORD, actor=actor)
    me = member_actor(minsu)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            change_password(yk, minsu, "wrong-guess-99", NEW_PASSWORD, actor=me, ip="192.0.2.7")
    with pytest.raises(RateLimited):  # even the right one, from that address, for a while
        change_password(yk, minsu, PASSWORD, NEW_PASSWORD, actor=me, ip="192.0.2.7")
    assert change_password(yk, minsu, PASSWORD, NEW_PASSWORD, actor=me, ip="192.0.2.8")


# -- password reset -------------------------------------------------------------------------------

def test_a_reset_link_comes_by_email_sets_the_password_once_and_ends_every_session(
        yk, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    minsu = new_member(yk)
    _, session = login_member(yk, EMAIL, PASSWORD)
    assert request_password_reset(yk, "  Minsu.Kim@SOMESING.kr ", ip="203.0.113.9") is None
    [row] = rows(yk, "reset_password")
    assert row.expires_at - row.created_at == dt.timedelta(hours=1)
    got = deliver(yk, smtp)
    [msg] = got
    assert msg["To"] == EMAIL and msg["Subject"] == "비밀번호 재설정 / Reset your password"
    [(_, page, token)] = links(got)
    assert page == "reset-password"
    assert token.encode() not in database_bytes(yk)
    with pytest.raises(ValidationError) as weak:  # the link stays usable
        reset_password(yk, token, "short1")
    assert weak.value.field == "new_password"
    assert reset_password(yk, token, NEW_PASSWORD, ip="203.0.113.9") == minsu
    with pytest.raises(AuthenticationFailed):
        authenticate_member_token(yk, session)
    assert login_member(yk, EMAIL, NEW_PASSWORD)[0].id == minsu
    with pytest.raises(NotFound) as used:
        reset_password(yk, token, "Another-77-pass")
    assert used.value.field == "token" and "new password reset email" in used.value.fix
    assert "account" not in used.value.message and "member" not in used.value.message
    assert ("granted", "account:password-reset") in reasons(yk, minsu)
    assert all(token not in rec.getMessage() for rec in caplog.records)
    assert token.encode() not in database_bytes(yk)


def test_a_reset_answers_the_same_for_an_email_no_member_has(yk, smtp):
    new_member(yk)
    before = len(entries(yk))
    assert request_password_reset(yk, "nobody@somesing.kr") is None
    assert rows(yk) == [] and deliver(yk, smtp) == []
    assert not any(e.reason and "reset-sent" in e.reason for e in entries(yk)[before:])
    # The limits count a stranger's email exactly as a member's.
    tuned(yk, **{"reset-account": "2/hour"})
    for email in ("nobody@somesing.kr", EMAIL):
        for _ in range(2):
            request_password_reset(yk, email, ip="198.51.100.9")
        with pytest.raises(RateLimited) as limited:
            request_password_reset(yk, email, ip="198.51.100.9")
        assert limited.value.message == "too many password resets for this email"
    tuned(yk, **{"reset-address": "1/hour"})
    request_password_reset(yk, "nobody@somesing.kr", ip="198.51.100.10")
    with pytest.raises(RateLimited):
        request_password_reset(yk, EMAIL, ip="198.51.100.10")
    with pytest.raises(ValidationError) as bad:
        request_password_reset(yk, "not an email")
    assert bad.value.field == "email" and bad.value.fix


def test_a_reset_link_expires_after_an_hour_and_a_newer_one_or_a_change_ends_it(yk, smtp):
    minsu = new_member(yk)
    t0 = utcnow()
    request_password_reset(yk, EMAIL, now=t0)
    first = token_of(deliver(yk, smtp))
    with pytest.raises(NotFound):
        reset_password(yk, first, NEW_PASSWORD, now=t0 + dt.timedelta(hours=1, seconds=1))
    request_password_reset(yk, EMAIL)
    second = token_of(deliver(yk, smtp))
    request_password_reset(yk, EMAIL)
    third = token_of(deliver(yk, smtp))
    with pytest.raises(NotFound):
        reset_password(yk, second, NEW_PASSWORD)
    # A password changed while signed in ends the link sent before.
    change_password(yk, minsu, PASSWORD, NEW_PASSWORD, actor=member_actor(minsu))
    with pytest.raises(NotFound):
        reset_password(yk, third, "Another-77-pass")
    records = run_expiry(yk, kinds=["member_tokens"], now=utcnow())
    assert sum(x.count for x in records) == 1 and rows(yk) == []


def test_an_erased_member_leaves_no_link_behind(yk, officer):
    minsu = new_member(yk)
    send_email_verification(yk, minsu, actor=member_actor(minsu))
    request_password_reset(yk, EMAIL)
    assert len(rows(yk)) == 2
    yk.vault.erase_member(minsu, actor=officer)
    yk.vault.purge_erased()
    assert rows(yk) == []


# -- over HTTP ------------------------------------------------------------------------------------

def test_the_account_routes_over_http(yk, smtp):
    client = TestClient(create_app(yk))
    minsu = new_member(yk)
    login = client.post("/members/login", json={"email": EMAIL, "password": PASSWORD})
    me = bearer(login.json()["token"])
    other_device = bearer(client.post("/members/login", json={
        "email": EMAIL, "password": PASSWORD}).json()["token"])
    # Email verification.
    assert client.get("/me", headers=me).json()["email_verified"] is False
    assert client.post("/me/email-verification", headers=me, json={"lang": "en"}
                       ).status_code == 202
    assert_problem(client.post("/me/email-verification"), 401, "authentication-failed")
    [msg] = deliver(yk, smtp)
    assert msg["Subject"].startswith("Confirm your email address")
    token = token_of([msg])
    r = client.post("/members/email-verification/confirm", json={"token": token})
    assert r.status_code == 200 and r.json() == {"member_id": minsu, "email_verified": True}
    assert client.get("/me", headers=me).json()["email_verified"] is True
    dead = assert_problem(client.post("/members/email-verification/confirm",
                                      json={"token": token}), 404, "not-found")
    assert dead["field"] == "token" and dead["fix"]
    bad = assert_problem(client.post("/members/email-verification/confirm",
                                     json={"token": "nope", "extra": 1}), 422, "validation")
    assert "token" in str(bad) and "extra" in str(bad)
    assert_problem(client.post("/me/email-verification", headers=me), 409, "conflict")
    # Password change: the old one checked, a new token back, every other session ended.
    wrong = assert_problem(client.post("/me/password", headers=me, json={
        "old_password": "wrong-guess-99", "new_password": NEW_PASSWORD}), 401,
        "authentication-failed")
    assert wrong["field"] == "old_password"
    weak = assert_problem(client.post("/me/password", headers=me, json={
        "old_password": PASSWORD, "new_password": "short1"}), 422, "validation")
    assert weak["field"] == "new_password" and weak["fix"]
    r = client.post("/me/password", headers=me, json={"old_password": PASSWORD,
                                                      "new_password": NEW_PASSWORD})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    fresh = bearer(r.json()["token"])
    assert r.json()["member_id"] == minsu
    for old in (me, other_device):
        assert_problem(client.get("/me", headers=old), 401, "authentication-failed")
    assert client.get("/me", headers=fresh).status_code == 200
    # Password reset: the same answer for a member's email and a stranger's.
    known = client.post("/members/password-reset", json={"email": EMAIL})
    unknown = client.post("/members/password-reset", json={"email": "nobody@somesing.kr"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    [msg] = deliver(yk, smtp)
    token = token_of([msg])
    weak = assert_problem(client.post("/members/password-reset/confirm", json={
        "token": token, "new_password": "short1"}), 422, "validation")
    assert weak["field"] == "new_password"
    r = client.post("/members/password-reset/confirm", json={"token": token,
                                                             "new_password": "Another-77-pass"})
    assert r.status_code == 204
    assert_problem(client.get("/me", headers=fresh), 401, "authentication-failed")
    used = assert_problem(client.post("/members/password-reset/confirm", json={
        "token": token, "new_password": "Third-88-pass"}), 404, "not-found")
    assert used["field"] == "token"
    assert client.post("/members/login", json={"email": EMAIL, "password": "Another-77-pass"}
                       ).status_code == 200


def test_yaksok_member_verify_email(tmp_path, monkeypatch, capsys):
    from tests.support.cli import cli_runner, sign_in_officer

    run = cli_runner(tmp_path, monkeypatch, capsys)
    monkeypatch.setenv("YAKSOK_MEMBER_PASSWORD", PASSWORD)
    code, out, err = run("member", "signup", "--email", "kim@example.com", "--phone",
                         "010-1234-5678", "--birth-date", "2001-04-05")
    assert code == 0, err
    member_id = out.strip()
    code, _, err = run("member", "verify-email", member_id)
    assert code == 5 and "staff" in err.lower()  # no staff signed in
    sign_in_officer(monkeypatch)
    code, out, err = run("member", "verify-email", member_id)
    assert code == 0, err
    assert "queued" in out and member_id in out
    code, _, err = run("member", "verify-email", member_id, "--lang", "fr")
    assert code == 2 and "--lang" in err
