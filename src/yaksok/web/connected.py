"""The privacy center's connected accounts (issue 18, P12.9): the member's connected Google
account and its revocation.

``GET /center/connected`` shows each integration of the policy with the member's connection
(``yaksok.connected.connections``, as ``GET /members/{id}/connected-accounts``); ``POST
/center/connected/revoke`` revokes one (``yaksok.connected.revoke``, as ``DELETE
/members/{id}/connected-accounts/{provider}``): the tokens are destroyed at once and the
provider's RFC 7009 endpoint is asked to revoke the grant. No token is ever on a page. No access
rule and no SQL here (see README.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import YaksokError
from yaksok.web.frame import Center, CenterRoute, Page
from yaksok.web.shown import local

__all__ = ["router"]

router = APIRouter(prefix="/center", route_class=CenterRoute, include_in_schema=False)


def _page(c: Center, actor) -> Page:
    from yaksok.connected import connections

    found = {x.provider: x for x in connections(c.yk, actor.id, actor=actor, ip=c.ip,
                                                request_id=c.request_id)}
    items = []
    for i in c.yk.policy.integrations:
        x = found.get(i.key)
        items.append({
            "key": i.key, "name": i.name.get(c.lang), "provider": i.provider,
            "revoke_url": i.revoke_url, "privacy_url": i.privacy_policy_url,
            "status": x.status if x else None,
            "connected_at": local(x.connected_at) if x else "",
            "revoked_at": local(x.revoked_at) if x and x.revoked_at else "",
            "next_attempt_at": local(x.next_attempt_at) if x and x.next_attempt_at else ""})
    done = c.request.query_params.get("done")
    return Page("connected.html.j2", {"title_key": "connected", "items": items,
                                      "notice": done if done in ("revoked", "revoking") else None})


@router.get("/connected")
def connected_page(request: Request) -> Response:
    c = Center(request)
    actor = c.own_account()
    return c.render(_page(c, actor))


@router.post("/connected/revoke")
async def revoke(request: Request) -> Response:
    """Revoke one connection, as ``DELETE /members/{id}/connected-accounts/{provider}``."""
    from yaksok.connected import revoke as revoke_connection

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        done = revoke_connection(c.yk, actor.id, form.get("provider", "")[:64], actor=actor,
                                 ip=c.ip, request_id=c.request_id)
    except YaksokError as exc:
        return c.render(_page(c, actor), error=exc, field="provider")
    return c.redirect("/center/connected",
                      done="revoked" if done.status == "revoked" else "revoking")
