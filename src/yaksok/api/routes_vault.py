"""The vault over HTTP: collect, read, rectify, erase, look up, and record consents.

Who may do what is decided in the core (``yaksok.access``, docs/access.md), never here: an API
key's scopes map to purposes through the policy's ``api_scopes``, so an ``analytics`` key reading
for ``member_management`` gets a 403 problem with ``rule: actor-not-allowed``, and one writing a
payment record gets ``rule: no-purpose-for-category``. Every grant and every denial is in the
access log, with the client IP and the request id.

Members (``ym_...`` session tokens) act on their own data only (P12.3: a member changes their
information at any time); they read their own values for the purpose ``member_management`` by
default (their account page: the right of access in practice); a member token naming another
member's id is refused with 403 (``rule: not-own-data``) and the attempt is logged.

Identifiers (email, phone, SNS id) are normalised before they are stored or looked up, and kept
unique among active members (``yaksok.members.identifiers``). Values never travel in a URL:
``POST /lookup`` takes the value in the body.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import current_actor, get_yaksok
from yaksok.api.idempotency import idempotently
from yaksok.api.openapi import POLICY_KEYS
from yaksok.api.problems import problem_responses
from yaksok.api.routes_audit import ONE_LINE
from yaksok.api.routes_members import request_context
from yaksok.errors import ValidationError
from yaksok.members import identifiers
from yaksok.members.lookups import lookup_member, view_member

if TYPE_CHECKING:
    from yaksok.engine import Yaksok

__all__ = ["router"]

router = APIRouter(tags=["vault"], responses=problem_responses(401, 403, 404, 422))

_NO_STORE = {"Cache-Control": "no-store"}
#: What a member reads their own data for when no purpose is named.
MEMBER_READ_PURPOSE = "member_management"
MemberId = Path(min_length=1, max_length=64, pattern=ONE_LINE,
                description="The member's id (`m_...`).")


def _vault(request: Request):

    return get_yaksok(request).vault


# -- collect ---------------------------------------------------------------------------------


class ValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=128, examples=["user.device.device_id"])
    value: str = Field(min_length=1, max_length=65536)
    channel: str = Field(min_length=1, max_length=32, examples=["collection_tool"])
    flow: str | None = Field(None, max_length=32, examples=["login"])
    purpose: str | None = Field(None, max_length=64,
                                description="The purpose it is collected for (default: the "
                                            "first purpose the caller acts for that lists the "
                                            "category).")
    task: str | None = Field(None, max_length=64, description="Processor staff's task.")
    country: str | None = Field(None, max_length=8,
                                description="Reads a national phone number (default: the "
                                            "member's jurisdiction, else KR).")


class BatchItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=128)
    value: str = Field(min_length=1, max_length=65536)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BatchItemIn] = Field(min_length=1, max_length=1000)
    channel: str = Field("collection_tool", min_length=1, max_length=32)
    flow: str | None = Field(None, max_length=32)
    purpose: str | None = Field(None, max_length=64)
    task: str | None = Field(None, max_length=64, description="Processor staff's task.")


class CollectedOut(BaseModel):
    value_ids: list[str]


@router.post("/members/{member_id}/values", response_model=CollectedOut, status_code=201,
             responses=problem_responses(409))
def collect_value(body: ValueIn, request: Request, member_id: str = MemberId,
                  actor: Actor = Depends(current_actor)) -> CollectedOut:
    """Collect one value: the caller must act for a purpose listing the category (a member:
    their own data, not automatic categories; docs/access.md), the policy must declare the
    category, channel and flow (P1.13), and an optional category needs the member's consent
    (P1.9-P1.12). With an `Idempotency-Key` header, a retry answers as the first call did and
    stores nothing twice."""
    def write(claim) -> CollectedOut:
        return CollectedOut(value_ids=identifiers.collect_values(
            get_yaksok(request), member_id, [(body.category, body.value)], actor=actor,
            channel=body.channel, flow=body.flow, purpose=body.purpose, task=body.task,
            country=body.country, idempotency=claim, **request_context(request)))

    return idempotently(request, caller=actor.id, operation="collect",
                        body={"member_id": member_id, **body.model_dump(mode="json")},
                        write=write, answer=lambda result: result)


@router.post("/members/{member_id}/values/batch", response_model=CollectedOut, status_code=201,
             responses=problem_responses(409))
def collect_batch(body: BatchIn, request: Request, member_id: str = MemberId,
                  actor: Actor = Depends(current_actor)) -> CollectedOut:
    """Collect many values of one member at once (automatic collection: device, log, usage and
    payment data, P1.4-P1.8); all or nothing, one access-log entry per purpose. Takes an
    `Idempotency-Key` header like a single collection."""
    def write(claim) -> CollectedOut:
        return CollectedOut(value_ids=identifiers.collect_values(
            get_yaksok(request), member_id, [(i.category, i.value) for i in body.items],
            actor=actor, channel=body.channel, flow=body.flow, purpose=body.purpose,
            task=body.task, idempotency=claim, **request_context(request)))

    return idempotently(request, caller=actor.id, operation="collect-batch",
                        body={"member_id": member_id, **body.model_dump(mode="json")},
                        write=write, answer=lambda result: result)


# -- read ------------------------------------------------------------------------------------


class ValueOut(BaseModel):
    id: str
    value: str
    channel: str
    flow: str | None
    collected_at: dt.datetime
    updated_at: dt.datetime


class ValuesOut(BaseModel):
    member_id: str
    purpose: str
    values: dict[str, list[ValueOut]]


@router.get("/members/{member_id}/values", response_model=ValuesOut)
def read_values(
    request: Request,
    member_id: str = MemberId,
    categories: str = Query(min_length=1, max_length=4096,
                            description="Comma-separated category keys.",
                            examples=["user.contact.email,user.contact.phone_number"]),
    purpose: str | None = Query(None, max_length=64,
                                description="Why the values are read (a policy purpose). "
                                            "Required for API keys; members default to "
                                            "member_management."),
    task: str | None = Query(None, max_length=64, description="Processor staff's task."),
    actor: Actor = Depends(current_actor),
) -> JSONResponse:
    """Read a member's values for a purpose; refused unless the policy, the member's consents,
    restrictions and objections, and the caller's scopes all allow it (403 with `rule`)."""
    if purpose is None:
        if actor.kind != "member":
            raise ValidationError("name the purpose of the read", field="purpose",
                                  fix="add the query parameter purpose, naming a purpose of the policy")
        purpose = MEMBER_READ_PURPOSE
    cats = [c.strip() for c in categories.split(",") if c.strip()]
    found = _vault(request).read(member_id, cats, purpose, actor=actor, task=task,
                                 **request_context(request))
    body = ValuesOut(member_id=member_id, purpose=purpose, values={
        cat: [ValueOut(id=v.id, value=v.value, channel=v.channel, flow=v.flow,
                       collected_at=v.collected_at, updated_at=v.updated_at) for v in values]
        for cat, values in found.items()})
    return JSONResponse(body.model_dump(mode="json"), headers=_NO_STORE)


