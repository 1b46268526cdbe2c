"""The witness's own HTTP app (a separate process from yaksok's API): ``POST /add-checkpoint``
(C2SP tlog-witness) and ``GET /latest``.

tlog-witness has no read API yet ("TBD Monitor Retrieval Mechanism"); ``GET
/latest?origin=<origin>`` is ours: the latest checkpoint this witness cosigned for the log, as a
signed note carrying the log's signature and the witness's cosignature, which ``yaksok audit
verify`` compares with the database.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from yaksok.errors import NotFound, YaksokError
from yaksok.witness.core import Witness

__all__ = ["create_witness_app", "MAX_BODY"]

_log = logging.getLogger("yaksok.witness")

#: 63 proof lines and a checkpoint with a few signatures fit in well under this.
MAX_BODY = 64 * 1024


def create_witness_app(witness: Witness) -> Starlette:
    async def add_checkpoint(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            return PlainTextResponse("request body too large\n", status_code=413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return PlainTextResponse("request body too large\n", status_code=413)
        # The check-and-persist holds a file lock and fsyncs: off the event loop.
        try:
            answer = await run_in_threadpool(witness.add_checkpoint, body)
        except (YaksokError, OSError) as exc:
            return _unavailable(exc)
        # Exactly the spec's type (Starlette would add a charset to a text/* media type).
        return Response(answer.body.encode("utf-8"), status_code=answer.status,
                        headers={"content-type": answer.content_type})

    async def latest(request: Request) -> Response:
        origin = request.query_params.get("origin", "")
        try:
            return PlainTextResponse(witness.latest(origin))
        except NotFound as exc:
            return PlainTextResponse(f"{exc}\n", status_code=404)
        except (YaksokError, OSError) as exc:
            return _unavailable(exc)

    async def key(request: Request) -> Response:
        return PlainTextResponse(f"{witness.key}\n")

    def _unavailable(exc: Exception) -> Response:
        # The details (paths of the state directory) are for the operator's log only.
        _log.error("witness: %s", exc)
        return PlainTextResponse("the witness cannot answer: its state is damaged or cannot "
                                 "be written; its operator has the details\n", status_code=503)

    return Starlette(routes=[
        Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
        Route("/latest", latest, methods=["GET"]),
        Route("/key", key, methods=["GET"]),
    ])
