"""The monthly inspection of the access log: counts per actor, operation and purpose, and flags.

Korea's safety-measures standard asks the controller to inspect the access records regularly and
to check the reason for every download. ``monthly_report`` reads one calendar month (in the
inspection time zone of the policy) and flags what an officer should look at:

  bulk         an actor's granted downloads + exports in one local day exceed ``bulk_threshold``
  off_hours    staff or processor staff acting outside working hours or working days (local)
  denial_burst ``denial_burst`` denials for one actor whose first and last lie at most
               ``denial_window_minutes`` apart (overlapping windows merge into one flag)
  processor_scope  processor staff with no task, a task outside their role, or a purpose or
               categories outside that task (granted or denied: attempts matter to supervision)
  no_reason    a granted download or export with no stated reason
  no_purpose   a granted collect/read/update/export/download/disclose with no purpose
               (neither applies to a member reaching their own data: that is a right, not a use)

Each flag carries its entries' seqs (for ``yaksok audit prove SEQ``). The month is streamed once
(plus a narrow re-read per bulk actor-day); only counters and flagged entries are kept. Source
IPs appear only in flagged entries: the officer needs them to investigate.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
import pydantic
import sqlalchemy as sa

from yaksok.auditlog.events import OPERATIONS
from yaksok.auditlog.history import OPERATION_WORDS
from yaksok.auditlog.log import StoredEntry, iter_entries, sealed_size
from yaksok.errors import ConfigError, ValidationError
from yaksok.policy.model import Inspection, Policy, Text

__all__ = ["ActorCount", "DayCount", "Flag", "FlaggedEntry", "OpCount", "PurposeCount", "Report",
           "FLAG_KINDS", "monthly_report", "parse_month", "report_html", "report_json"]

FLAG_KINDS = ("bulk", "off_hours", "denial_burst", "processor_scope", "no_reason", "no_purpose")
_OUT = frozenset({"download", "export"})
_NEEDS_PURPOSE = frozenset({"read", "update", "export", "download", "disclose", "collect"})
# App backends, workers and members act around the clock; only people at work keep hours.
_HUMAN_STAFF = frozenset({"staff", "processor_staff"})
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: The years a month may name: an access log starts after 1970 and a month needs its neighbours.
_FIRST_YEAR, _LAST_YEAR = 1970, 9998


def parse_month(value: str, field: str = "month") -> tuple[int, int]:
    """``"2026-11"`` as (2026, 11); anything else is a ValidationError naming ``field``."""
    m = _MONTH.match(value.strip()) if isinstance(value, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
        raise ValidationError(f"{str(value)[:20]!r} is not a month", field=field,
                              fix="write it as YYYY-MM, e.g. 2026-11")
    year = int(m.group(1))
    # The report looks at the month's edges in a time zone: the year must leave a day either side.
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise ValidationError(f"{year} is outside the years an access log can hold", field=field,
                              fix=f"name a month from {_FIRST_YEAR} to {_LAST_YEAR}, e.g. 2026-11")
    return year, int(m.group(2))


@dataclass(frozen=True)
class FlaggedEntry(StoredEntry):
    """An entry behind a flag, its time in the inspection time zone, with all the officer needs
    to investigate it (source IP, request id); ``note`` says what processor staff broke."""

    note: Text | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Flag:
    kind: str
    actor_id: str
    actor_kind: str
    actor_role: str | None
    day: dt.date  # local day of the first entry
    why: Text
    entries: tuple[FlaggedEntry, ...]

    @property
    def seqs(self) -> tuple[int, ...]:
        return tuple(e.seq for e in self.entries)

    @property
    def first_at(self) -> dt.datetime:
        return min(e.at for e in self.entries)

    @property
    def last_at(self) -> dt.datetime:
        return max(e.at for e in self.entries)


@dataclass(frozen=True)
class OpCount:
    operation: str
    granted: int
    denied: int


@dataclass(frozen=True)
class ActorCount:
    actor_id: str
    actor_kind: str
    actor_role: str | None
    role_label: Text | None
    operations: tuple[OpCount, ...]  # in the log's order of operations

    @property
    def granted(self) -> int:
        return sum(o.granted for o in self.operations)

    @property
    def denied(self) -> int:
        return sum(o.denied for o in self.operations)


@dataclass(frozen=True)
class PurposeCount:
    purpose: str | None
    label: Text | None
    granted: int
    denied: int


@dataclass(frozen=True)
class DayCount:
    """One local day of the month: its entries granted and denied (the daily chart)."""

    day: dt.date
    granted: int
    denied: int


@dataclass(frozen=True)
class Report:
    month: str
    start: dt.datetime  # first instant of the month, local
    end: dt.datetime  # first instant of the next month, local (exclusive)
    generated_at: dt.datetime
    #: False while the month is not over (the report then covers it only up to generated_at).
    complete: bool
    thresholds: Inspection
    total: int
    granted: int
    denied: int
    first_seq: int | None
    last_seq: int | None
    operations: tuple[OpCount, ...]
    actors: tuple[ActorCount, ...]
    purposes: tuple[PurposeCount, ...]
    flags: tuple[Flag, ...]
    #: Entries from this seq on are not yet covered by a signed checkpoint (marked as such).
    sealed_to: int = 0
    #: Every day of the month, in order, with its counts (days with none too).
    days: tuple[DayCount, ...] = ()


_DERIVED = {Flag: ("seqs", "first_at", "last_at"), ActorCount: ("granted", "denied")}


def _clock(th: Inspection) -> tuple[ZoneInfo, dt.time, dt.time]:
    """The inspection time zone and working hours, or a ConfigError naming the bad setting."""
    try:
        tz = ZoneInfo(th.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {th.timezone!r}",
                          field="access_log.inspection.timezone",
                          fix="use an IANA name such as Asia/Seoul") from None
    try:
        start, end = (dt.time.fromisoformat(part) for part in th.working_hours.split("-"))
    except ValueError:
        raise ConfigError(f"working hours {th.working_hours!r} are not HH:MM-HH:MM",
                          field="access_log.inspection.working_hours",
                          fix="write them like 08:00-20:00") from None
    return tz, start, end


def _flagged(e: StoredEntry, tz: ZoneInfo, note: Text | None = None) -> FlaggedEntry:
    values = {f.name: getattr(e, f.name) for f in fields(e)}
    return FlaggedEntry(**{**values, "at": e.at.astimezone(tz)}, note=note)


def _scope_note(policy: Policy, e: StoredEntry) -> Text | None:
    """Why a processor staff entry falls outside the role's tasks, or None if it is within."""
    role = policy.staff_role(e.actor_role or "")
    processor = policy.processor(role.processor) if role and role.processor else None
    if processor is None:
        return Text(ko=f"역할 {e.actor_role}은(는) 정책상 수탁사 역할이 아님",
                    en=f"role {e.actor_role} is not a processor role in the policy")
    if not e.task:
        return Text(ko="업무(task)가 기록되지 않음", en="no task recorded")
    task = next((t for t in processor.tasks if t.key == e.task), None)
    if task is None or e.task not in role.tasks:
        allowed = ", ".join(role.tasks)
        return Text(ko=f"업무 {e.task}은(는) 이 역할의 업무({allowed})가 아님",
                    en=f"task {e.task} is not one of the role's tasks ({allowed})")
    notes: list[tuple[str, str]] = []
    if e.purpose not in task.purposes:
        notes.append((f"목적 {e.purpose or '(없음)'}은(는) 업무 {task.key}의 목적이 아님",
                      f"purpose {e.purpose or '(none)'} is not a purpose of task {task.key}"))
    outside = [c for c in e.categories if c not in task.categories]
    if outside:
        notes.append((f"항목 {', '.join(outside)}은(는) 업무 {task.key}의 범위 밖",
                      f"categories {', '.join(outside)} are outside task {task.key}"))
    if not notes:
        return None
    return Text(ko="; ".join(n[0] for n in notes), en="; ".join(n[1] for n in notes))


