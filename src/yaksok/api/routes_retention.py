"""``GET /retention/status``: held records by kind and month of expiry, the next expiry and the
last destruction records (counts and windows, never values). For staff with ``audit.read``
(the privacy officer's role has it)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from yaksok.actors import Actor
from yaksok.api.auth import authorized, get_yaksok
from yaksok.api.problems import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["retention"])


@router.get("/retention/status", responses=problem_responses(401, 403))
def retention_status_route(request: Request,
                           last: int = Query(20, ge=1, le=500),
                           actor: Actor = Depends(authorized("retention_status"))
                           ) -> JSONResponse:
    """The retention overview (see docs/retention.md)."""
    from yaksok.retention import retention_status

    return JSONResponse(retention_status(get_yaksok(request), last=last),
                        headers={"Cache-Control": "no-store"})
