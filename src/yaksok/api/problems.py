"""The one place that turns errors into HTTP responses: RFC 9457 problem details.

Every error response of the API is ``application/problem+json``::

    {"type": "/problems/validation", "title": "Invalid input", "status": 422,
     "detail": "scopes: unknown scope(s) 'x'; ...", "instance": "/api-keys",
     "field": "scopes", "fix": "use scopes from the policy's api_scopes", "request_id": "..."}

``type`` is a relative URI built from the domain error's ``code``, so a client can switch on it.
The domain error tree (``yaksok.errors``) maps to a status here and nowhere else; routes just
raise. Request-validation errors name the field, the rule and the fix, without pydantic's
internals. Anything unexpected becomes a bare 500 carrying the request id: the traceback goes to
the log, never to the client.

``ProblemMiddleware`` also gives every request its id (``X-Request-ID``: the caller's if it is a
sane token, else a new one), echoed on every response, errors included.
"""

from __future__ import annotations

import json
import logging
import re
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yaksok.errors import (
    AuthenticationFailed,
    ConfigError,
    Conflict,
    IntegrityError,
    NotFound,
    NotInitialised,
    PermissionDenied,
    PolicyError,
    RateLimited,
    Refused,
    StorageError,
    ValidationError,
    YaksokError,
)

__all__ = [
    "PROBLEM_JSON",
    "Problem",
    "ProblemMiddleware",
    "install_problem_handlers",
    "problem_response",
    "status_for",
]

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = logging.getLogger("yaksok.api")

# Most specific first: the first class the error is an instance of decides.
_STATUS: tuple[tuple[type[YaksokError], int, str], ...] = (
    (ValidationError, 422, "Invalid input"),
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Conflict"),
    (AuthenticationFailed, 401, "Authentication failed"),
    (PermissionDenied, 403, "Permission denied"),
    (Refused, 403, "Refused by the policy"),
    (RateLimited, 429, "Too many requests"),
    (IntegrityError, 500, "Integrity check failed"),
    (NotInitialised, 503, "Not initialised"),
    (PolicyError, 422, "Invalid policy"),
    (ConfigError, 500, "Configuration error"),
    (StorageError, 503, "Storage unavailable"),
)


