"""The account's own security: email verification, password change and password reset.

Thin over ``yaksok.members`` (``verify_email``, ``password``): the member's session routes ask
the core (``own_account``, ``account_email``); the confirmation routes are public, authorised by
the emailed link alone; the reset request answers 202 whether or not a member has the email.
Tokens (session and link) are never logged; answers that carry a session token are
``Cache-Control: no-store``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import authorized, client_ip, get_yaksok
from yaksok.api.problems import problem_responses, request_id_of
from yaksok.members.password import change_password, request_password_reset, reset_password
from yaksok.members.sessions import session_seconds
from yaksok.members.verify_email import confirm_email, send_email_verification

__all__ = ["router"]

router = APIRouter(tags=["account"])

_NO_STORE = {"Cache-Control": "no-store"}
_TOKEN = Field(min_length=43, max_length=43, pattern=r"^[A-Za-z0-9_-]{43}$",
               description="The `token` of the emailed link (43 letters, digits, - or _).")
_LANG = Field(None, description="The language the email opens with (both are in it); default: "
                                "the member's.")


def _context(request: Request) -> dict:
    return {"ip": client_ip(request), "request_id": request_id_of(request)}


class EmailVerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: Literal["ko", "en"] | None = _LANG


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = _TOKEN


class EmailConfirmedOut(BaseModel):
    member_id: str
    email_verified: bool


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(min_length=1, max_length=256,
                              description="The account's current password.")
    new_password: str = Field(min_length=1, max_length=256,
                              description="At least 8 characters mixing two of letters, digits "
                                          "and symbols, or at least 10; not a common one.")


class SessionOut(BaseModel):
    token: str = Field(description="A new session token: every earlier session has ended.")
    member_id: str
    expires_at: dt.datetime


class ResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320, description="The login ID.")
    lang: Literal["ko", "en"] | None = _LANG


class ResetAccepted(BaseModel):
    message: str


class ResetConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = _TOKEN
    new_password: str = Field(min_length=1, max_length=256)


@router.post("/me/email-verification", status_code=202,
             responses={202: {"description": "The email is queued."},
                        **problem_responses(401, 403, 404, 409, 422, 429)})
def post_email_verification(request: Request, body: EmailVerificationIn | None = None,
                            actor: Actor = Depends(authorized("own_account"))) -> Response:
    """Mail me a link that verifies my email address (it works once, for 24 hours, and
    replaces a link sent before). 409 when the address is verified already."""
    send_email_verification(get_yaksok(request), actor.id, actor=actor,
                            lang=body.lang if body else None, **_context(request))
    return Response(status_code=202)


@router.post("/members/email-verification/confirm", response_model=EmailConfirmedOut,
             responses=problem_responses(404, 409, 422, 429))
def post_email_verification_confirm(body: TokenIn, request: Request) -> EmailConfirmedOut:
    """Confirm an email address with the emailed link's token (public: the link is the
    authority). A used, expired or replaced link is a 404; one sent before the address changed
    is a 409 (ask for a new one)."""
    member_id = confirm_email(get_yaksok(request), body.token, **_context(request))
    return EmailConfirmedOut(member_id=member_id, email_verified=True)


@router.post("/me/password", response_model=SessionOut,
             responses=problem_responses(401, 403, 404, 422, 429))
def post_my_password(body: PasswordChangeIn, request: Request, response: Response,
                     actor: Actor = Depends(authorized("own_account"))) -> SessionOut:
    """Change my password: the current one confirms it. Every session of the member ends (on
    every device); the answer is a new session token for this client. A wrong current password
    is a 401 and changes nothing."""
    yk = get_yaksok(request)
    now = dt.datetime.now(dt.UTC)
    token = change_password(yk, actor.id, body.old_password, body.new_password, actor=actor,
                            now=now, **_context(request))
    response.headers.update(_NO_STORE)
    return SessionOut(token=token, member_id=actor.id,
                      expires_at=now + dt.timedelta(seconds=session_seconds(yk.settings)))


@router.post("/members/password-reset", status_code=202, response_model=ResetAccepted,
             responses=problem_responses(422, 429))
def post_password_reset(body: ResetIn, request: Request) -> ResetAccepted:
    """Ask for a password reset link (public). The answer is the same whether or not an
    account has the email; for one that has, the link (1 hour, once) goes to that address."""
    request_password_reset(get_yaksok(request), body.email, lang=body.lang,
                           **_context(request))
    return ResetAccepted(message="if an account has this email address, a link to reset its "
                                 "password was sent to it")


@router.post("/members/password-reset/confirm", status_code=204,
             responses={204: {"description": "The password is changed; every session ended."},
                        **problem_responses(404, 422, 429)})
def post_password_reset_confirm(body: ResetConfirmIn, request: Request) -> Response:
    """Set a new password with the emailed link's token (public: the link is the authority).
    Every session of the member ends; log in with the new password. A used, expired or
    replaced link is a 404; a password that breaks a rule is a 422 and leaves the link usable."""
    reset_password(get_yaksok(request), body.token, body.new_password, **_context(request))
    return Response(status_code=204)
