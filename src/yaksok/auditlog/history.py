""""Who saw my data": a member's access history in plain terms (P6.1).

Section 6 promises members the records of how their data was collected, used and shared. The
access log holds them, keyed by the member's random internal id (``subject_ref``). This module
turns those entries into what a member can read: who (a role or an organisation, never a staff
username, an internal id or an IP), when (in the policy's inspection time zone), which data (the
policy's category labels), what was done, for what purpose, and whether it was allowed. A denial
is shown as "refused" without its internal reason: the reason names rules and actors, which is
the controller's business, while the fact that someone tried is the member's.

Labels come from the policy in force when the history is read, so a renamed role or category
reads in today's words. The same function serves staff (``GET /audit/subjects/{ref}/history``),
the CLI and the member's own privacy center (``/me/access-history``, with the member's id).

Reading access records is itself an access, so this module also builds the entries that record
it: ``history_event`` (one member's history) and ``report_event`` (the monthly report).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yaksok.auditlog.events import AccessEvent
from yaksok.auditlog.log import StoredEntry, iter_entries, sealed_size
from yaksok.auditlog.withheld import withheld_seqs
from yaksok.errors import ValidationError
from yaksok.policy.model import Policy

__all__ = ["HistoryItem", "OPERATION_WORDS", "StaffHistoryItem", "history_event", "report_event",
           "staff_history", "subject_history"]

#: What was done, in the member's words (ko, en).
OPERATION_WORDS: dict[str, tuple[str, str]] = {
    "collect": ("수집", "collected"),
    "read": ("열람", "viewed"),
    "update": ("수정", "changed"),
    "erase": ("삭제", "erased"),
    "export": ("내보내기", "exported"),
    "download": ("다운로드", "downloaded"),
    "disclose": ("제3자 제공", "disclosed to a third party"),
    "admin": ("관리 작업", "administrative work"),
}
_OUTCOME = {"granted": ("허용됨", "allowed"), "refused": ("거부됨", "refused")}
_UNSEALED = ("아직 서명(봉인) 전인 기록", "not yet sealed")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


@dataclass(frozen=True)
class HistoryItem:
    """One access to a member's data, as the member reads it."""

    at: dt.datetime  # aware, in the policy's inspection time zone
    when: str  # ``at`` for display, in the item's language
    who: str
    #: you | member | service | staff | processor | system: lets a page pick an icon.
    who_kind: str
    operation: str
    what: str
    categories: tuple[str, ...]  # labels
    purpose: str | None  # label
    outcome: str  # granted | refused
    outcome_label: str
    lang: str
    #: False for an entry no signed checkpoint covers yet (minutes at most): until then it
    #: could still be changed without ``verify`` noticing, and the member is told so.
    sealed: bool = True
    sealed_label: str | None = None

    def to_dict(self) -> dict:
        return {"at": self.at.isoformat(), "when": self.when, "who": self.who,
                "who_kind": self.who_kind, "operation": self.operation, "what": self.what,
                "categories": list(self.categories), "purpose": self.purpose,
                "outcome": self.outcome, "outcome_label": self.outcome_label,
                "lang": self.lang, "sealed": self.sealed, "sealed_label": self.sealed_label}


def _when(at: dt.datetime, lang: str) -> str:
    zone = at.tzname() or ""
    if lang == "ko":
        return f"{at.year}년 {at.month}월 {at.day}일 {at:%H:%M} ({zone})"
    return f"{at.day} {_MONTHS[at.month - 1]} {at.year}, {at:%H:%M} {zone}"


