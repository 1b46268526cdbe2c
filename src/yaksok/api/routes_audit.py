"""The access log's inspection routes: the monthly report, a member's access history, the
log's status, its verification (recorded in the log) and one entry's proof.

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
from yaksok.auditlog.history import history_event, report_event, staff_history, subject_history
from yaksok.auditlog.inspect import monthly_report, parse_month, report_html, report_json
from yaksok.auditlog.status import log_status, prove_entry, verify_recorded
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

    The outcome is recorded in the log itself (an `admin` entry naming the caller), which
    `GET /audit/status` shows as the latest verification. A failed check is an answer (`ok: false`, the problems, the first entry that differs), not
    an error. Example: `GET /audit/verify?key=yaksok.local%2Fyaksok-data%2Faccess-log%2B...`
    """
    from yaksok.auditlog.checkpoint import ED25519, InvalidCheckpoint
    from yaksok.auditlog.cosign import parse_vkey

    try:
        pin = parse_vkey(key, ED25519) if key else None
    except InvalidCheckpoint as exc:
        raise ValidationError(str(exc), field="key",
                              fix="give the line `yaksok audit key` prints") from None
    yk = get_yaksok(request)
    r = verify_recorded(yk.audit, actor=actor, pin=pin, use_witness=witness,
                        ip=client_ip(request), request_id=request_id_of(request),
                        policy_version=yk.published.version)
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


class CosignatureOut(BaseModel):
    witness: str
    size: int
    cosigned_at: str


class VerificationOut(BaseModel):
    seq: int
    at: str
    actor_id: str
    ok: bool
    summary: str


class StatusOut(BaseModel):
    entries: int
    next_seq: int
    expired_before: int
    unsealed: int
    origin: str | None
    checkpoint_size: int | None
    checkpoint_root: str | None
    checkpoint_at: str | None
    checkpoint_note: str | None
    cosignatures: list[CosignatureOut]
    witness: str | None
    verification: VerificationOut | None


@router.get("/audit/status", response_model=StatusOut, responses=problem_responses(401, 403))
def audit_status(request: Request,
                 actor: Actor = Depends(authorized("audit_report"))) -> StatusOut:
    """The log at a glance: entries kept, the latest signed checkpoint (size, root, signed
    note) with the witnesses' cosignatures on it, and the latest verification on record (who,
    when, the outcome).  Example: `GET /audit/status`"""
    st = log_status(get_yaksok(request).audit)
    cp, v = st.checkpoint, st.verification
    return StatusOut(
        entries=st.entries, next_seq=st.next_seq, expired_before=st.expired_before,
        unsealed=st.unsealed, origin=st.origin,
        checkpoint_size=cp.size if cp else None, checkpoint_root=cp.root.hex() if cp else None,
        checkpoint_at=cp.created_at.isoformat() if cp else None,
        checkpoint_note=cp.note if cp else None,
        cosignatures=[CosignatureOut(witness=c.witness, size=c.size,
                                     cosigned_at=c.cosigned_at.isoformat())
                      for c in st.cosignatures],
        witness=st.witness,
        verification=VerificationOut(seq=v.seq, at=v.at.isoformat(), actor_id=v.actor_id,
                                     ok=v.ok, summary=v.summary) if v else None)


class EntryOut(BaseModel):
    seq: int
    at: str
    actor_id: str
    actor_kind: str
    actor_role: str | None
    source_ip: str | None
    subject_ref: str | None
    categories: list[str]
    operation: str
    purpose: str | None
    outcome: str
    reason: str | None
    task: str | None


class EntryProofOut(BaseModel):
    entry: EntryOut
    verified: bool
    checks: dict[str, bool]
    problem: str | None
    proof: dict | None = None


@router.get("/audit/entries/{seq}/proof", response_model=EntryProofOut,
            responses=problem_responses(401, 403, 404, 422))
def audit_entry_proof(
    request: Request,
    seq: int = Path(ge=0, le=2**62, description="The entry's seq."),
    actor: Actor = Depends(authorized("audit_verify")),
) -> JSONResponse:
    """One entry, its leaf hash and its inclusion proof against the latest checkpoint, each
    link checked (the leaf hash from the entry's text, the path up to the root, the
    checkpoint's signature, a witness's cosignature). Reading the entry is logged as a read
    of its subject's records.  Example: `GET /audit/entries/41/proof`"""
    yk = get_yaksok(request)
    p = prove_entry(yk.audit, seq, actor=actor, ip=client_ip(request),
                    request_id=request_id_of(request), policy_version=yk.published.version)
    e = p.entry
    body = EntryProofOut(
        entry=EntryOut(seq=e.seq, at=e.at.isoformat(), actor_id=e.actor_id,
                       actor_kind=e.actor_kind, actor_role=e.actor_role, source_ip=e.source_ip,
                       subject_ref=e.subject_ref, categories=list(e.categories),
                       operation=e.operation, purpose=e.purpose, outcome=e.outcome,
                       reason=e.reason, task=e.task),
        verified=p.verified, checks=dict(p.checks), problem=p.problem,
        proof=p.proof.as_dict() if p.proof else None)
    return JSONResponse(body.model_dump(), headers=_NO_STORE)


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


class StaffHistoryItemOut(BaseModel):
    seq: int
    at: str
    when: str
    actor_id: str
    actor_kind: str
    role: str | None
    operation: str
    what: str
    categories: list[str]
    purpose: str | None
    task: str | None
    outcome: Literal["granted", "denied"]
    reason: str | None
    sealed: bool


class StaffHistoryOut(BaseModel):
    subject_ref: str
    lang: str
    items: list[StaffHistoryItemOut]


@router.get("/audit/subjects/{subject_ref}/entries", response_model=StaffHistoryOut,
            responses=problem_responses(401, 403, 422))
def audit_subject_entries(
    request: Request,
    subject_ref: str = Path(min_length=1, max_length=64, pattern=ONE_LINE,
                            description="The member's internal id (the log's subject_ref)."),
    lang: Literal["ko", "en"] = "ko",
    limit: int | None = Query(None, ge=1, le=10_000, description="Only the newest this many."),
    # The inspectors' (audit.read), not the member's: it names staff accounts. The member is
    # named to the decision so a refusal is logged against them.
    actor: Actor = Depends(authorized("audit_report", member_param="subject_ref",
                                      staff_purpose=HISTORY_PURPOSE)),
) -> JSONResponse:
    """Every entry about a member as staff inspect it, newest first: who (id, kind, role),
    when, the operation, the categories, purpose and task, the outcome and a denial's reason,
    and the seq to prove it by (`GET /audit/entries/{seq}/proof`). Reading it is logged as a
    read of the member's records. It names staff accounts, so it is the inspectors' (staff
    whose role has audit.read); the member's own history is `GET /me/access-history`.
    Example:
    `GET /audit/subjects/m_8c1f.../entries?limit=50`
    """
    yk = get_yaksok(request)
    record_access(request, history_event(request.state.actor, subject_ref,
                                         purpose=HISTORY_PURPOSE, **_context(request)))
    items = staff_history(yk.engine, yk.policy, subject_ref, lang=lang, limit=limit)
    body = StaffHistoryOut(subject_ref=subject_ref, lang=lang,
                           items=[StaffHistoryItemOut(**i.to_dict()) for i in items])
    return JSONResponse(body.model_dump(), headers=_NO_STORE)
