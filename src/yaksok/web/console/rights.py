"""The console's rights pages (issue 19): the queue of open requests by due date with the chart
of requests due per week, and one request's page with its deadline, verification, agent check,
timeline and the actions its state allows. Requests received by letter, phone or email are
entered on ``rights_entry``'s page.

Every page asks the core for ``rights_handle`` first (``Console.authorize``: a refusal is in the
access log, then a 403 page) and then calls the same core function as the REST route named
beside it; every action's POST calls the core, which decides again (the state, the law's limit
on extending, the grounds open to the right). No rule and no SQL here; which forms show follows
``rights.queue.next_actions``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import ValidationError, YaksokError
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.console.rights_parts import (
    TEXTS,
    details_shown,
    ground_text,
    reason_text,
    right_label,
)
from yaksok.web.shown import local, period

__all__ = ["NAV", "TEXTS", "router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
NAV = (NavItem("rt_menu", "/console/rights", "rights_handle"),)
_NOTICES = ("entered", "verified", "agent", "started", "extended", "refused", "carried")


def _done(request: Request, allowed: tuple[str, ...]) -> str | None:
    """The page's own outcome after a redirect (``?done=``); anything else shows nothing."""
    done = request.query_params.get("done", "")
    return f"rt_done_{done}" if done in allowed else None


# -- the queue ----------------------------------------------------------------------------------


def _chart(c: Console):
    """Requests due per week and overdue (``rights.queue.due_per_week``, as
    ``GET /rights/due-per-week``)."""
    from yaksok.rights.queue import due_per_week
    from yaksok.web.console.charts import bar_chart

    weeks = due_per_week(c.yk)
    labels = [("~" if i == 0 else "") + w.week_start.strftime("%m-%d")
              for i, w in enumerate(weeks)]
    return bar_chart(c.text("rt_chart"), labels,
                     [(c.text("rt_series_due"), [w.due for w in weeks]),
                      (c.text("rt_series_overdue"), [w.overdue for w in weeks])])


@router.get("/rights")
def queue_page(request: Request) -> Response:
    """Every open request by due date (``rights.queue.queue``, as ``GET /rights/queue``),
    filtered by status and jurisdiction (codes in the query, never a personal value)."""
    from yaksok.rights.lifecycle import OPEN
    from yaksok.rights.queue import queue

    c = Console(request)
    c.authorize("rights_handle")
    q = request.query_params
    status, where = q.get("status") or None, q.get("jurisdiction") or None
    problem = None
    try:
        items = queue(c.yk, status=status, jurisdiction=where)
    except ValidationError as exc:  # a filter the core does not know: the whole queue
        problem, status, where = exc, None, None
        items = queue(c.yk)
    jurisdictions = {j.key: j.label.get(c.lang) for j in c.yk.policy.jurisdictions}
    rows = [{**i.to_dict(), "right_label": right_label(i.right, c.lang),
             "received": local(i.received_at, i.jurisdiction),
             "due": local(i.due_at, i.jurisdiction),
             "where": jurisdictions.get(i.jurisdiction, i.jurisdiction)} for i in items]
    page = Page("console/rights_queue.html.j2", {
        "title_key": "rt_menu", "rows": rows, "chart": _chart(c),
        "overdue": sum(i.overdue for i in items), "statuses": OPEN,
        "jurisdictions": list(jurisdictions.items()), "status": status, "where": where,
        "notice": _done(request, ("cancelled",))})
    return c.render(page, error=problem) if problem else c.render(page)


# -- one request --------------------------------------------------------------------------------