class _Words:
    """The policy's labels in one language, looked up once per key."""

    def __init__(self, policy: Policy, lang: str):
        self.policy, self.lang = policy, lang
        c = policy.controller
        service, short = c.service.get(lang), c.short_name.get(lang)
        ko = lang == "ko"
        self.service = f"{service} 서비스" if ko else f"the {service} service"
        self.system = (f"{service} 시스템(자동 처리)" if ko
                       else f"the {service} system (automatic processing)")
        self.staff = f"{short} 직원" if ko else f"{short} staff"
        self.processor = (f"{short}의 수탁업체" if ko else f"a processor working for {short}")
        self.you = "본인" if ko else "you"
        self.member = "다른 회원" if ko else "another member"
        self._who: dict[tuple, tuple[str, str]] = {}
        self._cats: dict[str, str] = {}

    def who(self, e: StoredEntry) -> tuple[str, str]:
        if e.actor_kind == "member":
            return (self.you, "you") if e.actor_id == e.subject_ref else (self.member, "member")
        key = (e.actor_kind, e.actor_role)
        if key not in self._who:
            self._who[key] = self._actor(e.actor_kind, e.actor_role)
        return self._who[key]

    def _actor(self, kind: str, role_key: str | None) -> tuple[str, str]:
        if kind == "app_backend":
            return self.service, "service"
        if kind in ("worker", "system"):
            return self.system, "system"
        role = self.policy.staff_role(role_key or "")
        if kind == "processor_staff":
            processor = self.policy.processor(role.processor) if role and role.processor else None
            return (processor.name.get(self.lang) if processor else self.processor), "processor"
        # Staff: the role says what kind of work they do; the person stays the controller's.
        return (role.label.get(self.lang) if role else self.staff), "staff"

    def category(self, key: str) -> str:
        if key not in self._cats:
            cat = self.policy.category(key)
            self._cats[key] = cat.label.get(self.lang) if cat else key
        return self._cats[key]

    def purpose(self, key: str | None) -> str | None:
        if not key:
            return None
        purpose = self.policy.purpose(key)
        return purpose.label.get(self.lang) if purpose else key


def _check_asked(subject_ref: str, lang: str, limit: int | None) -> None:
    """What both views of a member's entries refuse: an unknown language, a limit below one,
    no member named."""
    if lang not in ("ko", "en"):
        raise ValidationError(f"unknown language {lang!r}", field="lang", fix="use ko or en")
    if limit is not None and limit < 1:
        raise ValidationError("limit must be at least 1", field="limit",
                              fix="ask for 1 or more items, or leave it out for all")
    if not subject_ref:
        raise ValidationError("no member named", field="subject_ref",
                              fix="give the member's internal id")


def subject_history(
    engine: sa.Engine, policy: Policy, subject_ref: str, *, lang: str = "ko",
    since: dt.datetime | None = None, until: dt.datetime | None = None,
    limit: int | None = None, now: dt.datetime | None = None,
) -> list[HistoryItem]:
    """The accesses to ``subject_ref``'s data, newest first (``limit``: the newest that many).

    ``since`` is inclusive and ``until`` exclusive (aware datetimes). Entries a deferred notice
    withholds at ``now`` (``withheld.py``: a disclosure the law lets us tell later) are left out.
    """
    _check_asked(subject_ref, lang, limit)
    tz = ZoneInfo(policy.access_log.inspection.timezone)
    words = _Words(policy, lang)
    # The log streams oldest first; a bounded deque keeps only the newest ``limit`` entries.
    newest: deque[StoredEntry] = deque(maxlen=limit)
    hidden = withheld_seqs(engine, subject_ref, now or dt.datetime.now(dt.UTC))
    newest.extend(e for e in iter_entries(engine, subject_ref=subject_ref, since=since,
                                          until=until) if e.seq not in hidden)
    sealed_to = sealed_size(engine)
    ko = lang == "ko"
    items = []
    # Newest first by time (seq order and time order may differ by a little under concurrency).
    for e in sorted(newest, key=lambda x: (x.at, x.seq), reverse=True):
        at = e.at.astimezone(tz)
        who, who_kind = words.who(e)
        outcome = "granted" if e.outcome == "granted" else "refused"
        what = OPERATION_WORDS.get(e.operation, (e.operation, e.operation))
        items.append(HistoryItem(
            at=at, when=_when(at, lang), who=who, who_kind=who_kind, operation=e.operation,
            what=what[0] if ko else what[1],
            categories=tuple(words.category(c) for c in e.categories),
            purpose=words.purpose(e.purpose), outcome=outcome,
            outcome_label=_OUTCOME[outcome][0 if ko else 1], lang=lang,
            sealed=e.seq < sealed_to,
            sealed_label=None if e.seq < sealed_to else _UNSEALED[0 if ko else 1]))
    return items


