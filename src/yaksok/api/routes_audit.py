"""The access log's inspection routes: the monthly report and a member's access history.

Both read access records, which is itself an access: each request appends its own entry to the
access log, committed before anything is returned (the report as a *download* with its reason,
the history as a *read* whose subject is the member). Responses carry ``Cache-Control:
no-store``: the report holds source IPs and the history is about one person.

``history_response`` is the whole of the history route apart from authorisation, so the
members' own ``GET /me/access-history`` can call it with the member as actor and subject.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from yaksok.actors import Actor
from yaksok.api.auth import authorized, client_ip, get_yaksok
from yaksok.api.problems import problem_responses, request_id_of
from yaksok.auditlog import AccessEvent
from yaksok.auditlog.history import history_event, report_event, subject_history
from yaksok.auditlog.inspect import monthly_report, parse_month, report_html, report_json
from yaksok.errors import ValidationError

__all__ = ["ONE_LINE", "router", "history_response", "HistoryOut", "client_ip"]

#: An id in a path: one line, no control characters (the access log refuses them:
#: ``auditlog.encoding``), so /openapi.json says so and a bad one is a 422 naming the parameter.
ONE_LINE = r"^[^\x00-\x1f\x7f]+$"
#: A month the access log can hold, YYYY-MM from 1970-01 to 9998-12 (``inspect.parse_month``).
MONTH = r"^(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(0[1-9]|1[0-2])$"

router = APIRouter(tags=["audit"])

_NO_STORE = {"Cache-Control": "no-store"}


class HistoryItemOut(BaseModel):
    at: str
    when: str
    who: str
    who_kind: str
    operation: str
    what: str
    categories: list[str]
    purpose: str | None
    outcome: Literal["granted", "refused"]
    outcome_label: str
    lang: str


class HistoryOut(BaseModel):
    subject_ref: str
    lang: str
    items: list[HistoryItemOut]


def record_access(request: Request, event: AccessEvent) -> int:
    """Commit ``event`` (its own transaction) before the caller returns any data; its seq."""
    return get_yaksok(request).audit.record(event)


def _context(request: Request) -> dict:
    return {"source_ip": client_ip(request), "request_id": request_id_of(request),
            "policy_version": get_yaksok(request).published.version}


@router.get(
    "/audit/report",
    responses={**problem_responses(401, 403, 422),
               200: {"content": {"application/json": {}, "text/html": {}},
                     "description": "The report as JSON or as an HTML document."}},
)
def audit_report(
    request: Request,
    month: str = Query(description="The month to inspect, YYYY-MM (inspection time zone).",
                       examples=["2026-11"],
                       # The pattern for /openapi.json; parse_month checks the same, with
                       # messages that say what is wrong (the year, the month).
                       json_schema_extra={"pattern": MONTH}),
    fmt: Literal["json", "html"] = Query("json", alias="format"),
    lang: Literal["ko", "en"] = Query("ko", description="Language of the HTML report."),
    actor: Actor = Depends(authorized("audit_report")),
):
    """The monthly inspection of the access log: counts and flagged entries (with their seqs).

    Example: `GET /audit/report?month=2026-11&format=html&lang=en`
    """
    # A bad month is refused before anything is logged; the pattern leaves no room for spaces.
    if month != month.strip():
        raise ValidationError(f"{month[:20]!r} is not a month: no spaces", field="month",
                              fix="write it as YYYY-MM, e.g. 2026-11")
    parse_month(month)
    yk = get_yaksok(request)
    record_access(request, report_event(request.state.actor, month, **_context(request)))
    report = monthly_report(yk.engine, yk.policy, month)
    if fmt == "html":
        return HTMLResponse(report_html(report, lang), headers=_NO_STORE)
    return JSONResponse(report_json(report), headers=_NO_STORE)


class VerifyOut(BaseModel):
    ok: bool
    summary: str
    entries: int
    checkpoints: int
    latest_size: int | None
    latest_root: str | None
    first_bad_seq: int | None
    problems: list[str]
    pinned: bool
    witnessed_size: int | None


class KeysOut(BaseModel):
    log_key: str
    pinned_key: str | None
    witness_key: str | None
    witness_url: str | None


@router.get("/audit/verify", response_model=VerifyOut,
            responses=problem_responses(401, 403, 422, 503))
def audit_verify(
    request: Request,
    key: str | None = Query(None, max_length=200, pattern=r"^[\x21-\x7e]+$",
                            description="A pinned verifier key (`yaksok audit key`); default: "
                                        "YAKSOK_AUDIT_KEY, else the keyring's keys."),
    witness: bool = Query(True, description="Ask the configured witness (false: do not)."),
    actor: Actor = Depends(authorized("audit_verify")),
) -> VerifyOut:
    """Recompute the access log and check it against every signed checkpoint and the witness.

    A failed check is an answer (`ok: false`, the problems, the first entry that differs), not
    an error. Example: `GET /audit/verify?key=yaksok.local%2Fyaksok-data%2Faccess-log%2B...`
    """
    from yaksok.auditlog.checkpoint import ED25519, InvalidCheckpoint
    from yaksok.auditlog.cosign import parse_vkey

    try:
        pin = parse_vkey(key, ED25519) if key else None
    except InvalidCheckpoint as exc:
        raise ValidationError(str(exc), field="key",
                              fix="give the line `yaksok audit key` prints") from None
    r = get_yaksok(request).audit.verify(pin=pin, use_witness=witness)
    return VerifyOut(ok=r.ok, summary=r.summary(), entries=r.entries, checkpoints=r.checkpoints,
                     latest_size=r.latest_size,
                     latest_root=r.latest_root.hex() if r.latest_root else None,
                     first_bad_seq=r.first_bad_seq, problems=r.problems[:50], pinned=r.pinned,
                     witnessed_size=r.witnessed_size)


@router.get("/audit/key", response_model=KeysOut, responses=problem_responses(401, 403))
def audit_keys(request: Request, actor: Actor = Depends(authorized("audit_verify"))) -> KeysOut:
    """The log's signing key as a verifier key (what to pin and give a witness), the pinned key
    and the witness in use.  Example: `GET /audit/key`"""
    log = get_yaksok(request).audit
    return KeysOut(log_key=log.verifier_key(), pinned_key=str(log.pin) if log.pin else None,
                   witness_key=str(log.witness.key) if log.witness else None,
                   witness_url=log.witness.url if log.witness else None)


#: Staff read a member's access history to answer for it (the safety-measures standard).
HISTORY_PURPOSE = "legal_compliance"


def history_response(request: Request, actor: Actor, subject_ref: str, *, lang: str = "ko",
                     limit: int | None = None, purpose: str | None = HISTORY_PURPOSE,
                     ) -> JSONResponse:
    """Log the read, then answer with ``subject_ref``'s history (for any route that may read it).

    A member reading their own history passes ``purpose=None``: exercising a right needs none.
    """
    yk = get_yaksok(request)
    record_access(request, history_event(actor, subject_ref, purpose=purpose,
                                         **_context(request)))
    items = subject_history(yk.engine, yk.policy, subject_ref, lang=lang, limit=limit)
    body = HistoryOut(subject_ref=subject_ref, lang=lang,
                      items=[HistoryItemOut(**i.to_dict()) for i in items])
    return JSONResponse(body.model_dump(), headers=_NO_STORE)


@router.get("/audit/subjects/{subject_ref}/history", response_model=HistoryOut,
            responses=problem_responses(401, 403, 422))
def audit_subject_history(
    request: Request,
    subject_ref: str = Path(min_length=1, max_length=64, pattern=ONE_LINE,
                            description="The member's internal id (the log's subject_ref)."),
    lang: Literal["ko", "en"] = "ko",
    limit: int | None = Query(None, ge=1, le=10_000, description="Only the newest this many."),
    actor: Actor = Depends(authorized("access_history", member_param="subject_ref",
                                      staff_purpose=HISTORY_PURPOSE)),
) -> JSONResponse:
    """Who saw a member's data, in plain terms: who, when, which data, for what, and the outcome.

    Example: `GET /audit/subjects/m_8c1f.../history?lang=en`
    """
    return history_response(request, request.state.actor, subject_ref, lang=lang, limit=limit)
