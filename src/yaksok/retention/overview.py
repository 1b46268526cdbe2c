"""The retention overview as tables: held records by kind and month of expiry, and what the
destruction records add up to.

``retention_status`` (``expiry.py``) lists the months that hold something; a person reading it
wants the next months in a row, with the empty ones, and what is already past its month (held
records the worker has not yet destroyed: a worker that is not running shows here first). So
``held_by_expiry_month`` lays the vault's counts (``Vault.held_status``: kinds, months, counts,
never a value) over the next ``months`` calendar months, with what lies before them
(``overdue``) and after them (``later``). ``destruction_totals`` sums the destruction records of
the last days by kind, record kind, method and rule: what was destroyed, how and under which
rule, in counts.

Months are calendar months in UTC, as the hold keys are (``hold:<kind>:<YYYY-MM>``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yaksok.errors import ValidationError
from yaksok.services import Services
from yaksok.store.sql import from_db, sql, to_db
from yaksok.store.tables import utcnow

__all__ = ["DestructionTotal", "HeldByMonth", "destruction_totals", "held_by_expiry_month",
           "MAX_MONTHS", "MAX_DAYS"]

#: The widest window either table is asked for (ten years of months; two years of days).
MAX_MONTHS = 120
MAX_DAYS = 730


@dataclass(frozen=True)
class HeldByMonth:
    """Held records by record kind (rows) and month of expiry (columns)."""

    months: tuple[str, ...]  # YYYY-MM, from the current month on
    kinds: tuple[str, ...]
    #: kind -> one count per month of ``months``
    counts: dict[str, tuple[int, ...]]
    #: kind -> records whose month of expiry is before the current one (due, not yet destroyed)
    overdue: dict[str, int]
    #: kind -> records expiring after the last month shown
    later: dict[str, int]

    @property
    def month_totals(self) -> tuple[int, ...]:
        return tuple(sum(self.counts[k][i] for k in self.kinds)
                     for i in range(len(self.months)))

    def total(self, kind: str) -> int:
        return self.overdue[kind] + sum(self.counts[kind]) + self.later[kind]

    def to_dict(self) -> dict:
        return {"months": list(self.months),
                "kinds": [{"record_kind": k, "overdue": self.overdue[k],
                           "by_month": list(self.counts[k]), "later": self.later[k],
                           "total": self.total(k)} for k in self.kinds],
                "month_totals": list(self.month_totals)}


@dataclass(frozen=True, slots=True)
class DestructionTotal:
    """What the destruction records of a window add up to, for one kind, method and rule."""

    kind: str
    record_kind: str | None
    method: str
    rule: str
    law: str | None
    count: int
    batches: int
    last_at: dt.datetime

    def to_dict(self) -> dict:
        return {"kind": self.kind, "record_kind": self.record_kind, "method": self.method,
                "rule": self.rule, "law": self.law, "count": self.count,
                "batches": self.batches, "last_at": self.last_at.astimezone(dt.UTC).isoformat()}


def _month_after(month: str, n: int) -> str:
    year, mon = (int(x) for x in month.split("-"))
    index = year * 12 + mon - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def held_by_expiry_month(yk: Services, *, months: int = 12,
                         now: dt.datetime | None = None) -> HeldByMonth:
    """Held records by kind and month of expiry over ``months`` months from the current one
    (UTC), with the overdue and later counts; kinds in the policy's retention rules first
    (every one, even with nothing held), then any other kind still held."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError(f"months must be between 1 and {MAX_MONTHS}", field="months",
                              fix="ask for 12 months for the coming year")
    first = (now or utcnow()).astimezone(dt.UTC).strftime("%Y-%m")
    shown = tuple(_month_after(first, i) for i in range(months))
    held, _next = yk.vault.held_status()
    policy_kinds = [r.record_kind for r in yk.policy.retention.rules]
    kinds = tuple(dict.fromkeys(policy_kinds + sorted({k for k, *_ in held})))
    counts = {k: [0] * months for k in kinds}
    overdue = dict.fromkeys(kinds, 0)
    later = dict.fromkeys(kinds, 0)
    for kind, month, n, _first in held:
        if month < first:
            overdue[kind] += n
        elif month > shown[-1]:
            later[kind] += n
        else:
            counts[kind][shown.index(month)] += n
    return HeldByMonth(shown, kinds, {k: tuple(v) for k, v in counts.items()}, overdue, later)


def destruction_totals(yk: Services, *, days: int = 90,
                       now: dt.datetime | None = None) -> list[DestructionTotal]:
    """The destruction records of the last ``days`` days summed by kind, record kind, method
    and rule (the largest first): counts, batches and the last time, never a value."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"days must be between 1 and {MAX_DAYS}", field="days",
                              fix="ask for 90 days for the last three months")
    since = (now or utcnow()).astimezone(dt.UTC) - dt.timedelta(days=days)
    with yk.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        rows = conn.exec_driver_sql(sql(conn, (
            "SELECT kind, record_kind, method, rule, law, SUM(count), COUNT(*), MAX(at) "
            "FROM destruction_records WHERE at >= ? "
            "GROUP BY kind, record_kind, method, rule, law")), (to_db(sqlite, since),)).fetchall()
    out = [DestructionTotal(k, rk, m, r, law, int(n), int(b), from_db(last))
           for k, rk, m, r, law, n, b, last in rows]
    return sorted(out, key=lambda t: (-t.count, t.kind, t.record_kind or ""))
