"""The privacy center's records (issue 18): who saw my data, was I part of a breach, the
policy's versions and notices.

Every page calls the same core function as the REST route named beside it and holds no access
rule and no SQL (see README.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.web.frame import Center, CenterRoute, Page

__all__ = ["router"]

router = APIRouter(prefix="/center", route_class=CenterRoute, include_in_schema=False)


# -- who saw my data, breaches, notices ----------------------------------------------------------


@router.get("/history")
def history(request: Request) -> Response:
    """Who saw my data (P6.1), as ``GET /me/access-history``: the read is logged first."""
    from yaksok.auditlog.history import history_event, subject_history

    c = Center(request)
    actor = c.own_account()
    yk = c.yk
    yk.audit.record(history_event(actor, actor.id, purpose=None, source_ip=c.ip,
                                  request_id=c.request_id,
                                  policy_version=yk.published.version))
    items = [i.to_dict() for i in subject_history(yk.engine, yk.policy, actor.id, lang=c.lang,
                                                   limit=200)]
    return c.render(Page("history.html.j2", {"title_key": "history", "items": items}))


@router.get("/incidents")
def incidents(request: Request) -> Response:
    """Was my data part of a breach? As ``GET /me/incidents``."""
    from yaksok.incidents import my_incidents

    c = Center(request)
    actor = c.own_account()
    items = my_incidents(c.yk, actor, actor.id, lang=c.lang, ip=c.ip, request_id=c.request_id)
    return c.render(Page("incidents.html.j2", {"title_key": "incidents", "items": items}))


@router.get("/notices")
def notices(request: Request) -> Response:
    """The policy's published versions and the notices of change with their diffs (public
    pages ``/policy/{version}`` and ``/notices/{id}``)."""
    from yaksok.policy.versions import list_versions
    from yaksok.publishing.notices import list_notices

    c = Center(request)
    c.own_account()
    versions = list_versions(c.yk.engine)
    posted = list_notices(c.yk.engine)
    return c.render(Page("notices.html.j2", {
        "title_key": "notices", "versions": versions,
        "notices": [{"id": n.id, "version": n.version,
                     "title": n.title_ko if c.lang == "ko" else n.title_en,
                     "effective": n.effective_date.isoformat()} for n in posted]}))
