"""A request's timeline as its requester may follow it: when it moved, from which status to which,
and the reason code; never who handled it (a staff id is not the requester's to see).

``timeline`` asks ``request_for`` first (``yaksok.access``: ``rights_view``: the request's member
or a handler; to a member, another's request is a ``NotFound``), then reads the transitions
(``request_events``). The privacy center's rights page shows it under each request; staff read
the whole events at ``GET /rights/requests/{id}/events``.
"""

from __future__ import annotations

from yaksok.rights.requests import request_events, request_for
from yaksok.services import Services

__all__ = ["timeline"]


def timeline(yk: Services, actor, request_id: str, *, ip: str | None = None) -> list[dict]:
    """The request's transitions, oldest first: ``at``, ``from_status``, ``to_status``,
    ``reason`` and ``by`` (``member``, ``staff``, ``system``, ... : the kind, never an id)."""
    rq = request_for(yk, actor, request_id, ip=ip)
    return [{"at": e.at, "from_status": e.from_status, "to_status": e.to_status,
             "reason": e.reason, "by": e.actor_kind} for e in request_events(yk, rq.id)]
