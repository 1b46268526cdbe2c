"""Data-subject rights over HTTP: the privacy center (members) and the privacy officer (staff).

Members (``ym_...`` session) submit, follow, verify and cancel their own requests; a request id
of another member is a 404, the same as an unknown one, so ids cannot be probed. Staff whose role
has ``rights.decide`` enter requests received by letter, phone, email or fax (P6.8), verify the
requester, check an agent's power of attorney, and start, extend, refuse, cancel and carry out
requests. Export links and downloads serve the member who owns the export, or that staff.

Every transition is done by ``yaksok.rights`` (one transaction with its event row and its
access-log entry); this module only parses, checks who is calling and shapes the output.
Responses about a request carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import authorized, client_ip, current_actor, get_yaksok
from yaksok.api.idempotency import idempotently
from yaksok.api.problems import problem_responses
from yaksok.errors import ValidationError
from yaksok.rights.grounds import EXTENSION_REASONS, REFUSAL_GROUNDS, STAFF_METHODS
from yaksok.rights.lifecycle import STATUSES

__all__ = ["router"]

router = APIRouter(tags=["rights"], responses=problem_responses(401, 403, 404, 409, 422))

_NO_STORE = {"Cache-Control": "no-store"}
RequestId = Path(min_length=1, max_length=64, description="The request id (`rq_...`).")
RightName = Literal["access", "rectification", "erasure", "restriction", "portability",
                    "objection", "automated_decision", "consent_withdrawal"]


def _json(body, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=_NO_STORE)


def _own_request(request: Request, actor: Actor, request_id: str):
    """The request, if ``actor`` may follow it (decided in ``yaksok.rights.request_for``)."""
    from yaksok.rights.requests import request_for

    return request_for(get_yaksok(request), actor, request_id, ip=client_ip(request))


# -- members: the privacy center ---------------------------------------------------------------


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    right: RightName
    details: dict | None = Field(
        None, description="Codes only, never a personal value: e.g. `{\"categories\": "
                          "[\"user.contact.email\"]}` (erasure of some categories), "
                          "`{\"purpose\": \"service_improvement\"}` (objection), "
                          "`{\"decision\": \"ad_targeting_profile\", \"action\": "
                          "\"refuse\"}`, `{\"consent\": \"user_analysis\"}`.")
    personal: dict[str, str] | None = Field(
        None, description="Personal inputs (a rectification's new value), sealed under the "
                          "member's data key: `{\"category\": \"user.social.nickname\", "
                          "\"value\": \"...\"}` or `{\"value_id\": ..., \"value\": ...}`.")
    password: str | None = Field(None, min_length=1, max_length=256,
                                 description="The member's password: re-authenticates, so the "
                                             "request is verified at once.")
    lang: Literal["ko", "en"] = "ko"


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(None, min_length=1, max_length=16,
                             description="The one-time code sent by email.")
    password: str | None = Field(None, min_length=1, max_length=256)


@router.post("/rights/requests", status_code=201, responses=problem_responses(429))
def submit_request(body: SubmitIn, request: Request,
                   actor: Actor = Depends(authorized("own_account"))) -> JSONResponse:
    """Make a request from the account menu (P6.8).

    With `password` it is verified at once (a wrong password is a 401, and the request it came
    with is cancelled, so no unverifiable request stays open). Restriction, objection,
    automated-decision and consent-withdrawal requests are verified by the session itself;
    access, portability, erasure and rectification need the password or a one-time code
    (`POST /rights/requests/{id}/code`, then `/verify`). With an `Idempotency-Key` header, a
    retry answers with the same request and makes none."""
    from yaksok.rights.requests import SESSION_RIGHTS, cancel, request_for, submit
    from yaksok.rights.verify import verify_by_password

    yk = get_yaksok(request)
    ip = client_ip(request)
    by_session = body.password is None and body.right in SESSION_RIGHTS

    def write(claim) -> JSONResponse:
        rq = submit(yk, member_id=actor.id, right=body.right, channel="account_menu",
                    actor=actor, details=body.details, personal=body.personal, ip=ip,
                    lang=body.lang, verified_by="session" if by_session else None,
                    idempotency=claim)
        if body.password is not None:
            try:
                rq = verify_by_password(yk, rq.id, body.password, actor=actor, ip=ip)
            except Exception:
                # Whatever stopped the verification (a wrong password, the limits, a store
                # down), no request nobody verified stays open, and a retry makes a new one.
                cancel(yk, rq.id, actor=actor, ip=ip)
                if claim is not None:
                    yk.idempotency.forget(claim)
                raise
        return _json(rq.to_dict(), 201)

    return idempotently(
        request, caller=actor.id, operation="rights-submit",
        body=body.model_dump(mode="json"), write=write,
        answer=lambda result: request_for(yk, actor, result["request_id"], ip=ip).to_dict())


@router.get("/rights/requests")
def list_rights_requests(
    request: Request,
    status: Literal[STATUSES] | None = Query(None, description="Only requests in this status."),
    member_id: str | None = Query(None, max_length=64, description="Staff: one member's."),
    limit: int = Query(100, ge=1, le=1000),
    actor: Actor = Depends(current_actor),
) -> JSONResponse:
    """A member's own requests; for the privacy officer, everyone's (`?status=`, `?member_id=`)."""
    from yaksok.rights.requests import requests_for

    found = requests_for(get_yaksok(request), actor, member_id=member_id, status=status,
                         limit=limit, ip=client_ip(request))
    return _json({"requests": [rq.to_dict() for rq in found]})


@router.get("/rights/requests/{request_id}")
def get_rights_request(request: Request, request_id: str = RequestId,
                       actor: Actor = Depends(current_actor)) -> JSONResponse:
    """One request with its deadlines (a member's own only: another's id is a 404)."""
    return _json(_own_request(request, actor, request_id).to_dict())


@router.post("/rights/requests/{request_id}/code", status_code=202,
             responses=problem_responses(429))
def send_request_code(request: Request, request_id: str = RequestId,
                      actor: Actor = Depends(authorized("own_account"))) -> JSONResponse:
    """Email a one-time code to the member's address on file (valid 10 minutes, 5 tries)."""
    from yaksok.rights.verify import send_code

    _own_request(request, actor, request_id)
    send_code(get_yaksok(request), request_id, actor=actor, ip=client_ip(request))
    return _json({"request_id": request_id, "sent": "email"}, 202)


