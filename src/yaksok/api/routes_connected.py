"""Connected Google accounts over REST (``yaksok.connected``, P12.9).

The app backend hands over the OAuth tokens it got when a member connected their Google account
(``POST``), and a refreshed token (``PUT``: a rectification in the vault); the member, the app
acting for them or the privacy officer see the connections (``GET``) and revoke one
(``DELETE``: the tokens are destroyed at once and the provider's RFC 7009 endpoint is asked to
revoke them, retried while it is down). Every decision is the core's (the vault's collect and
rectify rules, ``connected_view``, ``connected_revoke``); no answer ever carries a token.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from yaksok import connected
from yaksok.actors import Actor
from yaksok.api.auth import client_ip, current_actor, get_yaksok
from yaksok.api.problems import problem_responses, request_id_of
from yaksok.api.routes_vault import MemberId

__all__ = ["router"]

router = APIRouter(tags=["connected accounts"])
_NO_STORE = {"Cache-Control": "no-store"}
Provider = Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                description="The policy's integration key (`youtube_api`).",
                examples=["youtube_api"])


def _ctx(request: Request) -> dict:
    return {"ip": client_ip(request), "request_id": request_id_of(request)}


class TokensIn(BaseModel):
    # At least one of the two: the schema says so, as the core does.
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "anyOf": [{"required": ["access_token"]}, {"required": ["refresh_token"]}]})

    # RFC 6749 appendix A: 1*VSCHAR. The core checks it again, naming the field, never the token.
    access_token: str = Field(None, min_length=1, max_length=4096, pattern=r"^[\x20-\x7e]+$",
                              description="The access token.")
    refresh_token: str = Field(None, min_length=1, max_length=4096, pattern=r"^[\x20-\x7e]+$",
                               description="The refresh token (what a revocation sends, when "
                                           "there is one).")

    def tokens(self) -> connected.Tokens:
        return connected.Tokens(self.access_token, self.refresh_token)


class ConnectionOut(BaseModel):
    provider: str
    status: str = Field(description="connected, revoking (the provider is being asked), "
                                    "revoked, or dead (given up; the officer retries)")
    connected_at: dt.datetime
    updated_at: dt.datetime
    revoked_at: dt.datetime | None
    attempts: int = Field(description="Revocation attempts so far.")
    next_attempt_at: dt.datetime | None
    last_error: str | None = Field(description="The provider's last answer (status and error "
                                               "code), never a token.")


def _out(c: connected.Connection, status: int = 200) -> JSONResponse:
    body = ConnectionOut(**c.__dict__).model_dump(mode="json")
    return JSONResponse(body, status_code=status, headers=_NO_STORE)


@router.post("/members/{member_id}/connected-accounts/{provider}", status_code=201,
             response_model=ConnectionOut, responses=problem_responses(409))
def connect(body: TokensIn, request: Request, member_id: str = MemberId,
            provider: str = Provider, actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Keep the tokens of a Google account the member just connected (the vault collects
    `user.authorization.credentials`: an API key whose scopes grant `contract_performance`).
    Example body: `{"access_token": "ya29...", "refresh_token": "1//0g..."}`."""
    return _out(connected.connect(get_yaksok(request), member_id, provider, body.tokens(),
                                  actor=actor, **_ctx(request)), 201)


@router.put("/members/{member_id}/connected-accounts/{provider}",
            response_model=ConnectionOut, responses=problem_responses())
def refresh(body: TokensIn, request: Request, member_id: str = MemberId,
            provider: str = Provider, actor: Actor = Depends(current_actor)) -> JSONResponse:
    """A refreshed token: a rectification of the tokens' value (the old one is destroyed).
    Send the tokens the app holds now; without a new refresh token the one kept for the
    revocation stays."""
    return _out(connected.refresh(get_yaksok(request), member_id, provider, body.tokens(),
                                  actor=actor, **_ctx(request)))


@router.get("/members/{member_id}/connected-accounts", response_model=list[ConnectionOut],
            responses=problem_responses())
def list_connections(request: Request, member_id: str = MemberId,
                     actor: Actor = Depends(current_actor)) -> JSONResponse:
    """The member's connected accounts and their revocations (no token)."""
    found = connected.connections(get_yaksok(request), member_id, actor=actor, **_ctx(request))
    return JSONResponse([ConnectionOut(**c.__dict__).model_dump(mode="json") for c in found],
                        headers=_NO_STORE)


@router.delete("/members/{member_id}/connected-accounts/{provider}",
               response_model=ConnectionOut, responses=problem_responses())
def revoke(request: Request, member_id: str = MemberId, provider: str = Provider,
           actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Revoke the app's access to the member's Google account (P12.9): `revoked`, or
    `revoking` while the provider is down (retried with back-off by `yaksok worker` and
    `yaksok connected retry`). The member themself, an API key acting for members, or the
    privacy officer."""
    return _out(connected.revoke(get_yaksok(request), member_id, provider, actor=actor,
                                 **_ctx(request)))
