"""The outbox: messages to members, queued in the database and delivered by a worker.

Queuing (``enqueue``, ``enqueue_many``) happens inside the caller's transaction, so a message
exists exactly when the change that caused it is committed. Delivery (``OutboxSender``) claims
due rows, sends them, and marks them sent. Two channels share the path:

- ``email``: one message per row over SMTP (``yaksok.notify.smtp``);
- ``in_app``: a row in ``member_notices`` that the member sees at ``GET /me/notices``.

**No personal value is stored here.** A row names the member by internal id, a template and
parameters that are short tokens (ids, version labels; ``enqueue`` refuses anything else). The
email address is resolved when the message is sent, by a resolver the caller provides (normally
a vault read of ``user.contact.email`` for the purpose ``change_notices``); the rendered message
exists only in memory and on the wire. A template with ``own_address`` (the farewell after a
whole-account erasure, when the vault no longer knows the member) names its own reference as
the recipient and opens its own sealed copy of the address; that copy is wiped in the
transaction that marks the message ``sent`` or ``dead``. ``last_error`` holds the SMTP code and reply with
addresses masked.

**Delivery guarantees** (docs/notices.md has the long form):

- *Deduplicated queuing.* ``(channel, dedupe_key)`` is unique: queuing the same notice twice is
  one message.
- *Claiming.* A sender claims due rows in one short transaction (PostgreSQL ``FOR UPDATE SKIP
  LOCKED``, so concurrent senders take disjoint rows; SQLite ``BEGIN IMMEDIATE``, one writer at a
  time), sets them ``sending`` with a lease (``claimed_by``, ``claimed_until``) and counts the
  attempt. Before each send the lease is renewed *if it is still ours*; after the send the row is
  marked ``sent`` only if it is still ours.
- *In-app notices are exactly once:* the ``member_notices`` row and the ``sent`` mark are written
  in one transaction, and the row's primary key (member, notice) makes a replay a no-op.
- *Email is at least once, at most one extra copy per crash, always with the same Message-ID.*
  SMTP cannot be exactly once end to end: if the sender dies after the server accepted DATA but
  before ``sent`` is committed, nothing can tell whether the server got the message. Such a row
  stays ``sending`` until its lease runs out; it is then treated as *possibly sent* and sent again
  with the **same Message-ID** (``<outbox id>.yaksok@<From domain>``), which lets the receiving
  side drop the copy. A row that is ``sent`` is never claimed again, so a normal restart never
  resends anything. After ``RetryPolicy.max_attempts`` expired leases the row goes ``dead``
  instead of looping on a message that crashes its sender.
- *Retries.* A 4xx reply, a timeout or a dropped connection: the row goes ``failed`` and is
  retried after an exponential back-off with jitter; after ``max_attempts`` it is ``dead``. A 5xx
  reply about the message (the address does not exist) is final: ``dead`` at once. A failure of
  the connection itself (refused login, no STARTTLS, server down) stops the batch; the rows not
  tried are released without using up an attempt.

Statuses: ``pending`` (never tried), ``sending`` (claimed, lease running), ``sent``, ``failed``
(will retry at ``next_attempt_at``), ``dead`` (given up; ``yaksok outbox retry`` requeues).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime

import sqlalchemy as sa
from sqlalchemy import delete, func, select, update

from yaksok.errors import NotFound, Refused, StorageError, ValidationError, YaksokError
from yaksok.notify.smtp import SendError, mask_addresses
from yaksok.notify.templates import TemplateSpec
from yaksok.store.engine import IMMEDIATE
from yaksok.store.tables import member_notices, outbox, utcnow

__all__ = [
    "CHANNELS",
    "STATUSES",
    "DeliveryResult",
    "NewMessage",
    "OutboxSender",
    "Templates",
    "RetryPolicy",
    "enqueue",
    "enqueue_many",
    "forget_member",
    "insert_ignore",
    "message_id_for",
    "outbox_status",
    "retry_dead",
]

log = logging.getLogger("yaksok.notify")

CHANNELS = ("email", "in_app")
STATUSES = ("pending", "sending", "sent", "failed", "dead")
#: What a template parameter may look like: an id or a version label, never free text. An email
#: address, a name or a phone number written with spaces or '+' cannot pass.
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

#: The message templates an outbox knows, by key (registered by the wiring, ``yaksok.engine``).
Templates = dict[str, TemplateSpec]
#: Resolves a member id to the address to write to, or None when there is none to use.
EmailResolver = Callable[[str], "str | None"]


def message_id_for(outbox_id: str, domain: str) -> str:
    """The Message-ID of an outbox row: the same on every attempt, unique to the row."""
    return f"<{outbox_id}.yaksok@{domain}>"


# -- queuing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewMessage:
    """A message to queue: one member, one channel, one template with token-only parameters."""

    channel: str
    member_id: str
    template: str
    params: dict = field(default_factory=dict)
    #: Queuing a second message with the same (channel, dedupe_key) does nothing.
    dedupe_key: str = ""


def _check(msg: NewMessage, templates: Templates) -> None:
    if msg.channel not in CHANNELS:
        raise ValidationError(f"unknown outbox channel {msg.channel!r}", field="channel",
                              fix=f"use one of {', '.join(CHANNELS)}")
    spec = templates.get(msg.template)
    if spec is None:
        raise ValidationError(f"unknown message template {msg.template!r}", field="template",
                              fix=f"use one of {', '.join(sorted(templates))}")
    if msg.channel not in spec.channels:
        raise ValidationError(f"template {msg.template!r} has no {msg.channel} form",
                              field="channel", fix=f"use {', '.join(spec.channels)}")
    if set(msg.params) != set(spec.params):
        raise ValidationError(f"template {msg.template!r} takes the parameters "
                              f"{', '.join(spec.params)}", field="params",
                              fix="give exactly those")
    for name, value in msg.params.items():
        if isinstance(value, bool) or not isinstance(value, int | str) or not _TOKEN.match(
                str(value)):
            raise ValidationError(f"parameter {name!r} is not a short token", field="params",
                                  fix="give ids and labels only; personal values are read at "
                                      "send time, never stored in the outbox")
    if spec.own_address is not None and (msg.member_id or "").startswith("m_"):
        # Erasure deletes a member's outbox rows by member id: a message that must outlive
        # the member (the farewell) may not be filed under it.
        raise ValidationError(f"template {msg.template!r} brings its own address; its "
                              "recipient is not a member", field="member_id",
                              fix="give the template's own reference (the farewell id)")
    if not _TOKEN.match(msg.member_id or "") or len(msg.member_id) > 32:
        raise ValidationError("member_id is not a member id", field="member_id",
                              fix="give the member's internal id")
    if not msg.dedupe_key or len(msg.dedupe_key) > 200 or "@" in msg.dedupe_key:
        raise ValidationError("dedupe_key must be 1-200 characters without '@'",
                              field="dedupe_key", fix="build it from ids, e.g. "
                                                      "notice:<version>:<member id>")


def insert_ignore(conn: sa.Connection, table: sa.Table, rows: Sequence[dict],
                  conflict: Sequence[str], returning: sa.Column) -> list:
    """INSERT the rows, skipping those that hit the unique ``conflict`` columns; returns the
    ``returning`` values of the rows inserted (SQLite and PostgreSQL)."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(returning)
    return list(conn.execute(stmt, list(rows)).scalars())


