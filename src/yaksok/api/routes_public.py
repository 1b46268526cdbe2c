"""Routes anyone may call: health, the privacy policy in force, and its published versions.

The policy is public by law (it must be disclosed so data subjects can read it easily), so these
need no token. The rendering is cached per (version, language, format): publishing a new version
changes the key, so the cache can never serve a superseded text for the current version.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from yaksok.api.auth import get_yaksok
from yaksok.api.problems import problem_responses
from yaksok.store.engine import ping

router = APIRouter(tags=["public"])


class Health(BaseModel):
    status: Literal["ok"]
    policy_version: str


class VersionOut(BaseModel):
    version: str
    effective_date: dt.date
    published_at: dt.datetime
    content_sha256: str


@router.get("/healthz", response_model=Health, responses=problem_responses(503))
def healthz(request: Request) -> Health:
    """Whether the API can reach its database, and which policy version is in force."""
    yk = get_yaksok(request)
    ping(yk.engine)
    return Health(status="ok", policy_version=yk.published.version)


_MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8"}


@router.get(
    "/policy",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/markdown": {}}}, **problem_responses(422, 503)},
)
def policy(
    request: Request,
    lang: Literal["ko", "en"] = Query("ko", description="Language: Korean (default) or English."),
    fmt: Literal["html", "md"] = Query("html", alias="format",
                                       description="`html` (default) or `md` (Markdown)."),
) -> Response:
    """The privacy policy in force, rendered (Korean HTML unless asked otherwise)."""
    from yaksok.policy.render import render_policy  # imported late: a heavy, optional path

    yk = get_yaksok(request)
    published = yk.published
    key = (published.version, published.content_sha256, lang, fmt)
    cache: dict = request.app.state.policy_renderings
    body = cache.get(key)
    if body is None:
        # Two requests racing here render the same text twice; both results are equal.
        body = cache[key] = render_policy(published.policy, lang=lang, fmt=fmt)
    return Response(body, media_type=_MEDIA[fmt], headers={
        "Content-Language": lang,
        "X-Policy-Version": published.version,
    })


@router.get("/policy/versions", response_model=list[VersionOut])
def policy_versions(request: Request) -> list[VersionOut]:
    """Every published version of the policy, oldest first (the texts are not included)."""
    from yaksok.policy.versions import list_versions

    # ``published_by`` (who on the staff published it) stays internal.
    return [VersionOut(version=v["version"], effective_date=v["effective_date"],
                       published_at=v["published_at"], content_sha256=v["content_sha256"])
            for v in list_versions(get_yaksok(request).engine)]
