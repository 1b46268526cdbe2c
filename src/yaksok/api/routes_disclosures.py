"""Disclosures to authorities and provisions to third parties over REST (``yaksok.disclosures``).

Record a disclosure (``POST /disclosures``), the officer's decision (``.../approve``,
``.../reject``), the sealed request document (``GET .../document``: opaque bytes, an
attachment), producing an approved disclosure's data (``.../produce``), the register, and a
provision to a third party (``POST /third-parties/provisions``). Every call goes to a library
function that asks the core (``disclosures_keep``, ``disclosure_approve``, ``disclose``,
``provide``); nothing is decided here. Answers carry ``Cache-Control: no-store`` (a production
carries the member's values).
"""

from __future__ import annotations

import base64
import binascii
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import authorized, client_ip, current_actor, get_yaksok
from yaksok.api.fields import Timestamp
from yaksok.api.problems import problem_responses, request_id_of
from yaksok.api.routes_audit import ONE_LINE
from yaksok.disclosures import (
    approve_disclosure,
    get_disclosure,
    list_disclosures,
    list_provisions,
    produce,
    provide,
    record_disclosure,
    reject_disclosure,
    request_document,
)
from yaksok.errors import ValidationError

__all__ = ["router"]

router = APIRouter(tags=["disclosures"])
_NO_STORE = {"Cache-Control": "no-store"}
DisclosureId = Path(min_length=16, max_length=16, pattern=r"^dsc_[0-9a-f]{12}$",
                    description="The disclosure's id (`dsc_` and 12 hex digits).")
_KEY = r"^[a-z][a-z0-9_.]*$"


def _ctx(request: Request) -> dict:
    return {"ip": client_ip(request), "request_id": request_id_of(request)}


def _answer(body, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=_NO_STORE)


class DisclosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exception: str = Field(max_length=64, pattern=_KEY, examples=["investigation"],
                           description="The policy's disclosure exception (statute, "
                                       "investigation).")
    authority: str = Field(min_length=1, max_length=200, pattern=ONE_LINE,
                           examples=["서울중앙지방검찰청"])
    authority_ref: str = Field(min_length=1, max_length=200, pattern=ONE_LINE,
                               examples=["2026형제1234"])
    recipient_country: str = Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$",
                                   examples=["KR"],
                                   description="The authority's country (ISO 3166 alpha-2); "
                                   "abroad, producing is a transfer (P12.1).")
    legal_citation: str = Field(min_length=1, max_length=500, pattern=ONE_LINE,
                                examples=["형사소송법 제215조"])
    members: list[str] = Field(min_length=1, max_length=10_000)
    categories: list[str] = Field(min_length=1, max_length=200,
                                  examples=[["user.contact.email"]])
    period_from: Timestamp | None = None
    period_until: Timestamp | None = None
    request_document_base64: str | None = Field(
        None, max_length=1_000_000, description="The authority's written request or warrant, "
        "base64 (required for an investigation); stored sealed under the KEK.")
    document_type: str | None = Field(None, max_length=100, pattern=ONE_LINE,
                                      examples=["application/pdf"])
    notice_deferred_until: Timestamp | None = Field(
        None, description="When the law defers telling the member: until when.")
    deferral_ground: str | None = Field(None, max_length=500, pattern=ONE_LINE,
                                        examples=["통신비밀보호법 제13조의3 제2항"])


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=500, pattern=ONE_LINE)


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=500, pattern=ONE_LINE)


class ProduceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: str = Field(min_length=1, max_length=64, pattern=ONE_LINE)
    categories: list[str] | None = Field(None, min_length=1, max_length=200,
                                         description="Default: every approved category.")
    since: Timestamp | None = None
    until: Timestamp | None = None


class ProvisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: str = Field(min_length=1, max_length=64, pattern=ONE_LINE)
    recipient: str = Field(max_length=64, pattern=_KEY)
    categories: list[str] = Field(min_length=1, max_length=200)
    basis: Literal["consent", "law"]
    consent_item: str | None = Field(None, max_length=64, pattern=_KEY)
    legal_citation: str | None = Field(None, max_length=500, pattern=ONE_LINE)


