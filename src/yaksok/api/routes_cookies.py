"""Cookie consent over REST: the banner script, its configuration, and each device's choice.

All of these are public: a visitor who is not logged in must be able to refuse cookies. A choice
is stored under the random device id the banner made; when the request also carries a member's
session token (``Authorization: Bearer ym_...``), the choice is linked to that member. Any other
bearer secret is refused rather than ignored, so a mistake is visible.

The GPC signal is read from the request (``Sec-GPC`` exactly ``"1"``, any of several fields) and
from what the page reports (``gpc`` in the body or query: ``navigator.globalPrivacyControl``).
Nothing about the request itself (IP address, user agent) is stored. See docs/cookies.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from importlib import resources
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from yaksok.api.auth import authorized, current_actor, get_yaksok
from yaksok.api.problems import problem_responses
from yaksok.consent.cookies import (
    DEVICE_ID_RE,
    ChoiceWriter,
    CookieChoice,
    banner_config,
    current_choice,
    effective_choice,
    gpc_signal,
    gpc_support,
    prepare_choice,
)
from yaksok.errors import AuthenticationFailed

__all__ = ["router"]

router = APIRouter(tags=["cookies"])

_DEVICE_PATTERN = DEVICE_ID_RE.pattern
#: Responses that depend on the GPC header must not be shared across requests without it.
_VARY = "Sec-GPC"


@cache
def banner_script() -> tuple[bytes, str]:
    """The banner's bytes and their strong ETag (read once per process)."""
    body = (resources.files("yaksok") / "web" / "static" / "banner.js").read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def request_gpc(request: Request, reported: bool = False) -> bool:
    """Whether this request carries GPC: a ``Sec-GPC: 1`` field, or the page reported it."""
    return reported or gpc_signal(request.headers.getlist("sec-gpc"))


async def optional_member(request: Request) -> str | None:
    """The member id of the session token sent, or None when no token is sent.

    Read from the header here rather than through ``Depends(bearer)``: this is the hottest
    route of the API and the common case (no token) should cost one dict lookup.
    """
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise AuthenticationFailed("the Authorization header is not a bearer token",
                                   field="Authorization",
                                   fix="send `Authorization: Bearer ym_...` or no header")
    creds = HTTPAuthorizationCredentials(scheme="Bearer", credentials=secret.strip())
    # The token lookup reads the database: in the thread pool, like any sync route.
    actor = await run_in_threadpool(current_actor, request, creds)  # 401 for a bad token
    # Only a member's own session links a cookie choice (yaksok.access: own_account).
    await run_in_threadpool(authorized("own_account"), request, actor)
    return actor.id


# -- models ------------------------------------------------------------------------------------


class Label(BaseModel):
    ko: str
    en: str


class CategoryOut(BaseModel):
    key: str
    label: Label
    description: Label
    uses: list[Label]
    consent: Literal["not_needed", "opt_in"]
    needs_consent: bool


class ConfigOut(BaseModel):
    policy_version: str
    gpc: bool = Field(description="Whether this request carried a GPC signal (`Sec-GPC: 1`).")
    service: Label
    categories: list[CategoryOut]
    choices: list[str]
    defaults: dict[str, bool]


class ChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(pattern=_DEVICE_PATTERN,
                           description="The random id the banner keeps in `yaksok_device`.")
    choices: dict[str, StrictBool] = Field(
        description="Category key to true/false. An opt-in category left out is refused; "
                    "strictly necessary categories cannot be false.")
    gpc: StrictBool = Field(False, description="`navigator.globalPrivacyControl` was true.")
    lang: Literal["ko", "en"] = Field("ko", description="The banner's language.")


class ChoiceOut(BaseModel):
    device_id: str
    choices: dict[str, bool]
    gpc: bool
    policy_version: str
    lang: str
    at: dt.datetime
    member_linked: bool


