"""The Data Rights Protocol endpoints (DRP 1.0, requests of 0.9.4 too), over
``yaksok.rights.drp``; docs/rights.md "Data Rights Protocol".

- ``GET /.well-known/data-rights.json``            discovery (public)
- ``POST /v1/agent/{agent_id}``                     pair-wise key setup (signed; bare 403)
- ``GET /v1/agent/{agent_id}``                      is my token still good
- ``POST /v1/data-rights-request``                  exercise a right (signed, text/plain)
- ``GET /v1/data-rights-request/{request_id}``      status
- ``DELETE /v1/data-rights-request/{request_id}``   revoke (signed)
- ``/drp/verify/{request_id}``                      the member confirms with a one-time code

An agent authenticates with its pair-wise token (``Authorization: Bearer yd_...``), not with our
API keys. Errors of these routes take DRP 3.06's shape (``code``, ``message``, ``fatal``), with the
RFC 9457 members beside them so our own clients read them as everywhere else; the status comes
from ``problems.status_for``, the one mapping.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict

from yaksok.api.auth import get_yaksok
from yaksok.api.problems import error_headers, request_id_of, status_for
from yaksok.api.routes_audit import client_ip
from yaksok.errors import ValidationError, YaksokError

__all__ = ["router"]

_NO_STORE = {"Cache-Control": "no-store"}


def drp_error(request: Request, exc: YaksokError) -> JSONResponse:
    """DRP 3.06's error body (``code`` as a string, ``message``, ``fatal``) plus RFC 9457's."""
    status, title = status_for(exc)
    fatal = bool(getattr(exc, "fatal", False))
    body = {"code": str(status), "message": str(exc), "fatal": fatal,
            "type": f"/problems/{exc.code}", "title": title, "status": status,
            "detail": exc.message, "instance": request.url.path}
    if exc.field:
        body["field"] = exc.field
    if exc.fix:
        body["fix"] = exc.fix
    rid = request_id_of(request)
    if rid:
        # Not ``request_id``: that is the name of a DRP status object's field, and a client
        # testing for it would take this error for a created request.
        body["trace_id"] = rid
    return JSONResponse(body, status_code=status, headers=error_headers(exc, status))


def _answering(doc: str, answer: Callable[[Request, YaksokError], Response]) -> type[APIRoute]:
    """A route class whose domain errors are answered by ``answer`` instead of the app's
    problem JSON (each DRP surface has its own error shape)."""

    class ErrorShapedRoute(APIRoute):
        __doc__ = doc

        def get_route_handler(self) -> Callable:
            handler = super().get_route_handler()

            async def route(request: Request) -> Response:
                try:
                    return await handler(request)
                except YaksokError as exc:
                    return answer(request, exc)

            return route

    return ErrorShapedRoute


def _error_page(request: Request, exc: YaksokError) -> Response:
    status, _title = status_for(exc)
    page = _page(f"<h1>{status}</h1><p>{html.escape(str(exc))}</p>", status)
    page.headers.update(error_headers(exc, status) or {})
    return page


DrpRoute = _answering("A route whose domain errors are answered in DRP's error shape.",
                      drp_error)
PageRoute = _answering("A page a member opens in a browser: errors are a short HTML page, not "
                       "JSON.", _error_page)
KeySetupRoute = _answering("DRP 2.05.1: a key-setup request that fails validation gets 403 with "
                           "no body.", lambda request, exc: Response(status_code=403))


def _drp_limit(request: Request) -> None:
    """Every DRP call counts against its client address (``yaksok.throttle``: drp-address)."""
    get_yaksok(request).throttle.hit("drp-address", client_ip(request),
                                     message="too many Data Rights Protocol calls from this "
                                             "address")


class DrpError(BaseModel):
    """DRP 3.06's error body beside RFC 9457's members (``drp_error``), for /openapi.json."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    fatal: bool
    type: str
    title: str
    status: int
    detail: str
    instance: str
    field: str | None = None
    fix: str | None = None
    trace_id: str | None = None