def _document(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValidationError("request_document_base64 is not base64",
                              field="request_document_base64",
                              fix="send the document's bytes base64-encoded") from None


@router.post("/disclosures", status_code=201, responses=problem_responses(401, 403, 422))
def record_route(body: DisclosureIn, request: Request,
                 actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Record what an authority asked for, under one of the policy's exceptions (staff with
    `registers.manage`). Nothing is produced until the officer approves it."""
    fields = body.model_dump(exclude={"request_document_base64"})
    view = record_disclosure(get_yaksok(request), actor,
                             request_document=_document(body.request_document_base64),
                             **fields, **_ctx(request))
    return _answer(view.to_dict(), 201)


@router.get("/me/disclosures", responses=problem_responses(401, 403))
def my_disclosures(request: Request, lang: Literal["ko", "en"] = "ko",
                   actor: Actor = Depends(authorized("own_account"))) -> JSONResponse:
    """Where my data went (P6.1, P4.1, P9.1): the disclosures to authorities my data was
    produced under (to whom, its country, the exception and the law) and provisions to third
    parties; a disclosure whose notice a statute defers shows once the deferral ends."""
    from yaksok.disclosures import member_disclosures

    return JSONResponse({"disclosures": member_disclosures(
        get_yaksok(request), actor, actor.id, lang=lang, ip=client_ip(request),
        request_id=request_id_of(request))}, headers={"Cache-Control": "no-store"})


@router.get("/disclosures", responses=problem_responses(401, 403, 422))
def list_route(request: Request, actor: Actor = Depends(current_actor),
               status: Literal["recorded", "approved", "rejected"] | None = Query(None)
               ) -> JSONResponse:
    """The disclosure register, newest first."""
    return _answer([v.to_dict() for v in list_disclosures(get_yaksok(request), actor,
                                                          status=status, **_ctx(request))])


@router.get("/disclosures/{disclosure_id}", responses=problem_responses(401, 403, 404))
def get_route(request: Request, disclosure_id: str = DisclosureId,
              actor: Actor = Depends(current_actor)) -> JSONResponse:
    return _answer(get_disclosure(get_yaksok(request), actor, disclosure_id,
                                  **_ctx(request)).to_dict())


@router.get("/disclosures/{disclosure_id}/document",
            responses={**problem_responses(401, 403, 404),
                       200: {"content": {"application/octet-stream": {}},
                             "description": "The request document's bytes."}})
def document_route(request: Request, disclosure_id: str = DisclosureId,
                   actor: Actor = Depends(current_actor)) -> Response:
    """The sealed request document, unsealed for the officer who decides on it
    (`rights.decide`); the opening is logged. Served as an attachment of opaque bytes."""
    data, _ = request_document(get_yaksok(request), actor, disclosure_id, **_ctx(request))
    return Response(data, media_type="application/octet-stream", headers={
        **_NO_STORE, "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{disclosure_id}.bin"'})


@router.post("/disclosures/{disclosure_id}/approve",
             responses=problem_responses(401, 403, 404, 409, 422))
def approve_route(request: Request, body: DecisionIn | None = None,
                  disclosure_id: str = DisclosureId,
                  actor: Actor = Depends(current_actor)) -> JSONResponse:
    """The privacy officer approves a recorded disclosure (`rights.decide`)."""
    return _answer(approve_disclosure(get_yaksok(request), actor, disclosure_id,
                                      note=body.note if body else None,
                                      **_ctx(request)).to_dict())


@router.post("/disclosures/{disclosure_id}/reject",
             responses=problem_responses(401, 403, 404, 409, 422))
def reject_route(body: RejectIn, request: Request, disclosure_id: str = DisclosureId,
                 actor: Actor = Depends(current_actor)) -> JSONResponse:
    """The privacy officer rejects a recorded disclosure, with the reason."""
    return _answer(reject_disclosure(get_yaksok(request), actor, disclosure_id,
                                     note=body.note, **_ctx(request)).to_dict())


@router.post("/disclosures/{disclosure_id}/produce",
             responses=problem_responses(401, 403, 404, 422))
def produce_route(body: ProduceIn, request: Request, disclosure_id: str = DisclosureId,
                  actor: Actor = Depends(current_actor)) -> JSONResponse:
    """One member's values under an approved disclosure, within its scope; anything outside it
    is refused (`outside-disclosure-scope`) and logged."""
    out = produce(get_yaksok(request), actor, disclosure_id, body.member_id, body.categories,
                  since=body.since, until=body.until, **_ctx(request))
    return _answer(out.to_dict())


@router.post("/third-parties/provisions", status_code=201,
             responses=problem_responses(401, 403, 404, 422))
def provide_route(body: ProvisionIn, request: Request,
                  actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Provide a member's data to a third party the policy names, on the member's consent to
    an item naming it or a recorded legal basis (P9.1)."""
    p = provide(get_yaksok(request), actor, **body.model_dump(), **_ctx(request))
    return _answer(p.to_dict(with_values=True), 201)


@router.get("/third-parties/provisions", responses=problem_responses(401, 403, 422))
def provisions_route(request: Request, actor: Actor = Depends(current_actor),
                     member_id: str | None = Query(None, max_length=64, pattern=ONE_LINE)
                     ) -> JSONResponse:
    """The provisions recorded, newest first."""
    return _answer([p.to_dict() for p in list_provisions(get_yaksok(request), actor,
                                                         member_id=member_id,
                                                         **_ctx(request))])
