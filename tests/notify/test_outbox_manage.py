"""What staff see of the outbox and what they may do to it (``yaksok.notify.manage``): counts,
the messages not delivered without their recipients, retrying the failed ones; over the core,
REST (``/outbox``) and the CLI (``yaksok outbox list`` / ``retry``). Against a real SMTP server
that refuses one message for good and one for now."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer, staff_token
from tests.support.paths import POLICY
from tests.support.policy import add_ai_training, add_members, make_yaksok, variant
from tests.support.smtp import sender
from yaksok.api import create_app
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.notify import list_messages, message_counts, retry_failed, retry_message
from yaksok.publishing.notices import TEMPLATE, publish_with_notice
from yaksok.store.tables import outbox


def failed_outbox(yk, smtp) -> dict[str, str]:
    """Three members' change notices sent once: one email refused for good (550, dead), one
    for now (451, failed), one delivered; the in-app notices delivered. {member id: address}"""
    members = add_members(yk, 3)
    publish_with_notice(yk, variant(change=add_ai_training), published_by="test")
    smtp.mailbox.replies.extend(["550 5.1.1 <member0.kim@example.com>: no such user",
                                 "451 4.3.0 mailbox busy, try later"])
    result = sender(yk, smtp).deliver_once()
    assert (result.sent, result.dead, result.retrying) == (4, 1, 1)
    return members


def _status(yk, message_id: str):
    with yk.engine.connect() as conn:
        return conn.execute(sa.select(outbox).where(outbox.c.id == message_id)).one()


def test_staff_see_delivery_never_recipients_and_retry_what_failed(yk, smtp):
    members = failed_outbox(yk, smtp)
    counts = message_counts(yk.engine)
    assert counts == {"pending": 0, "sending": 0, "sent": 4, "failed": 1, "dead": 1}

    dead, failed = list_messages(yk.engine)  # given up first, then waiting; sent ones left out
    assert (dead.status, failed.status) == ("dead", "failed")
    assert dead.retryable and failed.retryable and dead.channel == "email"
    assert dead.template == failed.template == TEMPLATE  # the kind of message
    # The listing has no field for the recipient or the parameters, and no address in it.
    fields = {f.name for f in dataclasses.fields(dead)}
    assert not fields & {"recipient_ref", "params", "member_id", "dedupe_key", "body"}
    shown = json.dumps([dead.to_dict(), failed.to_dict()])
    assert "550" in shown and "451" in shown
    for member_id, address in members.items():
        assert member_id not in shown and address not in shown
        assert address.split("@")[0] not in shown

    # One message retried: a dead one starts over; a failed one is due now, attempts kept.
    again = retry_message(yk.engine, dead.id, by="staff:test")
    assert (again.status, again.attempts, again.last_error) == ("pending", 0, None)
    before = _status(yk, failed.id)
    assert retry_failed(yk.engine, by="staff:test") == 1  # only the failed one is left
    after = _status(yk, failed.id)
    assert after.status == "failed" and after.attempts == before.attempts == 1
    assert after.next_attempt_at < before.next_attempt_at

    result = sender(yk, smtp).deliver_once()
    assert (result.claimed, result.sent) == (2, 2)
    assert message_counts(yk.engine)["sent"] == 6 and list_messages(yk.engine) == []


def test_retrying_what_cannot_be_retried_is_a_clear_error(yk, smtp):
    failed_outbox(yk, smtp)
    sent = list_messages(yk.engine, statuses=["sent"], limit=1)[0]
    with pytest.raises(Conflict) as exc:
        retry_message(yk.engine, sent.id, by="staff:test")
    assert exc.value.field == "message_id" and "sent" in exc.value.message
    with pytest.raises(NotFound) as missing:
        retry_message(yk.engine, "ob_no_such_message", by="staff:test")
    assert "ob_no_such_message" not in str(missing.value)  # a crafted id is not echoed
    with pytest.raises(ValidationError) as bad:
        list_messages(yk.engine, statuses=["lost"])
    assert bad.value.field == "status"
    with pytest.raises(ValidationError):
        list_messages(yk.engine, limit=0)


def test_rest_outbox_is_the_officers_and_shows_no_recipient(yk, smtp):
    members = failed_outbox(yk, smtp)
    client = TestClient(create_app(yk))
    officer = bearer(staff_token(client, yk, "ob-officer", "privacy_officer"))
    auditor = bearer(staff_token(client, yk, "ob-auditor", "security_auditor"))

    r = client.get("/outbox", headers=officer)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"]["dead"] == 1 and body["email_configured"] is False
    assert [m["status"] for m in body["messages"]] == ["dead", "failed"]
    for address in members.values():
        assert address not in r.text
    assert all(m not in r.text for m in members)

    dead_id = body["messages"][0]["id"]
    refused = assert_problem(client.get("/outbox", headers=auditor), 403, "processing-refused")
    assert refused["rule"] == "capability-required"
    assert_problem(client.post(f"/outbox/{dead_id}/retry", headers=auditor), 403,
                   "processing-refused")
    assert _status(yk, dead_id).status == "dead"  # the refusal changed nothing

    r = client.post(f"/outbox/{dead_id}/retry", headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    assert_problem(client.post(f"/outbox/{dead_id}/retry", headers=officer), 409, "conflict")
    assert_problem(client.post("/outbox/ob_none/retry", headers=officer), 404, "not-found")
    r = client.post("/outbox/retry", headers=officer)
    assert r.status_code == 200 and r.json() == {"requeued": 1}
    assert client.get("/outbox?status=lost", headers=officer).status_code == 422


def test_cli_lists_and_retries(tmp_path, monkeypatch, capsys, smtp):
    from yaksok.cli import main

    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    y = make_yaksok(tmp_path, "")
    members = failed_outbox(y, smtp)
    dead = list_messages(y.engine, statuses=["dead"])[0]
    y.close()
    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(POLICY))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)
    assert main(["outbox", "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"{dead.id}\temail\t") and "\tdead\t" in out
    assert not any(a in out or m in out for m, a in members.items())
    assert main(["outbox", "list", "--status", "dead", "--json"]) == 0
    assert [m["id"] for m in json.loads(capsys.readouterr().out)] == [dead.id]
    assert main(["outbox", "retry", dead.id]) == 0
    assert f"requeued {dead.id}" in capsys.readouterr().out
    assert main(["outbox", "retry"]) == 0
    assert "requeued 1 message(s)" in capsys.readouterr().out
    assert main(["outbox", "retry", dead.id]) != 0  # pending now: nothing to retry
    assert "not failed" in capsys.readouterr().err
