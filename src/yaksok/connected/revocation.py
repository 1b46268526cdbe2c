"""Revoking a connected account at its provider (OAuth 2.0 Token Revocation, RFC 7009).

A row of ``connected_accounts`` in status ``revoking`` is a revocation to deliver; the design is
the outbox's (``yaksok.notify``), applied to one HTTP POST instead of an email:

- *Claiming.* ``run_due`` claims due rows in one short transaction (``FOR UPDATE SKIP LOCKED``
  on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), counts the attempt and sets a lease
  (``claimed_by``, ``claimed_until``); a sender that dies leaves the row due again when the lease
  runs out. The result is written only if the row is still ours.
- *Retries.* The provider down (503 or any 5xx, 429, a timeout, a refused connection): the row
  stays ``revoking`` and comes back after the outbox's back-off with jitter
  (``notify.RetryPolicy``: 30 s doubling to 6 h, 12 attempts), or after ``Retry-After`` if the
  provider asks for longer (RFC 7009 2.2.1: on 503 "the client must assume the token still
  exists and may retry after a reasonable delay"). Then ``dead``: given up, shown by
  ``yaksok connected status``, requeued by ``yaksok connected retry --dead``.
- *Done.* 200 is a revocation (RFC 7009 2.2, also for a token the server no longer knows).
  Google answers 400 ``invalid_token`` for a token that is already revoked or expired: nothing
  is left to revoke, so that is done too. 400 ``unsupported_token_type`` is final (``dead``):
  the provider will never take that token. Any other 4xx (404 or 405: a wrong endpoint; 401 or
  403: rejected credentials; another 400) is ``dead`` too, not retried, but a configuration
  fix can cure it: the copy is kept for ``retry_dead``.
- Revoked, or refused for good (the two 400s above), the sealed copy is wiped in the same
  transaction, and an access-log entry records it; a row of a member who is gone is deleted
  then. Given up on a provider that kept failing or on another 4xx, the copy is kept for
  ``retry_dead``: a grant left alive at the provider is worse for the member than a token
  sealed here.

Closure and erasure (by any path: ``DELETE /members/{id}``, an erasure request, ``yaksok member
erase``, a restore that re-applies erasures) revoke too: ``sweep_departed`` finds connected rows
whose member the vault no longer knows as active (every row, walked by a keyset cursor)
and queues them, at the start of every run
(``yaksok worker`` and ``yaksok connected retry`` run it). Their tokens died with the data key;
the sealed copy under the KEK is what lets the revocation go out after that.

The token travels only in the POST body, form-encoded (never in a URL, which servers log), to
an endpoint that must be https (http only on loopback, for tests and local mocks). Redirects
are not followed: a revocation endpoint that redirects is not the one configured.
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
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import sqlalchemy as sa

from yaksok.connected.tokens import CATEGORY, integration, open_copy, worker_actor
from yaksok.errors import ConfigError
from yaksok.notify import RetryPolicy
from yaksok.services import Services
from yaksok.settings import is_loopback
from yaksok.store.engine import IMMEDIATE
from yaksok.store.tables import connected_accounts, utcnow

__all__ = ["Answer", "HttpRevoker", "RunResult", "endpoint_for", "run_due", "sweep_departed",
           "retry_dead", "status"]

log = logging.getLogger("yaksok.connected")

#: Where each provider revokes (RFC 7009 endpoint), by the policy's ``integrations[].provider``.
_ENDPOINTS = {"Google": ("google_revoke_url", "YAKSOK_GOOGLE_REVOKE_URL")}


def endpoint_for(yk: Services, provider: str) -> str:
    """The revocation endpoint of the integration ``provider`` (a policy key), checked."""
    found = integration(yk, provider)
    setting = _ENDPOINTS.get(found.provider)
    if setting is None:
        raise ConfigError(f"yaksok knows no revocation endpoint for {found.provider}",
                          field="provider", fix="revoke at the provider by hand; the privacy "
                                                "center links the policy's revoke_url")
    url = getattr(yk.settings, setting[0])
    parts = urllib.parse.urlsplit(url)
    secure = parts.scheme == "https" or (parts.scheme == "http"
                                         and is_loopback(parts.hostname or ""))
    if not parts.hostname or not secure or parts.username or parts.fragment:
        raise ConfigError("the revocation endpoint must be an https URL (http only on "
                          "loopback)", field=setting[1],
                          fix="set it to https://oauth2.googleapis.com/revoke, or unset it")
    return url


@dataclass(frozen=True)
class Answer:
    """What the endpoint said: the HTTP status (0: no answer), its ``error`` code, and how long
    it asked us to wait."""

    status: int
    error: str = ""
    retry_after: float | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib's signature
        return None


class HttpRevoker:
    """POSTs ``token`` and ``token_type_hint`` form-encoded to the endpoint (RFC 7009 2.1)."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def revoke(self, url: str, token: str, hint: str) -> Answer:
        body = urllib.parse.urlencode({"token": token, "token_type_hint": hint}).encode()
        # ``url`` is ``endpoint_for``'s: https, or http on loopback; never another scheme.
        req = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
            "User-Agent": "yaksok"})
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:  # noqa: S310 - checked
                return Answer(resp.status)
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, _error_code(exc), _retry_after(exc.headers))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            # The exception's text may hold the URL; the kind of failure is enough.
            reason = getattr(exc, "reason", exc)
            return Answer(0, f"network:{type(reason).__name__}"[:60])


