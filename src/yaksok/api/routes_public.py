"""Routes anyone may call: health, the privacy policy in force, and its published versions.

The policy is public by law (it must be disclosed so data subjects can read it easily), so these
need no token. The rendering is cached per (version, language, format): publishing a new version
changes the key, so the cache can never serve a superseded text for the current version.
``format=json`` is the published policy as data (``yaksok.policy.public``), whose JSON Schema is
``/policy/schema.json``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

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


MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
          "json": "application/json"}
_SCHEMA_MEDIA = "application/schema+json"


def policy_responses(*statuses: int) -> dict:
    """The answers of a policy route: HTML, Markdown, or the public document as JSON (its
    schema inlined, so a client and the fuzzer read what the body holds)."""
    from yaksok.policy.public import inline_refs, public_schema

    return {200: {"content": {"text/markdown": {}, "application/json": {
        "schema": inline_refs(public_schema())}}}, **problem_responses(*statuses)}


def policy_body(request: Request, published, lang: str, fmt: str) -> str:
    """The rendering (or the JSON document) of a published version, cached per version text
    and format: publishing changes the key, so a superseded text is never served."""
    key = (published.version, published.content_sha256, None if fmt == "json" else lang, fmt)
    cache: dict = request.app.state.policy_renderings
    body = cache.get(key)
    if body is None:
        # Two requests racing here render the same text twice; both results are equal.
        body = cache[key] = render_published(published.policy, lang, fmt)
    return body


def render_published(policy, lang: str, fmt: str) -> str:
    # Imported late: heavy paths that only the policy routes take.
    if fmt == "json":
        from yaksok.policy.public import public_json

        return public_json(policy)
    from yaksok.policy.render import render_policy

    return render_policy(policy, lang=lang, fmt=fmt)


def policy_headers(lang: str, fmt: str, version: str) -> dict[str, str]:
    # The JSON document carries both languages; it has no one Content-Language.
    headers = {"X-Policy-Version": version}
    if fmt != "json":
        headers["Content-Language"] = lang
    return headers


#: The query parameters of every rendering of the policy (this one and /policy/{version}).
PolicyLang = Annotated[Literal["ko", "en"], Query(
    description="Language: Korean (default) or English (`json` carries both).")]
PolicyFormat = Annotated[Literal["html", "md", "json"], Query(
    alias="format", description="`html` (default), `md` (Markdown) or `json` (the published "
    "policy as data, schema at `/policy/schema.json`).")]


@router.get("/policy", response_class=HTMLResponse, responses=policy_responses(422, 503))
def policy(request: Request, lang: PolicyLang = "ko", fmt: PolicyFormat = "html") -> Response:
    """The privacy policy in force, rendered (Korean HTML unless asked otherwise), or as data."""
    published = get_yaksok(request).published
    return Response(policy_body(request, published, lang, fmt), media_type=MEDIA[fmt],
                    headers=policy_headers(lang, fmt, published.version))


@router.get("/policy/schema.json", response_class=Response,
            responses={200: {"content": {_SCHEMA_MEDIA: {"schema": {"type": "object"}}}}})
def policy_schema() -> Response:
    """The JSON Schema (2020-12) of `GET /policy?format=json`, version 1."""
    from yaksok.policy.public import SCHEMA_FILE

    return Response(SCHEMA_FILE.read_bytes(), media_type=_SCHEMA_MEDIA,
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/policy/versions", response_model=list[VersionOut])
def policy_versions(request: Request) -> list[VersionOut]:
    """Every published version of the policy, oldest first (the texts are not included)."""
    from yaksok.policy.versions import list_versions

    # ``published_by`` (who on the staff published it) stays internal.
    return [VersionOut(version=v["version"], effective_date=v["effective_date"],
                       published_at=v["published_at"], content_sha256=v["content_sha256"])
            for v in list_versions(get_yaksok(request).engine)]
