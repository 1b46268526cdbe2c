"""The privacy center's rights pages (issue 18): ask for every right the policy offers from the
account menu (P6.8), verify it by the password or a one-time code, follow its deadline (in the
jurisdiction's time), its status and its timeline, cancel it while open, download an export.

Every page and form calls the same core function as the REST route named beside it and holds
no access rule and no SQL (see README.md). What a right needs (``details``) is checked by the
core (``rights.inputs.check_details``); the page only offers the policy's own choices.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import ValidationError, YaksokError
from yaksok.web.frame import Center, CenterRoute, Page
from yaksok.web.i18n import t
from yaksok.web.shown import local

__all__ = ["router"]

router = APIRouter(prefix="/center", route_class=CenterRoute, include_in_schema=False)

#: Rights asked here with their details; rectification is done under My data (P12.3).
_ASKED = ("access", "portability", "erasure", "restriction", "objection", "automated_decision",
          "consent_withdrawal")
_OPEN = ("received", "verified", "in_progress", "extended")


def _label(text, lang: str) -> str:
    return text.get(lang) if text is not None else ""


def _choices(c: Center, actor) -> dict:
    """The policy's own choices for each right's details (what the core accepts)."""
    from yaksok.vault import RESTRICTION_REASONS

    yk, lang = c.yk, c.lang
    policy, rules = yk.policy, yk.vault.rules()
    purposes = {p.key: p.label.get(lang) for p in policy.purposes}
    keys = sorted(rules.categories)
    held = [k for k, n in yk.vault.live_counts(actor.id, keys).items() if n]
    return {
        "categories": [(k, _label(policy.category(k).label if policy.category(k) else None,
                                  lang) or k) for k in held],
        "purposes": list(purposes.items()),
        "objectable": [(k, purposes.get(k, k)) for k in rules.objectable_purposes()],
        "reasons": [(r, t(lang, "reason." + r)) for r in RESTRICTION_REASONS],
        "decisions": [(d.key, d.label.get(lang), d.criteria.get(lang))
                      for d in policy.automated_decisions],
        "decision_options": [(d.key, d.label.get(lang)) for d in policy.automated_decisions],
        "consents": [(ci.key, ci.label.get(lang)) for ci in policy.consents],
    }


def _rights_page(c: Center, actor) -> Page:
    """My requests with their deadlines and timelines (as ``GET /rights/requests``) and a form
    for each right the policy declares."""
    from yaksok.rights.requests import requests_for
    from yaksok.rights.timeline import timeline

    declared = {r.key: r for r in c.yk.policy.rights}
    offered = [r for r in _ASKED if r in declared or r == "consent_withdrawal"]
    found = requests_for(c.yk, actor, member_id=None, status=None, limit=100, ip=c.ip)
    rows = []
    for rq in found:
        result = rq.result or {}
        steps = [{"at": local(s["at"], rq.jurisdiction), "to": s["to_status"],
                  "by": t(c.lang, "by." + s["by"]) if s["by"] in ("staff", "system") else ""}
                 for s in timeline(c.yk, actor, rq.id, ip=c.ip)]
        rows.append({"id": rq.id, "right": rq.right, "status": rq.status,
                     "received": local(rq.received_at, rq.jurisdiction),
                     "due": local(rq.due_at, rq.jurisdiction), "steps": steps,
                     "open": rq.status in _OPEN,
                     "needs_verify": rq.status == "received",
                     "export_id": result.get("export_id") if rq.status == "completed" else None})
    return Page("rights.html.j2", {
        "title_key": "rights", "rows": rows, "offered": offered,
        "descriptions": {k: r.description.get(c.lang) for k, r in declared.items()},
        "choices": _choices(c, actor), "failed_right": None,
        "notice": _notice(c.request.query_params.get("done"))})


def _notice(done: str | None) -> str | None:
    """The notice after a form (``?done=``): one of ours, or none (the URL is anyone's)."""
    return done if done in ("request", "code_sent", "verified", "cancelled") else None


def _details(c: Center, right: str) -> dict | None:
    """The request's ``details`` from the form (codes only; the core checks them)."""
    form = c.form
    if right == "erasure":
        cats = [v for k, v in c.pairs if k == "details.categories"]
        if not cats:
            raise ValidationError("an erasure request names what to erase",
                                  field="details.categories",
                                  fix="tick at least one item; to erase everything, close "
                                      "the account")
        return {"categories": cats}
    if right == "restriction":
        d = {"reason": form.get("details.reason", "")}
        if form.get("details.purpose"):
            d["purpose"] = form["details.purpose"]
        return d
    if right == "objection":
        return {"purpose": form.get("details.purpose", "")}
    if right == "automated_decision":
        return {"decision": form.get("details.decision", ""),
                "action": form.get("details.action", "")}
    if right == "consent_withdrawal":
        return {"consent": form.get("details.consent", "")}
    return None


@router.get("/rights")
def rights(request: Request) -> Response:
    c = Center(request)
    actor = c.own_account()
    return c.render(_rights_page(c, actor))


@router.post("/rights")
async def rights_submit(request: Request) -> Response:
    """Ask for a right, as ``POST /rights/requests``: ``submit`` with the right's details, then
    ``verify_by_password`` (a wrong password cancels the request it came with) or, with
    ``how=code``, ``send_code`` (the code is entered under the request). Restriction, objection,
    automated decision and consent withdrawal are verified by the session, as REST does."""
    from yaksok.rights.requests import SESSION_RIGHTS, cancel, submit
    from yaksok.rights.verify import send_code, verify_by_password

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    right = form.get("right", "")
    how = "session" if right in SESSION_RIGHTS else form.get("how", "password")
    done = "request"
    try:
        if right not in _ASKED:
            raise ValidationError("choose a right offered on this page", field="right",
                                  fix="use one of the forms on this page")
        details = _details(c, right)
        password = form.get("password", "")
        if how == "password" and not password:
            raise ValidationError("the password confirms it is you", field="password",
                                  fix="enter your password, or ask for a code by email")
        rq = submit(c.yk, member_id=actor.id, right=right, channel="account_menu",
                    actor=actor, details=details, ip=c.ip, lang=c.lang,
                    verified_by="session" if how == "session" else None)
        if how != "session":
            try:
                if how == "code":
                    send_code(c.yk, rq.id, actor=actor, ip=c.ip)
                    done = "code_sent"
                else:
                    verify_by_password(c.yk, rq.id, password, actor=actor, ip=c.ip)
            except BaseException:
                cancel(c.yk, rq.id, actor=actor, ip=c.ip)
                raise
    except YaksokError as exc:
        page = _rights_page(c, actor)
        page.values["failed_right"] = right
        return c.render(page, error=exc, field=exc.field or "password")
    return c.redirect("/center/rights", done=done)


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


@router.post("/rights/code")
async def rights_code(request: Request) -> Response:
    """Mail a one-time code for a waiting request, as ``POST /rights/requests/{id}/code``."""
    from yaksok.rights.requests import request_for
    from yaksok.rights.verify import send_code

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        rq = request_for(c.yk, actor, form.get("request_id", ""), ip=c.ip)
        send_code(c.yk, rq.id, actor=actor, ip=c.ip)
    except YaksokError as exc:
        return c.render(_rights_page(c, actor), error=exc, field="")
    return c.redirect("/center/rights", done="code_sent")


@router.post("/rights/verify")
async def rights_verify(request: Request) -> Response:
    """Verify a waiting request, as ``POST /rights/requests/{id}/verify``: the one-time code
    (``check_code``) or the password (``verify_by_password``)."""
    from yaksok.rights.requests import request_for
    from yaksok.rights.verify import check_code, verify_by_password

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        rq = request_for(c.yk, actor, form.get("request_id", ""), ip=c.ip)
        if form.get("code"):
            check_code(c.yk, rq.id, form["code"], actor=actor, ip=c.ip)
        else:
            verify_by_password(c.yk, rq.id, form.get("password", ""), actor=actor, ip=c.ip)
    except YaksokError as exc:
        page = _rights_page(c, actor)
        page.values["failed_request"] = form.get("request_id", "")[:64]
        return c.render(page, error=exc, field=exc.field or ("code" if form.get("code")
                                                             else "password"))
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