def _error_code(exc: urllib.error.HTTPError) -> str:
    """The ``error`` of an RFC 6749 5.2 error body, reduced to a safe slug (never echoed text)."""
    try:
        got = json.loads(exc.read(4096) or b"{}")
    except (ValueError, OSError):
        return ""
    code = got.get("error") if isinstance(got, dict) else None
    return code if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,40}", code) else ""


def _retry_after(headers) -> float | None:
    value = (headers or {}).get("Retry-After", "")
    return float(value) if value.isdigit() else None


@dataclass
class RunResult:
    """What one ``run_due`` did (counts; ``errors`` holds the providers' codes, never a token)."""

    queued: int = 0
    claimed: int = 0
    revoked: int = 0
    retrying: int = 0
    dead: int = 0
    purged: int = 0
    errors: list[str] = field(default_factory=list)


def sweep_departed(yk: Services, *, now: dt.datetime | None = None, batch: int = 500) -> tuple[
        int, int]:
    """Queue the revocation of every connected account whose member is closed or erased, and
    delete the finished rows of such members. Returns (queued, deleted).

    Every row that calls for it is looked at, however many there are: the rows are walked in
    pages of ``batch`` by a keyset cursor on their id (each page's members asked of the vault
    in one query), never a capped sample in no order, which left a departed member's grant
    alive at the provider once the active rows outnumbered the cap."""
    t, now = connected_accounts, now or utcnow()
    # Only rows that call for something: a live connection, or a finished row with nothing
    # sealed left (a dead row still holding its copy waits for ``retry_dead``).
    actionable = sa.or_(t.c.status == "connected",
                        sa.and_(t.c.status != "revoking", t.c.sealed.is_(None)))
    queued = deleted = 0
    after = ""
    while True:
        with yk.engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.id, t.c.member_id, t.c.provider, t.c.status)
                                .where(actionable, t.c.id > after).order_by(t.c.id)
                                .limit(batch)).all()
        if not rows:
            break
        after = rows[-1].id
        statuses = yk.vault.member_statuses({r.member_id for r in rows})
        gone = [r for r in rows if statuses.get(r.member_id) != "active"]
        if gone:
            q, d = _queue_gone(yk, gone, now)
            queued, deleted = queued + q, deleted + d
        if len(rows) < batch:
            break
    return queued, deleted


