"""The console's registers: disclosures to authorities and provisions to third parties, the
processors with their contracts and supervision, transfers abroad, the organisational measures
and training, and the record of processing (GDPR 30) as tables with its downloads.

Each page asks the core first (``Console.authorize`` with the operation the REST route's core
function asks: ``disclosures_keep``, ``disclosure_approve``, ``registers_keep``,
``measures_manage``), then calls that same function (``yaksok.disclosures``,
``yaksok.processors``, ``yaksok.measures``); no rule and no SQL here. What the forms post is
only turned into the values the core takes (dates in Korean time, lists from lines); the core
checks them and names the field of a mistake, and the page comes back with it marked.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import ValidationError, YaksokError
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.console.registers_parts import (
    TEXTS,
    category_options,
    kst_time,
    lines,
    picked,
    tabs,
)
from yaksok.web.shown import local

__all__ = ["NAV", "TEXTS", "router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
NAV = (NavItem("rg_menu", "/console/registers/disclosures", "disclosures_keep"),)
_BASE = "/console/registers"


def _notice(request: Request, allowed: tuple[str, ...]) -> str | None:
    """The page's own outcome after a redirect; anything else in ?done= shows nothing."""
    done = request.query_params.get("done", "")
    return f"rg_done_{done}" if done in allowed else None


def _ctx(c: Console) -> dict:
    return {"ip": c.ip, "request_id": c.request_id}


def _page(c: Console, template: str, title_key: str, values: dict) -> Page:
    return Page(f"console/{template}.html.j2",
                {"title_key": title_key, "tabs": tabs(c), "local": local,
                 "chosen": picked(c, "categories"), **values})


# -- disclosures to authorities, provisions to third parties (P4.1, P9.1) ------------------------


def _disclosures(c: Console, actor) -> Page:
    from yaksok.disclosures import list_disclosures, list_provisions

    policy = c.yk.policy
    labels = {e.key: e.label.get(c.lang) for e in policy.disclosure.exceptions}
    cats = dict(category_options(policy, c.lang))
    items = [{**d.to_dict(), "exception_label": labels.get(d.exception, d.exception),
              "category_labels": [cats.get(k, k) for k in d.categories]}
             for d in list_disclosures(c.yk, actor, **_ctx(c))]
    provisions = [p.to_dict() for p in list_provisions(c.yk, actor, **_ctx(c))]
    return _page(c, "registers_disclosures", "rg_disclosures", {
        "items": items, "provisions": provisions, "may_decide": c.may("disclosure_approve"),
        "exceptions": [(e.key, e.label.get(c.lang), list(e.requires))
                       for e in policy.disclosure.exceptions],
        "categories": category_options(policy, c.lang),
        "notice": _notice(c.request, ("recorded", "approved", "rejected"))})


@router.get("/registers/disclosures")
def disclosures(request: Request) -> Response:
    """The disclosure register and the provisions, as ``GET /disclosures`` and
    ``GET /third-parties/provisions``."""
    c = Console(request)
    return c.render(_disclosures(c, c.authorize("disclosures_keep")))


@router.post("/registers/disclosures")
async def record_disclosure(request: Request) -> Response:
    """Record what an authority asked for, as ``POST /disclosures``; nothing leaves yet."""
    from yaksok.disclosures import record_disclosure as record

    c = Console(request)
    actor = c.authorize("disclosures_keep")
    f = await c.read_form()
    document = f.get("request_document", "")
    try:
        record(c.yk, actor, exception=f.get("exception", ""), authority=f.get("authority", ""),
               authority_ref=f.get("authority_ref", ""),
               legal_citation=f.get("legal_citation", ""), members=lines(f.get("members")),
               categories=picked(c, "categories"),
               recipient_country=f.get("recipient_country", ""),
               period_from=kst_time(f.get("period_from"), "period_from"),
               period_until=kst_time(f.get("period_until"), "period_until", through=True),
               # the request's text as typed or pasted (the form takes no file: a scanned
               # warrant is attached with `yaksok disclosures record --document`)
               request_document=document.encode("utf-8") if document.strip() else None,
               document_type="text/plain; charset=utf-8" if document.strip() else None,
               notice_deferred_until=kst_time(f.get("notice_deferred_until"),
                                              "notice_deferred_until", through=True),
               deferral_ground=f.get("deferral_ground") or None, **_ctx(c))
    except YaksokError as exc:
        c.form.pop("request_document", None)  # never echoed back into the page
        return c.render(_disclosures(c, actor), error=exc)
    return c.redirect(f"{_BASE}/disclosures", done="recorded")


