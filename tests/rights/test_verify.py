"""Verifying requesters (P6.11) and agents' powers of attorney (P6.10), on SQLite and
PostgreSQL: re-authentication, one-time codes over a real SMTP server, staff checks."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
import sqlalchemy as sa

from tests.support.database import database_bytes
from tests.support.rights import (
    EMAIL,
    PASSWORD,
    body,
    deliver,
    log_reasons,
    new_member,
    outbox_rows,
)
from tests.support.vault import entries
from yaksok.actors import member_actor
from yaksok.errors import (
    ActorNotAllowed,
    AuthenticationFailed,
    Conflict,
    NotFound,
    ValidationError,
)
from yaksok.retention import run_expiry
from yaksok.rights.agents import (
    attach_power_of_attorney,
    check_agent,
    documents,
    read_power_of_attorney,
)
from yaksok.rights.requests import get_request, request_events, start, submit
from yaksok.rights.verify import (
    MAX_ATTEMPTS,
    check_code,
    open_code_for_delivery,
    send_code,
    verify_by_password,
    verify_by_staff,
)
from yaksok.store.tables import utcnow, verification_codes
from yaksok.vault import Vault

# A stored time as the drivers return it: text on SQLite, datetime (str'd) on PostgreSQL.
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?([+-]\d\d:\d\d|Z)?")

POA = b"%PDF-1.7\n% \xec\x9c\x84\xec\x9e\x84\xec\x9e\xa5 power of attorney for Kim Minsu, " \
      b"signed by Park Jiyeon\n%%EOF"


@pytest.fixture(autouse=True)
def _officer_carries_out(yk):
    """These tests walk the officer's steps: no verified request is carried out on its own."""
    from tests.support.rights import officer_carries_out

    officer_carries_out(yk)


def access_request(yk, member_id: str, now=None):
    return submit(yk, member_id=member_id, right="access", channel="account_menu",
                  actor=member_actor(member_id), now=now)


def codes(yk, request_id: str) -> list:
    with yk.engine.connect() as conn:
        return conn.execute(sa.select(verification_codes).where(
            verification_codes.c.request_id == request_id)
            .order_by(verification_codes.c.created_at)).all()


def the_code(messages) -> str:
    """The code in the one verification-code email among ``messages``."""
    [msg] = [m for m in messages if "확인 코드" in m["Subject"]]
    return re.search(r"코드: (\d{6})", body(msg)).group(1)


# -- re-authentication -----------------------------------------------------------------------

@pytest.mark.promise("P6.11")
def test_the_password_verifies_and_wrong_ones_are_limited_like_logins(yk, minsu, officer):
    from yaksok.errors import RateLimited

    r = access_request(yk, minsu)
    me = member_actor(minsu)
    with pytest.raises(AuthenticationFailed) as info:
        verify_by_password(yk, r.id, "noraehae-2023?", actor=me, ip="203.0.113.9")
    assert "noraehae" not in str(info.value)
    assert ("denied", "rights:verify:password-wrong") in log_reasons(yk, r.id)
    with pytest.raises(ActorNotAllowed, match="only the member"):  # staff never take it
        verify_by_password(yk, r.id, PASSWORD, actor=officer)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            verify_by_password(yk, r.id, "noraehae-2023?", actor=me, ip="203.0.113.9")
    with pytest.raises(RateLimited):  # five wrong from that address: it waits
        verify_by_password(yk, r.id, PASSWORD, actor=me, ip="203.0.113.9")
    done = verify_by_password(yk, r.id, PASSWORD, actor=me, ip="198.51.100.1")
    assert (done.status, done.verification) == ("verified", "password") and done.verified_at
    with pytest.raises(Conflict, match="verified"):  # verified once
        verify_by_password(yk, r.id, PASSWORD, actor=me)


@pytest.mark.promise("P6.11")
def test_a_session_verifies_only_what_discloses_and_deletes_nothing(yk, minsu, app):
    me = member_actor(minsu)
    for right in ("access", "portability", "erasure"):
        with pytest.raises(ValidationError, match="session"):
            submit(yk, member_id=minsu, right=right, channel="account_menu", actor=me,
                   verified_by="session")
    r = submit(yk, member_id=minsu, right="restriction", channel="account_menu", actor=app,
               details={"reason": "accuracy-disputed"}, verified_by="session")
    assert (r.status, r.verification) == ("verified", "session")


# -- one-time codes ------------------------------------------------------------------------------