class _Bursts:
    """Sliding windows of denials per actor; overlapping bursts merge into one."""

    def __init__(self, size: int, window: dt.timedelta):
        self.size, self.window = size, window
        self.recent: dict[tuple, list[FlaggedEntry]] = defaultdict(list)
        self.latest: dict[tuple, dt.datetime] = {}
        self.open: dict[tuple, dict[int, FlaggedEntry]] = {}
        self.done: list[tuple[tuple, list[FlaggedEntry]]] = []

    def add(self, actor: tuple, entry: FlaggedEntry) -> None:
        w = self.recent[actor]
        # insort by time, not by seq: writers stamp times before they get a seq, so times may
        # run slightly out of seq order under concurrency.
        bisect.insort(w, entry, key=lambda x: (x.at, x.seq))
        latest = self.latest[actor] = max(self.latest.get(actor, entry.at), entry.at)
        while w and w[0].at < latest - self.window:
            w.pop(0)
        if len(w) < self.size:
            return
        burst = self.open.get(actor)
        if burst is None or not any(x.seq in burst for x in w):
            self._close(actor)
            burst = self.open[actor] = {}
        burst.update((x.seq, x) for x in w)

    def _close(self, actor: tuple) -> None:
        if burst := self.open.pop(actor, None):
            self.done.append((actor, sorted(burst.values(), key=lambda x: x.seq)))

    def finish(self) -> list[tuple[tuple, list[FlaggedEntry]]]:
        for actor in list(self.open):
            self._close(actor)
        return self.done