@router.post("/registers/disclosures/{disclosure_id}/approve")
async def approve_disclosure(request: Request, disclosure_id: str) -> Response:
    """The officer approves, as ``POST /disclosures/{id}/approve`` (from now on its scope may
    be produced)."""
    return await _decide(request, disclosure_id, "approve")


@router.post("/registers/disclosures/{disclosure_id}/reject")
async def reject_disclosure(request: Request, disclosure_id: str) -> Response:
    """The officer rejects, with the reason, as ``POST /disclosures/{id}/reject``."""
    return await _decide(request, disclosure_id, "reject")


@router.post("/registers/disclosures/{disclosure_id}/document")
async def disclosure_document(request: Request, disclosure_id: str) -> Response:
    """The sealed request document opened for the officer who decides, as
    ``GET /disclosures/{id}/document`` (the opening is logged): a download, never shown."""
    return await _decide(request, disclosure_id, "document")


async def _decide(request: Request, disclosure_id: str, act: str) -> Response:
    from yaksok.disclosures import approve_disclosure, reject_disclosure, request_document

    c = Console(request)
    actor = c.authorize("disclosure_approve")
    f = await c.read_form()
    try:
        if act == "approve":
            approve_disclosure(c.yk, actor, disclosure_id, note=f.get("note") or None,
                               **_ctx(c))
        elif act == "reject":
            reject_disclosure(c.yk, actor, disclosure_id, note=f.get("note", ""), **_ctx(c))
        else:
            data, _ = request_document(c.yk, actor, disclosure_id, **_ctx(c))
            return Response(data, media_type="application/octet-stream", headers={
                "Content-Disposition": f'attachment; filename="{disclosure_id}.bin"'})
    except YaksokError as exc:
        # the reason is asked per disclosure: mark that disclosure's field
        field = f"{act}-note-{disclosure_id}" if exc.field == "note" else None
        return c.render(_disclosures(c, c.authorize("disclosures_keep")), error=exc,
                        field=field)
    return c.redirect(f"{_BASE}/disclosures", done="approved" if act == "approve" else "rejected")


# -- processors: contracts and supervision (P10.1-P10.3) ----------------------------------------


def _processors(c: Console, actor) -> Page:
    from yaksok.processors import CLAUSES, processor_records, processor_status

    rows = processor_status(c.yk, actor, **_ctx(c))
    for row in rows:
        row["records"] = processor_records(c.yk, actor, row["processor"], **_ctx(c))
        row["label"] = (row["name"] or {}).get(c.lang) or row["processor"]
    return _page(c, "registers_processors", "rg_processors", {
        "rows": rows, "clauses": [(k, law, what) for k, (law, what) in CLAUSES.items()],
        "processors": [(p.key, p.name.get(c.lang)) for p in c.yk.policy.processors],
        "notice": _notice(c.request, ("checked", "contracted"))})


@router.get("/registers/processors")
def processors(request: Request) -> Response:
    """Every processor with its tasks, contract, warnings and history, as
    ``GET /registers/processors`` and ``GET /registers/processors/{processor}/records``."""
    c = Console(request)
    return c.render(_processors(c, c.authorize("registers_keep")))


