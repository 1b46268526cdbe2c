"""``GET /retention/status``: held records by kind and month of expiry, the next expiry and the
last destruction records (counts and windows, never values); ``/retention/held-by-month`` (the
same counts as a kind × month table), ``/retention/passes`` (the worker's passes) and
``/retention/destructions`` (destruction records summed). For staff with ``rights.decide`` (the
privacy officer).

``POST /members/{id}/records`` keeps a held record (``yaksok.retention.write_record``) and
``GET /members/{id}/records`` lists a member's held records (kinds and dates, never values);
who may is decided in the core (``write_held``, ``held_list``: docs/access.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import authorized, current_actor, get_yaksok
from yaksok.api.idempotency import idempotently
from yaksok.api.openapi import POLICY_KEYS
from yaksok.api.problems import problem_responses
from yaksok.api.routes_members import request_context
from yaksok.api.routes_vault import MemberId

__all__ = ["router"]

router = APIRouter(tags=["retention"])
_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/retention/status", responses=problem_responses(401, 403))
def retention_status_route(request: Request,
                           last: int = Query(20, ge=1, le=500),
                           actor: Actor = Depends(authorized("retention_status"))
                           ) -> JSONResponse:
    """The retention overview (see docs/retention.md)."""
    from yaksok.retention import retention_status

    return JSONResponse(retention_status(get_yaksok(request), last=last),
                        headers={"Cache-Control": "no-store"})


@router.get("/retention/held-by-month", responses=problem_responses(401, 403, 422))
def held_by_month_route(request: Request,
                        months: int = Query(12, ge=1, le=120,
                                            description="How many months from this one."),
                        actor: Actor = Depends(authorized("retention_status"))
                        ) -> JSONResponse:
    """Held records by record kind and month of expiry (UTC), from this month on for `months`
    months, with what is past its month and not yet destroyed (`overdue`) and what expires
    later; counts only (`yaksok.retention.held_by_expiry_month`)."""
    from yaksok.retention import held_by_expiry_month

    table = held_by_expiry_month(get_yaksok(request), months=months)
    return JSONResponse(table.to_dict(), headers=_NO_STORE)


@router.get("/retention/passes", responses=problem_responses(401, 403, 422))
def worker_passes_route(request: Request,
                        last: int = Query(20, ge=1, le=500,
                                          description="How many passes to list."),
                        actor: Actor = Depends(authorized("retention_status"))
                        ) -> JSONResponse:
    """The worker's last passes (when, done, stopped or failed, what each expiry kind
    destroyed, a failure's kind of error) and each expiry kind's last run
    (`yaksok.retention.worker_passes_of`, `kinds_last_run`)."""
    from yaksok.retention import kinds_last_run, worker_passes_of

    yk = get_yaksok(request)
    return JSONResponse({"passes": [p.to_dict() for p in worker_passes_of(yk, last=last)],
                         "kinds": [k.to_dict() for k in kinds_last_run(yk)]},
                        headers=_NO_STORE)


@router.get("/retention/destructions", responses=problem_responses(401, 403, 422))
def destruction_totals_route(request: Request,
                             days: int = Query(90, ge=1, le=730,
                                               description="The window, in days up to now."),
                             actor: Actor = Depends(authorized("retention_status"))
                             ) -> JSONResponse:
    """The destruction records of the last `days` days summed by kind, record kind, method and
    rule: what was destroyed, how and under which rule, in counts
    (`yaksok.retention.destruction_totals`)."""
    from yaksok.retention import destruction_totals

    totals = destruction_totals(get_yaksok(request), days=days)
    return JSONResponse({"days": days, "totals": [t.to_dict() for t in totals]},
                        headers=_NO_STORE)


# -- held records: what a statute makes us keep after closure -------------------------------------


class HeldRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_kind: str = Field(min_length=1, max_length=64, examples=["payment_record"],
                             json_schema_extra={POLICY_KEYS: "record_kinds"},
                             description="A record kind with a retention rule in the policy.")
    values: dict[str, Annotated[str, Field(min_length=1, max_length=65536)]] = Field(
        min_length=1, max_length=32,
        examples=[{"user.payment.transaction_id": "tx-20261129-0042",
                   "user.payment.product_code": "vip-month"}],
        description="{category: value}, categories of the record kind only.")
    at: AwareDatetime | None = Field(
        None, description="When the event the record is of happened (the payment, the "
                          "complaint, the login); its retention period runs from it. Default: "
                          "now; never in the future, nor before 1970.")


class HeldRecordOut(BaseModel):
    id: str
    record_kind: str
    member_id: str | None
    created_at: dt.datetime
    expires_at: dt.datetime


class HeldRecordsOut(BaseModel):
    member_id: str
    records: list[HeldRecordOut]


@router.post("/members/{member_id}/records", response_model=HeldRecordOut, status_code=201,
             responses=problem_responses(401, 403, 404, 409, 422))
def write_held_record(body: HeldRecordIn, request: Request, member_id: str = MemberId,
                      actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Keep a record the law makes us keep after the account is closed (a statutory hold:
    e.g. the e-commerce act's contract and payment records, P12.6), in separated storage
    (P12.7) until the record kind's period has passed from `at`. The answer is the record's id
    and dates, never its values. An API key whose scopes grant `legal_compliance`, or the
    privacy officer (docs/access.md). With an `Idempotency-Key` header, a retry answers as the
    first call did and stores nothing twice."""
    from yaksok.retention import HeldEntry, write_record

    def write(claim) -> JSONResponse:
        rec = write_record(get_yaksok(request), member_id, body.record_kind, dict(body.values),
                           actor=actor, at=body.at, idempotency=claim,
                           **request_context(request))
        entry = HeldEntry(rec.id, rec.record_kind, rec.member_ref, rec.created_at,
                          rec.expires_at)  # what a retry with the key is answered, too
        return JSONResponse(entry.to_dict(), status_code=201, headers=_NO_STORE)

    return idempotently(request, caller=actor.id, operation="held-record",
                        body={"member_id": member_id, **body.model_dump(mode="json")},
                        write=write, answer=lambda result: result)


@router.get("/members/{member_id}/records", response_model=HeldRecordsOut,
            responses=problem_responses(401, 403, 404))
def list_held_records(request: Request, member_id: str = MemberId,
                      actor: Actor = Depends(current_actor)) -> JSONResponse:
    """The member's held records in force, also after the account is closed: id, record kind,
    created and expiry, never their values (the privacy officer reads those, for
    `legal_compliance` only). The member themself, an API key whose scopes grant
    `legal_compliance`, or staff whose role has `rights.decide`; the listing is logged."""
    from yaksok.retention import records_of

    found = records_of(get_yaksok(request), member_id, actor=actor,
                         **request_context(request))
    return JSONResponse({"member_id": member_id, "records": [e.to_dict() for e in found]},
                        headers=_NO_STORE)
