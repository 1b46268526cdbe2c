"""How often a request may come, on SQLite and PostgreSQL: CCPA's twice-a-year access limit
(Cal. Civ. Code §1798.130(b)) refused by count on every channel and answered over DRP as
``denied`` / ``too_many_requests``; an agent repeating an exercise that is still open; and the
DRP bridge telling the operator when undoing a half-made request fails."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import sqlalchemy as sa
from nacl.signing import SigningKey

from tests.support.drp import (
    AGENT,
    JANE,
    californian,
    envelope,
    mailed_code,
    paired,
    request_body,
    rights_of,
    signed,
)
from tests.support.rights import body, deliver
from yaksok.actors import member_actor
from yaksok.errors import Conflict, StorageError
from yaksok.rights import drp
from yaksok.rights.grounds import ACCESS_LIMIT_GROUND, REFUSAL_GROUNDS, grounds_for
from yaksok.rights.requests import (
    cancel,
    complete,
    get_request,
    list_requests,
    refuse,
    request_events,
    start,
    submit,
)
from yaksok.rights.verify import verify_by_staff

UTC = dt.UTC
DAY = dt.timedelta(days=1)


def earlier(yk, officer, m: str, right: str, at: dt.datetime, upto: str = "completed") -> str:
    """A request of ``right`` received at ``at`` and taken as far as ``upto`` (received,
    verified, in_progress, completed, cancelled; refused: on the identity ground, unverified)."""
    rq = submit(yk, member_id=m, right=right, channel="email", actor=officer, now=at, lang="en")
    if upto == "refused":
        refuse(yk, rq.id, actor=officer, reason="ccpa_7062_cannot_verify", now=at)
        return rq.id
    if upto == "received":
        return rq.id
    verify_by_staff(yk, rq.id, actor=officer, method="id-card-seen", now=at)
    if upto == "cancelled":
        cancel(yk, rq.id, actor=officer, now=at)
    if upto in ("in_progress", "completed"):
        start(yk, rq.id, actor=officer, now=at)
    if upto == "completed":
        complete(yk, rq.id, actor=officer, result={}, now=at)
    return rq.id


def asked_in_the_app(yk, officer, m: str, right: str = "access",
                     at: dt.datetime | None = None):
    """The member asks in the privacy center; staff check identity (any way verifies)."""
    rq = submit(yk, member_id=m, right=right, channel="account_menu", actor=member_actor(m),
                now=at, lang="en")
    return verify_by_staff(yk, rq.id, actor=officer, method="video-call", now=at)


# -- the CCPA limit on every channel ------------------------------------------------------------

@pytest.mark.promise("P6.9")
@pytest.mark.promise("P6.1")
def test_a_californians_third_access_request_in_12_months_is_refused(yk, vault, app, officer,
                                                                      smtp):
    now = dt.datetime.now(UTC)
    m = californian(vault, app)
    # What provided nothing, or lies outside the 12 months, does not count.
    earlier(yk, officer, m, "access", now - 400 * DAY)
    earlier(yk, officer, m, "access", now - 200 * DAY, "cancelled")
    earlier(yk, officer, m, "access", now - 150 * DAY, "refused")
    unverified = earlier(yk, officer, m, "access", now - 3 * DAY, "received")
    objection = submit(yk, member_id=m, right="objection", channel="email", actor=officer,
                       details={"purpose": "service_improvement"}, now=now - 2 * DAY)
    verify_by_staff(yk, objection.id, actor=officer, method="id-card-seen", now=now - 2 * DAY)
    # Two that count: one answered, one being answered, on two channels and both rights.
    answered = earlier(yk, officer, m, "access", now - 300 * DAY)
    asked = asked_in_the_app(yk, officer, m, "portability", now - 10 * DAY)
    start(yk, asked.id, actor=officer, now=now - 10 * DAY)

    third = asked_in_the_app(yk, officer, m)
    assert (third.status, third.refusal_reason) == ("refused", ACCESS_LIMIT_GROUND)
    last = request_events(yk, third.id)[-1]
    assert (last.from_status, last.to_status, last.reason, last.actor) == (
        "verified", "refused", ACCESS_LIMIT_GROUND, "system:rights-limits")
    # Told with the ground and the article, like any refusal (P6.9).
    [told] = [msg for msg in deliver(yk, smtp) if "1798.130(b)" in body(msg)]
    assert REFUSAL_GROUNDS[ACCESS_LIMIT_GROUND]["en"] in body(told)
    assert told["To"] == JANE["user.contact.email"]
    # The same for the one never verified before, once it is: the rule is the count.
    assert verify_by_staff(yk, unverified, actor=officer, method="id-card-seen").status == \
        "refused"
    # A calendar year after the answered one, it no longer counts: served again.
    later = now - 300 * DAY + dt.timedelta(days=366)
    assert get_request(yk, answered).status == "completed"
    assert asked_in_the_app(yk, officer, m, "access", later).status == "verified"


def test_the_limit_is_californias_and_only_for_access(yk, vault, app, officer):
    now = dt.datetime.now(UTC)
    kr = californian(vault, app, {"user.contact.email": "minsu@example.kr"}, jurisdiction="KR")
    ca = californian(vault, app)
    for days in (30, 20, 10):
        earlier(yk, officer, kr, "access", now - days * DAY)
        earlier(yk, officer, ca, "access" if days > 10 else "erasure", now - days * DAY)
    assert asked_in_the_app(yk, officer, kr).status == "verified"  # PIPA has no such limit
    rq = submit(yk, member_id=ca, right="objection", channel="email", actor=officer,
                details={"purpose": "service_improvement"}, lang="en")
    assert verify_by_staff(yk, rq.id, actor=officer, method="id-card-seen").status == "verified"
    assert ACCESS_LIMIT_GROUND in grounds_for("access", "US-CA")
    assert ACCESS_LIMIT_GROUND in grounds_for("portability", "US-CA")
    assert ACCESS_LIMIT_GROUND not in grounds_for("erasure", "US-CA")
    assert ACCESS_LIMIT_GROUND not in grounds_for("access", "KR")


@pytest.mark.promise("P6.9")
def test_the_officer_cites_the_limit_only_when_the_count_bears_it_out(yk, vault, app, officer):
    now = dt.datetime.now(UTC)
    m = californian(vault, app)
    earlier(yk, officer, m, "access", now - 40 * DAY)
    pending = submit(yk, member_id=m, right="access", channel="written", actor=officer,
                     lang="en")
    with pytest.raises(Conflict) as caught:
        refuse(yk, pending.id, actor=officer, reason=ACCESS_LIMIT_GROUND)
    assert caught.value.field == "reason" and "1 other" in str(caught.value)
    assert get_request(yk, pending.id).status == "received"
    earlier(yk, officer, m, "portability", now - 20 * DAY, "in_progress")
    done = refuse(yk, pending.id, actor=officer, reason=ACCESS_LIMIT_GROUND)
    assert (done.status, done.refusal_reason) == ("refused", ACCESS_LIMIT_GROUND)


# -- over DRP -------------------------------------------------------------------------------------

@pytest.mark.promise("P6.9")
@pytest.mark.promise("P6.10")
def test_over_drp_the_third_access_is_denied_too_many_requests(yk, vault, app, officer, key,
                                                               smtp):
    now = dt.datetime.now(UTC)
    m = californian(vault, app)
    earlier(yk, officer, m, "access", now - 200 * DAY)
    earlier(yk, officer, m, "portability", now - 100 * DAY)
    token = paired(yk, key, officer)
    sent = drp.exercise(yk, token, request_body(key, "access"))
    # Nothing is told to the agent before the member confirms who they are.
    assert (sent["status"], sent["reason"]) == ("in_progress", "need_user_verification")
    rid = sent["request_id"]
    drp.resend_code(yk, rid)
    drp.confirm_by_member(yk, rid, mailed_code(yk, smtp))
    status = drp.status(yk, rid)
    assert (status["status"], status["reason"]) == ("denied", "too_many_requests")
    assert "Cal. Civ. Code §1798.130(b)" in status["processing_details"]
    assert "expires_at" in status and "expected_by" not in status
    [rq] = rights_of(yk, rid)
    assert (rq.status, rq.refusal_reason, rq.result) == ("refused", ACCESS_LIMIT_GROUND, None)
    # The regime is not what decides: a ccpa request for a member under Korean law is honoured
    # under PIPA, which has no such limit.
    kr = californian(vault, app, {"user.contact.email": "minsu@example.kr"}, jurisdiction="KR")
    for days in (200, 100):
        earlier(yk, officer, kr, "access", now - days * DAY)
    other = drp.exercise(yk, token, request_body(key, "access", email="minsu@example.kr"))
    [krq] = rights_of(yk, other["request_id"])
    verify_by_staff(yk, krq.id, actor=officer, method="reply-from-registered-email")
    assert drp.status(yk, other["request_id"])["status"] == "in_progress"


def test_an_agent_repeating_an_open_exercise_gets_the_open_request(yk, vault, app, officer,
                                                                   key, caplog):
    m = californian(vault, app)
    token = paired(yk, key, officer)
    first = drp.exercise(yk, token, request_body(key, "access"))
    caplog.set_level(logging.INFO, logger="yaksok.rights.drp")
    again = drp.exercise(yk, token, request_body(key, "access", **{
        "email": JANE["user.contact.email"], "agent-request-id": "retry-1"}))
    assert again == first
    [line] = [r.getMessage() for r in caplog.records if "repeated" in r.getMessage()]
    assert first["request_id"] in line and AGENT in line
    assert "jane" not in caplog.text.lower()
    assert [r.right for r in list_requests(yk, member_id=m)] == ["access"]
    # Another exercise, or another agent, is a request of its own.
    deletion = drp.exercise(yk, token, request_body(key, "deletion"))
    assert deletion["request_id"] != first["request_id"]
    other_key = SigningKey.generate()
    other = paired(yk, other_key, officer, agent_id="OTHER_AGENT")
    theirs = drp.exercise(yk, other, request_body(other_key, "access", agent_id="OTHER_AGENT"))
    assert theirs["request_id"] != first["request_id"]
    # Once the first is over (here: not confirmed in time, so denied), a new one is made.
    later = dt.datetime.now(UTC) + drp.VERIFY_WINDOW + dt.timedelta(minutes=1)
    message = {**envelope(at=later), "exercise": "access", "regime": "ccpa",
               "email": JANE["user.contact.email"]}
    fresh = drp.exercise(yk, token, signed(key, message), now=later)
    assert fresh["request_id"] not in (first["request_id"], deletion["request_id"])
    assert fresh["reason"] == "need_user_verification"
    assert drp.status(yk, first["request_id"], now=later)["reason"] == "insuf_verification"
    assert len(drp.list_requests(yk)) == 4


# -- the bridge's compensation --------------------------------------------------------------------

_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER no_objection_link BEFORE INSERT ON drp_request_rights "
        "WHEN substr(NEW.action, 1, 10) = 'objection:' BEGIN SELECT RAISE(ABORT, 'store refuses'); END",
        "CREATE TRIGGER no_cancel BEFORE UPDATE ON rights_requests "
        "WHEN NEW.status = 'cancelled' BEGIN SELECT RAISE(ABORT, 'store refuses'); END"],
    "postgresql": [
        "CREATE FUNCTION store_refuses() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'store refuses'; END $$",
        "CREATE TRIGGER no_objection_link BEFORE INSERT ON drp_request_rights FOR EACH ROW "
        "WHEN (substr(NEW.action, 1, 10) = 'objection:') EXECUTE FUNCTION store_refuses()",
        "CREATE TRIGGER no_cancel BEFORE UPDATE ON rights_requests FOR EACH ROW "
        "WHEN (NEW.status = 'cancelled') EXECUTE FUNCTION store_refuses()"],
}


def test_a_failed_compensation_is_logged_for_the_operator(yk, vault, app, officer, key,
                                                          caplog):
    m = californian(vault, app)
    token = paired(yk, key, officer)
    # The store itself refuses: the opt-out's second link, and then every cancellation.
    with yk.engine.begin() as conn:
        for statement in _TRIGGERS[yk.engine.dialect.name]:
            conn.exec_driver_sql(statement)
    caplog.set_level(logging.WARNING, logger="yaksok.rights.drp")
    with pytest.raises(StorageError):
        drp.exercise(yk, token, request_body(key, "sale:opt-out"))
    lines = [r for r in caplog.records if "compensation" in r.getMessage()]
    made = list_requests(yk, member_id=m)
    assert len(lines) == len(made) == 2 and {r.levelno for r in lines} == {logging.WARNING}
    texts = [r.getMessage() for r in lines]
    for rq in made:
        [text] = [t for t in texts if rq.id in t]
        assert "StorageError" in text and re.match(r"DRP [0-9a-f-]{36}: ", text)
    # No personal value in what was logged, and the DRP request itself is gone.
    for needle in (JANE["user.contact.email"], "jane", "store refuses",
                   JANE["user.contact.phone_number"]):
        assert needle not in caplog.text.lower()
    assert drp.list_requests(yk) == []
    # The rights requests stay for the officer to close, as the log line says.
    assert {rq.status for rq in made} == {"received"}
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM drp_request_rights")).scalar() == 0


@pytest.mark.promise("P6.9")
def test_two_requests_verified_at_the_same_moment_do_not_both_slip_under_the_limit(
        yk, vault, app, officer):
    """On PostgreSQL two verifications run at once: each must count the other once it has
    committed. The member's row lock orders them; here another session holds it while both
    verifications reach the count, then lets go: one is served, the other refused."""
    if yk.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one write transaction at a time: there is no race to order")
    import threading

    now = dt.datetime.now(UTC)
    m = californian(vault, app)
    earlier(yk, officer, m, "access", now - 30 * DAY)
    pending = [submit(yk, member_id=m, right="access", channel="email", actor=officer,
                      now=now - DAY, lang="en").id for _ in range(2)]
    holder = yk.engine.connect()
    try:
        holder.begin()
        holder.exec_driver_sql("SELECT id FROM members WHERE id = %s FOR UPDATE", (m,))
        done, errors = {}, []

        def verify(rid: str) -> None:
            try:
                done[rid] = verify_by_staff(yk, rid, actor=officer, method="id-card-seen").status
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=verify, args=(rid,)) for rid in pending]
        for t in threads:
            t.start()
        # Both verifications are under way and waiting for the member's row.
        deadline = dt.datetime.now(UTC) + dt.timedelta(seconds=30)
        while holder.exec_driver_sql(
                "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database()").scalar() < 2:
            assert dt.datetime.now(UTC) < deadline and not done and not errors
        holder.rollback()
    finally:
        holder.close()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(done.values()) == ["refused", "verified"]
