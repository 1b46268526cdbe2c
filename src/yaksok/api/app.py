"""Build the FastAPI application over a running ``Yaksok``.

There is no module-level app: ``create_app(yk)`` builds one for the ``Yaksok`` it is given (tests
give each app its own data directory), and ``create_app_from_settings`` opens one from settings,
for servers::

    uvicorn --factory yaksok.api.app:create_app_from_settings

The app is thin: routes parse input, call ``yaksok.accounts`` / ``yaksok.policy`` and shape the
output; errors are raised as domain errors and mapped in ``problems.py`` only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from yaksok import __version__
from yaksok.api import routes_apikeys, routes_audit, routes_cookies, routes_public, routes_staff
from yaksok.api.cors import BannerCors
from yaksok.api.edges import EdgeMiddleware
from yaksok.api.openapi import install_openapi
from yaksok.api.problems import install_problem_handlers
from yaksok.engine import Yaksok, open_yaksok
from yaksok.settings import Settings, check_cors_origins

__all__ = ["create_app", "create_app_from_settings"]

DESCRIPTION = """\
yaksok (약속, "promise") makes a privacy policy executable.

Public routes serve the privacy policy in force (`GET /policy`, Korean by default, `?lang=en`,
`?format=md`) and its published versions. Everything else needs
`Authorization: Bearer <token>`: an API key (`yk_...`) for application backends, or a staff
session token (`ys_...`) from `POST /staff/login` (password plus TOTP code).

Every error is an RFC 9457 problem (`application/problem+json`) whose `type` names the error,
with `field` and `fix` saying what to change. Every response carries `X-Request-ID`.
"""


def create_app(yk: Yaksok, *, close_on_shutdown: bool = False,
               background: bool = False) -> FastAPI:
    """A new app serving ``yk``.

    ``close_on_shutdown`` closes ``yk`` when the app stops. ``background`` runs the jobs a
    server owes while it runs (today: sealing the access log, so no entry stays unsigned longer
    than the checkpoint interval); tests leave it off and seal explicitly.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stops = []
        if background:
            from yaksok.retention.schedule import runs_in_serve, start_worker

            stops.append(yk.audit.start_sealer())
            if runs_in_serve(yk):  # SQLite by default; PostgreSQL runs `yaksok worker`
                stops.append(start_worker(yk))
        try:
            yield
        finally:
            for stop in stops:
                stop()
            if close_on_shutdown:
                yk.close()

    # No /docs or /redoc: FastAPI's pages load scripts, styles, fonts and a favicon from other
    # origins, handing every visitor's address to third parties. /openapi.json stays.
    app = FastAPI(title="yaksok", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.yaksok = yk
    # (version, sha256, lang, format) -> rendered text; see routes_public.policy.
    app.state.policy_renderings = {}
    # Inside the problem middleware: its refusals carry the request id.
    app.add_middleware(EdgeMiddleware, trusted_proxies=yk.settings.trusted_proxies,
                       behind_proxy=yk.settings.behind_proxy)
    # The banner's routes only, for the page origins listed (api/cors.py, docs/cookies.md).
    app.add_middleware(BannerCors, origins=check_cors_origins(yk.settings.cors_origins))
    install_problem_handlers(app)
    install_openapi(app)  # every error answer, as it is sent, in /openapi.json
    # First: every page view of the app calls these (no path overlaps; matching is in order).
    app.include_router(routes_cookies.router)
    app.include_router(routes_public.router)
    from yaksok.api import routes_notices  # after routes_public: /policy/versions wins

    app.include_router(routes_notices.router)
    app.include_router(routes_staff.router)
    app.include_router(routes_apikeys.router)
    app.include_router(routes_audit.router)
    from yaksok.api import routes_policy_staff  # staff's /staff/policy/...: versions, publishing

    app.include_router(routes_policy_staff.router)
    from yaksok.api import (
        routes_account,
        routes_drp,
        routes_incidents,
        routes_measures,
        routes_members,
        routes_retention,
        routes_rights,
        routes_vault,
    )

    app.include_router(routes_members.router)
    app.include_router(routes_account.router)  # email verification, password change and reset
    app.include_router(routes_vault.router)
    app.include_router(routes_retention.router)
    app.include_router(routes_drp.router)
    from yaksok.api import routes_drp_agents, routes_outbox

    app.include_router(routes_drp_agents.router)
    app.include_router(routes_outbox.router)
    app.include_router(routes_rights.router)
    from yaksok.api import routes_disclosures

    app.include_router(routes_disclosures.router)
    app.include_router(routes_incidents.router)
    app.include_router(routes_measures.router)
    from yaksok.api import routes_registers

    app.include_router(routes_registers.router)
    from yaksok.api import routes_connected

    app.include_router(routes_connected.router)
    from yaksok.web import router as center  # the privacy center's pages (not in /openapi.json)

    app.include_router(center)
    from yaksok.web.console import console_router  # the staff console's pages (nor these)

    app.include_router(console_router())
    return app


def create_app_from_settings(settings: Settings | None = None) -> FastAPI:
    """Open the data directory of ``settings`` (default: ``YAKSOK_*`` variables) and serve it."""
    settings = settings or Settings.from_env()
    return create_app(open_yaksok(settings), close_on_shutdown=True, background=True)