@pytest.mark.promise("P6.11")
def test_a_one_time_code_goes_by_email_and_is_never_stored_in_plaintext(yk, minsu, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    r = access_request(yk, minsu)
    send_code(yk, r.id, actor=member_actor(minsu))
    [row] = codes(yk, r.id)
    [queued] = outbox_rows(yk, "rights_code")
    assert set(json.loads(queued.params)) == {"code_id", "lang"}
    got = deliver(yk, smtp)
    [msg] = [m for m in got if "확인 코드" in m["Subject"]]
    assert msg["To"] == EMAIL
    code = the_code(got)
    assert f"Your verification code: {code}" in body(msg)
    # Stored: an HMAC and a sealed box, neither of which is the code.
    assert code not in row.code_mac and code.encode() not in bytes(row.sealed)
    assert len(row.code_mac) == 64 and row.attempts == 0
    text = " ".join(f"{r.reason} {r.request_id}" for r in entries(yk))
    assert code not in queued.params and code not in text
    assert all(code not in rec.getMessage() for rec in caplog.records)
    done = check_code(yk, r.id, code, actor=member_actor(minsu))
    assert (done.status, done.verification) == ("verified", "code")
    [used] = codes(yk, r.id)
    assert used.used_at is not None and used.sealed is None  # wiped once used
    with pytest.raises(NotFound, match="no longer live"):
        with yk.engine.connect() as conn:
            open_code_for_delivery(yk.keyring, conn, used.id)
    standalone = re.compile(rf"(?<![0-9]){code}(?![0-9])")
    with yk.engine.connect() as conn:
        for table in ("outbox", "verification_codes", "rights_requests",
                      "rights_request_events"):
            for stored in conn.execute(sa.text(f"SELECT * FROM {table}")):  # noqa: S608
                # Without the times: their microseconds are six digits standing alone, and
                # equal a random code about once in 10^5 runs.
                text = TIMESTAMP.sub("", " ".join(
                    str(c) for c in stored if not isinstance(c, bytes | memoryview)))
                assert not standalone.search(text), table


@pytest.mark.promise("P6.11")
def test_codes_expire_die_after_five_wrong_tries_and_are_replaced(yk, minsu, smtp):
    me = member_actor(minsu)
    t0 = utcnow()
    r = access_request(yk, minsu, now=t0)
    with pytest.raises(Conflict, match="no code was sent"):
        check_code(yk, r.id, "123456", actor=me)
    send_code(yk, r.id, actor=me, now=t0)
    with pytest.raises(Conflict, match="minute"):
        send_code(yk, r.id, actor=me, now=t0 + dt.timedelta(seconds=30))
    code = the_code(deliver(yk, smtp))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(ValidationError, match="six digits"):
        check_code(yk, r.id, "12ab56", actor=me, now=t0)
    for left in range(MAX_ATTEMPTS - 1, -1, -1):
        with pytest.raises(AuthenticationFailed) as info:
            check_code(yk, r.id, wrong, actor=me, now=t0)
        assert (f"{left} attempt" if left else "no attempts left") in info.value.fix
    with pytest.raises(Conflict, match="too many wrong attempts"):  # even the right code
        check_code(yk, r.id, code, actor=me, now=t0)
    assert sum(x == ("denied", "rights:verify:code-wrong") for x in log_reasons(yk, r.id)) == 5
    # A new code replaces the old one; it expires after ten minutes.
    send_code(yk, r.id, actor=me, now=t0 + dt.timedelta(minutes=2))
    fresh = the_code(deliver(yk, smtp, at=t0 + dt.timedelta(minutes=2)))
    with pytest.raises(Conflict, match="expired"):
        check_code(yk, r.id, fresh, actor=me, now=t0 + dt.timedelta(minutes=12, seconds=1))
    send_code(yk, r.id, actor=me, now=t0 + dt.timedelta(minutes=13))
    last = the_code(deliver(yk, smtp, at=t0 + dt.timedelta(minutes=13)))
    assert check_code(yk, r.id, last, actor=me, now=t0 + dt.timedelta(minutes=14)).status \
        == "verified"
    # The worker destroys codes that are used, replaced, expired or dead, with a record.
    records = run_expiry(yk, kinds=["verification_codes"], now=t0 + dt.timedelta(minutes=30))
    assert [(x.kind, x.count, x.method) for x in records] == [
        ("verification_codes", 3, "row delete")]
    assert codes(yk, r.id) == []


# -- staff checks and agents --------------------------------------------------------------------

@pytest.mark.promise("P6.11", "P6.8")
def test_staff_record_how_they_checked_identity(yk, minsu, officer, engineer):
    r = submit(yk, member_id=minsu, right="erasure", channel="written", actor=officer)
    with pytest.raises(ValidationError, match="id-card-seen"):
        verify_by_staff(yk, r.id, actor=officer, method="looked trustworthy")
    with pytest.raises(ActorNotAllowed, match="rights.decide"):
        verify_by_staff(yk, r.id, actor=engineer, method="id-card-seen")
    with pytest.raises(ActorNotAllowed):  # a member cannot verify themself by staff check
        verify_by_staff(yk, r.id, actor=member_actor(minsu), method="id-card-seen")
    done = verify_by_staff(yk, r.id, actor=officer, method="signed-letter-matched")
    assert done.verification == "staff:signed-letter-matched"
    assert request_events(yk, r.id)[-1].actor == officer.id


@pytest.mark.promise("P6.10")
def test_an_agent_acts_only_with_an_accepted_power_of_attorney(yk, minsu, officer, engineer):
    r = submit(yk, member_id=minsu, right="access", channel="written", actor=officer,
               requester="authorised_agent")
    assert r.agent_check == "pending"
    with pytest.raises(Conflict, match="power of attorney"):
        verify_by_staff(yk, r.id, actor=officer, method="agent-documents-checked")
    with pytest.raises(Conflict, match="no power of attorney"):
        check_agent(yk, r.id, actor=officer, outcome="accepted")
    for document, kind, field in ((POA, "application/msword", "content_type"),
                                  (b"", "application/pdf", "document"),
                                  (b"GIF89a...", "image/png", "document"),
                                  (b"%PDF-" + b"0" * (10 * 2**20), "application/pdf",
                                   "document")):
        with pytest.raises(ValidationError) as info:
            attach_power_of_attorney(yk, r.id, document, content_type=kind, actor=officer)
        assert info.value.field == field
    doc_id = attach_power_of_attorney(yk, r.id, POA, content_type="application/pdf",
                                      actor=officer)
    assert b"Park Jiyeon" not in database_bytes(yk)
    assert [(d.id, d.size, d.content_type) for d in documents(yk, r.id)] == [
        (doc_id, len(POA), "application/pdf")]
    with pytest.raises(ActorNotAllowed):
        check_agent(yk, r.id, actor=engineer, outcome="accepted")
    with pytest.raises(ValidationError):
        check_agent(yk, r.id, actor=officer, outcome="probably")
    check_agent(yk, r.id, actor=officer, outcome="accepted")
    with yk.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT agent_check, agent_checked_by, agent_checked_at "
                                   "FROM rights_requests WHERE id = :i"), {"i": r.id}).first()
    assert row[0] == "accepted" and row[1] == officer.id and row[2] is not None
    assert request_events(yk, r.id)[-1].reason == "agent:accepted"
    verify_by_staff(yk, r.id, actor=officer, method="agent-documents-checked")
    assert start(yk, r.id, actor=officer).status == "in_progress"
    # The privacy officer reads it back, logged; others are refused, logged.
    assert read_power_of_attorney(yk, doc_id, actor=officer) == ("application/pdf", POA)
    with pytest.raises(ActorNotAllowed):
        read_power_of_attorney(yk, doc_id, actor=engineer)
    reasons = log_reasons(yk, r.id)
    assert ("granted", "rights:agent:document-read") in reasons
    assert ("denied", "capability-required") in reasons
    # The member's own request needs no document; erasing the member shreds it.
    own = submit(yk, member_id=minsu, right="access", channel="written", actor=officer)
    with pytest.raises(Conflict, match="own request"):
        attach_power_of_attorney(yk, own.id, POA, content_type="application/pdf",
                                 actor=officer)
    Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings).erase_member(minsu, actor=officer)
    with pytest.raises(NotFound, match="shredded"):
        read_power_of_attorney(yk, doc_id, actor=officer)


def test_a_representative_needs_the_policy_to_admit_them_and_a_member(yk, officer):
    other = new_member(yk, email="jiyeon.park@somesing.kr", phone="010-9876-5432")
    r = submit(yk, member_id=other, right="erasure", channel="fax", actor=officer,
               requester="legal_representative")
    check = [r.agent_check, get_request(yk, r.id).requester]
    assert check == ["pending", "legal_representative"]
    with pytest.raises(Conflict, match="not accepted"):  # no code for an unchecked agent
        send_code(yk, r.id, actor=member_actor(other))
    attach_power_of_attorney(yk, r.id, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
                             content_type="image/png", actor=officer)
    check_agent(yk, r.id, actor=officer, outcome="rejected")
    with pytest.raises(Conflict, match="power of attorney"):
        verify_by_staff(yk, r.id, actor=officer, method="agent-documents-checked")
