"""The privacy center's rights pages (issue 18): ask for a right, verify it, follow its deadline,
cancel it while open, download an export.

Every page and form calls the same core function as the REST route named beside it and holds
no access rule and no SQL (see README.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import ValidationError, YaksokError
from yaksok.web.frame import Center, CenterRoute, Page
from yaksok.web.shown import local

__all__ = ["router"]

router = APIRouter(prefix="/center", route_class=CenterRoute, include_in_schema=False)

_RIGHTS_OFFERED = ("access", "portability")
_OPEN = ("received", "verified", "in_progress", "extended")


# -- rights ------------------------------------------------------------------------------------


def _rights_page(c: Center, actor) -> Page:
    """My requests with their deadlines (as ``GET /rights/requests``) and the forms to ask."""
    from yaksok.rights.requests import requests_for

    found = requests_for(c.yk, actor, member_id=None, status=None, limit=100, ip=c.ip)
    rows = []
    for rq in found:
        result = rq.result or {}
        rows.append({"id": rq.id, "right": rq.right, "status": rq.status,
                     "received": local(rq.received_at, rq.jurisdiction),
                     "due": local(rq.due_at, rq.jurisdiction),
                     "open": rq.status in _OPEN,
                     "needs_verify": rq.status == "received",
                     "export_id": result.get("export_id") if rq.status == "completed" else None})
    return Page("rights.html.j2", {"title_key": "rights", "rows": rows,
                                   "offered": _RIGHTS_OFFERED,
                                   "notice": c.request.query_params.get("done")})


@router.get("/rights")
def rights(request: Request) -> Response:
    c = Center(request)
    actor = c.own_account()
    return c.render(_rights_page(c, actor))


@router.post("/rights")
async def rights_submit(request: Request) -> Response:
    """Ask for a right, as ``POST /rights/requests`` with the password: ``submit`` then
    ``verify_by_password`` (a wrong password cancels the request it came with)."""
    from yaksok.rights.requests import cancel, submit
    from yaksok.rights.verify import verify_by_password

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    right = form.get("right", "")
    try:
        if right not in _RIGHTS_OFFERED:
            raise ValidationError("choose a right offered on this page", field="right",
                                  fix="use one of the forms on this page")
        password = form.get("password", "")
        if not password:
            raise ValidationError("the password confirms it is you", field="password",
                                  fix="enter your password")
        rq = submit(c.yk, member_id=actor.id, right=right, channel="account_menu",
                    actor=actor, ip=c.ip, lang=c.lang)
        try:
            verify_by_password(c.yk, rq.id, password, actor=actor, ip=c.ip)
        except BaseException:
            cancel(c.yk, rq.id, actor=actor, ip=c.ip)
            raise
    except YaksokError as exc:
        page = _rights_page(c, actor)
        page.values["failed_right"] = right
        return c.render(page, error=exc, field=exc.field or "password")
    return c.redirect("/center/rights", done="request")


@router.post("/rights/cancel")
async def rights_cancel(request: Request) -> Response:
    """Cancel one of my requests, as ``DELETE /rights/requests/{id}``."""
    from yaksok.rights.requests import cancel, request_for

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        rq = request_for(c.yk, actor, form.get("request_id", ""), ip=c.ip)
        cancel(c.yk, rq.id, actor=actor, ip=c.ip)
    except YaksokError as exc:
        return c.render(_rights_page(c, actor), error=exc)
    return c.redirect("/center/rights", done="cancelled")


@router.post("/rights/verify")
async def rights_verify(request: Request) -> Response:
    """Verify a waiting request by the password, as ``POST /rights/requests/{id}/verify``."""
    from yaksok.rights.requests import request_for
    from yaksok.rights.verify import verify_by_password

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        rq = request_for(c.yk, actor, form.get("request_id", ""), ip=c.ip)
        verify_by_password(c.yk, rq.id, form.get("password", ""), actor=actor, ip=c.ip)
    except YaksokError as exc:
        return c.render(_rights_page(c, actor), error=exc, field=exc.field or "password")
    return c.redirect("/center/rights", done="verified")


@router.post("/rights/download")
async def rights_download(request: Request) -> Response:
    """Download an export: a link minted for the member (``create_download``, as
    ``POST /rights/exports/{id}/link``) and used at once (``download``), so its secret never
    reaches a URL; both logged by the core."""
    from yaksok.rights.export import create_download, download

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        token = create_download(c.yk, form.get("export_id", ""), actor=actor, ip=c.ip,
                                request_id=c.request_id)
        name, body = download(c.yk, token, actor=actor, ip=c.ip)
    except YaksokError as exc:
        return c.render(_rights_page(c, actor), error=exc)
    return c.finish(Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"'}))
