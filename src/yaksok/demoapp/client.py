"""The demo's whole integration with yaksok: its REST API over HTTP, as any app backend calls it.

Every call the demo makes is a method here, one REST call each, so this file reads as the
integrator's checklist (docs/integrate.md):

=============================  =========================================  ====================
method                         REST call                                   credential
=============================  =========================================  ====================
``policy``                     ``GET /policy?format=json``                 none (public)
``sign_up``                    ``POST /members``                           none (public)
``log_in`` / ``log_out``       ``POST /members/login`` / ``/logout``       member session
``me``                         ``GET /me``                                 member session
``collect``                    ``POST /members/{id}/values/batch``         API key
``read``                       ``GET /members/{id}/values``                API key
``keep_record``                ``POST /members/{id}/records``              API key
=============================  =========================================  ====================

The member session (``ym_…``) proves who is at the keyboard; the API key (``yk_…``) is the
backend's own credential, whose scopes decide which purposes it may act for. Errors come back
as RFC 9457 problems (``application/problem+json``) and are raised as ``Problem`` with the
field and the fix yaksok names; they never carry the value sent.

Nothing here imports yaksok: an app in any language makes the same calls.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Problem", "YaksokClient"]

#: Seconds to wait for yaksok; a demo page fails with a problem rather than hanging.
TIMEOUT = 15.0


@dataclass
class Problem(Exception):
    """An error answered by yaksok (or the demo's own check), as the page shows it."""

    status: int
    title: str
    detail: str = ""
    field: str | None = None
    fix: str | None = None
    type: str = "about:blank"
    request_id: str | None = None
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:  # no value is ever in a problem: safe for a log line
        return f"{self.status} {self.type}: {self.detail or self.title}"

    @classmethod
    def from_response(cls, r: httpx.Response) -> Problem:
        try:
            body = r.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return cls(status=r.status_code, title=str(body.get("title") or r.reason_phrase),
                   detail=str(body.get("detail") or ""), field=body.get("field"),
                   fix=body.get("fix"), type=str(body.get("type") or "about:blank"),
                   request_id=body.get("request_id") or r.headers.get("X-Request-ID"),
                   errors=list(body.get("errors") or []))


class YaksokClient:
    """yaksok's REST API at ``base_url`` for a backend holding ``api_key``.

    One short-lived ``httpx.AsyncClient`` per page request (``async with``): the demo is a few
    calls per page, and nothing is left open between requests.
    """

    def __init__(self, base_url: str, api_key: str, *, transport: httpx.AsyncBaseTransport
                 | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._key = {"Authorization": f"Bearer {api_key}"}
        self._transport = transport
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> YaksokClient:
        self._http = httpx.AsyncClient(base_url=self._base_url, timeout=TIMEOUT,
                                       transport=self._transport)
        return self

    async def __aexit__(self, *exc) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _call(self, method: str, path: str, *, expect: int = 200,
                    headers: dict[str, str] | None = None, **kwargs) -> Any:
        assert self._http is not None, "use `async with YaksokClient(...)`"
        try:
            r = await self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise Problem(503, "yaksok is not reachable", detail=type(exc).__name__,
                          fix="check that yaksok is running at the address the demo was "
                              "given") from None
        if r.status_code != expect:
            raise Problem.from_response(r)
        return r.json() if r.content else None

    @staticmethod
    def _member(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    # -- public ------------------------------------------------------------------------------

    async def policy(self, lang: str = "ko") -> dict:
        """The policy in force, as data: flows, categories, consent items and their texts."""
        return await self._call("GET", "/policy", params={"format": "json", "lang": lang})

    async def sign_up(self, body: dict, *, attempt: str) -> dict:
        """``POST /members``: the sign-up form (docs/signup.md). ``attempt`` names this form
        submission, so a double click or a retry creates one member (``Idempotency-Key``)."""
        return await self._call("POST", "/members", json=body, expect=201,
                                headers={"Idempotency-Key": f"demo-signup-{attempt}"})

    # -- the member's own session ------------------------------------------------------------

    async def log_in(self, email: str, password: str) -> dict:
        """``{token, member_id, expires_at}``: the member session the demo's cookie carries."""
        return await self._call("POST", "/members/login",
                                json={"email": email, "password": password})

    async def log_out(self, token: str) -> None:
        await self._call("POST", "/members/logout", expect=204, headers=self._member(token))

    async def me(self, token: str) -> dict:
        """The signed-in member: ``{id, jurisdiction, status, consents, …}`` (no values)."""
        return await self._call("GET", "/me", headers=self._member(token))

    # -- the backend's API key ---------------------------------------------------------------

    async def collect(self, member_id: str, values: dict[str, str], *, flow: str,
                      channel: str, purpose: str, attempt: str | None = None) -> list[str]:
        """``POST /members/{id}/values/batch``: values of one screen, all or nothing, in the
        policy's ``flow`` through ``channel`` for ``purpose``; answers the value ids."""
        headers = {"Idempotency-Key": f"demo-{flow}-{attempt}"} if attempt else None
        body = {"items": [{"category": c, "value": v} for c, v in values.items()],
                "flow": flow, "channel": channel, "purpose": purpose}
        done = await self._call("POST", f"/members/{member_id}/values/batch", json=body,
                                expect=201, headers={**self._key, **(headers or {})})
        return done["value_ids"]

    async def read(self, member_id: str, categories: list[str], *, purpose: str) -> dict:
        """``GET /members/{id}/values``: ``{category: [{id, value, flow, collected_at, …}]}``
        for a declared ``purpose``, refused (403 with ``rule``) unless the policy allows it."""
        found = await self._call("GET", f"/members/{member_id}/values", headers=self._key,
                                 params={"categories": ",".join(categories),
                                         "purpose": purpose})
        return found["values"]

    async def keep_record(self, member_id: str, record_kind: str, values: dict[str, str], *,
                          attempt: str) -> dict:
        """``POST /members/{id}/records``: a record the law makes the company keep after
        탈퇴 (a statutory hold); answers its id and ``expires_at``, never the values."""
        return await self._call("POST", f"/members/{member_id}/records", expect=201,
                                json={"record_kind": record_kind, "values": values},
                                headers={**self._key, "Idempotency-Key": f"demo-{attempt}"})