def enqueue_many(conn: sa.Connection, messages: Iterable[NewMessage], *, templates: Templates,
                 now: dt.datetime | None = None) -> int:
    """Queue ``messages`` in the caller's transaction; returns how many were new (not dupes).
    Each must name one of ``templates`` with exactly its parameters (short tokens)."""
    now = now or utcnow()
    rows = []
    for msg in messages:
        _check(msg, templates)
        rows.append({
            "id": f"ob_{secrets.token_hex(12)}", "channel": msg.channel,
            "recipient_ref": msg.member_id, "template": msg.template,
            "params": json.dumps(msg.params, sort_keys=True), "status": "pending",
            "attempts": 0, "next_attempt_at": now, "dedupe_key": msg.dedupe_key,
            "created_at": now,
        })
    return len(insert_ignore(conn, outbox, rows, ("channel", "dedupe_key"), outbox.c.id))


def enqueue(conn: sa.Connection, *, channel: str, member_id: str, template: str, params: dict,
            dedupe_key: str, templates: Templates, now: dt.datetime | None = None) -> bool:
    """Queue one message; False when one with the same (channel, dedupe_key) exists."""
    return enqueue_many(conn, [NewMessage(channel, member_id, template, params, dedupe_key)],
                        templates=templates, now=now) == 1


