"""The breach register over REST (``yaksok.incidents``): record an incident, fix its affected
members, issue its notices stage by stage, record reports and exemptions, see its clocks; a
member's "was my data part of a breach?"; the public board of breach notices.

Every call goes to a library function that asks the core (``incidents_manage`` /
``incident_inquiry``); nothing is decided here. Answers carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from yaksok.actors import Actor
from yaksok.api.auth import authorized, client_ip, current_actor, get_yaksok
from yaksok.api.fields import Timestamp
from yaksok.api.problems import problem_responses, request_id_of
from yaksok.api.routes_audit import ONE_LINE

__all__ = ["router"]

router = APIRouter(tags=["incidents"])
_NO_STORE = {"Cache-Control": "no-store"}
IncidentId = Path(min_length=1, max_length=32, pattern=r"^inc_[0-9a-f]{12}$",
                  description="The incident's id (`inc_` and 12 hex digits).")


def _ctx(request: Request) -> dict:
    return {"ip": client_ip(request), "request_id": request_id_of(request)}


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=4000)
    nature: str = Field(min_length=1, max_length=4000, description="What happened.")
    cause: str = Field(min_length=1, max_length=4000)
    categories: list[str] = Field(min_length=1, max_length=200,
                                  examples=[["user.contact.email", "user.contact.phone_number"]])
    measures: str = Field(min_length=1, max_length=4000, description="What was done about it.")
    discovered_at: Timestamp
    aware_at: Timestamp | None = Field(None, description="Default: discovered_at. The "
                                         "72-hour clocks run from here.")
    occurred_from: Timestamp | None = None
    occurred_until: Timestamp | None = None
    contained_at: Timestamp | None = None
    possible: StrictBool = Field(False, description="A possible breach, not yet confirmed.")
    sensitive: StrictBool = False
    unique_ids: StrictBool = Field(False, description="Unique identifiers (e.g. resident numbers).")
    outside_access: StrictBool = Field(False, description="Unlawful access from outside.")
    high_risk: StrictBool = Field(False, description="GDPR 34: likely a high risk to the members.")


class AffectedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_ids: list[str] | None = Field(None, max_length=1_000_000)
    actor_id: str | None = Field(None, max_length=128, pattern=ONE_LINE,
                                 description="Only what this actor reached (access log).")
    since: Timestamp | None = None
    until: Timestamp | None = None
    categories: list[str] | None = Field(None, max_length=200)


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["preliminary", "supplement", "final"]
    texts: dict[str, dict[str, str]] = Field(description='{"ko": {item: text}, "en": {...}}; '
                                             "items: what, when_how, member_can_do, "
                                             "company_does, contact, remedies")
    post_on_board: StrictBool = Field(False, description="Also post it on the public board for "
                                "30 days (members whose contact is unknown).")


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    authority: Literal["pipc", "eu_sa", "ca_ag"]
    reported_at: Timestamp | None = None
    reference: str | None = Field(None, max_length=128, pattern=ONE_LINE)


class ExemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    authority: Literal["pipc", "eu_sa"] = Field(description="pipc: retrieval or deletion "
                                                "lowered the risk significantly (Decree 40); "
                                                "eu_sa: unlikely to result in a risk (GDPR 33(1)).")
    ground: str = Field(min_length=1, max_length=4000)


def _answer(body, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=_NO_STORE)


@router.post("/incidents", status_code=201, responses=problem_responses(401, 403, 422))
def open_incident_route(body: IncidentIn, request: Request,
                        actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Record an incident (every one is kept, notified or not). Example body:
    `{"title": "...", "nature": "...", "cause": "...", "categories": ["user.contact.email"],
    "measures": "...", "discovered_at": "2026-12-07T09:00+09:00"}`"""
    from yaksok.incidents import open_incident

    incident_id = open_incident(get_yaksok(request), actor, **body.model_dump(), **_ctx(request))
    return _answer({"incident_id": incident_id}, 201)