@router.post("/rights/requests/{request_id}/verify", responses=problem_responses(429))
def verify_request(body: VerifyIn, request: Request, request_id: str = RequestId,
                   actor: Actor = Depends(authorized("own_account"))) -> JSONResponse:
    """Verify the requester (P6.11): the one-time code, or the member's password."""
    from yaksok.rights.verify import check_code, verify_by_password

    if (body.code is None) == (body.password is None):
        raise ValidationError("send either code or password", field="code",
                              fix='e.g. {"code": "123456"}')
    _own_request(request, actor, request_id)
    yk = get_yaksok(request)
    ip = client_ip(request)
    if body.code is not None:
        rq = check_code(yk, request_id, body.code, actor=actor, ip=ip)
    else:
        rq = verify_by_password(yk, request_id, body.password, actor=actor, ip=ip)
    return _json(rq.to_dict())


@router.delete("/rights/requests/{request_id}")
def cancel_own_request(request: Request, request_id: str = RequestId,
                       actor: Actor = Depends(authorized("own_account"))) -> JSONResponse:
    """Withdraw one's own request while it is still open."""
    from yaksok.rights.requests import cancel

    _own_request(request, actor, request_id)
    return _json(cancel(get_yaksok(request), request_id, actor=actor,
                        ip=client_ip(request)).to_dict())


@router.get("/rights/decisions/{key}/explanation")
def explain(request: Request, key: str = Path(min_length=1, max_length=64),
            actor: Actor = Depends(authorized("own_account"))) -> JSONResponse:
    """How an automated decision about me is made: its criteria and the categories of my data
    it used (P6.7)."""
    from yaksok.rights.handle import explain_decision

    return _json(explain_decision(get_yaksok(request), actor.id, key, actor=actor,
                                  ip=client_ip(request)))


