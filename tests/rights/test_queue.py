"""The officer's desk in the core: the queue by due date, the load per week, a request entered
with its own time of receipt, the sealed note, and the erasure's preview; then the same over
REST and the CLI. On SQLite and PostgreSQL.

Every expected date is counted by hand: KR 10 days with the day of receipt not counted
(deadline: the end of the last day in Seoul), California 45 days from the day of receipt.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.support.rights import in_progress, log_reasons, new_member
from yaksok.errors import ActorNotAllowed, Conflict, ValidationError
from yaksok.rights.handle import erasure_preview
from yaksok.rights.inputs import read_note
from yaksok.rights.queue import due_per_week, queue
from yaksok.rights.requests import submit
from yaksok.rights.verify import verify_by_staff
from yaksok.store.tables import rights_requests

KST, PT = ZoneInfo("Asia/Seoul"), ZoneInfo("America/Los_Angeles")
NOW = dt.datetime(2026, 3, 11, 12, 0, tzinfo=KST)          # a Wednesday
NOTE = "Letter of 2 March from Kim Minsu, 12 Sejong-daero, ref. 2026-031"


def at(text: str, tz=KST) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


def entered(yk, officer, member: str, right: str, received: str, tz=KST, **kw):
    """A request by letter, received at ``received`` (local) and entered the same moment."""
    t = at(received, tz)
    return submit(yk, member_id=member, right=right, channel="written", actor=officer, now=t,
                  **kw)


@pytest.fixture
def desk(yk, officer, minsu):
    """Four open requests of Korean members and one of a Californian, one of them closed:
    due 12 Feb (overdue, before the window), 7 Mar (overdue), 12 Mar (this week), 24 Apr (CA,
    beyond the window)."""
    ca = new_member(yk, email="jane@example.com", phone="+1 415 555 0100", country="US-CA")
    rq = {
        "feb": entered(yk, officer, minsu, "access", "2026-02-02 10:00"),
        "mar7": entered(yk, officer, minsu, "erasure", "2026-02-25 09:00"),
        "mar12": entered(yk, officer, minsu, "objection", "2026-03-02 10:00",
                         details={"purpose": "service_improvement"}),
        "ca": entered(yk, officer, ca, "access", "2026-03-11 10:00", tz=PT),
        "done": entered(yk, officer, minsu, "restriction", "2026-03-03 10:00",
                        details={"reason": "accuracy-disputed"}),
    }
    from yaksok.rights.requests import cancel

    cancel(yk, rq["done"].id, actor=officer, now=at("2026-03-04 10:00"))
    verify_by_staff(yk, rq["mar12"].id, actor=officer, method="signed-letter-matched",
                    now=at("2026-03-03 10:00"))
    return rq


@pytest.mark.promise("P6.8")
def test_the_queue_lists_open_requests_soonest_due_first_with_the_overdue_marked(
        yk, officer, desk):
    found = queue(yk, now=NOW)
    assert [i.id for i in found] == [desk[k].id for k in ("feb", "mar7", "mar12", "ca")]
    feb, mar7, mar12, ca = found
    # Deadlines in each jurisdiction's own time and zone.
    assert feb.due_at == at("2026-02-12 23:59:59.999999") and feb.due_at.tzinfo.key == "Asia/Seoul"
    assert ca.due_at == at("2026-04-24 23:59:59.999999", PT)
    assert (feb.overdue, mar7.overdue, mar12.overdue, ca.overdue) == (True, True, False, False)
    assert (feb.days_left, mar7.days_left, mar12.days_left) == (-27, -4, 1)
    assert ca.days_left == 45  # noon in Seoul is still 10 March in California
    assert {i.asked_by for i in found} == {"staff"} and mar12.status == "verified"
    # Filters: a status, a jurisdiction; a closed status or an unknown jurisdiction is refused.
    assert [i.id for i in queue(yk, status="verified", now=NOW)] == [desk["mar12"].id]
    assert [i.id for i in queue(yk, jurisdiction="US-CA", now=NOW)] == [desk["ca"].id]
    with pytest.raises(ValidationError) as e:
        queue(yk, status="cancelled")
    assert e.value.field == "status" and "received" in e.value.fix
    with pytest.raises(ValidationError) as e:
        queue(yk, jurisdiction="<script>")
    assert e.value.field == "jurisdiction" and "<script>" not in str(e.value)


def test_due_per_week_counts_due_and_overdue_by_the_week_of_the_last_day(yk, desk):
    load = due_per_week(yk, weeks=8, past=3, now=NOW)
    assert [w.week_start for w in load] == [dt.date(2026, 2, 16) + dt.timedelta(weeks=i)
                                            for i in range(8)]
    table = [(w.due, w.overdue) for w in load]
    # 12 Feb is before the window: counted in its first week, so nothing overdue drops out.
    assert table[0] == (0, 1)
    assert table[2] == (0, 1)      # week of 2 March: due on Saturday 7 March, overdue
    assert table[3] == (1, 0)      # this week: due Thursday 12 March
    assert sum(d for d, _ in table) == 1 and sum(o for _, o in table) == 2  # CA beyond it
    # A day later the Thursday one is still due (its last day is not over); two days later not.
    assert due_per_week(yk, now=at("2026-03-12 23:00"))[3].due == 1
    assert due_per_week(yk, now=at("2026-03-13 00:00"))[3].overdue == 1
    for bad in ({"weeks": 0}, {"weeks": 53}, {"weeks": 4, "past": 4}, {"past": -1}):
        with pytest.raises(ValidationError):
            due_per_week(yk, **bad)


@pytest.mark.promise("P6.8")
def test_a_letter_entered_later_counts_its_deadline_from_its_receipt(yk, officer, minsu):
    received = at("2026-03-02 16:00")
    rq = submit(yk, member_id=minsu, right="erasure", channel="written", actor=officer,
                received_at=received, now=at("2026-03-05 09:00"))
    assert rq.received_at == received.astimezone(dt.UTC)
    assert rq.due_at == at("2026-03-12 23:59:59.999999")  # not 15 March
    assert rq.status == "received"  # staff entry always waits for verification
    now = at("2026-03-05 09:00")
    cases = [
        ({"received_at": at("2026-03-05 09:01")}, "future"),
        ({"received_at": at("2025-03-03 09:00")}, "year"),
        ({"received_at": dt.datetime(2026, 3, 2, 16, 0)}, "time zone"),
        ({"received_at": received, "channel": "account_menu", "actor": minsu_actor(yk, minsu)},
         "outside the app"),
    ]
    for extra, words in cases:
        kw = {"member_id": minsu, "right": "erasure", "channel": "written", "actor": officer,
              "now": now, **extra}
        with pytest.raises(ValidationError) as e:
            submit(yk, **kw)
        assert e.value.field == "received_at" and words in str(e.value), extra


def minsu_actor(yk, member_id: str):
    from yaksok.actors import member_actor

    return member_actor(member_id)


def test_the_note_is_sealed_and_each_read_is_logged(yk, officer, agent, minsu):
    rq = submit(yk, member_id=minsu, right="access", channel="phone", actor=officer,
                personal={"note": NOTE})
    with yk.engine.connect() as conn:
        sealed = conn.execute(sa.select(rights_requests.c.personal)
                              .where(rights_requests.c.id == rq.id)).scalar()
    assert b"Sejong" not in sealed
    assert read_note(yk, rq.id, actor=officer) == NOTE
    assert ("granted", "rights:note-read") in log_reasons(yk, rq.id)
    with pytest.raises(ActorNotAllowed):
        read_note(yk, rq.id, actor=agent)
    assert any(o == "denied" for o, _ in log_reasons(yk, rq.id))
    plain = submit(yk, member_id=minsu, right="access", channel="phone", actor=officer)
    assert read_note(yk, plain.id, actor=officer) is None


@pytest.mark.promise("P6.3")
def test_the_erasure_preview_names_what_goes_and_what_the_law_keeps(yk, officer, app, minsu):
    from yaksok.retention import write_record

    write_record(yk, minsu, "payment_record", {"user.payment.transaction_id": "tx-77"},
                 actor=app)
    whole = in_progress(yk, officer, minsu, "erasure")
    p = erasure_preview(yk, whole.id, actor=officer)
    assert p.scope == "account"
    assert p.destroyed["user.contact.email"] == 1 and p.destroyed["user.contact.phone_number"] == 1
    [held] = p.held
    assert held["record_kind"] == "payment_record" and held["count"] == 1
    assert held["period"] and held["law"]["ko"]
    part = submit(yk, member_id=minsu, right="erasure", channel="written", actor=officer,
                  details={"categories": ["user.contact.phone_number"]})
    q = erasure_preview(yk, part.id, actor=officer)
    assert q.scope == "categories" and q.destroyed == {"user.contact.phone_number": 1}
    # The preview destroyed nothing.
    assert erasure_preview(yk, whole.id, actor=officer).destroyed == p.destroyed
    access = submit(yk, member_id=minsu, right="access", channel="written", actor=officer)
    with pytest.raises(Conflict):
        erasure_preview(yk, access.id, actor=officer)


# -- over REST and the CLI ----------------------------------------------------------------------

def test_rest_queue_load_preview_and_note_for_the_officer_only(yk, officer, minsu):
    from fastapi.testclient import TestClient

    from tests.support.api import bearer, staff_token
    from yaksok.api import create_app

    client = TestClient(create_app(yk))
    boss = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    auditor = bearer(staff_token(client, yk, "audit", "security_auditor"))
    r = client.post("/staff/rights/requests", headers=boss, json={
        "member_id": minsu, "right": "erasure", "channel": "written",
        "received_at": (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).isoformat(),
        "personal": {"note": NOTE}})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    q = client.get("/rights/queue", headers=boss).json()
    assert q["overdue"] == 1 and q["requests"][0]["id"] == rid
    assert q["requests"][0]["overdue"] is True and q["requests"][0]["asked_by"] == "staff"
    weeks = client.get("/rights/due-per-week?weeks=6&past=5", headers=boss).json()["weeks"]
    assert len(weeks) == 6 and sum(w["overdue"] for w in weeks) == 1
    preview = client.get(f"/rights/requests/{rid}/erasure-preview", headers=boss).json()
    assert preview["scope"] == "account" and preview["destroyed"]["user.contact.email"] == 1
    assert client.get(f"/rights/requests/{rid}/note", headers=boss).json()["note"] == NOTE
    for path in ("/rights/queue", "/rights/due-per-week", f"/rights/requests/{rid}/note",
                 f"/rights/requests/{rid}/erasure-preview"):
        assert client.get(path, headers=auditor).status_code == 403, path
    bad = client.get("/rights/queue?status=completed", headers=boss)
    assert bad.status_code == 422
    future = client.post("/staff/rights/requests", headers=boss, json={
        "member_id": minsu, "right": "access", "channel": "phone",
        "received_at": "2099-01-01T00:00:00+09:00"})
    assert future.status_code == 422 and "received_at" in future.text


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys, cli_officer):
    """The CLI in-process over a fresh SQLite data directory, the officer signed in."""
    from tests.support.paths import POLICY
    from yaksok.cli import main
    from yaksok.crypto.keyring import PASSPHRASE_ENV

    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(POLICY))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert run("init")[0] == 0
    cli_officer()
    return run


def test_cli_queue_due_per_week_preview_and_received_at(cli):
    from yaksok.engine import open_yaksok
    from yaksok.settings import Settings

    store = open_yaksok(Settings.from_env())
    try:
        member = new_member(store)
    finally:
        store.close()
    received = (dt.datetime.now(KST) - dt.timedelta(days=20)).isoformat()
    code, out, err = cli("rights", "submit", "--member", member, "--right", "erasure",
                         "--received-at", received, "--json")
    assert code == 0, err
    rid = json.loads(out)["id"]
    code, out, _ = cli("rights", "queue")
    assert code == 0 and "OVERDUE" in out and rid in out and "1 overdue" in out
    code, out, _ = cli("rights", "queue", "--json")
    assert json.loads(out)[0]["overdue"] is True
    code, out, _ = cli("rights", "due-per-week", "--weeks", "4", "--past", "3", "--json")
    assert code == 0 and sum(w["overdue"] for w in json.loads(out)) == 1
    code, out, _ = cli("rights", "erasure-preview", rid)
    assert code == 0 and "destroyed  user.contact.email" in out
    code, out, err = cli("rights", "submit", "--member", member, "--right", "access",
                         "--received-at", "yesterday")
    assert code != 0 and "--received-at" in err
    code, out, err = cli("rights", "queue", "--status", "refused")
    assert code != 0 and "open status" in err


def test_a_closed_request_is_never_overdue_and_an_open_one_counts_local_days(yk, officer, minsu):
    from yaksok.rights.queue import queue_item
    from yaksok.rights.requests import cancel

    rq = entered(yk, officer, minsu, "access", "2026-02-02 10:00")
    item = queue_item(rq, now=NOW)
    assert item.overdue and item.days_left == -27 and item.asked_by == "staff"
    done = cancel(yk, rq.id, actor=officer, now=at("2026-02-03 10:00"))
    assert not queue_item(done, now=NOW).overdue


def test_next_actions_follow_the_lifecycle_and_the_agent_check(yk, officer, minsu):
    from yaksok.rights.agents import attach_power_of_attorney, check_agent
    from yaksok.rights.queue import next_actions
    from yaksok.rights.requests import get_request, start

    rq = submit(yk, member_id=minsu, right="access", channel="written", actor=officer)
    assert next_actions(rq) == ("verify", "refuse", "cancel")
    rq = verify_by_staff(yk, rq.id, actor=officer, method="id-card-seen")
    assert next_actions(rq) == ("start", "refuse", "cancel")
    rq = start(yk, rq.id, actor=officer)
    assert next_actions(rq) == ("extend", "carry_out", "refuse", "cancel")
    agent = submit(yk, member_id=minsu, right="access", channel="written", actor=officer,
                   requester="legal_representative")
    assert next_actions(agent) == ("agent_check", "refuse", "cancel")
    with pytest.raises(Conflict):  # the core agrees: no verification before the check
        verify_by_staff(yk, agent.id, actor=officer, method="id-card-seen")
    attach_power_of_attorney(yk, agent.id, b"%PDF-1.4 mandate", content_type="application/pdf",
                             actor=officer)
    check_agent(yk, agent.id, actor=officer, outcome="accepted")
    assert next_actions(get_request(yk, agent.id)) == ("verify", "refuse", "cancel")
    from yaksok.rights.requests import cancel

    assert next_actions(cancel(yk, rq.id, actor=officer)) == ()