class CurrentOut(BaseModel):
    device_id: str
    decided: bool = Field(description="False: the banner must ask (no choice, GPC arrived "
                                      "after it, or the policy has a new category).")
    reason: Literal["none", "recorded", "gpc", "policy_changed"]
    gpc: bool
    choices: dict[str, bool] = Field(description="What applies now.")
    recorded: ChoiceOut | None


class GpcSupport(BaseModel):
    gpc: bool
    lastUpdate: str  # noqa: N815 - the name the GPC specification gives it


def _out(choice: CookieChoice) -> ChoiceOut:
    return ChoiceOut(device_id=choice.device_id, choices=choice.choices, gpc=choice.gpc,
                     policy_version=choice.policy_version, lang=choice.banner_language,
                     at=choice.at, member_linked=choice.member_id is not None)


_PRIVATE = {"Cache-Control": "no-store", "Vary": _VARY}

# -- routes ------------------------------------------------------------------------------------


@router.get("/consent/banner.js", response_class=Response,
            responses={200: {"content": {"application/javascript": {}}}})
def banner_js(request: Request) -> Response:
    """The cookie banner: include it with `<script src="/consent/banner.js" data-lang="ko">`."""
    body, etag = banner_script()
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600",
               "X-Content-Type-Options": "nosniff"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/javascript; charset=utf-8", headers=headers)


@router.get("/consent/config", response_model=ConfigOut)
def consent_config(request: Request, response: Response) -> dict:
    """The cookie categories of the policy in force, and whether this request carries GPC."""
    published = get_yaksok(request).published
    response.headers.update({"Cache-Control": "no-cache", "Vary": _VARY})
    return banner_config(published.policy, version=published.version, gpc=request_gpc(request))


@router.get("/consent/choice", response_model=CurrentOut, responses=problem_responses(422))
def get_choice(
    request: Request,
    response: Response,
    device_id: str = Query(pattern=_DEVICE_PATTERN, description="The banner's device id."),
    gpc: bool = Query(False, description="`navigator.globalPrivacyControl` is true."),
) -> CurrentOut:
    """What applies to this device now; `decided: false` means the banner must ask."""
    yk = get_yaksok(request)
    signal = request_gpc(request, gpc)
    eff = effective_choice(yk.policy, current_choice(yk, device_id), signal)
    response.headers.update(_PRIVATE)
    return CurrentOut(device_id=device_id, decided=eff.decided, reason=eff.reason, gpc=signal,
                      choices=eff.choices,
                      recorded=_out(eff.recorded) if eff.recorded is not None else None)


def _writer(request: Request) -> ChoiceWriter:
    state = request.app.state
    writer = getattr(state, "cookie_writer", None)
    if writer is None:  # created on the event loop: no two requests can race here
        writer = state.cookie_writer = ChoiceWriter(get_yaksok(request).engine)
    return writer


@router.post("/consent/choice", response_model=ChoiceOut, status_code=201,
             responses=problem_responses(401, 403, 422, 503),
             openapi_extra={"security": [{}, {"HTTPBearer": []}]})
async def post_choice(body: ChoiceIn, request: Request) -> Response:
    """Record this device's choice; with `Authorization: Bearer ym_...` it is linked to that
    member (any other bearer secret is refused).

    The answer comes once the choice is committed; the event loop never waits for the database
    (``ChoiceWriter``).
    """
    member_id = await optional_member(request)
    choice = prepare_choice(get_yaksok(request), body.device_id, body.choices,
                            gpc=request_gpc(request, body.gpc), member_id=member_id,
                            lang=body.lang)
    await _writer(request).write(choice)
    out = _out(choice).model_dump(mode="json")
    return JSONResponse(out, status_code=201, headers=_PRIVATE)


@router.get("/.well-known/gpc.json", response_model=GpcSupport)
def gpc_json(request: Request) -> JSONResponse:
    """The GPC support resource: this site abides by Global Privacy Control."""
    doc = gpc_support(get_yaksok(request).published.effective_date)
    return JSONResponse(doc, media_type="application/json",
                        headers={"Cache-Control": "public, max-age=86400"})
