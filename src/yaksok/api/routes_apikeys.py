"""API keys, managed by staff whose role has the ``staff.manage`` capability (the privacy officer).

Which scopes exist, and so which purposes a key can ever act for, is the policy's decision
(``api_scopes``); these routes only hand them out. The secret is in the creation response and
nowhere else, ever.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from yaksok.accounts.apikeys import ApiKeyInfo, create_api_key, list_api_keys, revoke_api_key
from yaksok.actors import Actor
from yaksok.api.auth import authorized, get_yaksok
from yaksok.api.openapi import POLICY_KEYS
from yaksok.api.problems import problem_responses

router = APIRouter(tags=["api keys"], responses=problem_responses(401, 403))



class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128,
                      description="Which application uses the key, e.g. `web-backend`.")
    scopes: list[Annotated[str, Field(json_schema_extra={POLICY_KEYS: "api_scopes"})]] = Field(
        min_length=1, description="Scope keys from the policy's api_scopes.")


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    active: bool

    @classmethod
    def of(cls, info: ApiKeyInfo) -> ApiKeyOut:
        return cls(id=info.id, name=info.name, scopes=list(info.scopes),
                   created_at=info.created_at, revoked_at=info.revoked_at,
                   last_used_at=info.last_used_at, active=info.active)


class ApiKeyCreated(ApiKeyOut):
    secret: str = Field(description="Shown only in this response; store it now.")


@router.get("/api-keys", response_model=list[ApiKeyOut])
def get_api_keys(request: Request,
                 actor: Actor = Depends(authorized("staff_manage"))) -> list[ApiKeyOut]:
    """Every API key, revoked ones included (never their secrets)."""
    return [ApiKeyOut.of(i) for i in list_api_keys(get_yaksok(request).engine)]


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201,
             responses=problem_responses(422))
def post_api_key(body: ApiKeyIn, request: Request, response: Response,
                 actor: Actor = Depends(authorized("staff_manage"))) -> ApiKeyCreated:
    """Create an API key with policy scopes; the response holds its secret, once."""
    yk = get_yaksok(request)
    info, secret = create_api_key(yk.engine, yk.policy, body.name, body.scopes, by=actor.id)
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(**ApiKeyOut.of(info).model_dump(), secret=secret)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut, responses=problem_responses(404))
def delete_api_key(key_id: str, request: Request,
                   actor: Actor = Depends(authorized("staff_manage"))) -> ApiKeyOut:
    """Revoke an API key for good (it stays listed, as revoked)."""
    return ApiKeyOut.of(revoke_api_key(get_yaksok(request).engine, key_id, by=actor.id))
