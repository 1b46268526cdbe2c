"""The status an agent reads (DRP 3.03): our rights requests' lifecycle as DRP statuses.

The status is computed from the DRP request's rights requests each time (``status``), so it
can never disagree with what the privacy officer sees. A request the member did not confirm
within its window is denied (``insuf_verification``) when its status is next read, or by
``expire_unverified``. ``too_many_requests`` is the reason of a refusal on a ground of
repetition: the officer's "excessive" grounds, or CCPA's twice-a-year limit, which the
lifecycle applies by itself when the member confirms (``grounds.counted_ground``).
"""

from __future__ import annotations

import contextlib
import datetime as dt

import sqlalchemy as sa

from yaksok.errors import Conflict, ValidationError
from yaksok.rights.drp.bridge import (
    OPT_OUT_PURPOSES,
    _rights,
    _row,
    bridge_actor,
    identity_ground,
)
from yaksok.services import Services
from yaksok.store.sql import storage_errors
from yaksok.store.tables import drp_requests, utcnow

UTC = dt.UTC

STATUSES = ("open", "in_progress", "fulfilled", "revoked", "denied", "expired")
REASONS = ("need_user_verification", "suspected_fraud", "insuf_verification", "no_match",
           "claim_not_covered", "outside_jurisdiction", "too_many_requests", "other")
#: DRP 3.02: final requests are kept at least 7 days; we tell agents 60.
KEEP_FINAL = dt.timedelta(days=60)
SOLD_NOTHING = ("SOMESING does not sell or share personal information for money; on an opt-out "
                "it withdraws the member's consent to customised advertising and stops the "
                "marketing purposes ({purposes}).")

#: A refusal ground (``grounds.REFUSAL_GROUNDS``) → the DRP ``denied`` reason (3.02). Any other
#: ground is an exception the law makes to the right: ``claim_not_covered``.
_DENIAL_REASONS = {
    "pipa_decree_46_identity": "insuf_verification",
    "gdpr_12_6_identity": "insuf_verification",
    "ccpa_7062_cannot_verify": "insuf_verification",
    "ccpa_7063_agent_unproven": "insuf_verification",
    "gdpr_12_5_manifestly_excessive": "too_many_requests",
    "ccpa_1798_145_h_excessive": "too_many_requests",
    # DRP 3.02: "more requests than the CB is legally obliged to process" word for word.
    "ccpa_1798_130_b_twice_a_year": "too_many_requests",
    "gdpr_12_5_manifestly_unfounded": "other",
}


def _iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def _state(row, rights: list) -> tuple[str, str | None]:
    """The DRP (status, reason) of a request: the DRP layer's own decision, else its rights
    requests' lifecycle."""
    if row.status in ("denied", "revoked"):
        return row.status, row.reason
    states = [r.status for r in rights]
    refused = next((r for r in rights if r.status == "refused"), None)
    if refused is not None:
        return "denied", _DENIAL_REASONS.get(refused.refusal_reason or "", "claim_not_covered")
    if states and all(s == "cancelled" for s in states):
        return "revoked", None
    if states and all(s in ("completed", "cancelled") for s in states):
        return "fulfilled", None
    if "received" in states:
        return "in_progress", "need_user_verification"
    return "in_progress", None


_DONE = {
    "access": "A copy of the member's data is ready for the member in SOMESING's privacy "
              "center; SOMESING gives it to the member, not to the agent.",
    "deletion": "The member's account is closed and their personal data erased. Records the "
                "law obliges SOMESING to keep (e.g. payment records) are held apart until their "
                "period ends, then destroyed.",
    "sale:opt-out": "The withdrawal and the objections are in force.",
}


def _details(yk: Services, row, rights: list, status_: str, reason: str | None) -> str:
    from yaksok.rights.grounds import EXTENSION_REASONS, REFUSAL_GROUNDS

    out = []
    if row.exercise == "sale:opt-out":
        out.append(SOLD_NOTHING.format(purposes=", ".join(OPT_OUT_PURPOSES)))
    if reason == "no_match":
        out.append("No single active SOMESING account matches the email / phone_number claims.")
    elif status_ == "denied":
        ground = next((REFUSAL_GROUNDS.get(r.refusal_reason or "") for r in rights
                       if r.status == "refused"), None)
        if ground:
            out.append(f"Refused: {ground['en']} ({ground['law']}).")
    elif reason == "need_user_verification":
        out.append("SOMESING asks the member to confirm this request: at user_verification_url "
                   "the member gets a one-time code by the email address on the account and "
                   f"enters it, by {_iso(row.verify_by)}.")
    elif status_ == "fulfilled":
        out.append(_DONE.get(row.exercise, "Done."))
    extended = [r for r in rights if r.status == "extended"]
    if extended and status_ == "in_progress":
        from yaksok.rights.requests import request_events

        why = {EXTENSION_REASONS.get(e.reason or "", {}).get("en", "as the law allows")
               for r in extended for e in request_events(yk, r.id) if e.to_status == "extended"}
        out.append(f"The deadline was extended ({'; '.join(sorted(why))}); expected_by is the "
                   "new date.")
    if row.regime == "ccpa" and rights and rights[0].jurisdiction != "US-CA" and row.member_ref:
        law = yk.policy.jurisdiction(rights[0].jurisdiction)
        out.append("The account is not under California law; SOMESING honours the request "
                   f"under {law.law.en if law else 'the law of the member'} instead.")
    return " ".join(out)