#: The agent's pair-wise token, for /openapi.json: the routes read it themselves (``_token``),
#: since a missing or wrong one is an error in DRP's shape, not the app's 401.
agent_token = HTTPBearer(auto_error=False, scheme_name="DrpAgentToken",
                         description="The agent's pair-wise token (`yd_...`) from "
                                     "`POST /v1/agent/{agent_id}`.")
#: A signed message: ``base64(signature || JSON)`` (DRP 2.01), for /openapi.json: the routes
#: read the raw body.
_SIGNED = {"requestBody": {"required": True, "description": "base64(Ed25519 signature || JSON)",
                           "content": {"text/plain": {"schema": {"type": "string"}}}}}

router = APIRouter(tags=["data rights protocol"], route_class=DrpRoute,
                   dependencies=[Depends(_drp_limit)],
                   responses={status: {"model": DrpError, "description": HTTPStatus(status).phrase}
                              for status in (401, 403, 404, 409, 422, 429, 503)})


def _token(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _base(request: Request) -> str:
    """Where links start: the configured public address, never the request's Host header
    (which anyone can set: ``http://evil.example/drp/verify/...``)."""
    return get_yaksok(request).settings.effective_public_url


def _push_later(request: Request, background: BackgroundTasks, drp_id: str) -> None:
    """After the response: tell the agent's ``status_callback`` the new status (DRP 2.03)."""
    from yaksok.rights.drp import push_status

    background.add_task(push_status, get_yaksok(request), drp_id, base_url=_base(request))


@router.get("/.well-known/data-rights.json")
def discovery_route(request: Request) -> JSONResponse:
    """What this covered business supports (DRP 3.05.2 business entry)."""
    from yaksok.rights.drp import discovery

    return JSONResponse(discovery(get_yaksok(request), _base(request)))


async def key_setup_route(agent_id: str, request: Request) -> JSONResponse:
    """Exchange a signed message for the agent's pair-wise bearer token (shown once)."""
    from yaksok.rights.drp import setup_agent

    agent, token = setup_agent(get_yaksok(request), agent_id, await request.body())
    return JSONResponse({"agent-id": agent.id, "token": token}, headers=_NO_STORE)


router.add_api_route("/v1/agent/{agent_id}", key_setup_route, methods=["POST"],
                     route_class_override=KeySetupRoute, openapi_extra=_SIGNED,
                     responses={403: {"description": "The key-setup request failed "
                                                     "validation (no body, DRP 2.05.1)",
                                      "x-no-content": True}})


# No security scheme in /openapi.json: without a valid token this is DRP 2.06.1's 403, not a 401.
@router.get("/v1/agent/{agent_id}")
def agent_info_route(agent_id: str, request: Request) -> JSONResponse:
    """``{}`` while the bearer token is the agent's valid token (DRP 2.06)."""
    from yaksok.rights.drp import agent_info

    return JSONResponse(agent_info(get_yaksok(request), _token(request), agent_id))


@router.post("/v1/data-rights-request", dependencies=[Depends(agent_token)],
             openapi_extra=_SIGNED)
@router.post("/v1/data-rights-request/", include_in_schema=False)  # before 0.9.3
async def exercise_route(request: Request, background: BackgroundTasks) -> JSONResponse:
    """Exercise a right: ``base64(signature || JSON)`` as text/plain (DRP 2.01)."""
    from yaksok.rights.drp import exercise

    status = exercise(get_yaksok(request), _token(request), await request.body(),
                      base_url=_base(request), ip=client_ip(request))
    _push_later(request, background, status["request_id"])
    return JSONResponse(status, headers=_NO_STORE)


@router.get("/v1/data-rights-request/{request_id}", dependencies=[Depends(agent_token)])
def status_route(request_id: str, request: Request) -> JSONResponse:
    """The request's status (DRP 3.03); 403 if another agent manages it."""
    from yaksok.rights.drp import status_for_agent

    return JSONResponse(status_for_agent(get_yaksok(request), _token(request), request_id,
                                         base_url=_base(request)), headers=_NO_STORE)


@router.delete("/v1/data-rights-request/{request_id}", dependencies=[Depends(agent_token)],
                openapi_extra=_SIGNED)
async def revoke_route(request_id: str, request: Request,
                       background: BackgroundTasks) -> JSONResponse:
    """Revoke an open or in-progress request (signed body with an optional ``reason``)."""
    from yaksok.rights.drp import revoke

    status = revoke(get_yaksok(request), _token(request), request_id, await request.body(),
                    base_url=_base(request), ip=client_ip(request))
    _push_later(request, background, request_id)
    return JSONResponse(status, headers=_NO_STORE)


# -- the member's confirmation (need_user_verification) -----------------------------------------

_PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>SOMESING</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>{body}</main></body></html>"""


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status_code=status,
                        headers={**_NO_STORE, "Referrer-Policy": "no-referrer"})


async def _form(request: Request) -> dict[str, str]:
    raw = (await request.body())[:4096].decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(raw).items() if v}


def _check_same_request(request_id: str, given: str | None) -> None:
    # DRP 3.02.1: the agent appends request_id; it must name the request of this URL.
    if given is not None and given != request_id:
        raise ValidationError("does not name the request of this page", field="request_id",
                              fix="open the user_verification_url the agent was given")


pages = APIRouter(tags=["data rights protocol"], route_class=PageRoute,
                  include_in_schema=False, dependencies=[Depends(_drp_limit)])


@pages.get("/drp/verify/{request_id}", response_class=HTMLResponse)
def verify_page(request_id: str, request: Request) -> HTMLResponse:
    """The page where the member enters the one-time code SOMESING sent them."""
    from yaksok.rights.drp import verification_info

    _check_same_request(request_id, request.query_params.get("request_id"))
    info = verification_info(get_yaksok(request), request_id)
    redirect_to = html.escape(request.query_params.get("redirect_to", ""), quote=True)
    rid = html.escape(request_id, quote=True)
    return _page(
        f"<h1>{html.escape(info['title_ko'])}</h1><p>{html.escape(info['text_ko'])}</p>"
        f"<p lang=\"en\">{html.escape(info['text_en'])}</p>"
        f"<form method=\"post\" action=\"/drp/verify/{rid}\">"
        f"<input type=\"hidden\" name=\"redirect_to\" value=\"{redirect_to}\">"
        "<label>인증번호 / Code <input name=\"code\" inputmode=\"numeric\" "
        "autocomplete=\"one-time-code\" required></label> <button>확인 / Confirm</button></form>"
        f"<form method=\"post\" action=\"/drp/verify/{rid}/code\">"
        "<button>인증번호 다시 받기 / Send a new code</button></form>")


@pages.post("/drp/verify/{request_id}", response_class=HTMLResponse)
async def verify_submit(request_id: str, request: Request,
                        background: BackgroundTasks) -> Response:
    """Check the code; on success the request is carried out and the member is sent back to
    the agent's ``redirect_to`` when it is on the agent's registered site."""
    from yaksok.rights.drp import confirm_by_member

    form = await _form(request)
    outcome = confirm_by_member(get_yaksok(request), request_id, form.get("code", ""),
                                redirect_to=form.get("redirect_to") or None, ip=client_ip(request))
    _push_later(request, background, request_id)
    if outcome["redirect_to"]:
        return RedirectResponse(outcome["redirect_to"], status_code=303, headers=_NO_STORE)
    return _page(f"<h1>확인되었습니다 / Confirmed</h1><p>{html.escape(outcome['text_ko'])}</p>"
                 f"<p lang=\"en\">{html.escape(outcome['text_en'])}</p>")


@pages.post("/drp/verify/{request_id}/code", response_class=HTMLResponse)
def verify_resend(request_id: str, request: Request) -> HTMLResponse:
    """Send the member a new one-time code."""
    from yaksok.rights.drp import resend_code

    resend_code(get_yaksok(request), request_id, ip=client_ip(request))
    rid = html.escape(request_id, quote=True)
    return _page("<p>새 인증번호를 보냈습니다. / We sent a new code.</p>"
                 f"<p><a href=\"/drp/verify/{rid}\">돌아가기 / Back</a></p>")


router.include_router(pages)
