"""The policy as staff work with it: the versions with who published them and their notices, the
diff between two versions, the access matrix of the version in force, and publishing a new
version from a staff session in two steps (preview, then publish exactly the previewed text).

Reading is for staff whose role has ``policy.publish`` or ``policy.check`` (``policy_view``);
publishing for ``policy.publish`` (``policy_publish``; docs/access.md). The public routes
(``/policy``, ``/policy/versions``, ``/notices``) stay as they are. Nothing here holds a rule:
the core (``yaksok.publishing``, ``yaksok.policy``, ``yaksok.access.matrix``) decides and does.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from yaksok.actors import Actor
from yaksok.api.auth import authorized, current_actor, get_yaksok
from yaksok.api.problems import problem_responses
from yaksok.api.routes_members import request_context

__all__ = ["router"]

router = APIRouter(tags=["policy"])
_NO_STORE = {"Cache-Control": "no-store"}
#: The preview's limit on the text (``publishing.preview.MAX_SOURCE_BYTES``) in characters:
#: a bound the body's schema can state; the core counts UTF-8 bytes.
_MAX_CHARS = 256 * 1024


class PolicyTextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=_MAX_CHARS,
                        description="The whole policy file (YAML), as `policy check` reads it.")


class PublishIn(PolicyTextIn):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$",
                        description="The `sha256` the preview answered: another text is refused.")
    based_on: str | None = Field(
        None, min_length=1, max_length=64,
        description="The preview's `in_force`: refused if another version is in force now.")


@router.get("/staff/policy/versions", responses=problem_responses(401, 403))
def versions_route(request: Request,
                   actor: Actor = Depends(authorized("policy_view"))) -> JSONResponse:
    """Every published version, newest first: effective date, when and by whom it was
    published, its notice and how many individual notices were queued, the one in force
    (`yaksok.publishing.version_history`)."""
    from yaksok.publishing import version_history

    return JSONResponse([v.to_dict() for v in version_history(get_yaksok(request).engine)],
                        headers=_NO_STORE)


@router.get("/staff/policy/diff", responses=problem_responses(401, 403, 404, 422))
def diff_route(request: Request,
               old: str = Query(alias="from", min_length=1, max_length=64,
                                description="The earlier published version's label."),
               new: str = Query(alias="to", min_length=1, max_length=64,
                                description="The later published version's label."),
               actor: Actor = Depends(authorized("policy_view"))) -> JSONResponse:
    """What changed from version `from` to version `to`: the structured diff and its lines in
    Korean and English, in the policy's own labels (`yaksok.policy.versions.compare_versions`,
    `policy.diff.grouped_lines`)."""
    from yaksok.policy.diff import grouped_lines
    from yaksok.policy.versions import compare_versions

    before, after, diff = compare_versions(get_yaksok(request).engine, old, new)
    return JSONResponse({
        "from": before.version, "to": after.version, "diff": diff.to_dict(),
        "lines": {lang: grouped_lines(diff, lang, old=before.policy, new=after.policy)
                  for lang in ("ko", "en")}}, headers=_NO_STORE)


@router.get("/staff/policy/access-matrix", responses=problem_responses(401, 403))
def access_matrix_route(request: Request,
                        actor: Actor = Depends(authorized("policy_view"))) -> JSONResponse:
    """Who may do what on which categories under the version in force, as `decide` answers
    (`yaksok.access.matrix.access_matrix`; `yaksok policy access-matrix --format json`)."""
    from yaksok.access.matrix import access_matrix

    yk = get_yaksok(request)
    published = yk.published
    return JSONResponse(access_matrix(published.policy, published.version), headers=_NO_STORE)


@router.post("/staff/policy/preview", responses=problem_responses(401, 403, 422))
def preview_route(body: PolicyTextIn, request: Request,
                  actor: Actor = Depends(authorized("policy_view"))) -> JSONResponse:
    """Check a policy text and preview publishing it, writing nothing: its problems (`ok`
    false with any error), the diff against the version in force, the notice in Korean and
    English, how many members would receive it on which channels, renewed consents, the
    effective date and the days of notice; `sha256` and `in_force` to publish it with
    (`yaksok.publishing.preview_publish`)."""
    from yaksok.publishing import preview_publish

    preview = preview_publish(get_yaksok(request), body.source)
    return JSONResponse(preview.to_dict(), headers=_NO_STORE)


@router.post("/staff/policy/publish", status_code=201,
             responses=problem_responses(401, 403, 409, 422))
def publish_route(body: PublishIn, request: Request,
                  actor: Actor = Depends(current_actor)) -> JSONResponse:
    """Publish the previewed text as the version in force: the notice posted, individual
    notices queued, renewed consents marked — as `yaksok policy publish` does. Refused unless
    the text's SHA-256 is the preview's (`409`, field `sha256`) and the version in force is
    still `based_on`; a text with errors is `422` with its problems. Staff whose role has
    `policy.publish` (`yaksok.publishing.publish_previewed`)."""
    from yaksok.publishing import publish_previewed

    result = publish_previewed(get_yaksok(request), body.source, actor=actor,
                               sha256=body.sha256, based_on=body.based_on,
                               **request_context(request))
    pub = result.published
    return JSONResponse({
        "version": pub.version, "effective_date": pub.effective_date.isoformat(),
        "published_at": pub.published_at.isoformat(), "published_by": pub.published_by,
        "newly_published": result.newly_published, "notice_id": result.notice_id,
        "queued": result.queued, "channels": list(result.channels),
        "not_automated": list(result.not_automated),
        "renewals": {p: None if c is None else list(c) for p, c in result.renewals.items()},
        "marked": result.marked}, status_code=201, headers=_NO_STORE)