def status(yk: Services, drp_id: str, *, base_url: str = "/", now: dt.datetime | None = None) -> dict:
    """The Exercise Status object (DRP 3.03) of a request, as it stands now."""
    now = now or utcnow()
    row = _row(yk, drp_id)
    rights = _rights(yk, drp_id)
    if _overdue(row, rights, now):
        _expire(yk, row, rights, now)
        row, rights = _row(yk, drp_id), _rights(yk, drp_id)
    state, reason = _state(row, rights)
    out: dict = {"request_id": row.id, "received_at": _iso(row.received_at), "status": state}
    if reason:
        out["reason"] = reason
    if row.agent_request_id is not None:
        out["agent_request_id"] = row.agent_request_id
    open_due = [r.due_at for r in rights if r.status not in ("completed", "refused",
                                                             "cancelled")]
    if state == "in_progress" and open_due:
        out["expected_by"] = _iso(max(open_due))
    if reason == "need_user_verification":
        out["user_verification_url"] = f"{base_url}drp/verify/{row.id}"
        out["expires_at"] = _iso(row.verify_by)
    if state in ("fulfilled", "denied", "revoked"):
        closed = [r.closed_at for r in rights if r.closed_at] or [row.updated_at]
        out["expires_at"] = _iso(max(closed) + KEEP_FINAL)
    details = _details(yk, row, rights, state, reason)
    if details:
        out["processing_details"] = details
    return out


# -- requests the member did not confirm --------------------------------------------------------

def _overdue(row, rights: list, now: dt.datetime) -> bool:
    return (row.status == "open" and row.verify_by is not None and now > row.verify_by
            and any(r.status == "received" for r in rights))


def _expire(yk: Services, row, rights: list, now: dt.datetime) -> None:
    """Deny a request the member did not confirm: each unverified rights request is refused
    on the jurisdiction's identity ground (DRP: denied / insuf_verification)."""
    from yaksok.rights.requests import refuse

    bridge = bridge_actor(row.agent_id)
    for rq in rights:
        # Conflict: it moved on meanwhile (another process expired or cancelled it).
        if rq.status in ("received", "verified", "in_progress", "extended"):
            with contextlib.suppress(Conflict):
                refuse(yk, rq.id, actor=bridge,
                       reason=identity_ground(rq.right, rq.jurisdiction), now=now)


def open_request_for(yk: Services, agent_id: str, member: str, exercise: str,
                     now: dt.datetime) -> str | None:
    """The agent's request of ``exercise`` for ``member`` that is still in progress, if any
    (one overdue for its confirmation is denied first, and then is no longer open)."""
    t = drp_requests.c
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        ids = conn.execute(sa.select(t.id).where(
            t.agent_id == agent_id, t.member_ref == member, t.exercise == exercise,
            t.status == "open").order_by(t.received_at.desc(), t.id)).scalars().all()
    for drp_id in ids:
        row, rights = _row(yk, drp_id), _rights(yk, drp_id)
        if _overdue(row, rights, now):
            _expire(yk, row, rights, now)
            rights = _rights(yk, drp_id)
        if _state(row, rights)[0] == "in_progress":
            return drp_id
    return None


def expire_unverified(yk: Services, *, now: dt.datetime | None = None) -> int:
    """Deny every request whose member did not confirm it by its ``verify_by``; returns how many."""

    now = now or utcnow()
    t = drp_requests.c
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        ids = conn.execute(sa.select(t.id).where(t.status == "open", t.verify_by < now)
                           ).scalars().all()
    n = 0
    for drp_id in ids:
        row, rights = _row(yk, drp_id), _rights(yk, drp_id)
        if _overdue(row, rights, now):
            _expire(yk, row, rights, now)
            n += 1
    return n


def list_requests(yk: Services, *, agent_id: str | None = None, limit: int = 50,
                  base_url: str = "/") -> list[dict]:
    """DRP requests, newest first, each with its agent, action and rights requests."""

    if not 1 <= int(limit) <= 1000:
        raise ValidationError("limit is 1 to 1000", field="limit")
    t = drp_requests.c
    q = sa.select(t.id, t.agent_id, t.exercise, t.regime).order_by(
        t.received_at.desc(), t.id).limit(int(limit))
    if agent_id is not None:
        q = q.where(t.agent_id == agent_id)
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [{**status(yk, r.id, base_url=base_url), "agent_id": r.agent_id,
             "exercise": r.exercise, "regime": r.regime,
             "rights_requests": [rq.id for rq in _rights(yk, r.id)]} for r in rows]
