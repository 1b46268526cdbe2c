"""The Data Rights Protocol's authorised agents, managed over REST by the privacy officer
(``yaksok.rights.drp``: ``list_agents``, ``register_agent``, ``revoke_agent``; docs/rights.md
"Data Rights Protocol").

The agents themselves call the DRP endpoints (``routes_drp.py``) with their own pair-wise
tokens; these routes are staff's, with the ordinary problem answers. The core decides
(``drp_agents``) and logs a refusal; nothing is decided here.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import authorized, get_yaksok
from yaksok.api.problems import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["drp agents"], responses=problem_responses(401, 403))


class AgentIn(BaseModel):
    """An agent's DRP directory entry, checked out of band (DRP 3.05)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"agent_id": "CR_PERMISSION_SLIP", "name": "Permission Slip",
         "verify_key": "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
         "web_url": "https://permissionslipcr.com"}]})

    agent_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$",
                          description="The id of the agent's DRP directory entry; never "
                                      "reused.")
    name: str = Field(min_length=1, max_length=200,
                      description="The agent's consumer-legible name.")
    verify_key: str = Field(min_length=1, max_length=200,
                            description="The agent's Ed25519 verify key, base64.")
    web_url: str | None = Field(None, max_length=2000, description="The agent's https "
                                "homepage: where members and status callbacks may be sent.")
    identity_assurance_url: str | None = Field(None, max_length=2000,
                                               description="https link to how the agent "
                                                           "verifies a consumer's identity.")


class AgentOut(BaseModel):
    id: str
    name: str
    verify_key: str = Field(description="The Ed25519 verify key, base64 (public).")
    status: str = Field(description="`active`, or `revoked` (for good).")
    registered_at: dt.datetime
    registered_by: str
    web_url: str | None
    identity_assurance_url: str | None
    token_issued_at: dt.datetime | None = Field(description="When the agent last fetched its "
                                                            "pair-wise token, if ever.")
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, agent) -> AgentOut:
        return cls(id=agent.id, name=agent.name, verify_key=agent.verify_key,
                   status=agent.status, registered_at=agent.registered_at,
                   registered_by=agent.registered_by, web_url=agent.web_url,
                   identity_assurance_url=agent.identity_assurance_url,
                   token_issued_at=agent.token_issued_at, revoked_at=agent.revoked_at)


@router.get("/drp/agents", response_model=list[AgentOut])
def get_agents(request: Request,
               actor: Actor = Depends(authorized("drp_agents"))) -> list[AgentOut]:
    """Every registered agent, revoked ones included, oldest first (never a token)."""
    from yaksok.rights.drp import list_agents

    return [AgentOut.of(a) for a in list_agents(get_yaksok(request))]


@router.post("/drp/agents", response_model=AgentOut, status_code=201,
             responses=problem_responses(409, 422))
def post_agent(body: AgentIn, request: Request,
               actor: Actor = Depends(authorized("drp_agents"))) -> AgentOut:
    """Register an authorised agent; it then fetches its token with `POST /v1/agent/{id}`."""
    from yaksok.rights.drp import register_agent

    return AgentOut.of(register_agent(get_yaksok(request), actor=actor, **body.model_dump()))


@router.delete("/drp/agents/{agent_id}", response_model=AgentOut,
               responses=problem_responses(404, 409))
def delete_agent(request: Request,
                 agent_id: str = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$"),
                 actor: Actor = Depends(authorized("drp_agents"))) -> AgentOut:
    """Revoke an agent for good: its token stops at once and its open requests are closed
    (409 if it is revoked already)."""
    from yaksok.rights.drp import revoke_agent

    return AgentOut.of(revoke_agent(get_yaksok(request), agent_id, actor=actor))
