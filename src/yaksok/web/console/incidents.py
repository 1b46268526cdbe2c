"""The console's breach register: every incident with its legal clocks — time left or overdue
per clock, in words and as a chart of the hours gone against each clock's limit — and the
officer's acts as the core allows them: record an incident (when the company became aware of it
included: the 72-hour clocks run from there), fix the affected members once, tell them stage by
stage, record a report to an authority or why none is owed.

Each page asks the core first (``incidents_manage``, the operation of the REST routes'
functions) and calls the same function as ``/incidents`` (``yaksok.incidents``). Which clocks
apply, their deadlines and their hours come from the core (``Clock.state``, ``hours_left``,
``elapsed_hours``, ``limit_hours``); this module only puts them into words and bars.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import YaksokError
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.console.incidents_texts import TEXTS
from yaksok.web.console.registers_parts import category_options, kst_time, lines, picked, tabs
from yaksok.web.shown import local

__all__ = ["NAV", "TEXTS", "router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
NAV = (NavItem("ic_menu", "/console/registers/incidents", "incidents_manage"),)
_BASE = "/console/registers/incidents"
#: Each clock's name under its bar (the chart has room for about seven letters; the table
#: above the chart names each duty in full).
_SHORT = {"members_kr": ("정보주체", "Members"), "pipc": ("보호위원회", "PIPC"),
          "eu_sa": ("EU 감독", "EU SA"), "eu_members": ("EU 주체", "EU subj"),
          "ca_members": ("CA 주민", "CA res."), "ca_ag": ("CA 법무", "CA AG")}
#: The yes/no facts of a record, as the form's boxes (the core's IncidentView.flags).
_FLAGS = ("possible", "sensitive", "unique_ids", "outside_access", "high_risk")


def _ctx(c: Console) -> dict:
    return {"ip": c.ip, "request_id": c.request_id}


def _notice(request: Request) -> str | None:
    done = request.query_params.get("done", "")
    return f"ic_done_{done}" if done in ("opened", "affected", "stage", "report",
                                         "exemption") else None


def _span(c: Console, hours: float) -> str:
    """A stretch of time in words: days and hours from two days up, else hours and minutes."""
    minutes = int(round(abs(hours) * 60))
    days, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    if days >= 2:
        return c.text("ic_days_hours").format(days=days, hours=h)
    return c.text("ic_hours_minutes").format(hours=days * 24 + h, minutes=m)


def _clock(c: Console, clock, now: dt.datetime) -> dict:
    """One clock as the page shows it: its state as a word, the time left or overdue."""
    left, gone = clock.hours_left(now), clock.elapsed_hours(now)
    if clock.state == "overdue":
        words = c.text("ic_overdue_by").format(_span(c, left))
    elif clock.state == "due" and left is not None:
        words = c.text("ic_left").format(_span(c, left))
    elif clock.state == "due":  # without undue delay: no fixed hour, the time gone shows
        words = c.text("ic_undue_delay").format(_span(c, gone or 0))
    elif clock.state in ("done", "late"):
        words = c.text(f"ic_{clock.state}_at").format(local(clock.done_at))
    else:
        words = c.text("ic_not_required")
    return {"key": clock.key, "label": clock.label_ko if c.lang == "ko" else clock.label_en,
            "law": clock.law, "state": clock.state, "words": words,
            "due_at": local(clock.due_at) if clock.due_at else c.text("ic_no_fixed_hour"),
            "required": clock.required}


def _charts(c: Console, clocks, now: dt.datetime) -> list:
    """One chart per limit the law gives (72 hours; California's 30 and 15 days): the hours
    gone of each required clock with that limit, the limit as a dashed line."""
    from yaksok.web.console.charts import bar_chart

    by_limit: dict[float, list] = {}
    for k in clocks:
        if k.required and k.limit_hours is not None:
            by_limit.setdefault(k.limit_hours, []).append(k)
    out = []
    for limit, group in sorted(by_limit.items()):
        hours = f"{limit:g}"
        out.append(bar_chart(
            c.text("ic_chart_title").format(hours=hours),
            [_SHORT.get(k.key, (k.label_ko, k.label_en))[c.lang != "ko"] for k in group],
            [(c.text("ic_hours_gone"), [round(k.elapsed_hours(now) or 0, 1) for k in group])],
            unit=c.text("ic_hours_unit"), limit=limit,
            limit_label=c.text("ic_limit").format(hours=hours), label_title=c.text("ic_duty")))
    return out


# -- the register --------------------------------------------------------------------------------


def _register(c: Console, actor) -> Page:
    from yaksok.incidents import list_incidents

    now = dt.datetime.now(dt.UTC)
    items = []
    for view in list_incidents(c.yk, actor, now=now, **_ctx(c)):
        shown = [_clock(c, k, now) for k in view.clocks]
        open_ = [k for k in view.clocks if k.state in ("due", "overdue") and k.due_at]
        items.append({"id": view.id, "title": view.title, "possible": view.possible,
                      "discovered": local(view.discovered_at), "aware": local(view.aware_at),
                      "affected": sum(view.affected.values()), "frozen": view.frozen,
                      "overdue": [k for k in shown if k["state"] == "overdue"],
                      "next": _clock(c, min(open_, key=lambda k: k.due_at), now)
                      if open_ else None})
    return Page("console/incidents_register.html.j2", {
        "title_key": "ic_incidents", "tabs": tabs(c), "items": items,
        "categories": category_options(c.yk.policy, c.lang), "chosen": picked(c, "categories"),
        "flags": _FLAGS, "flags_on": picked(c, "flags"), "notice": _notice(c.request)})


@router.get("/registers/incidents")
def register(request: Request) -> Response:
    """Every incident with the clocks that need attention, as ``GET /incidents``."""
    c = Console(request)
    return c.render(_register(c, c.authorize("incidents_manage")))


@router.post("/registers/incidents")
async def open_incident(request: Request) -> Response:
    """Record an incident, as ``POST /incidents``; then its page with the clocks."""
    from yaksok.incidents import open_incident as record

    c = Console(request)
    actor = c.authorize("incidents_manage")
    f = await c.read_form()
    flags = set(picked(c, "flags"))
    try:
        incident_id = record(
            c.yk, actor, title=f.get("title", ""), nature=f.get("nature", ""),
            cause=f.get("cause", ""), categories=picked(c, "categories"),
            measures=f.get("measures", ""),
            discovered_at=kst_time(f.get("discovered_at"), "discovered_at"),
            aware_at=kst_time(f.get("aware_at"), "aware_at"),
            contained_at=kst_time(f.get("contained_at"), "contained_at"),
            **{flag: flag in flags for flag in _FLAGS}, **_ctx(c))
    except YaksokError as exc:
        return c.render(_register(c, actor), error=exc)
    return c.redirect(f"{_BASE}/{incident_id}", done="opened")


# -- one incident --------------------------------------------------------------------------------


def _incident(c: Console, actor, incident_id: str) -> Page:
    from yaksok.incidents import AUTHORITIES, ITEM_LABELS, ITEMS, KINDS, get_incident

    now = dt.datetime.now(dt.UTC)
    view = get_incident(c.yk, actor, incident_id, now=now, **_ctx(c))
    cats = dict(category_options(c.yk.policy, c.lang))
    other = "en" if c.lang == "ko" else "ko"
    stages = [{**s, "issued": local(s["issued_at"]),
               "board": local(s["board_until"]) if s["board_until"] else None,
               "items": [(ITEM_LABELS[c.lang][i], s["texts"].get(c.lang, {}).get(i))
                         for i in ITEMS if i in s["texts"].get(c.lang, {})],
               "other": [(ITEM_LABELS[other][i], s["texts"].get(other, {}).get(i))
                         for i in ITEMS if i in s["texts"].get(other, {})]}
              for s in view.stages]
    return Page("console/incidents_incident.html.j2", {
        "title_key": "ic_incident", "tabs": tabs(c), "notice": _notice(c.request),
        "incident": {**view.to_dict(), "discovered": local(view.discovered_at),
                     "aware": local(view.aware_at),
                     "contained": local(view.contained_at) if view.contained_at else None,
                     "category_labels": [cats.get(k, k) for k in view.categories],
                     "history": [{**h, "at": local(h["at"])} for h in view.history]},
        "clocks": [_clock(c, k, now) for k in view.clocks],
        "charts": _charts(c, view.clocks, now), "stages": stages,
        "may_issue": view.frozen and not any(s["kind"] == "final" for s in view.stages),
        "kinds": KINDS, "items": [(i, ITEM_LABELS["ko"][i], ITEM_LABELS["en"][i]) for i in ITEMS],
        "authorities": AUTHORITIES, "base": f"{_BASE}/{view.id}"})


@router.get("/registers/incidents/{incident_id}")
def incident(request: Request, incident_id: str) -> Response:
    """One incident: the record, each clock in words and as a chart, the notices sent, the
    reports; the forms of the next acts (``GET /incidents/{id}``)."""
    c = Console(request)
    return c.render(_incident(c, c.authorize("incidents_manage"), incident_id))


async def _act(request: Request, incident_id: str, act: str, call) -> Response:
    """Run ``call(c, actor, form)`` (one core function); a mistake is the incident's page again
    with the field marked, a success its page with the act's notice."""
    c = Console(request)
    actor = c.authorize("incidents_manage")
    form = await c.read_form()
    try:
        call(c, actor, form)
    except YaksokError as exc:
        # the exemption form names its authority apart from the report form's
        field = "exempt_authority" if act == "exemption" and exc.field == "authority" else None
        return c.render(_incident(c, actor, incident_id), error=exc, field=field)
    return c.redirect(f"{_BASE}/{incident_id}", done=act)


@router.post("/registers/incidents/{incident_id}/affected")
async def fix_affected(request: Request, incident_id: str) -> Response:
    """Fix the affected members once — listed, or from the access log — as
    ``POST /incidents/{id}/affected``."""
    from yaksok.incidents import freeze_affected

    def call(c, actor, f):
        listed = lines(f.get("member_ids"))
        freeze_affected(c.yk, actor, incident_id, member_ids=listed or None,
                        actor_id=f.get("actor_id", "").strip() or None,
                        since=None if listed else kst_time(f.get("since"), "since"),
                        until=None if listed else kst_time(f.get("until"), "until"), **_ctx(c))

    return await _act(request, incident_id, "affected", call)


@router.post("/registers/incidents/{incident_id}/stages")
async def issue_stage(request: Request, incident_id: str) -> Response:
    """The next notice to every affected member (and the board), as
    ``POST /incidents/{id}/stages``."""
    from yaksok.incidents import ITEMS
    from yaksok.incidents import issue_stage as issue

    def call(c, actor, f):
        texts = {lang: {i: f[f"texts.{lang}.{i}"] for i in ITEMS
                        if f.get(f"texts.{lang}.{i}", "").strip()} for lang in ("ko", "en")}
        issue(c.yk, actor, incident_id, f.get("kind", ""), texts,
              post_on_board=f.get("post_on_board") == "yes", **_ctx(c))

    return await _act(request, incident_id, "stage", call)


@router.post("/registers/incidents/{incident_id}/reports")
async def record_report(request: Request, incident_id: str) -> Response:
    """A report made to an authority (PIPC/KISA, an EU supervisory authority, California's
    AG), as ``POST /incidents/{id}/reports``."""
    from yaksok.incidents import record_report as record

    def call(c, actor, f):
        record(c.yk, actor, incident_id, f.get("authority", ""),
               reported_at=kst_time(f.get("reported_at"), "reported_at"),
               reference=f.get("reference", "").strip() or None, **_ctx(c))

    return await _act(request, incident_id, "report", call)


@router.post("/registers/incidents/{incident_id}/exemption")
async def record_exemption(request: Request, incident_id: str) -> Response:
    """Why no report is owed to one authority, as ``POST /incidents/{id}/exemption``."""
    from yaksok.incidents import record_exemption as record

    def call(c, actor, f):
        record(c.yk, actor, incident_id, f.get("exempt_authority", ""), f.get("ground", ""),
               **_ctx(c))

    return await _act(request, incident_id, "exemption", call)