# -- staff: the privacy officer ----------------------------------------------------------------


class StaffSubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: str = Field(min_length=1, max_length=64)
    right: RightName
    channel: Literal["written", "phone", "email", "fax"]
    requester: Literal["self", "legal_representative", "authorised_agent"] = "self"
    details: dict | None = None
    personal: dict[str, str] | None = Field(
        None, description="Sealed under the member's data key: a rectification's target and "
                          "new value, and `note`, the handler's note on the letter or call "
                          "(read back with GET /rights/requests/{id}/note).")
    lang: Literal["ko", "en"] = Field("ko", description="The requester's language.")
    received_at: dt.datetime | None = Field(
        None, examples=["2026-03-02T14:30:00+09:00"],
        description="When the letter, call, email or fax reached you, with its UTC offset, if "
                    "before now (at most a year back); the deadline counts from it. Default: "
                    "now.")


class StaffVerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal[STAFF_METHODS] = Field(
        examples=["id-card-seen"], description="How identity was checked (a code of GET "
                                               "/rights/refusal-grounds → `staff_methods`).")


class AgentCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["accepted", "rejected"]


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal[tuple(EXTENSION_REASONS)] = Field(description="An extension reason.")


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal[tuple(REFUSAL_GROUNDS)] = Field(
        description="A refusal ground (GET /rights/refusal-grounds): one that applies to the "
                    "request's right and the member's law, else a 422.")


class CarryOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: Literal["ko", "en"] = "ko"


@router.post("/staff/rights/requests", status_code=201)
def staff_submit(body: StaffSubmitIn, request: Request,
                 actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Enter a request received by letter, phone, email or fax (P6.8); its deadline runs from
    `received_at` (default now). A request by an agent needs their power of attorney before
    verification."""
    from yaksok.rights.requests import submit

    rq = submit(get_yaksok(request), member_id=body.member_id, right=body.right,
                channel=body.channel, actor=actor, requester=body.requester,
                details=body.details, personal=body.personal, ip=client_ip(request),
                lang=body.lang, received_at=body.received_at)
    return _json(rq.to_dict(), 201)


@router.post("/rights/requests/{request_id}/verify-staff")
def verify_staff(body: StaffVerifyIn, request: Request, request_id: str = RequestId,
                 actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Record how staff checked the requester's identity (P6.11)."""
    from yaksok.rights.verify import verify_by_staff

    return _json(verify_by_staff(get_yaksok(request), request_id, actor=actor,
                                 method=body.method, ip=client_ip(request)).to_dict())


@router.post("/rights/requests/{request_id}/power-of-attorney", status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {
                 t: {"schema": {"type": "string", "format": "binary"}}
                 for t in ("application/pdf", "image/png", "image/jpeg")}}})