def _queue_gone(yk: Services, gone: list, now: dt.datetime) -> tuple[int, int]:
    t, queued, deleted = connected_accounts, 0, 0
    with yk.vault.core_write() as conn:
        for r in gone:
            if r.status == "connected":
                queued += conn.execute(t.update().where(t.c.id == r.id,
                                                        t.c.status == "connected")
                                       .values(status="revoking", reason="erasure",
                                               attempts=0, next_attempt_at=now,
                                               updated_at=now)).rowcount
            else:  # revoked, or given up for good: nothing of a gone member is kept
                deleted += conn.execute(t.delete().where(t.c.id == r.id,
                                                         t.c.status == r.status,
                                                         t.c.sealed.is_(None))).rowcount
    return queued, deleted


def _claim(yk: Services, now: dt.datetime, token: str, lease: dt.timedelta, batch: int,
           only: tuple[str, str] | None) -> list:
    t = connected_accounts
    with yk.engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        due = [t.c.status == "revoking", t.c.next_attempt_at <= now]
        if only is not None:
            due += [t.c.member_id == only[0], t.c.provider == only[1]]
        keys = conn.execute(sa.select(t.c.id).where(*due).order_by(t.c.next_attempt_at)
                            .limit(batch).with_for_update(skip_locked=True)).scalars().all()
        if not keys:
            return []
        conn.execute(t.update().where(t.c.id.in_(keys)).values(
            claimed_by=token, claimed_until=now + lease, next_attempt_at=now + lease,
            attempts=t.c.attempts + 1))
        return conn.execute(sa.select(t).where(t.c.id.in_(keys))).all()


def run_due(yk: Services, *, client=None, retry: RetryPolicy | None = None,
            batch: int = 50, lease_seconds: float = 120.0, now: dt.datetime | None = None,
            only: tuple[str, str] | None = None, rng: random.Random | None = None,
            sweep_batch: int = 500) -> RunResult:
    """Sweep departed members' connections into the queue, then deliver the due revocations
    (``only``: one member's one provider, for the member's own request)."""
    result, retry = RunResult(), retry or RetryPolicy()
    now = now or utcnow()
    if only is None:
        result.queued, result.purged = sweep_departed(yk, now=now, batch=sweep_batch)
    client = client or HttpRevoker(yk.settings.revoke_timeout)
    token = f"{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(4)}"
    rows = _claim(yk, now, token, dt.timedelta(seconds=lease_seconds), batch, only)
    result.claimed = len(rows)
    for row in rows:
        _deliver(yk, row, token, client, retry, rng, result)
    return result


def _deliver(yk: Services, row, token: str, client, retry: RetryPolicy, rng,
             result: RunResult) -> None:
    active = yk.vault.member_status(row.member_id) == "active"
    if active and yk.vault.live_counts(row.member_id, [CATEGORY]).get(CATEGORY):
        # A crash between the member's request and the vault's deletion left the tokens:
        # destroy them first (the request is what makes them go).
        yk.vault.delete_values(row.member_id, actor=worker_actor(), categories=[CATEGORY])
    copy = open_copy(yk.keyring, row)
    if copy is None:
        return _finish(yk, row, token, "dead", "the revocation token cannot be opened (wiped, "
                       "altered or under a retired key)", result, active)
    try:
        url = endpoint_for(yk, row.provider)
    except Exception as exc:  # noqa: BLE001 - a policy or setting changed since: keep it queued
        answer = Answer(0, f"config:{type(exc).__name__}")
    else:
        answer = client.revoke(url, *copy)
    del copy
    if answer.status == 200 or (answer.status == 400 and answer.error == "invalid_token"):
        note = None if answer.status == 200 else "already invalid at the provider (400 " \
                                                 "invalid_token)"
        return _finish(yk, row, token, "revoked", note, result, active)
    reason = f"HTTP {answer.status} {answer.error}".strip() if answer.status else answer.error
    if answer.status == 400 and answer.error == "unsupported_token_type":
        # The provider will never take this token: resending it cannot help, the copy goes.
        return _finish(yk, row, token, "dead", reason, result, active)
    transient = answer.status in (0, 408, 429) or answer.status >= 500
    if not transient:
        # Refused for a reason a fix here can cure (a wrong endpoint: 404 or 405; rejected
        # client credentials: 401 or 403; another 400): given up, the copy KEPT so that
        # ``yaksok connected retry --dead`` resends it once the configuration is fixed.
        return _finish(yk, row, token, "dead", reason, result, active, keep_copy=True)
    if row.attempts >= retry.max_attempts:  # the provider kept failing: kept for a retry
        return _finish(yk, row, token, "dead", reason, result, active, keep_copy=True)
    wait = retry.delay(row.attempts, rng)
    if answer.retry_after:
        wait = max(wait, dt.timedelta(seconds=min(answer.retry_after, retry.cap_seconds)))
    t = connected_accounts
    with yk.vault.core_write() as conn:
        conn.execute(t.update().where(t.c.id == row.id, t.c.claimed_by == token).values(
            next_attempt_at=utcnow() + wait, claimed_by=None, claimed_until=None,
            last_error=reason[:300], updated_at=utcnow()))
    result.retrying += 1
    result.errors.append(reason)
    log.info("revocation %s (%s) attempt %d failed, retrying in %.0f s: %s", row.id,
             row.provider, row.attempts, wait.total_seconds(), reason)


