"""Evidence for the organisational measures the policy promises (P7.3, P7.4, P10.2, P12.8).

Software enforces some measures and the tests show it; others — a controlled zone, an internal
management plan, staff training, locked media, the supervision of processors — only the
organisation can do. For each ``security_measures`` entry ``enforced_by: organisation`` the
officer records who owns it, the evidence (the SHA-256 of a document and where the document
lives), when it was last done and when it is next reviewed. Every record is kept; the latest
counts. A measure is *current* until its next review, *overdue* after it, *missing* with no
record; a promise its measures record is *recorded* only while all of them are current
(``evidenced_promises``), and ``yaksok promises`` shows it *overdue* otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.errors import NotFound, ValidationError
from yaksok.policy.model import Policy
from yaksok.services import Services
from yaksok.store.tables import measure_evidence, utcnow

__all__ = ["MeasureState", "record_evidence", "measure_states", "evidenced_promises",
           "organisational", "require_manager", "parse_day"]

#: A SHA-256 in lower-case hex: how the register names a document it does not keep.
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class MeasureState:
    """Where an organisational measure stands on a day."""

    key: str
    label_ko: str
    label_en: str
    promises: tuple[str, ...]
    state: str  # current | overdue | missing
    owner: str | None = None
    done_on: dt.date | None = None
    next_review: dt.date | None = None
    document_sha256: str | None = None
    location: str | None = None

    def to_dict(self) -> dict:
        return {"key": self.key, "label": {"ko": self.label_ko, "en": self.label_en},
                "promises": list(self.promises), "state": self.state, "owner": self.owner,
                "done_on": self.done_on.isoformat() if self.done_on else None,
                "next_review": self.next_review.isoformat() if self.next_review else None,
                "document_sha256": self.document_sha256, "location": self.location}


def organisational(policy: Policy) -> dict:
    """The policy's measures the organisation enforces, by key."""
    return {m.key: m for m in policy.security_measures if m.enforced_by == "organisation"}


def require_manager(yk: Services, actor: Actor, *, ip: str | None = None,
                    request_id: str | None = None) -> None:
    yk.vault.authorize(actor, "measures_manage", ip=ip, request_id=request_id)


def parse_day(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{field} is not a date", field=field,
                              fix="write it as YYYY-MM-DD") from None


def _line(value, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit \
            or not value.isprintable():
        raise ValidationError(f"{field} is one line of 1 to {limit} printable characters",
                              field=field)
    return value.strip()


def record_evidence(yk: Services, actor: Actor, measure: str, *, owner: str,
                    document_sha256: str, location: str, done_on, next_review,
                    note: str | None = None, ip: str | None = None,
                    request_id: str | None = None) -> str:
    """Record evidence for ``measure``; returns the record's id."""
    require_manager(yk, actor, ip=ip, request_id=request_id)
    measures = organisational(yk.policy)
    if measure not in measures:
        raise NotFound("no organisational measure of that key in the policy", field="measure",
                       fix="one of: " + ", ".join(sorted(measures)))
    sha = (document_sha256 or "").lower()
    if not SHA256.match(sha):
        raise ValidationError("document_sha256 is the SHA-256 of the evidence document in hex",
                              field="document_sha256", fix="e.g. `sha256sum plan.pdf`")
    done, review = parse_day(done_on, "done_on"), parse_day(next_review, "next_review")
    if review <= done:
        raise ValidationError("next_review comes after done_on", field="next_review")
    if note is not None and (not isinstance(note, str) or len(note) > 4000):
        raise ValidationError("note is text of at most 4000 characters", field="note")
    record_id = f"ev_{secrets.token_hex(8)}"
    with yk.vault.core_write() as conn:
        conn.execute(measure_evidence.insert().values(
            id=record_id, measure=measure, owner=_line(owner, "owner", 128),
            document_sha256=sha, location=_line(location, "location", 512), done_on=done,
            next_review=review, note=note, recorded_by=actor.id[:128], recorded_at=utcnow()))
        yk.vault.append(conn, yk.vault.event(
            actor=actor, operation="admin", outcome="granted", member_id=None,
            reason=f"evidence recorded for measure {measure}", ip=ip, request_id=request_id,
            policy_version=yk.published.version))
    return record_id


def _latest(engine: sa.Engine) -> dict:
    t = measure_evidence
    latest: dict = {}
    with engine.connect() as conn:
        for row in conn.execute(sa.select(t).order_by(t.c.recorded_at, t.c.id)):
            latest[row.measure] = row
    return latest


def _states(engine: sa.Engine, policy: Policy, today: dt.date) -> list[MeasureState]:
    latest = _latest(engine)
    out = []
    for key, m in organisational(policy).items():
        row = latest.get(key)
        base = dict(key=key, label_ko=m.label.ko, label_en=m.label.en,
                    promises=tuple(m.promises))
        if row is None:
            out.append(MeasureState(state="missing", **base))
            continue
        out.append(MeasureState(
            state="current" if today <= row.next_review else "overdue", owner=row.owner,
            done_on=row.done_on, next_review=row.next_review,
            document_sha256=row.document_sha256, location=row.location, **base))
    return out


def measure_states(yk: Services, actor: Actor, *, today: dt.date | None = None,
                   ip: str | None = None, request_id: str | None = None) -> list[MeasureState]:
    """Every organisational measure of the policy in force and where it stands ``today``."""
    require_manager(yk, actor, ip=ip, request_id=request_id)
    return _states(yk.engine, yk.policy, today or utcnow().date())


def evidenced_promises(engine: sa.Engine, policy: Policy,
                       today: dt.date | None = None) -> tuple[set[str], set[str]]:
    """(recorded, overdue): promise IDs whose organisational measures all have current
    evidence, and those with a measure overdue or without evidence."""
    by_promise: dict[str, list[str]] = {}
    for state in _states(engine, policy, today or utcnow().date()):
        for pid in state.promises:
            by_promise.setdefault(pid, []).append(state.state)
    recorded = {p for p, states in by_promise.items() if all(s == "current" for s in states)}
    return recorded, set(by_promise) - recorded
