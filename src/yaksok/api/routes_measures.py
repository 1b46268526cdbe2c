"""The organisational measures register over REST (``yaksok.measures``): evidence per measure,
staff training, and the record of changes of access rights. Each call goes to a library function
that asks the core (``measures_manage`` / ``access_changes``); nothing is decided here."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import client_ip, current_actor, get_yaksok
from yaksok.api.fields import Day, Timestamp
from yaksok.api.problems import problem_responses, request_id_of

__all__ = ["router"]

router = APIRouter(tags=["measures"])
_NO_STORE = {"Cache-Control": "no-store"}
_SHA = r"^[0-9a-fA-F]{64}$"


def _ctx(request: Request) -> dict:
    return {"ip": client_ip(request), "request_id": request_id_of(request)}


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: str = Field(min_length=1, max_length=128, examples=["보안팀장"])
    document_sha256: str = Field(pattern=_SHA, description="SHA-256 of the evidence document.")
    location: str = Field(min_length=1, max_length=512,
                          examples=["사내 문서함 /보안/내부관리계획-2026.pdf"])
    done_on: Day
    next_review: Day
    note: str | None = Field(None, max_length=4000)


class TrainingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    course: str = Field(min_length=1, max_length=256)
    completed_on: Day
    next_due: Day
    document_sha256: str | None = Field(None, pattern=_SHA)


@router.get("/measures", responses=problem_responses(401, 403))
def measures_route(request: Request, actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Every organisational measure of the policy and its evidence: current, overdue, missing."""
    from yaksok.measures import measure_states

    return JSONResponse([m.to_dict() for m in measure_states(get_yaksok(request), actor,
                                                             **_ctx(request))],
                        headers=_NO_STORE)


@router.post("/measures/{measure}/evidence", status_code=201,
             responses=problem_responses(401, 403, 404, 422))
def evidence_route(body: EvidenceIn, request: Request,
                   measure: str = Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$"),
                   actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Record evidence for one measure (its owner, the document's hash and place, last done,
    next review)."""
    from yaksok.measures import record_evidence

    record_id = record_evidence(get_yaksok(request), actor, measure, **body.model_dump(),
                                **_ctx(request))
    return JSONResponse({"id": record_id, "measure": measure}, status_code=201)


@router.get("/staff/training", responses=problem_responses(401, 403))
def training_route(request: Request, actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Every active staff account and its latest training: current, overdue, missing."""
    from yaksok.measures import training_states

    return JSONResponse([t.to_dict() for t in training_states(get_yaksok(request), actor,
                                                              **_ctx(request))],
                        headers=_NO_STORE)


@router.post("/staff/training", status_code=201, responses=problem_responses(401, 403, 404, 422))
def record_training_route(body: TrainingIn, request: Request,
                          actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Record a staff member's completed training."""
    from yaksok.measures import record_training

    data = body.model_dump()
    record_id = record_training(get_yaksok(request), actor, data.pop("username"), **data,
                                **_ctx(request))
    return JSONResponse({"id": record_id}, status_code=201)


@router.get("/staff/access-changes", responses=problem_responses(401, 403))
def access_changes_route(request: Request, since: Timestamp | None = Query(None),
                         actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Every grant and revocation of access rights (staff roles, API key scopes), oldest first."""
    from yaksok.measures import access_changes

    return JSONResponse([c.to_dict() for c in access_changes(get_yaksok(request), actor,
                                                             since=since, **_ctx(request))],
                        headers=_NO_STORE)