def _finish(yk: Services, row, token: str, status: str, note: str | None,
            result: RunResult, active: bool, keep_copy: bool = False) -> None:
    """Revoked or given up: the sealed copy goes in the transaction that says so, with an
    access-log entry; a gone member's row goes altogether. ``keep_copy``: given up on a
    provider that kept failing, kept for ``retry_dead`` (a live grant at the provider is worse
    for the member than a sealed token here)."""
    t, v, now = connected_accounts, yk.vault, utcnow()
    ours = (t.c.id == row.id, t.c.claimed_by == token)
    with v.core_write() as conn:
        if active or keep_copy:
            n = conn.execute(t.update().where(*ours).values(
                status=status, claimed_by=None,
                **({} if keep_copy else {"sealed": None}), claimed_until=None,
                next_attempt_at=None, last_error=(note or "")[:300] or None, updated_at=now,
                revoked_at=now if status == "revoked" else None)).rowcount
        else:
            n = conn.execute(t.delete().where(*ours)).rowcount
        if n != 1:  # our lease ran out and another run took it over: theirs to record
            return None
        v.append(conn, v.event(
            actor=worker_actor(), operation="erase", outcome="granted", member_id=row.member_id,
            categories=(CATEGORY,), reason=f"connected:{status}:{row.provider}"[:64],
            policy_version=v.rules().version, at=now))
    if status == "revoked":
        result.revoked += 1
    else:
        result.dead += 1
        result.errors.append(note or "")
        log.warning("revocation %s (%s) given up after %d attempt(s): %s", row.id,
                    row.provider, row.attempts, note)
    return None


def retry_dead(yk: Services, *, now: dt.datetime | None = None) -> int:
    """Requeue revocations given up (the provider kept failing, or refused them in a way a
    configuration fix can cure: 401, 403, 404, 405, ...) while their copy is still there (a
    wiped copy cannot be sent again)."""
    t = connected_accounts
    with yk.vault.core_write() as conn:
        return conn.execute(t.update().where(t.c.status == "dead", t.c.sealed.is_not(None))
                            .values(status="revoking", attempts=0,
                                    next_attempt_at=now or utcnow(), last_error=None)).rowcount


def status(yk: Services) -> dict:
    """Counts by status and the latest errors (providers' codes only): ``connected status``."""
    t = connected_accounts
    with yk.engine.connect() as conn:
        counts = {f"{p}/{s}": n for p, s, n in conn.execute(
            sa.select(t.c.provider, t.c.status, sa.func.count()).group_by(t.c.provider,
                                                                          t.c.status))}
        due = conn.execute(sa.select(sa.func.min(t.c.next_attempt_at)).where(
            t.c.status == "revoking")).scalar()
        errors = [dict(r._mapping) for r in conn.execute(
            sa.select(t.c.id, t.c.provider, t.c.status, t.c.attempts, t.c.last_error)
            .where(t.c.last_error.is_not(None)).order_by(t.c.updated_at.desc()).limit(10))]
    return {"counts": counts, "next_due": due, "errors": errors}
