"""Status callbacks (DRP 2.03): a request's changed status is POSTed to its ``status_callback``.

The callback URL is on the agent's registered site (checked when the request is received);
delivery is best effort, and ``callback_sent`` keeps the last status delivered so each change
is pushed once.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from yaksok.rights.drp.bridge import _row
from yaksok.rights.drp.statuses import status
from yaksok.services import Services
from yaksok.store.sql import storage_errors, write
from yaksok.store.tables import drp_requests

_log = logging.getLogger("yaksok.rights.drp")

_FINAL_MARKS = ("fulfilled/", "denied/", "revoked/")


def push_status(yk: Services, drp_id: str, *, base_url: str = "/", client=None,
                now: dt.datetime | None = None) -> bool:
    """POST the request's status to its ``status_callback`` if it changed since the last
    delivery (best effort, 5 s); True when the agent answered 2xx and the status is recorded
    as delivered."""
    import httpx

    row = _row(yk, drp_id)
    if not row.status_callback:
        return False
    current = status(yk, drp_id, base_url=base_url, now=now)
    mark = f"{current['status']}/{current.get('reason') or ''}"
    if mark == row.callback_sent:
        return False
    own = client is None
    client = client or httpx.Client(timeout=5.0, follow_redirects=False)
    try:
        delivered = 200 <= client.post(row.status_callback, json=current).status_code < 300
    except httpx.HTTPError as exc:
        _log.warning("DRP %s: status callback failed (%s)", drp_id, type(exc).__name__)
        delivered = False
    finally:
        if own:
            client.close()
    if delivered:
        with write(yk.engine) as conn:
            conn.execute(drp_requests.update().where(drp_requests.c.id == drp_id)
                         .values(callback_sent=mark))
    return delivered


def deliver_callbacks(yk: Services, *, base_url: str = "/", client=None,
                      now: dt.datetime | None = None) -> int:
    """Push every changed status whose final state was not delivered yet; returns how many
    were delivered (``yaksok drp callbacks`` runs it; the API pushes after each DRP call)."""
    t = drp_requests.c
    done = sa.or_(*(t.callback_sent.like(f"{m}%") for m in _FINAL_MARKS))
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        ids = conn.execute(sa.select(t.id).where(
            t.status_callback.is_not(None), sa.or_(t.callback_sent.is_(None), sa.not_(done)))
            .order_by(t.received_at)).scalars().all()
    return sum(push_status(yk, i, base_url=base_url, client=client, now=now) for i in ids)
