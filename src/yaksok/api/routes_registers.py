"""The processors' and transfers' registers over REST (``yaksok.processors``): contracts and
supervision checks per processor, the processors' status with its warnings, transfer records
and the transfer gate's answer for a route, and the record of processing (GDPR 30).

Every call goes to a library function that asks the core (``registers_keep``); nothing is
decided here. Answers carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import client_ip, current_actor, get_yaksok
from yaksok.api.fields import Day
from yaksok.api.problems import problem_responses, request_id_of

__all__ = ["router"]

router = APIRouter(tags=["registers"])
_NO_STORE = {"Cache-Control": "no-store"}
ProcessorKey = Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                    description="The processor's key in the policy.")
_KEY = r"^[a-z][a-z0-9_]*$"
_COUNTRY = r"^[A-Z]{2}$"


def _ctx(request: Request) -> dict:
    return {"ip": client_ip(request), "request_id": request_id_of(request)}


def _answer(body, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=_NO_STORE)


class ContractIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signed_on: Day
    ends_on: Day | None = None
    clauses: dict[str, str] = Field(min_length=1, max_length=64, description=(
        "Each clause the contract carries -> its article, e.g. "
        '{"purpose_limitation": "art. 3", "purpose_and_scope": "art. 2"}; keys: '
        "GET /registers/clauses"))
    document_sha256: str = Field(pattern=r"^[0-9a-f]{64}$",
                                 description="SHA-256 of the signed contract file (hex).")


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checked_on: Day
    checked_by: str = Field(min_length=1, max_length=128)
    findings: str = Field(min_length=1, max_length=4000)
    next_due: Day


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origin: Literal["EU", "CH"]
    recipient: str = Field(min_length=1, max_length=64, pattern=_KEY)
    destination: str | None = Field(None, pattern=_COUNTRY,
                                    description="Default: the processor's country.")
    categories: list[str] = Field(min_length=1, max_length=200)
    transferred_on: Day


@router.get("/registers/clauses", responses=problem_responses(401, 403))
def clauses_route(request: Request, actor: Actor = Depends(current_actor)) -> JSONResponse:
    """The clauses the contract register knows, with the law requiring each."""
    from yaksok.processors import CLAUSES
    from yaksok.processors.common import require_keeper

    require_keeper(get_yaksok(request), actor, **_ctx(request))
    return _answer({k: {"law": law, "binds": what} for k, (law, what) in CLAUSES.items()})


@router.get("/registers/processors", responses=problem_responses(401, 403))
def processors_route(request: Request,
                     actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Every processor: tasks, staff roles, contract in force, missing clauses, supervision,
    and warnings (no contract, a missing clause, supervision overdue, removed from the policy)."""
    from yaksok.processors import processor_status

    return _answer(processor_status(get_yaksok(request), actor, **_ctx(request)))


@router.get("/registers/processors/{processor}/records", responses=problem_responses(401, 403,
                                                                                   404))
def records_route(request: Request, processor: str = ProcessorKey,
                  actor: Actor = Depends(current_actor)) -> JSONResponse:
    """One processor's history, newest first: every contract (with the clauses it misses) and
    every supervision check (day, who checked, findings, next due)."""
    from yaksok.processors import processor_records

    return _answer(processor_records(get_yaksok(request), actor, processor, **_ctx(request)))


@router.post("/registers/processors/{processor}/contracts", status_code=201,
             responses=problem_responses(401, 403, 404, 422))
def contract_route(body: ContractIn, request: Request, processor: str = ProcessorKey,
                   actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Record an entrustment contract: the answer lists the required clauses it misses."""
    from yaksok.processors import record_contract

    return _answer(record_contract(get_yaksok(request), actor, processor, **body.model_dump(),
                                   **_ctx(request)), 201)


@router.post("/registers/processors/{processor}/checks", status_code=201,
             responses=problem_responses(401, 403, 404, 422))
def check_route_(body: CheckIn, request: Request, processor: str = ProcessorKey,
                 actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Record a supervision check (when, who, findings, next due)."""
    from yaksok.processors import record_check

    return _answer(record_check(get_yaksok(request), actor, processor, **body.model_dump(),
                                **_ctx(request)), 201)


@router.get("/registers/transfers", responses=problem_responses(401, 403))
def transfers_route(request: Request, since: Day | None = None,
                    actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Transfer records, newest first."""
    from yaksok.processors import list_transfers

    return _answer(list_transfers(get_yaksok(request), actor, since=since, **_ctx(request)))


@router.post("/registers/transfers", status_code=201,
             responses=problem_responses(401, 403, 422))
def record_transfer_route(body: TransferIn, request: Request,
                          actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Record a transfer; the mechanism is the one the gate names for the route and day. A
    route no mechanism covers that day is a 403 (rule `transfer-not-covered` or
    `transfer-mechanism-lapsed`), logged."""
    from yaksok.processors import record_transfer

    return _answer(record_transfer(get_yaksok(request), actor, **body.model_dump(),
                                   **_ctx(request)), 201)


@router.get("/registers/transfers/check", responses=problem_responses(401, 403, 422))
def gate_route(request: Request, origin: Literal["EU", "CH"], recipient: str = Query(
        min_length=1, max_length=64, pattern=_KEY),
        destination: str | None = Query(None, pattern=_COUNTRY), on: Day | None = None,
        actor: Actor = Depends(current_actor)) -> JSONResponse:
    """The transfer gate's answer for a route on a day, recording nothing."""
    from yaksok.processors import check_route

    return _answer(check_route(get_yaksok(request), actor, origin=origin, recipient=recipient,
                               destination=destination, on=on, **_ctx(request)).to_dict())


@router.get("/registers/ropa", responses={
    **problem_responses(401, 403),
    200: {"content": {"application/json": {}, "text/markdown": {}},
          "description": "The record as JSON, or as a Markdown document."}})
def ropa_route(request: Request, lang: Literal["ko", "en"] = "en",
               format: Literal["json", "md"] = "json",
               actor: Actor = Depends(current_actor)):
    """The record of processing activities (GDPR 30), generated from the policy and the
    registers; `format=md` for Markdown."""
    from yaksok.processors import ropa, ropa_markdown

    record = ropa(get_yaksok(request), actor, lang=lang, **_ctx(request))
    if format == "md":
        return PlainTextResponse(ropa_markdown(record), headers=_NO_STORE,
                                 media_type="text/markdown; charset=utf-8")
    return _answer(record)