@router.post("/registers/processors/check")
async def record_check(request: Request) -> Response:
    """A supervision check (day, who, findings, next due), as
    ``POST /registers/processors/{processor}/checks``."""
    from yaksok.processors import record_check as record

    c = Console(request)
    actor = c.authorize("registers_keep")
    f = await c.read_form()
    try:
        record(c.yk, actor, f.get("processor", ""), checked_on=f.get("checked_on", ""),
               checked_by=f.get("checked_by", ""), findings=f.get("findings", ""),
               next_due=f.get("next_due", ""), **_ctx(c))
    except YaksokError as exc:
        return c.render(_processors(c, actor), error=exc)
    return c.redirect(f"{_BASE}/processors", done="checked")


@router.post("/registers/processors/contract")
async def record_contract(request: Request) -> Response:
    """An entrustment contract, each clause with its article, as
    ``POST /registers/processors/{processor}/contracts`` (only the document's SHA-256 is
    kept)."""
    from yaksok.processors import record_contract as record

    c = Console(request)
    actor = c.authorize("registers_keep")
    f = await c.read_form()
    clauses = {k.removeprefix("clauses."): v for k, v in f.items()
               if k.startswith("clauses.") and v.strip()}
    try:
        record(c.yk, actor, f.get("processor", ""), signed_on=f.get("signed_on", ""),
               ends_on=f.get("ends_on") or None, clauses=clauses,
               document_sha256=f.get("document_sha256", "").strip().lower(), **_ctx(c))
    except YaksokError as exc:
        # two forms on the page name a processor: mark this one's
        return c.render(_processors(c, actor), error=exc,
                        field="contract-processor" if exc.field == "processor" else None)
    return c.redirect(f"{_BASE}/processors", done="contracted")


# -- transfers abroad (P12.1) -----------------------------------------------------------------


def _transfers(c: Console, actor, gate: dict | None = None) -> Page:
    from yaksok.processors import list_transfers, ropa

    policy = c.yk.policy
    recipients = [(p.key, p.name.get(c.lang)) for p in policy.processors]
    recipients += [(r.key, r.label.get(c.lang)) for r in policy.third_party_provision.recipients]
    return _page(c, "registers_transfers", "rg_transfers", {
        "items": list_transfers(c.yk, actor, **_ctx(c)),
        "routes": ropa(c.yk, actor, lang=c.lang, **_ctx(c))["transfers"],
        "recipients": recipients, "categories": category_options(policy, c.lang),
        "gate": gate, "notice": _notice(c.request, ("transferred",))})


@router.get("/registers/transfers")
def transfers(request: Request) -> Response:
    """Transfer records and the routes the policy declares, as ``GET /registers/transfers``."""
    c = Console(request)
    return c.render(_transfers(c, c.authorize("registers_keep")))


@router.post("/registers/transfers")
async def record_transfer(request: Request) -> Response:
    """Record a transfer, as ``POST /registers/transfers``: the gate names the mechanism or
    refuses (logged)."""
    from yaksok.processors import record_transfer as record

    c = Console(request)
    actor = c.authorize("registers_keep")
    f = await c.read_form()
    try:
        record(c.yk, actor, origin=f.get("origin", ""), recipient=f.get("recipient", ""),
               categories=picked(c, "categories"), transferred_on=f.get("transferred_on", ""),
               destination=f.get("destination", "").strip().upper() or None, **_ctx(c))
    except YaksokError as exc:
        return c.render(_transfers(c, actor), error=exc)
    return c.redirect(f"{_BASE}/transfers", done="transferred")


@router.post("/registers/transfers/check")
async def check_transfer(request: Request) -> Response:
    """The gate's answer for a route on a day, recording nothing
    (``GET /registers/transfers/check``)."""
    from yaksok.processors import check_route

    c = Console(request)
    actor = c.authorize("registers_keep")
    f = await c.read_form()
    try:
        gate = check_route(c.yk, actor, origin=f.get("gate-origin", ""),
                           recipient=f.get("gate-recipient", ""),
                           destination=f.get("gate-destination", "").strip().upper() or None,
                           on=f.get("gate-on") or None, **_ctx(c)).to_dict()
    except YaksokError as exc:
        # the question's own fields carry the gate- prefix (the record form names the same)
        return c.render(_transfers(c, actor), error=exc,
                        field=f"gate-{exc.field}" if exc.field else None)
    return c.render(_transfers(c, actor, gate))