def _request_page(c: Console, actor, request_id: str, *, show_note: bool = False,
                  notice: str | None = None) -> Page:
    """The request as the officer sees it (``request_for``, ``request_events``,
    ``agents.documents``, ``deadlines.due_dates``, ``grounds_for``, ``erasure_preview``, as
    their REST routes)."""
    from yaksok.rights.agents import documents
    from yaksok.rights.deadlines import due_dates
    from yaksok.rights.grounds import (
        EXTENSION_REASONS,
        STAFF_METHODS,
        extension_reasons,
        grounds_for,
    )
    from yaksok.rights.handle import erasure_preview
    from yaksok.rights.inputs import read_note
    from yaksok.rights.lifecycle import STAFF_CHANNELS
    from yaksok.rights.queue import next_actions, queue_item
    from yaksok.rights.requests import request_events, request_for

    yk, lang = c.yk, c.lang
    rq = request_for(yk, actor, request_id, ip=c.ip)
    item = queue_item(rq)
    actions = next_actions(rq)
    rule = due_dates(yk.policy, rq.jurisdiction, rq.right, rq.received_at)
    events = request_events(yk, rq.id)
    j = yk.policy.jurisdiction(rq.jurisdiction)
    steps = [{"at": local(e.at, rq.jurisdiction), "who": e.actor, "kind": e.actor_kind,
              "from": e.from_status, "to": e.to_status,
              "reason": reason_text(e.reason, lang, c.text)} for e in events]
    agent_events = [s for s, e in zip(steps, events, strict=True)
                    if (e.reason or "").startswith("agent:")]
    extended = [reason_text(e.reason, lang, c.text) for e in events if e.to_status == "extended"]
    preview = None
    if rq.right == "erasure" and "carry_out" in actions and rq.member_id is not None:
        preview = _preview(c, erasure_preview(yk, rq.id, actor=actor, ip=c.ip))
    note = read_note(yk, rq.id, actor=actor, ip=c.ip) if show_note else None
    result = rq.result or {}
    return Page("console/rights_request.html.j2", {
        "title_key": "rt_request_title", "rq": rq.to_dict(), "item": item.to_dict(),
        "right_label": right_label(rq.right, lang),
        "where": j.label.get(lang) if j else rq.jurisdiction,
        "received": local(rq.received_at, rq.jurisdiction),
        "due": local(rq.due_at, rq.jurisdiction),
        "ack_by": local(rq.acknowledge_by, rq.jurisdiction),
        "verified_at": local(rq.verified_at, rq.jurisdiction),
        "closed_at": local(rq.closed_at, rq.jurisdiction),
        "details": details_shown(yk.policy, rq.details, lang, c.text),
        "rule": {"times": rule.extensions_allowed, "by": period(rule.extension_by, lang)
                 if rule.extension_by else "", "kind": rule.extension_kind},
        "extended": extended, "steps": steps, "agent_events": agent_events,
        "documents": documents(yk, rq.id) if rq.requester != "self" else [],
        "actions": actions, "methods": STAFF_METHODS,
        "reasons": [(k, EXTENSION_REASONS[k][lang])
                    for k in extension_reasons(rule.extension_kind)],
        "grounds": [(g, ground_text(g, lang)) for g in grounds_for(rq.right, rq.jurisdiction)],
        "refusal": ground_text(rq.refusal_reason, lang) if rq.refusal_reason else None,
        "preview": preview, "result": result, "export_id": result.get("export_id")
        if rq.status == "completed" else None,
        "staff_entered": rq.channel in STAFF_CHANNELS, "show_note": show_note, "note": note,
        "notice": notice, "local": local})


def _preview(c: Console, p) -> dict:
    """The erasure's preview in the policy's words: what goes, what the law keeps."""
    policy, lang = c.yk.policy, c.lang

    def cat(key: str) -> str:
        found = policy.category(key)
        return found.label.get(lang) if found else key

    held = []
    for h in p.held:
        kind = policy.record_kind(h["record_kind"])
        law = h["law"]
        held.append({"kind": kind.label.get(lang) if kind else h["record_kind"],
                     "count": h["count"], "until": local(h["last_expiry"]),
                     "law": f"{law[lang]} {law['article'] or ''}".strip() if law else ""})
    return {"scope": p.scope, "destroyed": [(cat(k), n) for k, n in p.destroyed.items()],
            "held": held, "external": p.external}


@router.get("/rights/{request_id}")
def request_page(request: Request, request_id: str) -> Response:
    """One request (``request_for``, as ``GET /rights/requests/{id}`` and ``/events``); with
    ``?show=note`` its sealed note too (``inputs.read_note``, as ``GET .../note``; logged)."""
    c = Console(request)
    actor = c.authorize("rights_handle")
    return c.render(_request_page(c, actor, request_id,
                                  show_note=request.query_params.get("show") == "note",
                                  notice=_done(request, _NOTICES)))


async def _act(request: Request, request_id: str, done: str, call, field: str) -> Response:
    """An action's POST: the core's answer, then the request page (or it again with the
    core's error tied to the action's own input, ``field``)."""
    c = Console(request)
    actor = c.authorize("rights_handle")
    form = await c.read_form()
    try:
        call(c, actor, form)
    except YaksokError as exc:
        return c.render(_request_page(c, actor, request_id), error=exc, field=field)
    if done == "cancelled":  # off the queue: back to it
        return c.redirect("/console/rights", done=done)
    return c.redirect(f"/console/rights/{request_id}", done=done)


