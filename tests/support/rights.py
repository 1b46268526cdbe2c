"""Helpers shared by the rights tests (``tests/rights``): a member signed up with a password,
mail delivered over the real SMTP server, a request taken to ``in_progress``, and the access
log's and outbox's rows of a request. The ``minsu`` fixture is in ``tests/rights/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import email.policy

import sqlalchemy as sa

from tests.support.vault import entries
from yaksok.members.signup import sign_up
from yaksok.notify import OutboxSender, SmtpTransport
from yaksok.rights.requests import start, submit
from yaksok.rights.verify import verify_by_staff
from yaksok.store.tables import outbox, utcnow

PASSWORD = "noraehae-2024!"  # noqa: S105 - a test member's password
EMAIL = "minsu.kim@somesing.kr"
NEW_PHONE = "+821055557777"


def new_member(yk, email: str = EMAIL, phone: str = "010-1234-5678", country: str = "KR",
               **kw) -> str:
    return sign_up(yk, email=email, password=PASSWORD, phone=phone, country=country,
                   birth_date="1995-04-17", **kw)


def deliver(yk, server, at: dt.datetime | None = None) -> list:
    """Deliver every queued email (due by ``at``, default now) through the real SMTP server;
    returns the messages it got."""
    before = len(server.mailbox.messages)
    sender = OutboxSender(yk.engine, yk.outbox.templates, transport=SmtpTransport(server.config()),
                          resolve_email=yk.outbox.resolver(), clock=lambda: at or utcnow())
    while sender.deliver_once().claimed:
        pass
    return server.mailbox.messages[before:]


def body(msg) -> str:
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default).get_content()


def in_progress(yk, officer, member_id: str, right: str, **kw):
    """A request entered by phone, verified by staff and started."""
    r = submit(yk, member_id=member_id, right=right, channel="phone", actor=officer, **kw)
    verify_by_staff(yk, r.id, actor=officer, method="callback-registered-phone")
    return start(yk, r.id, actor=officer)


def log_reasons(yk, request_id: str) -> list[tuple[str, str]]:
    return [(e.outcome, e.reason) for e in entries(yk) if e.request_id == request_id]


def outbox_rows(yk, template: str | None = None) -> list:
    with yk.engine.connect() as conn:
        q = sa.select(outbox).order_by(outbox.c.created_at, outbox.c.id)
        return conn.execute(q.where(outbox.c.template == template) if template else q).all()


def officer_carries_out(yk) -> None:
    """Publish SOMESING's policy with ``self_service.carry_out: []``: every verified request
    waits for the officer, for the tests of the officer's own steps (start, extend, refuse,
    carry out). The self-service path is tests/rights/test_selfservice.py's."""
    from tests.support.policy import variant
    from yaksok.policy.versions import publish_policy

    def change(d: dict) -> None:
        d["self_service"] = {"carry_out": []}
    publish_policy(yk.engine, variant(change=change), published_by="officer")
    yk.policy_in_force.refresh()