class ViewSectionOut(BaseModel):
    purpose: str
    values: dict[str, list[ValueOut]] = Field(
        description="Every category granted for the purpose, in the policy's order; an empty "
                    "list: the member holds none.")


class ViewOut(BaseModel):
    member_id: str
    status: str
    jurisdiction: str
    purpose: str | None
    task: str | None
    sections: list[ViewSectionOut]


@router.get("/members/{member_id}/view", response_model=ViewOut)
def view_values(
    request: Request,
    member_id: str = MemberId,
    purpose: str | None = Query(None, max_length=64,
                                description="Why the member is looked at (a policy purpose); "
                                            "processor staff may leave it out to see their "
                                            "task's purposes."),
    task: str | None = Query(None, max_length=64, description="Processor staff's task."),
    actor: Actor = Depends(current_actor),
) -> JSONResponse:
    """A member as the caller may see them for one purpose (or through one processor task):
    status, jurisdiction and every category the core lets the caller read for it, with the
    values; every read decided and logged on each call. Example:
    `GET /members/m_8c1f.../view?purpose=member_management`"""
    view = view_member(get_yaksok(request), member_id, actor=actor, purpose=purpose,
                       task=task, **request_context(request))
    body = ViewOut(member_id=view.member_id, status=view.status,
                   jurisdiction=view.jurisdiction, purpose=view.purpose, task=view.task,
                   sections=[ViewSectionOut(purpose=key, values={
                       cat: [ValueOut(id=v.id, value=v.value, channel=v.channel, flow=v.flow,
                                      collected_at=v.collected_at, updated_at=v.updated_at)
                             for v in values] for cat, values in found.items()})
                       for key, found in view.sections])
    return JSONResponse(body.model_dump(mode="json"), headers=_NO_STORE)


# -- rectify ---------------------------------------------------------------------------------


class RectifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=65536)
    channel: str = Field("app", min_length=1, max_length=32)
    country: str | None = Field(None, max_length=8)
    task: str | None = Field(None, max_length=64, description="Processor staff's task.")


class RectifiedOut(BaseModel):
    value_id: str
    category: str


@router.put("/members/{member_id}/values/{value_id}", response_model=RectifiedOut,
            responses=problem_responses(409))
def rectify_value(body: RectifyIn, request: Request, member_id: str = MemberId,
                  value_id: str = Path(min_length=1, max_length=64),
                  actor: Actor = Depends(current_actor)) -> RectifiedOut:
    """Correct one value (P6.2, P12.3); the old value is destroyed, not kept."""
    done, category = identifiers.rectify_value(get_yaksok(request), member_id, value_id, body.value,
                                   actor=actor, channel=body.channel, task=body.task,
                                   country=body.country, **request_context(request))
    return RectifiedOut(value_id=done, category=category)


