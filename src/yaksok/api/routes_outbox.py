"""The outbox over REST (``yaksok.notify.manage``): how many messages are in each status, the
messages not yet delivered, and retrying those that failed.

Never whom a message goes to, its parameters or its body: a listing shows delivery only. The
caller must be allowed ``outbox_manage`` (the privacy officer, docs/access.md); the core
decides, and logs a refusal.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from yaksok.actors import Actor
from yaksok.api.auth import authorized, get_yaksok
from yaksok.api.problems import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["outbox"], responses=problem_responses(401, 403))

Status = Literal["pending", "sending", "sent", "failed", "dead"]


class OutboxMessageOut(BaseModel):
    """One message's delivery: no recipient, no parameters, no body."""

    id: str
    channel: str = Field(description="`email` or `in_app`.")
    template: str = Field(description="The kind of message (its template's key).")
    status: Status = Field(description="`pending` (never tried), `sending` (a sender holds "
                                       "it), `sent`, `failed` (will be retried at "
                                       "`next_attempt_at`), `dead` (given up).")
    created_at: dt.datetime
    attempts: int
    last_error: str | None = Field(description="The last SMTP reply or reason, addresses "
                                               "masked.")
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    retryable: bool = Field(description="Whether `POST /outbox/{id}/retry` applies (failed "
                                        "or dead).")

    @classmethod
    def of(cls, m) -> OutboxMessageOut:
        return cls(**m.to_dict(), retryable=m.retryable)


class OutboxOut(BaseModel):
    counts: dict[str, int] = Field(description="Messages per status, both channels.")
    email_configured: bool = Field(description="Whether an SMTP server is set "
                                               "(YAKSOK_SMTP_HOST); without one, email waits.")
    messages: list[OutboxMessageOut]


class RequeuedOut(BaseModel):
    requeued: int = Field(description="How many failed or dead messages are due again now.")


_MESSAGE_ID = Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$",
                   description="The message's id (`ob_...`), from `GET /outbox`.")


@router.get("/outbox", response_model=OutboxOut)
def get_outbox(request: Request,
               status: list[Status] | None = Query(
                   None, description="Only these statuses (repeat the parameter); default: "
                                     "every message not delivered."),
               limit: int = Query(100, ge=1, le=500),
               actor: Actor = Depends(authorized("outbox_manage"))) -> OutboxOut:
    """Counts per status and the messages not yet delivered, given-up ones first."""
    from yaksok.notify.manage import WAITING, list_messages, message_counts

    yk = get_yaksok(request)
    messages = list_messages(yk.engine, statuses=status or WAITING, limit=limit)
    return OutboxOut(counts=message_counts(yk.engine),
                     email_configured=bool(yk.settings.smtp_host),
                     messages=[OutboxMessageOut.of(m) for m in messages])


@router.post("/outbox/retry", response_model=RequeuedOut)
def post_retry_all(request: Request,
                   actor: Actor = Depends(authorized("outbox_manage"))) -> RequeuedOut:
    """Retry every failed and given-up message now (a dead one with a fresh count of
    attempts)."""
    from yaksok.notify.manage import retry_failed

    return RequeuedOut(requeued=retry_failed(get_yaksok(request).engine, by=actor.id))


@router.post("/outbox/{message_id}/retry", response_model=OutboxMessageOut,
             responses=problem_responses(404, 409))
def post_retry(request: Request, message_id: str = _MESSAGE_ID,
               actor: Actor = Depends(authorized("outbox_manage"))) -> OutboxMessageOut:
    """Retry one failed or given-up message now (409 if it is not failed)."""
    from yaksok.notify.manage import retry_message

    return OutboxMessageOut.of(retry_message(get_yaksok(request).engine, message_id,
                                             by=actor.id))