@dataclass(frozen=True)
class StaffHistoryItem:
    """One entry about a member as staff inspect it: the entry's own facts (who by id and
    kind, its seq for the proof), with the policy's labels beside the keys."""

    seq: int
    at: dt.datetime  # in the policy's inspection time zone
    when: str
    actor_id: str
    actor_kind: str
    role: str | None  # the role's label (staff, processor staff)
    operation: str
    what: str
    categories: tuple[str, ...]  # labels
    purpose: str | None  # label
    task: str | None
    outcome: str  # granted | denied
    reason: str | None
    sealed: bool

    def to_dict(self) -> dict:
        return {"seq": self.seq, "at": self.at.isoformat(), "when": self.when,
                "actor_id": self.actor_id, "actor_kind": self.actor_kind, "role": self.role,
                "operation": self.operation, "what": self.what,
                "categories": list(self.categories), "purpose": self.purpose,
                "task": self.task, "outcome": self.outcome, "reason": self.reason,
                "sealed": self.sealed}


def staff_history(engine: sa.Engine, policy: Policy, subject_ref: str, *, lang: str = "ko",
                  limit: int | None = None) -> list[StaffHistoryItem]:
    """Every entry about ``subject_ref``, newest first, as staff inspect it
    (``GET /audit/subjects/{ref}/entries``): who by id, the denial's reason, the seq to prove
    it by. Unlike ``subject_history`` nothing is withheld: a deferred notice defers telling
    the member, not the inspection. The caller logs the reading (``history_event``)."""
    _check_asked(subject_ref, lang, limit)
    tz = ZoneInfo(policy.access_log.inspection.timezone)
    words = _Words(policy, lang)
    newest: deque[StoredEntry] = deque(iter_entries(engine, subject_ref=subject_ref),
                                       maxlen=limit)
    sealed_to = sealed_size(engine)
    items = []
    # Newest first in the log's own order (seq): two entries written at once may carry their
    # times in the other order, and staff prove entries by seq.
    for e in reversed(newest):
        at = e.at.astimezone(tz)
        role = policy.staff_role(e.actor_role or "") if e.actor_role else None
        what = OPERATION_WORDS.get(e.operation, (e.operation, e.operation))
        items.append(StaffHistoryItem(
            seq=e.seq, at=at, when=_when(at, lang), actor_id=e.actor_id,
            actor_kind=e.actor_kind,
            role=role.label.get(lang) if role else e.actor_role, operation=e.operation,
            what=what[0] if lang == "ko" else what[1],
            categories=tuple(words.category(c) for c in e.categories),
            purpose=words.purpose(e.purpose), task=e.task, outcome=e.outcome,
            reason=e.reason, sealed=e.seq < sealed_to))
    return items


def history_event(actor, subject_ref: str, *, at: dt.datetime | None = None,
                  source_ip: str | None = None, request_id: str | None = None,
                  policy_version: str | None = None,
                  purpose: str | None = "legal_compliance") -> AccessEvent:
    """The access-log entry for reading ``subject_ref``'s access history.

    Reading the access records of a member is itself an access to that member's records, so it
    is logged with the member as subject and shows up in their own history. The purpose defaults
    to legal compliance (inspection of access records is a duty of the safety-measures standard);
    the member's own privacy center passes the member as ``actor`` and their own purpose.
    """
    return AccessEvent(
        actor_id=actor.id, actor_kind=actor.kind, actor_role=actor.role,
        operation="read", outcome="granted", at=at or dt.datetime.now(dt.UTC),
        source_ip=source_ip, subject_ref=subject_ref, purpose=purpose,
        request_id=request_id, policy_version=policy_version)


def report_event(actor, month: str, *, at: dt.datetime | None = None,
                 source_ip: str | None = None, request_id: str | None = None,
                 policy_version: str | None = None) -> AccessEvent:
    """The access-log entry for taking the inspection report of ``month`` out of the system.

    Logged as a *download* with its reason: the report leaves as a file holding access records
    (flagged entries' source IPs among them), and the safety-measures standard asks for the
    reason of every download. No single member is its subject.
    """
    return AccessEvent(
        actor_id=actor.id, actor_kind=actor.kind, actor_role=actor.role, operation="download",
        outcome="granted", at=at or dt.datetime.now(dt.UTC), source_ip=source_ip,
        purpose="legal_compliance", reason=f"monthly inspection {month}",
        request_id=request_id, policy_version=policy_version)
