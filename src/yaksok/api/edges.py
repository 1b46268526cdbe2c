"""The service's edge, before any route: how much a request may send, how long it may take to
send it, and HEAD on every GET route.

* **Size.** A body is counted as it arrives, whether it declares a ``Content-Length`` or streams
  in chunks; past its route's limit the request is refused with ``413`` before any route reads
  it. The limits: ``DEFAULT_LIMIT`` for every route, more for the few that carry files or
  batches (``LIMITS``).
* **Time.** A client that stops sending before its body is complete (a ``Content-Length`` it
  never fills) gets ``408`` after ``BODY_SECONDS``, instead of holding a worker for ever.
* **HEAD.** Monitors and caches ask ``HEAD``: it is answered as the ``GET`` would be, headers
  only.
* **Proxies.** ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from a trusted
  proxy (``YAKSOK_TRUSTED_PROXIES``); the client they report (the right-most address that is not
  a trusted proxy) is the client the access log and the rate limits see. Behind a proxy that
  terminates TLS (``YAKSOK_BEHIND_PROXY``) a request the proxy says came over plain http is
  refused (``421``): personal data travels only encrypted (P7.1).
* **HSTS.** Every response over https says ``Strict-Transport-Security``.

Refusals are RFC 9457 problems with the request's id, like every other error.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yaksok.api.problems import PROBLEM_JSON, scope_header

__all__ = ["BODY_SECONDS", "DEFAULT_LIMIT", "LIMITS", "EdgeMiddleware"]

#: Bytes a request body may have, unless its route is in ``LIMITS``.
DEFAULT_LIMIT = 1024 * 1024
#: (path pattern, bytes): routes that carry more — a power of attorney (10 MB), a batch of values.
LIMITS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^/rights/requests/[^/]+/power-of-attorney$"), 10 * 1024 * 1024 + 64 * 1024),
    (re.compile(r"^/members/[^/]+/values/batch$"), 8 * 1024 * 1024),
)
#: How long a client may take to send its whole body.
BODY_SECONDS = 15.0
#: A year, and the subdomains: what browsers keep once they have seen https.
HSTS = b"max-age=31536000; includeSubDomains"


def limit_for(path: str) -> int:
    return next((n for pattern, n in LIMITS if pattern.match(path)), DEFAULT_LIMIT)


class EdgeMiddleware:
    """Size and time limits on request bodies, and HEAD as GET (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, body_seconds: float = BODY_SECONDS,
                 trusted_proxies: tuple[str, ...] = (), behind_proxy: bool = False) -> None:
        self.app = app
        self.body_seconds = body_seconds
        self.proxies = tuple(ipaddress.ip_network(p, strict=False) for p in trusted_proxies)
        self.behind_proxy = behind_proxy

    def _trusted(self, host: str | None) -> bool:
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in net for net in self.proxies)

    def _forwarded(self, scope: Scope) -> Scope:
        """The scope as the client sent it, when a trusted proxy forwarded it."""
        peer = (scope.get("client") or (None, None))[0]
        if not self._trusted(peer):
            return scope
        chain = [h.strip() for h in (scope_header(scope, b"x-forwarded-for") or "").split(",")
                 if h.strip()]
        client = next((h for h in reversed(chain) if not self._trusted(h)), None)
        proto = (scope_header(scope, b"x-forwarded-proto") or "").split(",")[0].strip().lower()
        changed = dict(scope)
        if client is not None:
            changed["client"] = (client, 0)
        if proto in ("http", "https"):
            changed["scheme"] = proto
        changed["forwarded_by_proxy"] = True
        return changed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = self._forwarded(scope)
        if self.behind_proxy and scope.get("scheme") != "https" and not _loopback_peer(scope):
            await _problem(scope, send, 421, "https-required", "https required",
                           "this request reached yaksok over plain http; members' data "
                           "travels only encrypted", "use https://")
            return
        if scope.get("scheme") == "https":
            send = _with_hsts(send)
        if scope["method"] == "HEAD":
            await self.app({**scope, "method": "GET"}, receive, _headers_only(send))
            return
        limit = limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _problem(scope, send, 413, "too-large", "Request body too large",
                           f"the body declares {declared} bytes; this route takes at most "
                           f"{limit}", f"send at most {limit} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            try:
                message = await asyncio.wait_for(receive(), timeout=self.body_seconds)
            except TimeoutError:
                await _problem(scope, send, 408, "timeout", "Request body too slow",
                               f"the body did not arrive within {self.body_seconds:g} seconds",
                               "send the whole body at once, as its Content-Length says")
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _problem(scope, send, 413, "too-large", "Request body too large",
                               f"the body is larger than {limit} bytes, the most this route "
                               "takes", f"send at most {limit} bytes")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as the app may

        await self.app(scope, replay, send)


def _loopback_peer(scope: Scope) -> bool:
    """A direct call from this machine (a health check), not one a proxy forwarded."""
    if scope.get("forwarded_by_proxy"):
        return False
    try:
        return ipaddress.ip_address((scope.get("client") or ("",))[0]).is_loopback
    except ValueError:
        return False


def _with_hsts(send: Send) -> Send:
    async def hsts(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []),
                                              (b"strict-transport-security", HSTS)]}
        await send(message)

    return hsts


def _headers_only(send: Send) -> Send:
    async def headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return headers_only


def _content_length(scope: Scope) -> int | None:
    try:
        return int(scope_header(scope, b"content-length") or "")
    except ValueError:
        return None


async def _problem(scope: Scope, send: Send, status: int, code: str, title: str, detail: str,
                   fix: str) -> None:
    body = {"type": f"/problems/{code}", "title": title, "status": status, "detail": detail,
            "instance": scope.get("path", ""), "field": "body", "fix": fix}
    rid = (scope.get("state") or {}).get("request_id")
    if rid:
        body["request_id"] = rid
    data = json.dumps(body).encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(data)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": data})