@router.post("/rights/{request_id}/verify")
async def verify(request: Request, request_id: str) -> Response:
    """How staff checked identity (``verify.verify_by_staff``, as ``POST .../verify-staff``)."""
    from yaksok.rights.verify import verify_by_staff

    return await _act(request, request_id, "verified", lambda c, actor, form: verify_by_staff(
        c.yk, request_id, actor=actor, method=form.get("method", ""), ip=c.ip), "verify")


@router.post("/rights/{request_id}/agent-check")
async def agent_check(request: Request, request_id: str) -> Response:
    """Accept or reject the agent's authority (``agents.check_agent``, as ``.../agent-check``)."""
    from yaksok.rights.agents import check_agent

    return await _act(request, request_id, "agent", lambda c, actor, form: check_agent(
        c.yk, request_id, actor=actor, outcome=form.get("outcome", ""), ip=c.ip),
        "agent-check")


@router.post("/rights/{request_id}/start")
async def start(request: Request, request_id: str) -> Response:
    """verified → in progress (``requests.start``, as ``POST .../start``)."""
    from yaksok.rights.requests import start as start_request

    return await _act(request, request_id, "started", lambda c, actor, form: start_request(
        c.yk, request_id, actor=actor, ip=c.ip), "start")


@router.post("/rights/{request_id}/extend")
async def extend(request: Request, request_id: str) -> Response:
    """More time with a reason, as the member's law allows (``requests.extend``)."""
    from yaksok.rights.requests import extend as extend_request

    return await _act(request, request_id, "extended", lambda c, actor, form: extend_request(
        c.yk, request_id, actor=actor, reason=form.get("reason", ""), ip=c.ip), "extend")


@router.post("/rights/{request_id}/refuse")
async def refuse(request: Request, request_id: str) -> Response:
    """Refuse on a legal ground open to the right and jurisdiction (``requests.refuse``)."""
    from yaksok.rights.requests import refuse as refuse_request

    return await _act(request, request_id, "refused", lambda c, actor, form: refuse_request(
        c.yk, request_id, actor=actor, reason=form.get("reason", ""), ip=c.ip), "refuse")


@router.post("/rights/{request_id}/cancel")
async def cancel(request: Request, request_id: str) -> Response:
    """Cancel on the requester's word (``requests.cancel``, as ``POST .../cancel``)."""
    from yaksok.rights.requests import cancel as cancel_request

    return await _act(request, request_id, "cancelled", lambda c, actor, form: cancel_request(
        c.yk, request_id, actor=actor, ip=c.ip), "cancel")


@router.post("/rights/{request_id}/carry-out")
async def carry_out(request: Request, request_id: str) -> Response:
    """Do the right and complete the request (``handle.carry_out``, as ``.../carry-out``); an
    erasure only once its preview was confirmed on the page."""
    from yaksok.rights.handle import carry_out as carry_out_request
    from yaksok.rights.requests import request_for

    def go(c: Console, actor, form: dict) -> None:
        rq = request_for(c.yk, actor, request_id, ip=c.ip)
        if rq.right == "erasure" and form.get("confirm") != "yes":
            raise ValidationError("an erasure is carried out once its preview is confirmed",
                                  field="confirm", fix="read what will be destroyed and what "
                                                       "the law keeps, then tick the box")
        carry_out_request(c.yk, request_id, actor=actor, ip=c.ip)

    return await _act(request, request_id, "carried", go, "carry-out")


@router.post("/rights/{request_id}/download")
async def download(request: Request, request_id: str) -> Response:
    """The request's export for the officer: a link minted (``export.create_download``, as
    ``POST /rights/exports/{id}/link``) and used at once (``download``), both logged; the
    link's secret never reaches a URL."""
    from yaksok.rights.export import create_download
    from yaksok.rights.export import download as download_export
    from yaksok.rights.requests import request_for

    c = Console(request)
    actor = c.authorize("rights_handle")
    await c.read_form()
    try:
        rq = request_for(c.yk, actor, request_id, ip=c.ip)
        export_id = (rq.result or {}).get("export_id") or ""
        token = create_download(c.yk, export_id, actor=actor, ip=c.ip,
                                request_id=c.request_id)
        name, body = download_export(c.yk, token, actor=actor, ip=c.ip)
    except YaksokError as exc:
        return c.render(_request_page(c, actor, request_id), error=exc, field="")
    return c.finish(Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"'}))
