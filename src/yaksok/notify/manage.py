"""The outbox as staff see and steer it: counts, the messages still waiting or given up, and
retrying the ones that failed.

What staff see of a message is what the outbox knows about its *delivery*: its id, channel,
template (the kind of message), status, when it was queued, how many attempts, the last error
(the SMTP reply with every address masked before it was stored) and when it is tried next.
Never whom it goes to (``recipient_ref`` names a member or a sealed farewell) and never its
parameters or body: who gets which letter is personal, and a console or an API listing has no
purpose that needs it. The callers (``GET /outbox``, ``yaksok outbox list``, the console's
outbox page) ask the core for ``outbox_manage`` first; nothing here decides who may look.

Retrying: a ``dead`` message (given up) is queued again with a fresh count of attempts, as
``retry_dead`` does; a ``failed`` one (waiting for its back-off) is made due at once and keeps
its count, so its back-off and its ``max_attempts`` still hold if it fails again. A message
that was sent, or that a sender holds right now, is not touched.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlalchemy import func, select, update

from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.notify.outbox import STATUSES
from yaksok.store.tables import outbox, utcnow

__all__ = ["OutboxMessage", "RETRYABLE", "WAITING", "list_messages", "message_counts",
           "retry_failed", "retry_message"]

log = logging.getLogger("yaksok.notify")

#: The statuses a message can be retried from: waiting for its back-off, or given up.
RETRYABLE = ("failed", "dead")
#: What a listing shows by default: every message not (yet) delivered.
WAITING = ("pending", "sending", "failed", "dead")
_MAX_LIMIT = 500


@dataclass(frozen=True)
class OutboxMessage:
    """One message's delivery, without its recipient, parameters or body."""

    id: str
    channel: str
    template: str
    status: str
    created_at: dt.datetime
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE

    def to_dict(self) -> dict:
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, dt.datetime):
                out[key] = value.isoformat()
        return out


# Named column by column: a ``select(outbox)`` would carry the recipient and the parameters.
_COLUMNS = (outbox.c.id, outbox.c.channel, outbox.c.template, outbox.c.status,
            outbox.c.created_at, outbox.c.attempts, outbox.c.last_error,
            outbox.c.next_attempt_at, outbox.c.sent_at)


def _message(row) -> OutboxMessage:
    # A sent message is tried no more: its next_attempt_at is only the old lease's end.
    when = None if row.status == "sent" else row.next_attempt_at
    return OutboxMessage(row.id, row.channel, row.template, row.status, row.created_at,
                         row.attempts, row.last_error, when, row.sent_at)


def _statuses(statuses: Sequence[str]) -> tuple[str, ...]:
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown or not statuses:
        raise ValidationError("unknown outbox status" if unknown else "no status named",
                              field="status", fix=f"use one or more of {', '.join(STATUSES)}")
    return tuple(dict.fromkeys(statuses))


def message_counts(engine: sa.Engine) -> dict[str, int]:
    """How many messages are in each status (every status present, both channels summed)."""
    t = outbox
    counts = dict.fromkeys(STATUSES, 0)
    with engine.connect() as conn:
        for status, n in conn.execute(select(t.c.status, func.count()).group_by(t.c.status)):
            counts[status] = counts.get(status, 0) + n
    return counts


def list_messages(engine: sa.Engine, *, statuses: Sequence[str] = WAITING, limit: int = 100
                  ) -> list[OutboxMessage]:
    """The messages in ``statuses``, given up ones first, then those waiting longest (at most
    ``limit``; 1-500)."""
    wanted = _statuses(statuses)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= _MAX_LIMIT:
        raise ValidationError(f"limit must be 1 to {_MAX_LIMIT}", field="limit",
                              fix="ask for fewer messages at a time")
    t = outbox
    # dead first (they need a person), then failed, then the queue; oldest first within each.
    order = sa.case({"dead": 0, "failed": 1, "sending": 2, "pending": 3}, value=t.c.status,
                    else_=4)
    with engine.connect() as conn:
        rows = conn.execute(select(*_COLUMNS).where(t.c.status.in_(wanted))
                            .order_by(order, t.c.created_at, t.c.id).limit(limit)).all()
    return [_message(r) for r in rows]


def _load(conn: sa.Connection, message_id: str):
    row = None
    if isinstance(message_id, str) and len(message_id) <= 32:
        row = conn.execute(select(*_COLUMNS).where(outbox.c.id == message_id)).first()
    if row is None:
        # The id is not echoed: it came from a URL anyone can craft.
        raise NotFound("no outbox message has this id", field="message_id",
                       fix="list the messages with GET /outbox or `yaksok outbox list`")
    return row


def _requeue(conn: sa.Connection, where, now: dt.datetime) -> int:
    """Requeue the retryable rows ``where`` selects; returns how many."""
    t = outbox
    dead = conn.execute(update(t).where(where, t.c.status == "dead").values(
        status="pending", attempts=0, next_attempt_at=now, last_error=None, claimed_by=None,
        claimed_until=None)).rowcount
    # A failed row keeps its attempts and last error: the back-off and max_attempts still
    # count them, and the error says what happened until it is tried again.
    failed = conn.execute(update(t).where(where, t.c.status == "failed").values(
        next_attempt_at=now)).rowcount
    return dead + failed


def retry_message(engine: sa.Engine, message_id: str, *, by: str,
                  now: dt.datetime | None = None) -> OutboxMessage:
    """Retry one failed or given-up message now; ``by`` (the staff id or ``cli:operator``) is
    logged. ``NotFound`` for an unknown id, ``Conflict`` for a message that is not failed."""
    now = now or utcnow()
    with engine.begin() as conn:
        row = _load(conn, message_id)
        if row.status not in RETRYABLE:
            raise Conflict(f"the message is {row.status}, not failed: there is nothing to "
                           "retry", field="message_id",
                           fix="retry a message whose status is failed or dead")
        _requeue(conn, outbox.c.id == row.id, now)
        row = _load(conn, row.id)
    log.info("outbox %s requeued by %s", row.id, by)
    return _message(row)


def retry_failed(engine: sa.Engine, *, by: str, now: dt.datetime | None = None) -> int:
    """Retry every failed and given-up message now; returns how many (logged with ``by``)."""
    with engine.begin() as conn:
        n = _requeue(conn, sa.true(), now or utcnow())
    log.info("outbox: %d failed message(s) requeued by %s", n, by)
    return n
