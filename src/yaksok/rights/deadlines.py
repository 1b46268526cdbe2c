"""When a rights request is due, counted as each jurisdiction's law counts.

The periods come from the policy (``jurisdictions[].rights``: ``deadline``, ``counting``,
``acknowledge``, ``acknowledge_counting``, ``extension``); how a period is *counted* is law, not
policy, and lives in ``REGIMES`` below (the policy model has no clock or counting convention).

Conventions (docs/rights.md, "Deadlines"):

- A deadline is the **end of its last day** in the jurisdiction's time zone (23:59:59.999999
  local time), returned as an aware datetime in that zone.
- **KR** (Asia/Seoul): the day of receipt is not counted (Civil Act art. 157), so a request
  received 2026-03-02 23:30 KST with P10D is due at the end of 2026-03-12 KST.
- **EU** (Europe/Brussels): Regulation 1182/71 art. 3: the period starts the day after receipt
  and ends on the same date of the last month (P1M: 15 Jan → 15 Feb); when that date does not
  exist, on the month's last day (31 Jan → 28/29 Feb).
- **US-CA** (America/Los_Angeles): CCPA regs §7021(b), "the 45-day period will begin on the day
  that the business receives the request": the day of receipt is day 1 (15 Jan + P45D → end of
  28 Feb). Business days skip Saturdays, Sundays and US federal holidays (with their observed
  weekdays) from the ``holidays`` package; California state holidays are *not* skipped.

Every choice the law leaves open is taken on the early side: a last day falling on a weekend or
holiday is not moved to the next working day (KR Civil Act art. 161 and 1182/71 art. 3(4) would
allow it), and an extension is counted from the current due date, not from receipt.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yaksok.errors import Conflict, ValidationError
from yaksok.services import Services

__all__ = [
    "DueDates",
    "OPEN_STATUSES",
    "REGIMES",
    "local_time",
    "Regime",
    "RIGHT_RULE_ALIASES",
    "add_business_days",
    "due_dates",
    "due_requests",
    "end_of_day",
    "extended_due",
    "is_business_day",
]


@dataclass(frozen=True)
class Regime:
    """How one jurisdiction counts a period: its clock, day one, and its business days."""

    timezone: str
    #: Whether the day of receipt is the first counted day (US-CA) or not (KR, EU).
    receipt_day_counts: bool
    #: ``holidays`` country whose public holidays are not business days (None: weekends only).
    holidays: str | None
    source: str


REGIMES: dict[str, Regime] = {
    "KR": Regime("Asia/Seoul", False, "KR", "Civil Act art. 157 (first day not counted)"),
    "EU": Regime("Europe/Brussels", False, None,
                 "Regulation (EEC, Euratom) 1182/71 art. 3; GDPR art. 12(3)"),
    "US-CA": Regime("America/Los_Angeles", True, "US",
                    "CCPA regulations §7021 (45 calendar days from the day of receipt; "
                    "10 business days to confirm)"),
}

#: Requests for a right the policy's ``RightKey`` does not list take the deadline of a listed
#: one: withdrawing consent stops processing, as an objection or opt-out does (PIPA 37).
RIGHT_RULE_ALIASES: dict[str, str] = {"consent_withdrawal": "objection"}

#: Statuses of a request that still owes the member an answer.
OPEN_STATUSES = ("received", "verified", "in_progress", "extended")

_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def _shown(value) -> str:
    """A code safe to echo in a message (a caller's mistake may be anything, even a name)."""
    return repr(value) if isinstance(value, str) and _CODE.match(value) else "<not a code>"


@dataclass(frozen=True)
class DueDates:
    """A request's deadlines: the answer, the acknowledgement, and what extension is allowed."""

    due_at: dt.datetime
    acknowledge_by: dt.datetime | None
    extension_by: str | None          # an ISO-8601 period, e.g. "P2M"
    extensions_allowed: int
    rule_jurisdiction: str = ""       # whose rule applied (the default one when falling back)
    counting: str = "calendar"
    #: ``extension`` (the deadline moves), or ``postponement`` (PIPA 35(3): put off for a reason
    #: the law allows, told before the deadline; answered without delay once it ends).
    extension_kind: str = "extension"

    def to_dict(self) -> dict:
        return {"due_at": self.due_at.isoformat(),
                "acknowledge_by": self.acknowledge_by.isoformat() if self.acknowledge_by
                else None,
                "extension_by": self.extension_by, "extensions_allowed": self.extensions_allowed,
                "extension_kind": self.extension_kind,
                "rule_jurisdiction": self.rule_jurisdiction, "counting": self.counting}


# -- counting ----------------------------------------------------------------------------------


def regime(jurisdiction: str) -> Regime:
    """The counting regime of ``jurisdiction`` (ValidationError for one yaksok cannot count)."""
    found = REGIMES.get(jurisdiction)
    if found is None:
        raise ValidationError(
            f"no deadline counting is defined for the jurisdiction {_shown(jurisdiction)}",
            field="jurisdiction",
            fix=f"use one of {', '.join(REGIMES)}, or add its time zone and counting rule to "
                "yaksok.rights.deadlines.REGIMES")
    return found


def _zone(reg: Regime) -> ZoneInfo:
    return ZoneInfo(reg.timezone)


def end_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The last instant of ``day`` in ``tz`` (DST-aware: the offset is the day's own)."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=tz)


@lru_cache(maxsize=64)
def _holidays_of(country: str, year: int) -> frozenset[dt.date]:
    import holidays

    # Without a subdivision: national (for US: federal) holidays, observed days included.
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_business_day(day: dt.date, reg: Regime) -> bool:
    """Monday to Friday and not a public holiday of the regime's ``holidays`` country."""
    if day.weekday() >= 5:
        return False
    return reg.holidays is None or day not in _holidays_of(reg.holidays, day.year)


def add_business_days(start: dt.date, count: int, reg: Regime, *,
                      start_counts: bool) -> dt.date:
    """The ``count``-th business day from ``start`` (``start`` itself is day 1 if it counts and
    is a business day; otherwise counting begins the next day)."""
    day = start if start_counts else start + dt.timedelta(days=1)
    counted = 0
    while True:
        if is_business_day(day, reg):
            counted += 1
            if counted == count:
                return day
        day += dt.timedelta(days=1)


def _parts(period: str, field: str) -> tuple[int, int, int, int]:
    m = _PERIOD.match(period or "")
    if not m or not any(m.groups()):
        raise ValidationError(f"{_shown(period)} is not an ISO-8601 period of years, months, "
                              "weeks or days", field=field, fix="write it like P10D, P1M or P45D")
    years, months, weeks, days = (int(g or 0) for g in m.groups())
    return years, months, weeks, days


def _add_calendar(day: dt.date, period: str, field: str) -> dt.date:
    """``day`` + ``period`` on the calendar; a missing date becomes the month's last day."""
    import calendar

    years, months, weeks, days = _parts(period, field)
    total = day.year * 12 + (day.month - 1) + years * 12 + months
    year, month0 = divmod(total, 12)
    clamped = min(day.day, calendar.monthrange(year, month0 + 1)[1])
    return day.replace(year=year, month=month0 + 1, day=clamped) + dt.timedelta(weeks=weeks,
                                                                                days=days)


def _last_day(start: dt.date, period: str, counting: str, reg: Regime, *, start_counts: bool,
              field: str) -> dt.date:
    """The last day of a period running from ``start`` (the day of receipt or the old due date)."""
    if counting == "business":
        years, months, weeks, days = _parts(period, field)
        if years or months:
            raise ValidationError(f"a period counted in business days cannot be {_shown(period)}",
                                  field=field, fix="write business-day periods in days, "
                                                   "e.g. P10D")
        return add_business_days(start, weeks * 5 + days, reg, start_counts=start_counts)
    last = _add_calendar(start, period, field)
    # Counting day 1 as the start day itself ends the period one day earlier.
    return last - dt.timedelta(days=1) if start_counts else last


def _rule(policy, jurisdiction: str, right: str):
    """(the jurisdiction whose rule applies, its Deadline) for ``right``.

    A right the member's jurisdiction does not list (e.g. restriction in US-CA) falls back to
    the policy's default jurisdiction: the controller's own law governs all its processing.
    """
    if policy.jurisdiction(jurisdiction) is None:
        raise ValidationError(f"the policy has no jurisdiction {_shown(jurisdiction)}",
                              field="jurisdiction",
                              fix="use one of " + ", ".join(j.key for j in policy.jurisdictions))
    key = RIGHT_RULE_ALIASES.get(right, right)
    for where in dict.fromkeys((jurisdiction, policy.default_jurisdiction)):
        found = policy.jurisdiction(where)
        if found is not None and key in found.rights:
            return where, found.rights[key]
    raise ValidationError(f"the policy gives no deadline for the right {_shown(right)} in "
                          f"{_shown(jurisdiction)} nor in the default jurisdiction", field="right",
                          fix=f"add {key} to jurisdictions[].rights of the policy")


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError("the time has no time zone", field=field,
                              fix="give the time with its UTC offset, e.g. 2026-12-01T09:00:00+09:00")
    return value


# -- the interface -----------------------------------------------------------------------------


def due_dates(policy, jurisdiction: str, right: str, received_at: dt.datetime) -> DueDates:
    """The deadlines of a request for ``right`` received at ``received_at`` from a member of
    ``jurisdiction`` (the member's jurisdiction in the vault)."""
    _aware(received_at, "received_at")
    where, rule = _rule(policy, jurisdiction, right)
    reg = regime(where)
    tz = _zone(reg)
    day = received_at.astimezone(tz).date()
    due = end_of_day(_last_day(day, rule.deadline, rule.counting, reg,
                               start_counts=reg.receipt_day_counts, field="deadline"), tz)
    ack = None
    if rule.acknowledge:
        ack = end_of_day(_last_day(day, rule.acknowledge, rule.acknowledge_counting, reg,
                                   start_counts=reg.receipt_day_counts, field="acknowledge"), tz)
    ext = rule.extension
    return DueDates(due_at=due, acknowledge_by=ack, extension_by=ext.by if ext else None,
                    extensions_allowed=ext.times if ext else 0, rule_jurisdiction=where,
                    extension_kind=ext.kind if ext else "extension",
                    counting=rule.counting)


def extended_due(policy, jurisdiction: str, right: str, due_at: dt.datetime) -> dt.datetime:
    """The due date after one extension of a request now due at ``due_at``: the rule's
    ``extension.by`` counted on from the current last day (Conflict if the rule has none).

    How many extensions were already taken is the caller's to check against
    ``DueDates.extensions_allowed``.
    """
    _aware(due_at, "due_at")
    where, rule = _rule(policy, jurisdiction, right)
    if rule.extension is None:
        raise Conflict(f"the policy allows no extension of a {_shown(right)} request in {where}",
                       field="right", fix="answer by the due date, or refuse with a reason the "
                                          "law recognises")
    reg = regime(where)
    tz = _zone(reg)
    # The extension follows the first period: its day 1 is the day after the current last day.
    last = due_at.astimezone(tz).date()
    return end_of_day(_last_day(last, rule.extension.by, rule.counting, reg, start_counts=False,
                                field="extension.by"), tz)


def _days_left(deadline: dt.datetime, now: dt.datetime, tz: ZoneInfo) -> int:
    """Whole local days until the deadline's day: 0 on the last day, negative once past."""
    return (deadline.astimezone(tz).date() - now.astimezone(tz).date()).days


def _zone_for(jurisdiction: str) -> ZoneInfo:
    reg = REGIMES.get(jurisdiction)
    return _zone(reg) if reg else ZoneInfo("UTC")


def local_time(at: dt.datetime, jurisdiction: str) -> dt.datetime:
    """``at`` in the time zone whose days the jurisdiction's deadlines count (KR: Asia/Seoul):
    how every list shows a deadline, the CLI's and ``/rights/due`` alike."""
    return at.astimezone(_zone_for(jurisdiction))


def due_requests(yk: Services, *, now: dt.datetime | None = None, within_days: int = 3) -> list[dict]:
    """Open requests due within ``within_days`` days or overdue, soonest first.

    Each item: id, member_id, right, status, channel, jurisdiction, received_at, due_at,
    acknowledge_by, extensions, days_left (local calendar days in the jurisdiction; negative =
    overdue), overdue, acknowledge_overdue (the acknowledgement is past due and the request
    was never acknowledged). A request whose acknowledgement is near but whose answer is not
    is listed too.
    """
    from yaksok.store.sql import storage_errors
    from yaksok.store.tables import rights_requests as rq

    if within_days < 0:
        raise ValidationError("within_days cannot be negative", field="within_days",
                              fix="use 0 for due today or overdue only")
    now = _aware(now or dt.datetime.now(dt.UTC), "now")
    # One local day of slack: "within N days" is counted in local days below.
    horizon = now + dt.timedelta(days=within_days + 1)
    query = (sa.select(rq).where(rq.c.status.in_(OPEN_STATUSES))
             .where(sa.or_(rq.c.due_at <= horizon,
                           sa.and_(rq.c.acknowledge_by.is_not(None),
                                   rq.c.acknowledged_at.is_(None),
                                   rq.c.acknowledge_by <= horizon)))
             .order_by(rq.c.due_at, rq.c.id))
    found = []
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        for row in conn.execute(query):
            tz = _zone_for(row.jurisdiction)
            days = _days_left(row.due_at, now, tz)
            ack_open = row.acknowledge_by is not None and row.acknowledged_at is None
            ack_days = _days_left(row.acknowledge_by, now, tz) if ack_open else None
            if days > within_days and (ack_days is None or ack_days > within_days):
                continue
            # Soonest first by whichever deadline is nearer (a pending acknowledgement counts).
            soonest = min(row.due_at, row.acknowledge_by) if ack_open else row.due_at
            found.append((soonest, row.id, {
                "id": row.id, "member_id": row.member_id, "right": row.right,
                "status": row.status, "channel": row.channel, "jurisdiction": row.jurisdiction,
                "received_at": row.received_at.isoformat(),
                "due_at": row.due_at.astimezone(tz).isoformat(),
                "acknowledge_by": row.acknowledge_by.astimezone(tz).isoformat()
                if row.acknowledge_by else None,
                "extensions": row.extensions, "days_left": days, "overdue": now > row.due_at,
                "acknowledge_overdue": bool(ack_open and now > row.acknowledge_by),
            }))
    found.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in found]