# -- organisational measures and training (P7.3, P7.4, P10.2, P12.8) ------------------------------


def _measures(c: Console, actor) -> Page:
    from yaksok.measures import measure_states, training_states

    states = [m.to_dict() for m in measure_states(c.yk, actor, **_ctx(c))]
    training = [t.to_dict() for t in training_states(c.yk, actor, **_ctx(c))]
    return _page(c, "registers_measures", "rg_measures", {
        "measures": states, "training": training,
        "measure_options": [(m["key"], m["label"][c.lang]) for m in states],
        "staff_options": [(t["username"], f"{t['username']} ({t['role']})") for t in training],
        "notice": _notice(c.request, ("evidenced", "trained"))})


@router.get("/registers/measures")
def measures(request: Request) -> Response:
    """Each organisational measure's evidence and each staff member's training, as
    ``GET /measures`` and ``GET /staff/training``."""
    c = Console(request)
    return c.render(_measures(c, c.authorize("measures_manage")))


@router.post("/registers/measures/evidence")
async def record_evidence(request: Request) -> Response:
    """Evidence for a measure (owner, the document's SHA-256 and place, done, next review), as
    ``POST /measures/{measure}/evidence``."""
    from yaksok.measures import record_evidence as record

    c = Console(request)
    actor = c.authorize("measures_manage")
    f = await c.read_form()
    try:
        record(c.yk, actor, f.get("measure", ""), owner=f.get("owner", ""),
               document_sha256=f.get("document_sha256", "").strip(),
               location=f.get("location", ""), done_on=f.get("done_on", ""),
               next_review=f.get("next_review", ""), note=f.get("note") or None, **_ctx(c))
    except YaksokError as exc:
        return c.render(_measures(c, actor), error=exc)
    return c.redirect(f"{_BASE}/measures", done="evidenced")


@router.post("/registers/measures/training")
async def record_training(request: Request) -> Response:
    """A staff member's completed training, as ``POST /staff/training``."""
    from yaksok.measures import record_training as record

    c = Console(request)
    actor = c.authorize("measures_manage")
    f = await c.read_form()
    try:
        record(c.yk, actor, f.get("username", ""), course=f.get("course", ""),
               completed_on=f.get("completed_on", ""), next_due=f.get("next_due", ""),
               document_sha256=f.get("training-sha256", "").strip() or None, **_ctx(c))
    except YaksokError as exc:
        # the evidence form on the same page has its own document_sha256
        return c.render(_measures(c, actor), error=exc, field="training-sha256"
                        if exc.field == "document_sha256" else None)
    return c.redirect(f"{_BASE}/measures", done="trained")


# -- the record of processing (GDPR 30) ---------------------------------------------------------


@router.get("/registers/ropa")
def ropa_page(request: Request) -> Response:
    """The record of processing activities as tables, in the page's language
    (``GET /registers/ropa``); downloads of the same as JSON and Markdown."""
    from yaksok.processors import ropa

    c = Console(request)
    actor = c.authorize("registers_keep")
    return c.render(_page(c, "registers_ropa", "rg_ropa",
                          {"record": ropa(c.yk, actor, lang=c.lang, **_ctx(c))}))


@router.get("/registers/ropa/download")
def ropa_download(request: Request) -> Response:
    """The same record as a file: ``?format=json`` or ``md`` (``GET /registers/ropa?format=``)."""
    import json

    from yaksok.processors import ropa, ropa_markdown

    c = Console(request)
    actor = c.authorize("registers_keep")
    kind = request.query_params.get("format", "json")
    if kind not in ("json", "md"):
        raise ValidationError("format is json or md", field="format",
                              fix="use the page's download links")
    record = ropa(c.yk, actor, lang=c.lang, **_ctx(c))
    name = f"ropa-{record['as_of']}-{c.lang}.{kind}"
    if kind == "md":
        body, media = ropa_markdown(record), "text/markdown; charset=utf-8"
    else:
        body = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        media = "application/json"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
