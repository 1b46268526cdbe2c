"""The privacy center's records (issue 18): who saw my data, was I part of a breach, the
policy's versions and notices.

Every page calls the same core function as the REST route named beside it and holds no access
rule and no SQL (see README.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import ValidationError, YaksokError
from yaksok.web.frame import Center, CenterRoute, Page
from yaksok.web.shown import local

__all__ = ["router"]

router = APIRouter(prefix="/center", route_class=CenterRoute, include_in_schema=False)


# -- who saw my data, breaches, notices ----------------------------------------------------------


@router.get("/history")
def history(request: Request) -> Response:
    """Who saw my data (P6.1), as ``GET /me/access-history``: the read is logged first."""
    from yaksok.auditlog.history import history_event, subject_history
    from yaksok.disclosures import member_disclosures

    c = Center(request)
    actor = c.own_account()
    yk = c.yk
    yk.audit.record(history_event(actor, actor.id, purpose=None, source_ip=c.ip,
                                  request_id=c.request_id,
                                  policy_version=yk.published.version))
    items = [i.to_dict() for i in subject_history(yk.engine, yk.policy, actor.id, lang=c.lang,
                                                   limit=200)]
    # Where my data went, with to whom and under which law (as GET /me/disclosures); the core
    # leaves out a disclosure whose notice a statute still defers.
    disclosures = [{**d, "at": local(d["at"]) if d["at"] else "-",
                    "categories": [_category(yk.policy, k, c.lang) for k in d["categories"]]}
                   for d in member_disclosures(yk, actor, actor.id, lang=c.lang, ip=c.ip,
                                               request_id=c.request_id)]
    return c.render(Page("history.html.j2", {"title_key": "history", "items": items,
                                             "disclosures": disclosures}))


@router.get("/incidents")
def incidents(request: Request) -> Response:
    """Was my data part of a breach? As ``GET /me/incidents``."""
    from yaksok.incidents import my_incidents

    c = Center(request)
    actor = c.own_account()
    policy = c.yk.policy
    items = []
    for i in my_incidents(c.yk, actor, actor.id, lang=c.lang, ip=c.ip,
                          request_id=c.request_id):
        stages = [{"kind": s["kind"], "at": local(s["issued_at"]), **_stage_text(s["text"])}
                  for s in i["notices"]]
        items.append({"id": i["incident_id"], "title": i["title"], "possible": i["possible"],
                      "discovered": local(i["discovered_at"]),
                      "categories": [_category(policy, k, c.lang) for k in i["categories"]],
                      "latest": stages[-1] if stages else None,
                      "earlier": list(reversed(stages[:-1]))})
    o = policy.officer
    officer = {"name": o.name.get(c.lang), "title": o.title,
               "organisation": o.organisation.get(c.lang), "phone": o.phone, "email": o.email}
    return c.render(Page("incidents.html.j2", {"title_key": "incidents", "items": items,
                                               "officer": officer}))


def _category(policy, key: str, lang: str) -> str:
    cat = policy.category(key)
    return cat.label.get(lang) if cat else key


def _stage_text(text: str) -> dict:
    """A notice's text as the core writes it (a heading, then ``■ label`` and its paragraph per
    item) laid out as a heading and (label, paragraph) sections."""
    head, *parts = text.split("\n\n■ ")
    sections = []
    for part in parts:
        label, _, body = part.partition("\n")
        sections.append({"label": label.strip(), "body": body.strip()})
    return {"heading": head.strip(), "sections": sections}


def _version_diffs(c: Center) -> list[dict]:
    """Each published version, newest first, with what changed from the one before it: the
    core's ``policy.diff.diff_policies`` of the two published texts, each change in the page's
    language (``render_diff``: the policy's own labels), grouped as added, removed, changed."""
    from yaksok.policy.diff import PolicyDiff, diff_policies, render_diff
    from yaksok.policy.versions import list_versions, published_version

    engine, lang = c.yk.engine, c.lang
    out, previous = [], None
    for v in list_versions(engine):
        policy = published_version(engine, v["version"]).policy
        groups: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
        if previous is not None:
            diff = diff_policies(previous, policy)
            for change in diff.changes:
                one = PolicyDiff(diff.old_version, diff.new_version, (change,))
                line = render_diff(one, lang, old=previous, new=policy).splitlines()[0]
                groups[change.kind].append(line.removeprefix("- "))
        out.append({"version": v["version"], "effective": v["effective_date"].isoformat(),
                    "first": previous is None, "groups": groups,
                    "empty": previous is not None and not any(groups.values())})
        previous = policy
    return list(reversed(out))


def _notices_page(c: Center, actor) -> Page:
    from yaksok.publishing.inbox import member_notices_of
    from yaksok.publishing.notices import list_notices

    mine = [{"id": n.notice_id, "version": n.version,
             "title": n.title_ko if c.lang == "ko" else n.title_en,
             "at": local(n.created_at), "read": n.read_at is not None}
            for n in member_notices_of(c.yk.engine, actor.id)]
    posted = list_notices(c.yk.engine)
    done = c.request.query_params.get("done")
    return Page("notices.html.j2", {
        "title_key": "notices", "mine": mine, "versions": _version_diffs(c),
        "notice": "marked_read" if done == "read" else None,
        "notices": [{"id": n.id, "version": n.version,
                     "title": n.title_ko if c.lang == "ko" else n.title_en,
                     "effective": n.effective_date.isoformat()} for n in posted]})


@router.get("/notices")
def notices(request: Request) -> Response:
    """My in-app notices (as ``GET /me/notices``), the notices board and the policy's published
    versions, each with its diff from the one before (public pages ``/policy/{version}`` and
    ``/notices/{id}`` for the full texts)."""
    c = Center(request)
    actor = c.own_account()
    return c.render(_notices_page(c, actor))


@router.post("/notices/read")
async def notice_read(request: Request) -> Response:
    """Mark one of my in-app notices read, as ``POST /me/notices/{id}/read``."""
    from yaksok.publishing.inbox import mark_notice_read

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    raw = form.get("notice_id", "")
    try:
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
            raise ValidationError("a notice id is a positive whole number", field="notice_id",
                                  fix="use the button beside the notice")
        mark_notice_read(c.yk.engine, actor.id, int(raw))
    except YaksokError as exc:
        return c.render(_notices_page(c, actor), error=exc, field="notice_id")
    return c.redirect("/center/notices", done="read")
