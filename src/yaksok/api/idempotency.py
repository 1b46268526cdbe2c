"""The ``Idempotency-Key`` header on the writes a client may need to retry: collect, batch,
sign-up and a member's rights request (``yaksok.store.idempotency`` keeps the answers).

A route hands ``idempotently`` the caller, the operation, the request's body as data, the write
(given the claim, which the core records in the write's own transaction) and how to answer from
a recorded result. A replay answers with the first status and ``Idempotent-Replayed: true``.
No rule lives here: which writes accept a key is which routes call this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from yaksok.api.auth import get_yaksok
from yaksok.store.idempotency import HEADER, Replay

__all__ = ["HEADER", "idempotently"]

REPLAYED = "Idempotent-Replayed"


def idempotently(request: Request, *, caller: str, operation: str, body: dict,
                 write: Callable[[Any], Any], answer: Callable[[dict], dict]) -> Any:
    """Run ``write(claim)`` once per key; a retry with the key gets the first answer again."""
    keys = get_yaksok(request).idempotency
    claim = keys.begin(caller, operation, request.headers.get(HEADER), body)
    if isinstance(claim, Replay):
        return _replayed(claim, answer)
    try:
        return write(claim)
    except Exception:
        twin = keys.settled(claim, body) if claim is not None else None
        if twin is None:
            raise
        return _replayed(twin, answer)  # a twin with the same key committed first


def _replayed(replay: Replay, answer: Callable[[dict], dict]) -> JSONResponse:
    return JSONResponse(answer(replay.result), status_code=replay.status,
                        headers={REPLAYED: "true", "Cache-Control": "no-store"})
