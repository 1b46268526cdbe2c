"""CORS for the cookie banner's calls, and for nothing else.

The banner (``/consent/banner.js``) calls the server it was loaded from. When the app's pages
live on another origin than yaksok (``https://www.example.com`` loading
``https://privacy.example.com/consent/banner.js``), the browser lets the page read yaksok's
answers only if yaksok names the page's origin. ``YAKSOK_CORS_ORIGINS`` lists those origins
exactly; the routes the banner calls (``BANNER_ROUTES``) then answer:

* a preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) from a listed
  origin: ``204`` with ``Access-Control-Allow-Origin`` (that origin, never ``*``), the methods
  and the two request headers the banner sends (``Content-Type``, ``Authorization`` for a
  member's session in ``YaksokConsent.link``);
* any other answer to a listed origin carries ``Access-Control-Allow-Origin`` too, errors
  included, so the banner can read a problem;
* an origin not listed gets no CORS header at all, and its preflight a ``403`` problem saying
  what to set.

No ``Access-Control-Allow-Credentials``: the banner sends no cookie to yaksok (its device id
travels in the query or the body; ``fetch`` with ``credentials: 'same-origin'``), so the browser
never sends yaksok cookies from another site. Every other route of the API is outside CORS:
only the banner's page calls are meant for browsers on other sites. See docs/cookies.md.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yaksok.api.problems import PROBLEM_JSON, scope_header

__all__ = ["BANNER_ROUTES", "BannerCors"]

#: The routes the banner script calls, with the methods it calls them with.
BANNER_ROUTES: dict[str, tuple[str, ...]] = {
    "/consent/config": ("GET",),
    "/consent/choice": ("GET", "POST"),
}
_ALLOW_HEADERS = b"Authorization, Content-Type"
_MAX_AGE = b"600"


class BannerCors:
    """CORS on ``BANNER_ROUTES`` for the exact ``origins`` listed (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        methods = BANNER_ROUTES.get(scope.get("path", "")) if scope["type"] == "http" else None
        if methods is None:
            await self.app(scope, receive, send)
            return
        origin = scope_header(scope, b"origin")
        allowed = origin is not None and origin in self.origins
        if scope["method"] == "OPTIONS" and origin is not None \
                and scope_header(scope, b"access-control-request-method") is not None:
            await self._preflight(scope, send, origin, allowed, methods)
            return
        await self.app(scope, receive, self._marked(send, origin if allowed else None))

    def _marked(self, send: Send, origin: str | None) -> Send:
        """``send`` adding the CORS answer for ``origin`` and ``Vary: Origin`` (when any origin
        is listed, the answer depends on it: a cache must not hand one origin's to another)."""
        if not self.origins:
            return send

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = _vary_origin(list(message.get("headers", [])))
                if origin is not None:
                    headers += [(b"access-control-allow-origin", origin.encode("latin-1")),
                                (b"access-control-expose-headers", b"X-Request-ID")]
                message = {**message, "headers": headers}
            await send(message)

        return marked

    async def _preflight(self, scope: Scope, send: Send, origin: str, allowed: bool,
                         methods: tuple[str, ...]) -> None:
        if allowed:
            headers = [(b"access-control-allow-origin", origin.encode("latin-1")),
                       (b"access-control-allow-methods", ", ".join(methods).encode()),
                       (b"access-control-allow-headers", _ALLOW_HEADERS),
                       (b"access-control-max-age", _MAX_AGE), (b"vary", b"Origin"),
                       (b"content-length", b"0")]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = {"type": "/problems/cors-origin", "title": "Origin not allowed", "status": 403,
                "detail": f"pages of {origin[:100]} may not call {scope.get('path', '')} from a "
                          "browser: yaksok does not list that origin",
                "instance": scope.get("path", ""), "field": "Origin",
                "fix": "add the page's origin to YAKSOK_CORS_ORIGINS, or serve yaksok under "
                       "the page's own origin through a reverse proxy (docs/cookies.md)"}
        rid = (scope.get("state") or {}).get("request_id")
        if rid:
            body["request_id"] = rid
        data = json.dumps(body).encode("utf-8")
        await send({"type": "http.response.start", "status": 403, "headers": [
            (b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(data)).encode()),
            (b"vary", b"Origin")]})
        await send({"type": "http.response.body", "body": data})


def _vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with ``Origin`` added to their ``Vary`` (one field, values kept)."""
    for i, (key, value) in enumerate(headers):
        if key.lower() == b"vary":
            if b"origin" not in value.lower():
                headers[i] = (key, value + b", Origin")
            return headers
    return [*headers, (b"vary", b"Origin")]