# -- erase -----------------------------------------------------------------------------------


class ErasedOut(BaseModel):
    member_id: str
    erased_at: dt.datetime
    purge: Literal["scheduled"] = "scheduled"


def _purge(yk: Yaksok) -> None:

    yk.vault.purge_erased()


@router.delete("/members/{member_id}", response_model=ErasedOut, status_code=202,
               responses=problem_responses(409))
def erase(request: Request, background: BackgroundTasks, member_id: str = MemberId,
          actor: Actor = Depends(current_actor)) -> ErasedOut:
    """Erase a member by crypto-shredding: from this response on nothing of theirs can be
    decrypted; the leftover rows are deleted in the background (``purge_erased``). The
    member themself, an API key acting for members or the privacy officer (docs/access.md).
    For a member's 탈퇴 use `POST /me/close`: the same erasure as a verified request, with the
    closure receipt and the farewell email; this call gives neither."""
    done = _vault(request).erase_member(member_id, actor=actor, **request_context(request))
    background.add_task(_purge, get_yaksok(request))
    return ErasedOut(member_id=done.member_id, erased_at=done.erased_at)


# -- lookup ----------------------------------------------------------------------------------


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=128, examples=["user.contact.email"])
    value: str = Field(min_length=1, max_length=512)
    purpose: str = Field("member_management", max_length=64)
    task: str | None = Field(None, max_length=64,
                             description="Processor staff's task; it must cover the "
                                         "identifier's category.")
    country: str | None = Field(None, max_length=8,
                                description="Reads a national phone number (default KR).")


class LookupOut(BaseModel):
    member_id: str | None = Field(description="The member holding the value, or null.")


@router.post("/lookup", response_model=LookupOut, responses=problem_responses(429))
def lookup(body: LookupIn, request: Request,
           actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Find the member holding an email, mobile number or SNS id (`provider:uid`), through the
    blind index. POST, so the value never lands in a URL or a server log. Rate-limited per
    caller and per client address (429 with `Retry-After`)."""
    member_id = lookup_member(get_yaksok(request), body.category, body.value, actor=actor,
                              purpose=body.purpose, task=body.task, country=body.country,
                              **request_context(request))
    return JSONResponse(LookupOut(member_id=member_id).model_dump(), headers=_NO_STORE)


# -- consents --------------------------------------------------------------------------------


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["give", "refuse", "withdraw"]
    notice_text: str | None = Field(
        None, max_length=20000, description="The exact notice text shown to the member (only "
                                            "its SHA-256 is kept); default: the consent item's "
                                            "description in `lang` from the policy in force.")
    lang: Literal["ko", "en"] = "ko"
    channel: str = Field("app", min_length=1, max_length=32)
    given_by: Literal["member", "legal_guardian", "authorised_agent"] = Field(
        "member", description="Who answered: the member, a legal guardian or an authorised agent.")
    given_by_ref: str | None = Field(
        None, max_length=64, description="For a guardian or agent: a reference id of the "
                                         "verified mandate (never a name).")


class ConsentOut(BaseModel):
    event_id: int
    consent: str
    action: str
    policy_version: str
    consents: list[str] = Field(description="The consent items in force after this event.")


@router.post("/members/{member_id}/consents/{item}", response_model=ConsentOut,
             status_code=201, responses=problem_responses(409))
def record_consent(body: ConsentIn, request: Request, member_id: str = MemberId,
                   item: str = Path(min_length=1, max_length=64,
                                    json_schema_extra={POLICY_KEYS: "consents"},
                                    description="A consent item of the policy in force."),
                   actor: Actor = Depends(current_actor)) -> ConsentOut:
    """Give, refuse or withdraw a consent item; a withdrawal stops the purposes that need it at
    once. Members act for themselves; API keys relay what the member chose in the app; the
    privacy officer records a consent given in writing (docs/access.md)."""
    yk = get_yaksok(request)
    published = yk.published
    consent = published.policy.consent(item)
    if consent is None:
        raise ValidationError("the policy has no such consent item", field="item",
                              fix="use one of: " + ", ".join(c.key for c in
                                                             published.policy.consents))
    text = body.notice_text or consent.description.get(body.lang)
    v = _vault(request)
    method = {"give": v.give_consent, "refuse": v.refuse_consent,
              "withdraw": v.withdraw_consent}[body.action]
    event_id = method(member_id, item, notice_text=text, channel=body.channel, actor=actor,
                      given_by=body.given_by, given_by_ref=body.given_by_ref, language=body.lang,
                      **request_context(request))
    return ConsentOut(event_id=event_id, consent=item, action=body.action,
                      policy_version=published.version,
                      consents=sorted(v.effective_consents(member_id)))
