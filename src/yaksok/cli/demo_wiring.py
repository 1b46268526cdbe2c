"""`yaksok serve --demo`: the integration demo (``yaksok.demoapp``) mounted at ``/demo``.

The demo is an outside app living in the same process: at start-up the wiring here makes its API
key through the core (the only thing the demo cannot do for itself, as an integrator's officer
would make one for their backend), then hands the demo the key and the address it reaches the
REST API at. From then on the demo talks to yaksok over HTTP only. Also the addresses `serve`
prints (the policy, the privacy center, the demo, the OpenAPI, the first officer).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from yaksok import errors
from yaksok.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from yaksok.engine import Yaksok

__all__ = ["DEMO_ENV", "DEMO_KEY_NAME", "DEMO_PREFIX", "addresses", "demo_api_url",
           "demo_enabled", "mount_demo"]

DEMO_ENV = "YAKSOK_DEMO"
DEMO_API_URL_ENV = "YAKSOK_DEMO_API_URL"
DEMO_PREFIX = "/demo"
#: The demo's API key; each start revokes the previous one and makes a new one.
DEMO_KEY_NAME = "yaksok-demo"
#: What the demo acts for: the service itself (posts, payments, cash-outs; basis contract) and
#: the held payment record (legal obligation). Its key gets the policy's scopes granting them.
DEMO_PURPOSES = ("contract_performance", "legal_compliance")


def demo_enabled(flag: bool | None, env: dict[str, str] | None = None) -> bool:
    """``--demo``/``--no-demo`` if given, else ``YAKSOK_DEMO`` (1, true, yes); off by default."""
    if flag is not None:
        return flag
    value = (os.environ if env is None else env).get(DEMO_ENV, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise errors.ConfigError(f"{value[:20]!r} is not yes or no", field=DEMO_ENV,
                             fix="set it to 1 to serve the demo at /demo, or leave it unset")


def demo_api_url(settings: Settings, env: dict[str, str] | None = None) -> str:
    """Where the demo's server side reaches the REST API: ``YAKSOK_DEMO_API_URL``, else this
    server on loopback over plain HTTP."""
    explicit = (os.environ if env is None else env).get(DEMO_API_URL_ENV, "").strip()
    if explicit:
        if not explicit.startswith(("http://", "https://")):
            raise errors.ConfigError("the demo's API address is not an http(s) URL",
                                     field=DEMO_API_URL_ENV,
                                     fix="give it like http://127.0.0.1:8000")
        return explicit.rstrip("/")
    if settings.tls_cert:
        raise errors.ConfigError(
            "the demo calls the API over plain HTTP on loopback, but serve speaks TLS",
            field=DEMO_API_URL_ENV,
            fix="set YAKSOK_DEMO_API_URL to this server's https address (a certificate this "
                "machine trusts), or run the demo without TLS")
    host = settings.host.strip("[]")
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - listening everywhere: call loopback
        host = "127.0.0.1"
    return f"http://[{host}]:{settings.port}" if ":" in host else \
        f"http://{host}:{settings.port}"


def _scopes(yk: Yaksok) -> list[str]:
    scopes: list[str] = []
    for purpose in DEMO_PURPOSES:
        scope = next((s.key for s in yk.policy.api_scopes if purpose in s.purposes), None)
        if scope is None:
            raise errors.ConfigError(
                f"the policy in force has no API scope for the purpose {purpose!r}, which the "
                "demo acts for", field="--demo",
                fix="serve the demo with the SOMESING policy, or add such a scope to api_scopes")
        if scope not in scopes:
            scopes.append(scope)
    return scopes


def _demo_key(yk: Yaksok) -> str:
    """A fresh API key for the demo (the secret lives in this process's memory only); the
    demo's keys of earlier runs are revoked, so at most one is ever active."""
    from yaksok.accounts.apikeys import create_api_key, list_api_keys, revoke_api_key

    for old in list_api_keys(yk.engine):
        if old.name == DEMO_KEY_NAME and old.active:
            revoke_api_key(yk.engine, old.id, by="system:demo")
    _info, secret = create_api_key(yk.engine, yk.policy, DEMO_KEY_NAME, _scopes(yk),
                                   by="system:demo")
    return secret


def mount_demo(app: FastAPI, yk: Yaksok, api_url: str) -> None:
    """Mount the demo at ``/demo`` on ``app``, with a new API key (``yaksok serve --demo``)."""
    from starlette.responses import RedirectResponse

    from yaksok.demoapp import DemoConfig, create_demo_app

    demo = create_demo_app(DemoConfig(api_url=api_url, api_key=_demo_key(yk),
                                      prefix=DEMO_PREFIX))

    async def to_demo(_request) -> RedirectResponse:
        return RedirectResponse(DEMO_PREFIX + "/", status_code=308)

    app.add_route(DEMO_PREFIX, to_demo, include_in_schema=False)
    app.mount(DEMO_PREFIX, demo)


def addresses(yk: Yaksok, settings: Settings, *, demo: bool) -> list[str]:
    """The lines `serve` prints: where to look first, and how to make the first officer."""
    from yaksok.accounts.staff import list_staff
    from yaksok.demoapp import EMAIL_DOMAIN

    base = settings.effective_public_url
    if settings.tls_cert and not settings.public_url:
        base = "https" + base[len("http"):]
    lines = [f"policy:          {base}policy",
             f"privacy center:  {base}center/",
             f"staff console:   {base}console/",
             f"demo:            {base}demo/   (demo members only: addresses under "
             f"@{EMAIL_DOMAIN})" if demo else
             "demo:            off (yaksok serve --demo, or YAKSOK_DEMO=1)",
             f"OpenAPI:         {base}openapi.json"]
    if not any(s.active and s.role == "privacy_officer" for s in list_staff(yk.engine)):
        lines.append("first officer:   yaksok staff add NAME --role privacy_officer "
                     "--enrol-on-console   (then sign in at the console with the password, "
                     "leave the code empty and scan the QR code; docs/console.md)")
    return lines