async def upload_power_of_attorney(request: Request, request_id: str = RequestId,
                                   actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Attach an agent's power of attorney (raw body; PDF, PNG or JPEG), encrypted under the
    member's data key (P6.10)."""
    from starlette.concurrency import run_in_threadpool

    from yaksok.rights.agents import CONTENT_TYPES, MAX_DOCUMENT_BYTES, attach_power_of_attorney

    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type not in CONTENT_TYPES:
        raise ValidationError("the power of attorney must be a PDF, PNG or JPEG file",
                              field="Content-Type",
                              fix="send the file as the raw body with Content-Type "
                                  + ", ".join(CONTENT_TYPES))
    # Refuse an oversized upload before reading it into memory.
    try:
        declared = int(request.headers.get("content-length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_DOCUMENT_BYTES:
        raise ValidationError(f"the document is larger than {MAX_DOCUMENT_BYTES // 2**20} MB",
                              field="body", fix="scan it at a lower resolution")
    document = await request.body()
    doc_id = await run_in_threadpool(
        attach_power_of_attorney, get_yaksok(request), request_id, document,
        content_type=content_type, actor=actor, ip=client_ip(request))
    return _json({"request_id": request_id, "document_id": doc_id,
                  "content_type": content_type, "size": len(document)}, 201)


@router.post("/rights/requests/{request_id}/agent-check")
def agent_check(body: AgentCheckIn, request: Request, request_id: str = RequestId,
                actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Accept or reject an agent's power of attorney (P6.10)."""
    from yaksok.rights.agents import check_agent
    from yaksok.rights.requests import get_request

    yk = get_yaksok(request)
    check_agent(yk, request_id, actor=actor, outcome=body.outcome, ip=client_ip(request))
    return _json(get_request(yk, request_id).to_dict())


@router.post("/rights/requests/{request_id}/start")
def start_request(request: Request, request_id: str = RequestId,
                  actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """verified → in progress."""
    from yaksok.rights.requests import start

    return _json(start(get_yaksok(request), request_id, actor=actor,
                       ip=client_ip(request)).to_dict())


@router.post("/rights/requests/{request_id}/extend")
def extend_request(body: ExtendIn, request: Request, request_id: str = RequestId,
                   actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Extend the deadline as the member's law allows, telling the member why."""
    from yaksok.rights.requests import extend

    return _json(extend(get_yaksok(request), request_id, actor=actor,
                        reason=body.reason, ip=client_ip(request)).to_dict())


@router.post("/rights/requests/{request_id}/refuse")
def refuse_request(body: RefuseIn, request: Request, request_id: str = RequestId,
                   actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Refuse on a ground the law recognises (P6.9); the member is told the ground and how to
    appeal."""
    from yaksok.rights.requests import refuse

    return _json(refuse(get_yaksok(request), request_id, actor=actor,
                        reason=body.reason, ip=client_ip(request)).to_dict())


@router.post("/rights/requests/{request_id}/cancel")
def staff_cancel(request: Request, request_id: str = RequestId,
                 actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Cancel a request (e.g. the requester withdrew it by phone)."""
    from yaksok.rights.requests import cancel

    return _json(cancel(get_yaksok(request), request_id, actor=actor,
                        ip=client_ip(request)).to_dict())


@router.post("/rights/requests/{request_id}/carry-out")
def carry_out_request(request: Request, body: CarryOutIn | None = None,
                      request_id: str = RequestId,
                      actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Do what the request asks and complete it (an export for access and portability)."""
    from yaksok.rights.handle import carry_out

    done = carry_out(get_yaksok(request), request_id, actor=actor,
                     lang=body.lang if body else "ko", ip=client_ip(request))
    return _json({"request": done.request.to_dict(), "result": done.result,
                  "explanation": done.explanation})


@router.get("/rights/requests/{request_id}/events")
def request_events_route(request: Request, request_id: str = RequestId,
                         actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Every transition of the request: when, who, from, to, the reason code."""
    from yaksok.rights.requests import request_events

    events = request_events(get_yaksok(request), request_id)
    return _json({"request_id": request_id, "events": [e.to_dict() for e in events]})


@router.get("/rights/due")
def due_route(request: Request,
              within_days: int = Query(3, ge=0, le=366,
                                       description="Due within this many days (or overdue)."),
              actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Open requests due within N days or overdue, soonest first (`days_left` < 0: overdue)."""
    from yaksok.rights.deadlines import due_requests

    due = due_requests(get_yaksok(request), within_days=within_days)
    return _json({"within_days": within_days, "overdue": sum(d["overdue"] for d in due),
                  "requests": due})


@router.get("/rights/queue")
def queue_route(request: Request,
                status: Literal["received", "verified", "in_progress", "extended"] | None =
                Query(None, description="Only open requests in this status."),
                jurisdiction: str | None = Query(None, max_length=8,
                                                 description="Only this jurisdiction's (KR, "
                                                             "EU, US-CA)."),
                limit: int = Query(1000, ge=1, le=1000),
                actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Every open request, soonest due first: deadline in its jurisdiction's zone, local days
    left (negative: overdue), who asked (`member`, `agent`, `staff`, `drp`)."""
    from yaksok.rights.queue import queue

    found = queue(get_yaksok(request), status=status, jurisdiction=jurisdiction, limit=limit)
    return _json({"overdue": sum(i.overdue for i in found),
                  "requests": [i.to_dict() for i in found]})


@router.get("/rights/due-per-week")
def due_per_week_route(request: Request,
                       weeks: int = Query(8, ge=1, le=52, description="How many weeks."),
                       past: int = Query(3, ge=0, le=51, description="How many of them before "
                                                                     "the current week."),
                       actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """Open requests due and overdue per week (Monday first) of their last day; the first week
    also counts every open request due before it."""
    from yaksok.rights.queue import due_per_week

    load = due_per_week(get_yaksok(request), weeks=weeks, past=past)
    return _json({"weeks": [w.to_dict() for w in load]})


@router.get("/rights/requests/{request_id}/erasure-preview")
def erasure_preview_route(request: Request, request_id: str = RequestId,
                          actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """What carrying out the erasure would destroy (live values per category) and what the
    law keeps (held records by kind, until when, under which law), before it is done."""
    from yaksok.rights.handle import erasure_preview

    return _json(erasure_preview(get_yaksok(request), request_id, actor=actor,
                                 ip=client_ip(request)).to_dict())


@router.get("/rights/requests/{request_id}/note")
def note_route(request: Request, request_id: str = RequestId,
               actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """The handler's note on a staff-entered request (sealed; each read is logged)."""
    from yaksok.rights.inputs import read_note

    return _json({"request_id": request_id,
                  "note": read_note(get_yaksok(request), request_id, actor=actor,
                                    ip=client_ip(request))})


@router.get("/rights/refusal-grounds")
def refusal_grounds(request: Request, right: str | None = Query(None, max_length=32),
                    jurisdiction: str | None = Query(None, max_length=8),
                    actor: Actor = Depends(authorized("rights_handle"))) -> JSONResponse:
    """The grounds a request may be refused on (code, Korean and English text, article), the
    extension reasons and the staff verification methods."""
    from yaksok.rights.grounds import EXTENSION_REASONS, REFUSAL_GROUNDS, STAFF_METHODS

    grounds = {code: {"ko": g["ko"], "en": g["en"], "law": g["law"],
                      "rights": list(g["rights"]), "jurisdictions": list(g["jurisdictions"])}
               for code, g in REFUSAL_GROUNDS.items()
               if (right is None or right in g["rights"])
               and (jurisdiction is None or jurisdiction in g["jurisdictions"])}
    return JSONResponse({"refusal_grounds": grounds, "extension_reasons": EXTENSION_REASONS,
                         "staff_methods": list(STAFF_METHODS)})


# -- export links and downloads ----------------------------------------------------------------


@router.post("/rights/exports/{export_id}/link", status_code=201)
def export_link(request: Request, export_id: str = Path(min_length=1, max_length=64),
                actor: Actor = Depends(current_actor)) -> JSONResponse:
    """A secret download link for an export (shown once; a new one replaces it), for the
    member who owns the export or the privacy officer."""
    from yaksok.rights.export import LINK_LIFETIME, create_download, get_export

    yk = get_yaksok(request)
    now = dt.datetime.now(dt.UTC)
    token = create_download(yk, export_id, actor=actor, now=now, ip=client_ip(request))
    expires = min(get_export(yk, export_id).expires_at, now + LINK_LIFETIME)
    return _json({"token": token, "expires_at": expires.isoformat(),
                  "url": f"/rights/exports/download/{token}"}, 201)


@router.get("/rights/exports/download/{token}", response_class=Response,
            responses={200: {"content": {"application/zip": {}}}})
def export_download(request: Request, token: str = Path(min_length=1, max_length=128),
                    actor: Actor = Depends(current_actor)) -> Response:
    """The export as a ZIP. Needs the link's token *and* the owner's (or the officer's)
    session; every download, and every refused attempt, is in the access log."""
    from yaksok.rights.export import download

    name, data = download(get_yaksok(request), token, actor=actor, ip=client_ip(request))
    return Response(data, media_type="application/zip", headers={
        **_NO_STORE, "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-Type-Options": "nosniff"})