@router.get("/incidents", responses=problem_responses(401, 403))
def list_incidents_route(request: Request,
                         actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Every incident, newest first, with its affected counts and clocks."""
    from yaksok.incidents import list_incidents

    return _answer([v.to_dict() for v in list_incidents(get_yaksok(request), actor,
                                                        **_ctx(request))])


@router.get("/incidents/{incident_id}", responses=problem_responses(401, 403, 404))
def get_incident_route(request: Request, incident_id: str = IncidentId,
                       actor: Actor = Depends(current_actor)) -> JSONResponse:
    """One incident: the record, stages, reports and clocks (due, overdue, done, late)."""
    from yaksok.incidents import get_incident

    return _answer(get_incident(get_yaksok(request), actor, incident_id,
                                **_ctx(request)).to_dict())


@router.post("/incidents/{incident_id}/affected", responses=problem_responses(401, 403, 404, 409,
                                                                              422))
def affected_route(body: AffectedIn, request: Request, incident_id: str = IncidentId,
                   actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Fix the affected members once: `member_ids`, or from the access log (`since`, `until`,
    optionally `actor_id` and `categories`)."""
    from yaksok.incidents import freeze_affected

    n = freeze_affected(get_yaksok(request), actor, incident_id, **body.model_dump(),
                        **_ctx(request))
    return _answer({"incident_id": incident_id, "affected": n})


@router.post("/incidents/{incident_id}/stages", status_code=201,
             responses=problem_responses(401, 403, 404, 409, 422))
def stage_route(body: StageIn, request: Request, incident_id: str = IncidentId,
                actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Issue the next notice (preliminary, supplement, final): one email per affected member."""
    from yaksok.incidents import issue_stage

    return _answer(issue_stage(get_yaksok(request), actor, incident_id, body.kind, body.texts,
                               post_on_board=body.post_on_board, **_ctx(request)), 201)


@router.post("/incidents/{incident_id}/reports", responses=problem_responses(401, 403, 404, 422))
def report_route(body: ReportIn, request: Request, incident_id: str = IncidentId,
                 actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Record a report to an authority (pipc, eu_sa, ca_ag)."""
    from yaksok.incidents import record_report

    record_report(get_yaksok(request), actor, incident_id, body.authority,
                  reported_at=body.reported_at, reference=body.reference, **_ctx(request))
    return _answer({"incident_id": incident_id, "authority": body.authority})


@router.post("/incidents/{incident_id}/exemption",
             responses=problem_responses(401, 403, 404, 422))
def exemption_route(body: ExemptionIn, request: Request, incident_id: str = IncidentId,
                    actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Record why no report is owed to one authority; kept beside the reports."""
    from yaksok.incidents import record_exemption

    record_exemption(get_yaksok(request), actor, incident_id, body.authority, body.ground,
                     **_ctx(request))
    return _answer({"incident_id": incident_id, "authority": body.authority,
                    "exemption": True})


@router.get("/me/incidents", responses=problem_responses(401, 403))
def my_incidents_route(request: Request, lang: Literal["ko", "en"] = "ko",
                       actor: Actor = Depends(authorized("own_account"))) -> JSONResponse:
    """Was my data part of a breach? The incidents that touch the signed-in member."""
    from yaksok.incidents import my_incidents

    return _answer(my_incidents(get_yaksok(request), actor, actor.id, lang=lang,
                                **_ctx(request)))


@router.get("/members/{member_id}/incidents", responses=problem_responses(401, 403))
def member_incidents_route(request: Request, lang: Literal["ko", "en"] = "ko",
                           member_id: str = Path(min_length=1, max_length=64, pattern=ONE_LINE),
                           actor: Actor = Depends(current_actor)) -> JSONResponse:
    """The same question asked for a member by the app (for its own pages) or by staff
    answering a member's call."""
    from yaksok.incidents import my_incidents

    return _answer(my_incidents(get_yaksok(request), actor, member_id, lang=lang,
                                **_ctx(request)))


@router.get("/breach-notices")
def board_route(request: Request,
                lang: Literal["ko", "en"] | None = Query(None)) -> JSONResponse:
    """The public board: breach notices posted for members whose contact is unknown (30 days
    each). No personal data."""
    from yaksok.incidents import board

    items = board(get_yaksok(request))
    if lang:
        items = [{**i, "text": i["text"][lang]} for i in items]
    return JSONResponse(items)
