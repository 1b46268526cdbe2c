"""Members: sign-up (public), login and logout, and "who am I" for a member session.

``POST /members`` is public: anyone may ask to become a member, and the age gate, the password
rules and the policy decide (``yaksok.members.signup``). A refused sign-up of someone under the
minimum age is a 403 problem with ``rule: under-minimum-age`` and nothing is stored (P8.1).
Tokens (``ym_...``) are returned once, with ``Cache-Control: no-store``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import authorized, bearer, get_yaksok
from yaksok.api.idempotency import idempotently
from yaksok.api.problems import problem_responses, request_id_of
from yaksok.api.routes_audit import client_ip, history_response
from yaksok.errors import ValidationError
from yaksok.members.sessions import login_member, logout_member, session_seconds
from yaksok.members.signup import refused_items, sign_up
from yaksok.members.verify_email import email_verified

__all__ = ["router"]

router = APIRouter(tags=["members"])

_NO_STORE = {"Cache-Control": "no-store"}


class SnsAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str = Field(min_length=1, max_length=32, examples=["kakao"])
    uid: str = Field(min_length=1, max_length=128,
                     description="The user id the provider returned at sign-in.")
    nickname: str = Field(min_length=1, max_length=64)


class SignUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320, description="The login ID.")
    password: str = Field(min_length=1, max_length=256)
    phone: str = Field(min_length=1, max_length=64, description="A mobile number.")
    sns_accounts: list[SnsAccountIn] = Field(default=[], max_length=10)
    birth_date: dt.date | None = Field(
        None, description="Checked against the minimum age; kept only with the sns_sign_in "
                          "consent, otherwise discarded.")
    declared_age: int | None = Field(None, ge=0, le=150,
                                     description="Used when no birth date is given.")
    country: str = Field("KR", min_length=2, max_length=8,
                         description="Where the member signs up from (ISO 3166): KR, DE, US-CA…")
    consents: list[str] = Field(default=[], max_length=20,
                                description="Consent items given on the sign-up form.")
    notice_texts: dict[Annotated[str, Field(max_length=64)],
                       Annotated[str, Field(max_length=20000)]] | None = Field(
        None, max_length=20, description="The exact notice text shown per consent item "
        "(default: the item's description in `lang`; at most 20,000 characters each); only its "
        "SHA-256 is kept.")
    refused: list[str] | None = Field(
        None, max_length=20,
        description="Optional consent items the form showed and the member left unticked; each "
        "is recorded as refused (evidence that refusing was offered). Leave it out to record "
        "every consent item not given as refused; send [] to record none.")
    name: str | None = Field(None, min_length=1, max_length=100,
                             description="The real name (이름), when the policy declares it for "
                             "sign-up (same as `values[\"user.name\"]`).")
    values: dict[Annotated[str, Field(min_length=1, max_length=64)],
                 Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default={}, max_length=20,
        description="Other values the form asked, by category key (e.g. "
        "`user.demographic.gender`). Only categories the policy declares for sign-up: in the "
        "flow `sign_up`, or in the flow `sns_sign_in` under a consent given here "
        "(`GET /policy?format=json` lists the flows).")
    lang: Literal["ko", "en"] = "ko"
    channel: str = Field("app", max_length=32)


class SignUpOut(BaseModel):
    member_id: str
    jurisdiction: str
    consents: list[str] = Field(description="The consent items given.")
    refused: list[str] = Field(description="The consent items recorded as refused.")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class LoginOut(BaseModel):
    token: str
    member_id: str
    expires_at: dt.datetime


class MeOut(BaseModel):
    id: str
    jurisdiction: str
    status: str
    age_verified_min: int | None
    created_at: dt.datetime
    consents: list[str] = Field(description="The consent items in force now.")
    email_verified: bool = Field(description="Whether the email address on file, as it is now, "
                                             "was confirmed by an emailed link (POST "
                                             "/me/email-verification).")


def request_context(request: Request) -> dict:
    """The client IP and request id the vault writes to the access log."""
    return {"ip": client_ip(request), "request_id": request_id_of(request)}


@router.post("/members", response_model=SignUpOut, status_code=201,
             responses=problem_responses(403, 409, 422, 429))
def post_member(body: SignUpIn, request: Request, response: Response) -> SignUpOut:
    """Sign up: age gate, password rules, email/phone/SNS accounts (no token: log in next).
    With an `Idempotency-Key` header, a retry answers with the same member and creates none.

    Example body: `{"email": "kim@example.com", "password": "…", "phone": "010-1234-5678",
    "birth_date": "2001-04-05", "name": "김민준", "sns_accounts": [{"provider": "kakao",
    "uid": "123", "nickname": "노래하는민준"}], "consents": ["sns_sign_in"],
    "refused": ["customised_ads", "user_analysis"]}`

    Required items rest on the contract (필수: no consent is asked for them); optional consent
    items are given in `consents` and refused in `refused`, both recorded as evidence.
    docs/signup.md maps a Korean sign-up form onto this body, field by field.
    """
    yk = get_yaksok(request)

    def write(claim) -> SignUpOut:
        values = dict(body.values)
        if body.name is not None:
            if "user.name" in values:
                raise ValidationError("the name is given twice", field="name",
                                      fix="send it as name or in values, not both")
            values["user.name"] = body.name
        member_id = sign_up(
            yk, email=body.email, password=body.password, phone=body.phone,
            sns_accounts=[a.model_dump() for a in body.sns_accounts], birth_date=body.birth_date,
            declared_age=body.declared_age, country=body.country, consents=body.consents,
            notice_texts=body.notice_texts, lang=body.lang, channel=body.channel,
            values=values, refused=body.refused, idempotency=claim, **request_context(request))
        given = list(dict.fromkeys(body.consents))
        return SignUpOut(member_id=member_id, jurisdiction=yk.vault.member_row(member_id)[1],
                         consents=given, refused=list(refused_items(
                             yk.policy, given, body.refused, None, body.lang)))

    response.headers.update(_NO_STORE)
    return idempotently(request, caller="sign-up", operation="sign-up",
                        body=body.model_dump(mode="json"), write=write,
                        answer=lambda result: result)


@router.post("/members/login", response_model=LoginOut,
             responses=problem_responses(401, 422, 429))
def post_member_login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    """Start a member session; the token goes in `Authorization: Bearer ym_...` from then on."""
    yk = get_yaksok(request)
    now = dt.datetime.now(dt.UTC)
    seconds = session_seconds(yk.settings)
    actor, token = login_member(yk, body.email, body.password, now=now, seconds=seconds,
                                **request_context(request))
    request.state.actor = actor
    response.headers.update(_NO_STORE)
    return LoginOut(token=token, member_id=actor.id,
                    expires_at=now + dt.timedelta(seconds=seconds))


@router.post("/members/logout", status_code=204, responses=problem_responses(401, 403))
def post_member_logout(
    request: Request,
    actor: Actor = Depends(authorized("own_account")),
    creds: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> Response:
    """End the member session whose token made this request."""
    logout_member(get_yaksok(request), creds.credentials.strip() if creds else "")
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, responses=problem_responses(401, 403))
def get_me(request: Request, actor: Actor = Depends(authorized("own_account"))) -> JSONResponse:
    """The signed-in member: id, jurisdiction, status, the consent items in force, and whether
    the email address is verified."""
    yk = get_yaksok(request)
    me = yk.vault.member_info(actor.id)
    consents = sorted(yk.vault.effective_consents(actor.id))
    body = MeOut(id=me.id, jurisdiction=me.jurisdiction, status=me.status,
                 age_verified_min=me.age_verified_min, created_at=me.created_at,
                 consents=consents, email_verified=email_verified(yk, actor.id))
    return JSONResponse(body.model_dump(mode="json"), headers=_NO_STORE)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=256,
                          description="The account password: 탈퇴 is confirmed by it.")
    lang: Literal["ko", "en"] = Field("ko", description="The language of the farewell email.")


@router.post("/me/close", responses={202: {"description": "Verified; waits for the privacy "
                                                          "officer (the policy does not allow "
                                                          "self-service closure)."},
                                     **problem_responses(401, 403, 409, 422, 429)})
def post_me_close(body: CloseIn, request: Request,
                  actor: Actor = Depends(authorized("own_account"))) -> JSONResponse:
    """Close my account (탈퇴): an erasure request confirmed by the password and, when the policy
    allows self-service closure (`self_service.carry_out` lists `closure`, the default),
    carried out at once. The answer is the closure receipt: what was destroyed, and what other
    laws make us keep (record kind, count, until when, the law) — kept apart, used for nothing
    else; the farewell email goes out to the address on file (it repeats the receipt, so a
    lost answer loses nothing: the session ends with the account). A wrong password erases
    nothing (401) and leaves no request open."""
    from yaksok.rights.selfservice import close_account

    done = close_account(get_yaksok(request), actor.id, body.password, actor=actor,
                         lang=body.lang, ip=client_ip(request))
    return JSONResponse(done.to_dict(), status_code=200 if done.receipt else 202,
                        headers=_NO_STORE)


@router.get("/me/access-history", responses=problem_responses(401, 403))
def get_my_access_history(
    request: Request,
    lang: Literal["ko", "en"] = "ko",
    limit: int | None = Query(None, ge=1, le=10_000, description="Only the newest this many."),
    actor: Actor = Depends(authorized("own_account")),
) -> JSONResponse:
    """Who saw my data: the signed-in member's own access history (P6.1)."""
    return history_response(request, actor, actor.id, lang=lang, limit=limit, purpose=None)


@router.get("/me/consents/proof", responses=problem_responses(401, 403))
def get_my_consent_proof(request: Request, actor: Actor = Depends(authorized("own_account"))
                         ) -> JSONResponse:
    """Proof of my consents: for every answer, the notice shown (text and SHA-256), when, under
    which policy version, through which channel, what was answered and by whom."""
    from yaksok.consent.proof import consent_proof

    return JSONResponse(consent_proof(get_yaksok(request), actor.id, actor=actor,
                                      **request_context(request)), headers=_NO_STORE)