def monthly_report(engine: sa.Engine, policy: Policy, month: str, *,
                   now: dt.datetime | None = None, **thresholds) -> Report:
    """The inspection report of ``month`` ("YYYY-MM").

    Thresholds come from the policy's ``access_log.inspection``; keyword arguments of the same
    names (``bulk_threshold=3``, ``working_hours="09:00-18:00"``, ...) override them.
    """
    year, mon = parse_month(month)
    try:
        th = Inspection.model_validate(
            {**policy.access_log.inspection.model_dump(), **thresholds})
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        raise ValidationError(err["msg"], field=".".join(map(str, err["loc"])),
                              fix="use the names and forms of access_log.inspection") from None
    tz, open_at, close_at = _clock(th)
    workdays = {_DAYS.index(d) for d in th.working_days}
    start = dt.datetime(year, mon, 1, tzinfo=tz)
    end = dt.datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=tz)
    now = now or dt.datetime.now(dt.UTC)

    def off_hours(local: dt.datetime) -> bool:
        t = local.time()
        inside = (open_at <= t < close_at) if open_at <= close_at else not (close_at <= t < open_at)
        return local.weekday() not in workdays or not inside

    per_actor: dict[tuple, Counter] = defaultdict(Counter)
    per_purpose: Counter = Counter()
    per_day: Counter = Counter()
    out_per_day: Counter = Counter()
    grouped: dict[tuple, list[FlaggedEntry]] = defaultdict(list)
    bursts = _Bursts(th.denial_burst, dt.timedelta(minutes=th.denial_window_minutes))
    total = granted = 0
    first_seq = last_seq = None
    for e in iter_entries(engine, since=start, until=end):
        total += 1
        first_seq = e.seq if first_seq is None else first_seq
        last_seq = e.seq
        ok = e.outcome == "granted"
        granted += ok
        actor = (e.actor_id, e.actor_kind, e.actor_role)
        per_actor[actor][(e.operation, ok)] += 1
        per_purpose[(e.purpose or None, ok)] += 1
        local = e.at.astimezone(tz)
        day = local.date()
        per_day[(day, ok)] += 1
        # A member reaching their own data exercises a right: no purpose or reason is owed.
        own = e.actor_kind == "member" and e.actor_id == e.subject_ref
        if ok and e.operation in _OUT:
            out_per_day[(actor, day)] += 1
            if not own and not (e.reason or "").strip():
                grouped[("no_reason", actor, day)].append(_flagged(e, tz))
        if ok and not own and e.operation in _NEEDS_PURPOSE and not (e.purpose or "").strip():
            grouped[("no_purpose", actor, day)].append(_flagged(e, tz))
        if e.actor_kind in _HUMAN_STAFF and off_hours(local):
            grouped[("off_hours", actor, day)].append(_flagged(e, tz))
        if e.actor_kind == "processor_staff":
            note = _scope_note(policy, e)
            if note is not None:
                grouped[("processor_scope", actor, day)].append(_flagged(e, tz, note))
        if not ok:
            bursts.add(actor, _flagged(e, tz))

    # Bulk needs the whole day counted first; re-read only the actor-days over the threshold.
    for (actor, day), count in out_per_day.items():
        if count > th.bulk_threshold:
            since = dt.datetime.combine(day, dt.time(), tz)
            grouped[("bulk", actor, day)] = [
                _flagged(e, tz) for e in iter_entries(
                    engine, actor_id=actor[0], since=max(since, start),
                    until=min(since + dt.timedelta(days=1), end))
                if (e.actor_id, e.actor_kind, e.actor_role) == actor
                and e.outcome == "granted" and e.operation in _OUT]

    flags = [_flag(kind, actor, entries[0].at.date(), entries, th)
             for (kind, actor, _day), entries in grouped.items()]
    flags += [_flag("denial_burst", actor, entries[0].at.date(), entries, th)
              for actor, entries in bursts.finish()]
    flags.sort(key=lambda f: (FLAG_KINDS.index(f.kind), f.entries[0].seq))
    return Report(
        month=f"{year:04d}-{mon:02d}", start=start, end=end, generated_at=now,
        complete=now >= end, thresholds=th, total=total, granted=granted,
        denied=total - granted, first_seq=first_seq, last_seq=last_seq,
        operations=_ops(sum(per_actor.values(), Counter())),
        actors=tuple(_actor_count(policy, a, c) for a, c in sorted(
            per_actor.items(), key=lambda kv: (-kv[1].total(), kv[0][0]))),
        purposes=tuple(PurposeCount(
            purpose=p, label=getattr(policy.purpose(p or ""), "label", None),
            granted=per_purpose[(p, True)], denied=per_purpose[(p, False)])
            for p in sorted({p for p, _ in per_purpose}, key=lambda k: (k is None, k or ""))),
        flags=tuple(flags), sealed_to=sealed_size(engine),
        days=tuple(DayCount(d, per_day[(d, True)], per_day[(d, False)]) for d in (
            start.date() + dt.timedelta(days=i)
            for i in range((end.date() - start.date()).days))))


