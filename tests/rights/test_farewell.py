"""The farewell after a whole-account erasure (GDPR 12(3), PIPA 36(2), CCPA §7022): one email to
the old address, which is kept only sealed, only until it is sent, and at most 7 days; on
SQLite and PostgreSQL, over a real SMTP server."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from alembic import command

from tests.support.database import database_bytes
from tests.support.rights import EMAIL, body, deliver, in_progress, outbox_rows
from tests.support.vault import entries
from yaksok.errors import StorageError, ValidationError
from yaksok.retention import write_record
from yaksok.retention.schedule import run_pass
from yaksok.rights import farewell
from yaksok.rights.handle import carry_out
from yaksok.rights.requests import get_request
from yaksok.store.migrate import _config, current_revision, head_revision, upgrade
from yaksok.store.tables import farewell_addresses, utcnow


def farewells(yk) -> list:
    with yk.engine.connect() as conn:
        return conn.execute(sa.select(farewell_addresses)).all()


def farewell_mails(yk, smtp) -> list:
    return [m for m in deliver(yk, smtp) if "were erased" in m["Subject"]]


@pytest.mark.promise("P6.3", "P6.8")
def test_the_requester_is_told_once_at_the_old_address_which_is_then_wiped(
        yk, vault, minsu, officer, app, smtp):
    write_record(yk, minsu, "payment_record", {"user.payment.transaction_id": "tx-77"},
                 actor=app)
    r = in_progress(yk, officer, minsu, "erasure")
    # 16:30 UTC is already the next day in Seoul: the day told is the requester's.
    at = (utcnow() - dt.timedelta(days=1)).replace(hour=16, minute=30)
    out = carry_out(yk, r.id, actor=officer, now=at)
    assert out.request.status == "completed" and out.result["held"] == {"payment_record": 1}
    [fw] = farewells(yk)
    assert fw.request_id == r.id and fw.sealed is not None and fw.sent_at is None
    assert EMAIL.encode() not in database_bytes(yk)  # sealed, never in plaintext
    [queued] = outbox_rows(yk, "rights_erased")
    assert queued.recipient_ref == fw.id and EMAIL not in queued.params
    assert json.loads(queued.params) == {"farewell_id": fw.id, "lang": "ko"}
    vault.purge_erased()  # the erased member's rows go; the farewell is not filed under them
    [msg] = deliver(yk, smtp)
    assert msg["To"] == EMAIL and "Your account and data were erased" in msg["Subject"]
    text = body(msg)
    assert r.id in text and (at.date() + dt.timedelta(days=1)).isoformat() in text
    assert "대금결제 및 재화 등의 공급에 관한 기록: 1건, 5년" in text
    assert "Records of payment and of the supply of goods: 1 record, 5 years" in text
    assert "전자상거래" in text and "118" in text  # the law, and where to complain
    assert text.index("삭제했습니다") < text.index("we erased")  # Korean first
    assert "tx-77" not in text
    [fw] = farewells(yk)
    assert fw.sealed is None and fw.sent_at is not None  # wiped with the sent mark
    assert deliver(yk, smtp) == []
    # The read that made it possible is on the record, under the request, for the legal duty.
    [read] = [e for e in entries(yk) if e.request_id == r.id and e.operation == "read"]
    assert (read.outcome, read.purpose, read.categories, read.reason) == (
        "granted", "legal_compliance", ("user.contact.email",), "rights:farewell")
    assert read.actor_id == "system:outbox"


def test_a_retried_carry_out_seals_once_and_sends_once(yk, minsu, officer, smtp, monkeypatch):
    import yaksok.vault.closure as closure

    real = closure.close_account

    def broken(*a, **k):
        raise StorageError("database went away")
    monkeypatch.setattr(closure, "close_account", broken)
    r = in_progress(yk, officer, minsu, "erasure")
    with pytest.raises(StorageError):
        carry_out(yk, r.id, actor=officer)
    [fw] = farewells(yk)  # sealed before anything was erased; nothing queued before the closure
    assert outbox_rows(yk, "rights_erased") == [] and farewell_mails(yk, smtp) == []
    monkeypatch.setattr(closure, "close_account", real)
    assert carry_out(yk, r.id, actor=officer).request.status == "completed"
    assert [x.id for x in farewells(yk)] == [fw.id]
    # Each half again, as a crash before its progress was saved would run it: still one.
    row = get_request(yk, r.id)
    assert farewell.prepare(yk, row, now=utcnow()) == {"farewell_id": fw.id}
    assert farewell.queue(yk, row, fw.id, now=utcnow()) == {"queued": True}
    assert len(farewells(yk)) == 1 and len(outbox_rows(yk, "rights_erased")) == 1
    assert len(farewell_mails(yk, smtp)) == 1 and farewell_mails(yk, smtp) == []


@pytest.mark.promise("P6.3")
def test_a_member_without_an_email_address_gets_nothing(yk, vault, officer, app, smtp):
    m = vault.create_member()
    vault.collect(m, "user.contact.phone_number", "+821055557777", channel="app", actor=app)
    r = in_progress(yk, officer, m, "erasure")
    assert carry_out(yk, r.id, actor=officer).request.status == "completed"
    with yk.engine.connect() as conn:
        progress = json.loads(conn.execute(sa.text(
            "SELECT progress FROM rights_requests WHERE id = :i"), {"i": r.id}).scalar())
    assert progress["farewell"] == {"farewell_id": None, "why": "no-address"}
    assert farewells(yk) == [] and outbox_rows(yk, "rights_erased") == []
    assert deliver(yk, smtp) == []


@pytest.mark.promise("P6.3")
def test_an_unsent_farewell_is_destroyed_by_the_worker_after_7_days(yk, minsu, officer, smtp):
    r = in_progress(yk, officer, minsu, "erasure")
    carry_out(yk, r.id, actor=officer)
    [fw] = farewells(yk)
    assert fw.expires_at - fw.created_at == dt.timedelta(days=farewell.FAREWELL_DAYS)
    soon = run_pass(yk, now=utcnow() + dt.timedelta(days=6))
    assert [x for x in soon.records if x.kind == "farewell_addresses"] == []
    assert len(farewells(yk)) == 1
    later = utcnow() + dt.timedelta(days=8)
    done = [x for x in run_pass(yk, now=later).records if x.kind == "farewell_addresses"]
    assert [(x.record_kind, x.count, x.method) for x in done] == [("unsent", 1, "row delete")]
    assert farewells(yk) == []
    assert deliver(yk, smtp, at=later) == []  # nothing left to send to: given up
    [row] = outbox_rows(yk, "rights_erased")
    assert row.status == "dead" and "@" not in (row.last_error or "")


def test_a_message_given_up_wipes_the_address(yk, minsu, officer, smtp):
    r = in_progress(yk, officer, minsu, "erasure")
    carry_out(yk, r.id, actor=officer)
    smtp.mailbox.replies.append("550 5.1.1 Recipient address rejected")
    assert deliver(yk, smtp) == []
    [fw] = farewells(yk)
    assert fw.sealed is None and fw.sent_at is None
    assert outbox_rows(yk, "rights_erased")[0].status == "dead"


def test_the_farewell_is_never_filed_under_a_member(yk, minsu):
    with yk.engine.begin() as conn, pytest.raises(ValidationError) as err:
        yk.outbox.enqueue(conn, channel="email", member_id=minsu, template="rights_erased",
                params={"farewell_id": "fw_" + "0" * 24, "lang": "ko"}, dedupe_key="x:1")
    assert err.value.field == "member_id" and "own reference" in err.value.fix


def test_migration_0011_goes_down_and_up_again(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0010")
    assert "farewell_addresses" not in sa.inspect(engine).get_table_names()
    upgrade(engine)
    assert "farewell_addresses" in sa.inspect(engine).get_table_names()


@pytest.mark.promise("P6.3")
def test_a_kek_rotation_reseals_an_unsent_farewell_so_retiring_the_old_kek_loses_nothing(
        yk, minsu, officer, smtp):
    from yaksok.errors import Conflict
    from yaksok.rotation import kek_usage, retire_kek, rewrap_pending

    carry_out(yk, in_progress(yk, officer, minsu, "erasure").id, actor=officer)
    [before] = farewells(yk)
    assert kek_usage(yk)[1]["sealed_values"] == 1
    yk.keyring.rotate("kek")  # what `yaksok keys rotate` does first
    with pytest.raises(Conflict, match="1 sealed values"):
        retire_kek(yk, 1)  # the farewell still needs version 1
    result = rewrap_pending(yk)  # ... and then
    assert result.kek_version == 2 and result.resealed == 1
    [after] = farewells(yk)
    assert bytes(after.sealed) != bytes(before.sealed)
    assert kek_usage(yk)[1]["sealed_values"] == 0 and kek_usage(yk)[2]["sealed_values"] == 1
    retire_kek(yk, 1)
    [msg] = farewell_mails(yk, smtp)  # still opens, under the new version
    assert msg["To"] == EMAIL
    assert farewells(yk)[0].sealed is None


@pytest.mark.promise("P6.3")
def test_a_farewell_sealed_for_a_request_that_then_ends_otherwise_goes_at_the_next_pass(
        yk, minsu, officer, monkeypatch):
    import yaksok.vault.closure as closure
    from yaksok.rights.requests import cancel

    def broken(*a, **k):
        raise StorageError("database went away")
    monkeypatch.setattr(closure, "close_account", broken)
    r = in_progress(yk, officer, minsu, "erasure")
    with pytest.raises(StorageError):
        carry_out(yk, r.id, actor=officer)
    assert len(farewells(yk)) == 1 and farewells(yk)[0].sealed is not None
    run_pass(yk)
    assert len(farewells(yk)) == 1  # the request is still open: the retry will need it
    cancel(yk, r.id, actor=officer)
    done = [x for x in run_pass(yk).records if x.kind == "farewell_addresses"]
    assert [(x.record_kind, x.count) for x in done] == [("unsent", 1)]
    assert farewells(yk) == []