class Problem(BaseModel):
    """The body of every error response (for the OpenAPI document)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None = None
    field: str | None = None
    fix: str | None = None


#: For routers' ``responses=``: documents the problem body under its real media type.
def problem_responses(*statuses: int) -> dict:
    return {s: {"model": Problem, "content": {PROBLEM_JSON: {}}} for s in statuses}


def status_for(exc: YaksokError) -> tuple[int, str]:
    """The HTTP status and title for a domain error (other ``YaksokError``: 400)."""
    for cls, status, title in _STATUS:
        if isinstance(exc, cls):
            return status, title
    return 400, "Bad request"


def error_headers(exc: YaksokError, status: int) -> dict[str, str] | None:
    """The headers a domain error's answer carries: how to authenticate (401), when to try
    again (429)."""
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    return None


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def problem_response(request: Request, status: int, code: str, title: str, detail: str, *,
                     field: str | None = None, fix: str | None = None,
                     headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    """A problem-details response; ``extra`` members are added as they are (JSON values)."""
    body: dict = {"type": f"/problems/{code}", "title": title, "status": status,
                  "detail": detail, "instance": request.url.path}
    if field:
        body["field"] = field
    if fix:
        body["fix"] = fix
    body.update(extra)
    rid = request_id_of(request)
    if rid:
        body["request_id"] = rid
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _domain_error(request: Request, exc: YaksokError) -> JSONResponse:
    status, title = status_for(exc)
    headers = error_headers(exc, status)
    extra: dict = {}
    if isinstance(exc, RateLimited):
        extra["retry_after"] = exc.retry_after
    if isinstance(exc, PolicyError):
        extra["problems"] = [p.format() for p in exc.problems]
    if isinstance(exc, Refused):
        extra["rule"] = exc.rule
    return problem_response(request, status, exc.code, title, exc.message, field=exc.field,
                            fix=exc.fix, headers=headers, **extra)


_SECTIONS = ("body", "query", "path", "header", "cookie")


def _field_of(loc: tuple) -> tuple[str, str]:
    parts = [str(p) for p in loc]
    where = parts.pop(0) if parts and parts[0] in _SECTIONS else "body"
    return where, ".".join(parts) or where


def _fix_for(kind: str, field: str, where: str, ctx: dict | None = None) -> str:
    if kind in ("literal_error", "enum") and ctx and "expected" in ctx:
        # The schema's own values, never the input.
        return f"use one of: {ctx['expected']}"
    if kind == "missing":
        return f"add `{field}` to the request {where}"
    if kind == "extra_forbidden":
        return f"remove `{field}`; this route does not accept it"
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return "send a JSON object with the fields this route takes (see /openapi.json)"
    if kind.startswith(("string_too", "too_")):
        return f"change the length of `{field}` to the limits in /openapi.json"
    return f"send `{field}` as /openapi.json describes it"


async def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Rebuilt from the parts we trust: pydantic's ``input`` (which may be a password) and
    # ``url`` (pydantic.dev links) never reach the client, nor ``ctx`` but an enum's values.
    errors = []
    for err in exc.errors():
        where, field = _field_of(tuple(err.get("loc", ())))
        kind = str(err.get("type", "invalid"))
        errors.append({"field": field, "in": where, "rule": str(err.get("msg", kind)),
                       "fix": _fix_for(kind, field, where, err.get("ctx"))})
    first = errors[0] if errors else {"field": None, "rule": "the request is not valid",
                                      "fix": "see /openapi.json"}
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    detail = f"{first['field']}: {first['rule']}{more}" if first["field"] else first["rule"]
    return problem_response(request, 422, "validation", "Invalid input", detail,
                            field=first["field"], fix=first["fix"], errors=errors)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code
    if status == 404:
        code, title = "not-found", "Not found"
        detail = f"there is no {request.method} {request.url.path}"
        fix = "see /openapi.json for the routes"
        if exc.detail and exc.detail != "Not Found":
            detail = str(exc.detail)
    elif status == 405:
        code, title = "method-not-allowed", "Method not allowed"
        detail = f"{request.method} is not allowed on {request.url.path}"
        # Starlette names the methods of the first route on the path only; RFC 9110 wants
        # every method the resource answers to.
        allow = ", ".join(allowed_methods(request.app, request.scope))
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "allow"}
        return problem_response(request, status, code, title, detail,
                                fix=f"use one of: {allow}", headers={**headers, "Allow": allow})
    elif status == 400:
        # FastAPI's answer to a body it cannot decode (not UTF-8, say).
        code, title, field = "bad-request", "Bad request", "body"
        detail = f"body: {str(exc.detail).lower()}"
        return problem_response(request, status, code, title, detail, field=field,
                                fix="send the body as /openapi.json describes it, in UTF-8",
                                headers=dict(exc.headers) if exc.headers else None)
    else:
        code, title, fix = f"http-{status}", str(exc.detail), None
        detail = str(exc.detail)
    return problem_response(request, status, code, title, detail, fix=fix,
                            headers=dict(exc.headers) if exc.headers else None)


#: The methods a route of this API may answer to (``allowed_methods`` asks about each).
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app, scope: Scope) -> list[str]:
    """The methods the resource at the path of ``scope`` answers to, sorted (HEAD with GET:
    ``edges.py`` answers it).

    Each method is asked of the router as a request would be, so routers nested in routers
    count too. Where paths overlap (``/members/login`` and ``/members/{member_id}``), the
    resource is the most specific path ``/openapi.json`` documents: a method only the broader
    path takes belongs to another resource."""
    from starlette.routing import Match

    methods = {method for method in _METHODS
               if any(route.matches({**scope, "method": method})[0] is Match.FULL
                      for route in app.router.routes)}
    path = scope.get("path", "")
    documented = [(template.count("{"), {m.upper() for m in item})
                  for template, item in app.openapi().get("paths", {}).items()
                  if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path)]
    if documented:
        fewest = min(n for n, _ in documented)
        own = set().union(*(m for n, m in documented if n == fewest)) & methods
        methods = own or methods
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers and the middleware on ``app`` (called once by ``create_app``)."""
    app.add_exception_handler(YaksokError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(ProblemMiddleware)


class ProblemMiddleware:
    """Give each request an id, echo it, and turn an unhandled exception into a bare 500."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = scope_header(scope, b"x-request-id")
        rid = incoming if incoming and _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        # ``request.state`` reads this dict, so routes and handlers see the id.
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The traceback names code, not people: requests carry no personal values yet, and
            # the message is never sent to the client.
            log.exception("unhandled error in %s %s (request %s)", scope.get("method"),
                          scope.get("path"), rid)
            if started:
                raise  # too late for a clean response; the server closes the connection
            body = {"type": "/problems/internal", "title": "Internal error", "status": 500,
                    "detail": "an unexpected error occurred; it has been logged",
                    "instance": scope.get("path", ""), "request_id": rid,
                    "fix": f"report the request id {rid} to the operator"}
            await send_with_id({"type": "http.response.start", "status": 500, "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
            ]})
            await send_with_id({"type": "http.response.body",
                                "body": json.dumps(body).encode("utf-8")})


def scope_header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header in an ASGI scope, stripped (None if absent)."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            try:
                return value.decode("latin-1").strip()
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
                return None
    return None