def _ops(c: Counter) -> tuple[OpCount, ...]:
    return tuple(OpCount(op, c[(op, True)], c[(op, False)]) for op in OPERATIONS
                 if c[(op, True)] or c[(op, False)])


def _actor_count(policy: Policy, actor: tuple, c: Counter) -> ActorCount:
    return ActorCount(*actor, role_label=getattr(policy.staff_role(actor[2] or ""), "label", None),
                      operations=_ops(c))


def _flag(kind: str, actor: tuple, day: dt.date, entries: list[FlaggedEntry],
          th: Inspection) -> Flag:
    n, days = len(entries), ",".join(th.working_days)
    ko, en = {
        "bulk": (f"하루 다운로드·내보내기가 기준({th.bulk_threshold}건)을 넘음",
                 f"downloads/exports in one day above {th.bulk_threshold}"),
        "off_hours": (f"근무시간({th.working_hours}, {days}) 외 접근",
                      f"access outside working hours ({th.working_hours}, {days})"),
        "denial_burst": (f"{th.denial_window_minutes}분 이내 거부 {th.denial_burst}건 이상",
                         f"{th.denial_burst} or more denials within "
                         f"{th.denial_window_minutes} minutes"),
        "processor_scope": ("수탁사 직원의 업무 범위 밖 처리",
                            "processor staff acting outside their tasks"),
        "no_reason": ("사유 없는 다운로드·내보내기", "downloads/exports with no stated reason"),
        "no_purpose": ("목적 없는 접근", "access with no purpose"),
    }[kind]
    return Flag(kind=kind, actor_id=actor[0], actor_kind=actor[1], actor_role=actor[2], day=day,
                why=Text(ko=f"{ko}: {n}건", en=f"{en}: {n} {'entry' if n == 1 else 'entries'}"),
                entries=tuple(entries))


# -- output ---------------------------------------------------------------------------------------

def _json(value):
    """Dataclasses, labels, times and tuples as JSON values; times keep the local offset."""
    if isinstance(value, pydantic.BaseModel):  # Text labels, the thresholds
        return value.model_dump(mode="json")
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if is_dataclass(value):
        names = [f.name for f in fields(value)] + list(_DERIVED.get(type(value), ()))
        return {name: _json(getattr(value, name)) for name in names}
    return value


def report_json(report: Report) -> dict:
    """The report as JSON-ready values (``seqs`` on each flag, for ``yaksok audit prove``)."""
    return _json(report)


_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def report_html(report: Report, lang: str = "ko") -> str:
    """The report as a standalone, accessible HTML document in Korean or English."""
    if lang not in ("ko", "en"):
        raise ValidationError(f"unknown language {lang!r}", field="lang", fix="use ko or en")
    # Flag kinds in the order they are explained, each with its flags (empty kinds say "none").
    by_kind = [(k, [f for f in report.flags if f.kind == k]) for k in FLAG_KINDS]
    return _TEMPLATES.get_template("report.html.j2").render(
        r=report, lang=lang, by_kind=by_kind, ko=lang == "ko",
        hm=lambda t: t.strftime("%Y-%m-%d %H:%M:%S"),
        opname=lambda k: f"{OPERATION_WORDS[k][0]} ({k})" if lang == "ko" else k,
        label=lambda text, fallback="": text.get(lang) if text is not None else fallback,
        with_note=lambda f: any(e.note for e in f.entries))
