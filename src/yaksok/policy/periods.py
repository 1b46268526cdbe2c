"""ISO-8601 periods of the policy (``P5Y``, ``P3M``, ``P10D``) as calendar arithmetic on times.

Retention periods, the life of exports and the time consent evidence is kept are written this
way in the policy and the settings; every layer that counts with them uses these two functions.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from yaksok.errors import ValidationError

__all__ = ["add_period", "minus_period"]

_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def add_period(at: dt.datetime, period: str) -> dt.datetime:
    """``at`` + an ISO-8601 period of years, months, weeks and days (calendar arithmetic; the
    day is clamped to the month's last, so 2024-02-29 + P1Y is 2025-02-28)."""
    m = _PERIOD.match(period)
    if not m or not any(m.groups()):
        raise ValidationError(f"{period!r} is not an ISO-8601 period like P5Y or P3M",
                              field="period", fix="write it like P5Y, P3M, P6M or P10D")
    years, months, weeks, days = (int(g or 0) for g in m.groups())
    total = at.year * 12 + (at.month - 1) + years * 12 + months
    year, month = divmod(total, 12)
    day = min(at.day, calendar.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day) + dt.timedelta(weeks=weeks, days=days)


def minus_period(now: dt.datetime, period: str) -> dt.datetime:
    """The latest time ``t`` with ``add_period(t, period) <= now`` (to the second)."""
    # Step back far enough, then search: months have no fixed length to subtract.
    lo = now - dt.timedelta(days=366 * 200)
    lo_plus = add_period(lo, period)
    hi = now
    if lo_plus > now:
        return lo
    for _ in range(64):
        mid = lo + (hi - lo) / 2
        if add_period(mid, period) <= now:
            lo = mid
        else:
            hi = mid
        if hi - lo < dt.timedelta(seconds=1):
            break
    return lo
