"""Worker schedules (``YAKSOK_WORKER_SCHEDULE``): parsed and stepped, without a clock or database.

Two forms, chosen so an operator can say either "often" or "at a quiet hour":

- ``every <n><unit>...`` with units ``s``, ``m``, ``h``, ``d`` (``every 5m``, ``every 1h30m``):
  a pass at start, then one ``n`` after the previous pass ended;
- ``daily HH:MM[,HH:MM...] [<IANA zone>]`` (``daily 03:00 Asia/Seoul``): a pass at each of the
  times, wall-clock in the zone (default ``Asia/Seoul``, where SOMESING's members sleep). A
  daily schedule does not run at start: destruction waits for its quiet hour. A time that a
  daylight-saving change skips runs an hour later; one it repeats runs once.

Configuration, so a foundation: ``settings`` checks the variable with ``parse_schedule`` and the
worker (``yaksok.retention.schedule``) steps it with ``next_run``, which is pure and tested to
the second.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yaksok.errors import ConfigError, ValidationError

__all__ = ["DEFAULT_SCHEDULE", "DEFAULT_ZONE", "Schedule", "first_run", "next_run",
           "parse_schedule"]

DEFAULT_SCHEDULE = "every 5m"
DEFAULT_ZONE = "Asia/Seoul"
VARIABLE = "YAKSOK_WORKER_SCHEDULE"
FORMAT = ("write `every <n>s|m|h|d` (e.g. every 5m) or `daily HH:MM[,HH:MM] [IANA zone]` "
          "(e.g. daily 03:00 Asia/Seoul)")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"(?:\d+[smhd])+")
_PART = re.compile(r"(\d+)([smhd])")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed worker schedule: an interval, or wall-clock times of day in a zone."""

    interval: dt.timedelta | None = None
    times: tuple[dt.time, ...] = ()
    zone: str = DEFAULT_ZONE

    def __str__(self) -> str:
        if self.interval is not None:
            left, parts = self.interval.total_seconds(), []
            for unit, size in sorted(_UNITS.items(), key=lambda u: -u[1]):
                if left >= size:
                    parts.append(f"{int(left // size)}{unit}")
                    left %= size
            return "every " + ("".join(parts) if parts and not left else
                               f"{self.interval.total_seconds():g}s")
        return "daily " + ",".join(t.strftime("%H:%M") for t in self.times) + f" {self.zone}"


def _bad(text: str, why: str) -> ConfigError:
    # The schedule is configuration, never personal data: echoing it helps the operator.
    return ConfigError(f"{text!r} is not a worker schedule ({why})", field=VARIABLE, fix=FORMAT)


def parse_schedule(text: str | Schedule) -> Schedule:
    """``every 5m`` / ``daily 03:00 Asia/Seoul`` -> ``Schedule``; ``ConfigError`` otherwise."""
    if isinstance(text, Schedule):
        return text
    words = str(text).split()
    if not words:
        raise _bad(str(text), "it is empty")
    head, rest = words[0].lower(), words[1:]
    if head == "every":
        if len(rest) != 1 or not _EVERY.fullmatch(rest[0].lower()):
            raise _bad(text, "the interval is one word such as 30s, 5m, 1h30m")
        seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(rest[0].lower()))
        if seconds < 1:
            raise _bad(text, "the interval must be at least one second")
        return Schedule(interval=dt.timedelta(seconds=seconds))
    if head == "daily":
        if not 1 <= len(rest) <= 2:
            raise _bad(text, "give the times, then optionally a zone")
        times = []
        for clock in rest[0].split(","):
            m = _CLOCK.fullmatch(clock)
            if m is None:
                raise _bad(text, f"{clock!r} is not a 24-hour HH:MM time")
            times.append(dt.time(int(m[1]), int(m[2])))
        zone = rest[1] if len(rest) == 2 else DEFAULT_ZONE
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise _bad(text, f"{zone!r} is not an IANA time zone") from None
        return Schedule(times=tuple(sorted(set(times))), zone=zone)
    raise _bad(text, "it starts with neither `every` nor `daily`")


def _aware(after: dt.datetime) -> dt.datetime:
    if after.tzinfo is None:
        raise ValidationError("the time has no time zone", field="after",
                              fix="give the time with its UTC offset, e.g. 2026-12-01T09:00:00+09:00")
    return after


def next_run(schedule: str | Schedule, after: dt.datetime) -> dt.datetime:
    """The first run strictly after ``after`` (aware), in UTC."""
    s, after = parse_schedule(schedule), _aware(after).astimezone(dt.UTC)
    if s.interval is not None:
        return after + s.interval
    tz = ZoneInfo(s.zone)
    day = after.astimezone(tz).date()
    # Yesterday too: a local date can start before the UTC one; two days always hold the answer.
    for offset in (-1, 0, 1, 2):
        d = day + dt.timedelta(days=offset)
        for t in s.times:
            # fold=0: a skipped time (spring forward) maps an hour later, a repeated one once.
            at = dt.datetime.combine(d, t, tzinfo=tz).astimezone(dt.UTC)
            if at > after:
                return at
    raise AssertionError("unreachable: a daily schedule runs every day")  # pragma: no cover


def first_run(schedule: str | Schedule, start: dt.datetime) -> dt.datetime:
    """When a worker started at ``start`` runs first: at once for an interval, else next time."""
    s = parse_schedule(schedule)
    return _aware(start).astimezone(dt.UTC) if s.interval is not None else next_run(s, start)