def forget_member(conn: sa.Connection, member_id: str) -> int:
    """Delete a member's outbox rows and in-app notices (erasure); returns the rows deleted."""
    n = conn.execute(delete(outbox).where(outbox.c.recipient_ref == member_id)).rowcount
    n += conn.execute(delete(member_notices).where(member_notices.c.member_id == member_id)
                      ).rowcount
    return n


# -- delivery ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with jitter: attempt n waits ``base * factor**(n-1)`` seconds, at
    most ``cap``, shortened by up to ``jitter`` (a fraction) at random so that messages failed
    together do not all come back at once. Defaults: 30 s, 1 min, 2 min ... 4 h 16 min, then 6 h;
    the 12th failure is final (7 to 14.5 hours of trying, depending on the jitter)."""

    base_seconds: float = 30.0
    factor: float = 2.0
    cap_seconds: float = 6 * 3600.0
    max_attempts: int = 12
    jitter: float = 0.5

    def delay(self, attempts: int, rng: random.Random | None = None) -> dt.timedelta:
        raw = min(self.cap_seconds, self.base_seconds * self.factor ** max(0, attempts - 1))
        shrink = self.jitter * (rng or random).random()
        return dt.timedelta(seconds=raw * (1.0 - shrink))


@dataclass
class DeliveryResult:
    """What one ``deliver_once`` did (counts only; reasons hold no personal values)."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    released: int = 0
    lost_lease: int = 0
    #: A connection problem that stopped the batch (masked text), if any.
    connection_error: str | None = None

    def __iadd__(self, other: DeliveryResult) -> DeliveryResult:
        for name in ("claimed", "sent", "retrying", "dead", "released", "lost_lease"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.connection_error = other.connection_error or self.connection_error
        return self


def _worker_name() -> str:
    host = socket.gethostname().split(".")[0][:24] or "host"
    return f"{host}:{os.getpid()}"


class _LostLease(Exception):
    """Another sender took the row over (our lease ran out): leave it to them."""


class _NoKeyring(Exception):
    """A template's own address is sealed and this process holds no keyring to open it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _address_done(templates: Templates, conn: sa.Connection, row, now: dt.datetime, *,
                  sent: bool) -> None:
    spec = templates.get(row.template)
    if spec is not None and spec.address_done is not None:
        spec.address_done(conn, json.loads(row.params), now, sent)


class OutboxSender:
    """Claims due outbox rows and delivers them.

    ``transport``: an object with ``send(EmailMessage)`` raising ``SendError`` and ``close()``
    (``SmtpTransport``); None delivers in-app rows only and leaves email rows queued.
    ``resolve_email(member_id)``: the address to write to, or None (the member has none, or is
    gone); raising ``Refused`` means the vault will not give it (the row goes ``dead`` with the
    rule), ``StorageError`` is retried. For a template with an ``address_purpose`` it is called
    as ``resolve_email(member_id, purpose=...)`` (``Outbox.resolver()`` takes both).
    ``clock`` and ``rng`` are injectable for tests.
    """

    def __init__(self, engine: sa.Engine, templates: Templates, *, transport=None,
                 resolve_email: EmailResolver | None = None, from_addr: str = "",
                 from_domain: str | None = None, base_url: str | None = None,
                 retry: RetryPolicy | None = None, lease_seconds: float = 300.0,
                 batch_size: int = 50, clock: Callable[[], dt.datetime] = utcnow,
                 rng: random.Random | None = None, worker: str | None = None):
        if transport is not None and resolve_email is None:
            raise ValidationError("an email transport needs an address resolver",
                                  field="resolve_email",
                                  fix="give the outbox the address resolver the wiring builds")
        self.engine = engine
        self.templates = templates
        self.transport = transport
        self.resolve_email = resolve_email
        config = getattr(transport, "config", None)
        self.from_addr = from_addr or getattr(config, "from_addr", "")
        self.from_domain = from_domain or getattr(config, "from_domain", None) or (
            self.from_addr.rpartition("@")[2].strip("> ") or "localhost")
        self.base_url = base_url.rstrip("/") if base_url else None
        self.retry = retry or RetryPolicy()
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.clock = clock
        self.rng = rng or random.Random()
        self.worker = (worker or _worker_name())[:40]
        self._session_failures = 0

    @property
    def channels(self) -> tuple[str, ...]:
        return CHANNELS if self.transport is not None else ("in_app",)

    # -- claiming -------------------------------------------------------------------------------

    def _claim(self) -> tuple[str, list]:
        """Claim up to ``batch_size`` due rows; returns (our claim token, rows)."""
        t = outbox
        now = self.clock()
        token = f"{self.worker}:{secrets.token_hex(6)}"
        until = now + self.lease
        with self.engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
            due = (t.c.status.in_(("pending", "failed", "sending"))
                   & (t.c.next_attempt_at <= now) & t.c.channel.in_(self.channels))
            # A row whose lease ran out as often as it may be tried: its sender keeps dying on it.
            dying = (due, t.c.status == "sending", t.c.attempts >= self.retry.max_attempts)
            for row in conn.execute(select(t.c.template, t.c.params).where(*dying)):
                _address_done(self.templates, conn, row, now, sent=False)
            conn.execute(update(t).where(*dying).values(
                status="dead", claimed_by=None, claimed_until=None,
                last_error=f"the sender's lease ran out {self.retry.max_attempts} times; the "
                           "message may have been sent"))
            ids = list(conn.execute(
                select(t.c.id).where(due).order_by(t.c.next_attempt_at, t.c.id)
                .limit(self.batch_size).with_for_update(skip_locked=True)).scalars())
            if not ids:
                return token, []
            conn.execute(update(t).where(t.c.id.in_(ids)).values(
                status="sending", claimed_by=token, claimed_until=until, next_attempt_at=until,
                attempts=t.c.attempts + 1))
            rows = conn.execute(select(t).where(t.c.id.in_(ids))
                                .order_by(t.c.created_at, t.c.id)).all()
        # In-app rows first: they need no SMTP server, so a mail outage never holds them back.
        return token, sorted(rows, key=lambda r: r.channel != "in_app")

    def _fenced(self, conn: sa.Connection, row_id: str, token: str, **values) -> None:
        """Update our claimed row, or raise ``_LostLease`` if it is no longer ours."""
        t = outbox
        n = conn.execute(update(t).where(t.c.id == row_id, t.c.claimed_by == token,
                                         t.c.status == "sending").values(**values)).rowcount
        if n != 1:
            raise _LostLease(row_id)

    def _renew(self, row_id: str, token: str) -> None:
        until = self.clock() + self.lease
        with self.engine.begin() as conn:
            self._fenced(conn, row_id, token, claimed_until=until, next_attempt_at=until)

    def _finish(self, row_id: str, token: str, *, final=None, **values) -> None:
        """Release our claim with ``values``; ``final`` = (row, sent) for a message that ends
        here: the template's own copy of the address is wiped in the same transaction."""
        with self.engine.begin() as conn:
            self._fenced(conn, row_id, token, claimed_by=None, claimed_until=None, **values)
            if final is not None:
                _address_done(self.templates, conn, final[0], self.clock(), sent=final[1])

    def _mark_sent(self, row_id: str, token: str, row=None) -> None:
        self._finish(row_id, token, final=None if row is None else (row, True), status="sent",
                     sent_at=self.clock(), last_error=None)

    def _mark_failed(self, row, token: str, reason: str, *, permanent: bool,
                     result: DeliveryResult) -> dt.datetime | None:
        reason = mask_addresses(reason)
        if permanent or row.attempts >= self.retry.max_attempts:
            self._finish(row.id, token, final=(row, False), status="dead", last_error=reason)
            result.dead += 1
            log.warning("outbox %s dead after %d attempt(s): %s", row.id, row.attempts, reason)
            return None
        when = self.clock() + self.retry.delay(row.attempts, self.rng)
        self._finish(row.id, token, status="failed", next_attempt_at=when, last_error=reason)
        result.retrying += 1
        log.info("outbox %s attempt %d failed, retry at %s: %s", row.id, row.attempts,
                 when.isoformat(timespec="seconds"), reason)
        return when

    def _release(self, rows: Iterable, token: str, when: dt.datetime, reason: str,
                 result: DeliveryResult) -> None:
        """Give back claimed rows that were not tried, without counting the attempt."""
        t = outbox
        with self.engine.begin() as conn:
            for row in rows:
                n = conn.execute(update(t).where(
                    t.c.id == row.id, t.c.claimed_by == token, t.c.status == "sending").values(
                    status="failed" if row.attempts > 1 else "pending",
                    attempts=t.c.attempts - 1, next_attempt_at=when, claimed_by=None,
                    claimed_until=None, last_error=mask_addresses(reason))).rowcount
                result.released += n

    # -- sending --------------------------------------------------------------------------------

    def deliver_once(self) -> DeliveryResult:
        """Claim one batch of due rows and deliver it; returns what happened."""
        result = DeliveryResult()
        token, rows = self._claim()
        result.claimed = len(rows)
        for i, row in enumerate(rows):
            try:
                if row.channel == "in_app":
                    self._deliver_in_app(row, token)
                    result.sent += 1
                else:
                    stop = self._deliver_email(row, token, result)
                    if stop is not None:
                        reason, when, tried = stop
                        result.connection_error = reason
                        self._release(rows[i + 1 if tried else i:], token, when, reason,
                                      result)
                        break
            except _LostLease:
                result.lost_lease += 1
                log.warning("outbox %s: lease lost to another sender; not marking it", row.id)
        if self.transport is not None and result.connection_error:
            self.transport.close()
        return result

    def _deliver_in_app(self, row, token: str) -> None:
        spec = self.templates[row.template]
        with self.engine.begin() as conn:
            # One transaction: the notice row and the sent mark commit together or not at all.
            spec.deliver_in_app(conn, row.recipient_ref, json.loads(row.params), self.clock())
            self._fenced(conn, row.id, token, status="sent", sent_at=self.clock(),
                         claimed_by=None, claimed_until=None, last_error=None)

    def _deliver_email(self, row, token: str,
                       result: DeliveryResult) -> tuple[str, dt.datetime, bool] | None:
        """Send one email row; when the batch must stop, returns (reason, when to try again,
        whether this row's attempt counted)."""
        spec = self.templates[row.template]
        try:
            address = self._address(row, spec)
        except _NoKeyring as exc:  # another sender, or this one once bound, can open it
            self._mark_failed(row, token, exc.reason, permanent=False, result=result)
            return None
        except Refused as exc:
            self._mark_failed(row, token, f"the vault refused the address: {exc.rule}",
                              permanent=True, result=result)
            return None
        except StorageError:
            self._mark_failed(row, token, "the address could not be read (storage)",
                              permanent=False, result=result)
            return None
        if not address:
            self._mark_failed(row, token, "no email address on file for the member",
                              permanent=True, result=result)
            return None
        try:
            with self.engine.connect() as conn:
                subject, body, lang = spec.render_email(conn, json.loads(row.params),
                                                        self.base_url)
        except NotFound as exc:  # what the message was about is gone (an erased notice)
            self._mark_failed(row, token, f"cannot render {row.template}: {exc.message}",
                              permanent=True, result=result)
            return None
        message = self._message(row, address, subject, body, lang)
        self._renew(row.id, token)  # the last moment to find out the row is someone else's
        try:
            self.transport.send(message)
        except SendError as exc:
            if exc.session:
                # Not this message's fault (server down, login refused): back off as a sender.
                self._session_failures += 1
                when = self.clock() + self.retry.delay(self._session_failures, self.rng)
                log.warning("outbox: SMTP session failed (%d in a row), pausing until %s: %s",
                            self._session_failures, when.isoformat(timespec="seconds"),
                            exc.reason)
                return exc.reason, when, False
            if exc.connection:
                when = self._mark_failed(row, token, exc.reason, permanent=False, result=result)
                return exc.reason, when or self.clock() + self.retry.delay(1, self.rng), True
            self._mark_failed(row, token, exc.reason, permanent=exc.permanent, result=result)
            return None
        # A crash between here and the commit below leaves the row 'sending': after its lease it
        # is sent once more with the same Message-ID (see the module docstring).
        self._mark_sent(row.id, token, row)
        self._session_failures = 0
        result.sent += 1
        return None

    def _address(self, row, spec) -> str | None:
        if spec.own_address is not None:
            try:
                with self.engine.connect() as conn:
                    return spec.own_address(conn, json.loads(row.params))
            except NotFound as exc:
                raise _NoKeyring(f"cannot open the message's address: {exc.message}") from None
        # A template with its own purpose (answers to rights requests) passes it on; a
        # resolver for notices alone is called as it always was.
        if spec.address_purpose is None:
            return self.resolve_email(row.recipient_ref)
        return self.resolve_email(row.recipient_ref, purpose=spec.address_purpose)

    def _message(self, row, address: str, subject: str, body: str, lang: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.from_addr
        msg["To"] = address
        msg["Subject"] = subject
        msg["Date"] = format_datetime(self.clock())
        msg["Message-ID"] = message_id_for(row.id, self.from_domain)
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Yaksok-Outbox-Id"] = row.id
        msg.set_content(body)
        msg["Content-Language"] = lang  # after set_content, which drops Content-* headers
        return msg

    # -- the worker loop -----------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None, *, idle_seconds: float = 5.0,
            on_batch: Callable[[DeliveryResult], None] | None = None) -> DeliveryResult:
        """Deliver until ``stop`` is set, sleeping ``idle_seconds`` when nothing is due.

        A batch is never interrupted half way: ``stop`` is checked between batches.
        """
        stop = stop or threading.Event()
        total = DeliveryResult()
        while not stop.is_set():
            try:
                batch = self.deliver_once()
            except (YaksokError, sa.exc.SQLAlchemyError, OSError) as exc:
                # The database went away for a moment: the claimed rows come back after their
                # lease; keep the service up. Only the error's type: its text may hold a URL.
                log.warning("outbox: delivery failed (%s); trying again in %.0f s",
                            type(exc).__name__, idle_seconds)
                stop.wait(idle_seconds)
                continue
            total += batch
            if on_batch is not None and batch.claimed:
                on_batch(batch)
            if batch.claimed == 0 or batch.connection_error:
                stop.wait(idle_seconds)
        return total


# -- operations --------------------------------------------------------------------------------

def outbox_status(engine: sa.Engine, *, now: dt.datetime | None = None) -> dict:
    """Counts per channel and status, the oldest due message, and the latest errors."""
    t = outbox
    now = now or utcnow()
    with engine.connect() as conn:
        counts: dict[str, dict[str, int]] = {}
        for channel, status, n in conn.execute(
                select(t.c.channel, t.c.status, func.count()).group_by(t.c.channel, t.c.status)):
            counts.setdefault(channel, {})[status] = n
        oldest_due = conn.execute(select(func.min(t.c.next_attempt_at)).where(
            t.c.status.in_(("pending", "failed")), t.c.next_attempt_at <= now)).scalar()
        next_due = conn.execute(select(func.min(t.c.next_attempt_at)).where(
            t.c.status.in_(("pending", "failed")), t.c.next_attempt_at > now)).scalar()
        errors = [dict(r._mapping) for r in conn.execute(
            select(t.c.id, t.c.channel, t.c.status, t.c.attempts, t.c.last_error)
            .where(t.c.last_error.is_not(None), t.c.status.in_(("failed", "dead")))
            .order_by(t.c.next_attempt_at.desc()).limit(10))]
    return {"counts": counts, "oldest_due": oldest_due, "next_due": next_due, "errors": errors}


def retry_dead(engine: sa.Engine, ids: Sequence[str] | None = None, *,
               now: dt.datetime | None = None) -> int:
    """Requeue dead messages (all, or the ``ids`` given) with a fresh count of attempts."""
    t = outbox
    where = [t.c.status == "dead"]
    if ids:
        where.append(t.c.id.in_(list(ids)))
    with engine.begin() as conn:
        return conn.execute(update(t).where(*where).values(
            status="pending", attempts=0, next_attempt_at=now or utcnow(), last_error=None,
            claimed_by=None, claimed_until=None)).rowcount
