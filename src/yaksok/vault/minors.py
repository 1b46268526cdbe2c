"""Members under 18, for the purposes that rest on legitimate interests (P3.1).

GDPR 6(1)(f) lets a company's legitimate interest stand only where the member's interests do not
override it, "in particular where the data subject is a child"; the seed (section 3) says the same.
A purpose on legitimate interests records its balancing test in the policy (``assessment``); one
that was not struck for minors (``covers_minors: false``) does not hold for a member under 18.

The age gate keeps the day the member turns 18 (``adult_from``) for a member who is a minor at
sign-up — never for an adult, and never the birth date. It is sealed under the member's own data
key, so it dies with their erasure, and is read only when a purpose needs to know.

* ``adult_from_birth(born)``: the 18th birthday (29 February → 1 March);
* ``adult_from_age(age, today)``: from a declared age, the latest day the member can turn 18;
* ``keep_adult_from`` / ``adult_from``: seal it on the member row, open it again.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from yaksok.errors import NotFound
from yaksok.store.sql import sql
from yaksok.store.tables import utcnow

if TYPE_CHECKING:
    from yaksok.vault.service import Vault

__all__ = ["ADULT_AGE", "adult_from", "adult_from_age", "adult_from_birth", "keep_adult_from",
           "still_minor"]

ADULT_AGE = 18


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one: the day after 28 February
        return dt.date(day.year + years, 3, 1)


def adult_from_birth(born: dt.date) -> dt.date:
    """The day a member born on ``born`` turns 18."""
    return _years_later(born, ADULT_AGE)


def adult_from_age(age: int, today: dt.date) -> dt.date:
    """From an age declared ``today``: the latest day the member turns 18 (one born tomorrow,
    ``age + 1`` years ago, is ``age`` today and turns 18 in ``18 - age`` years)."""
    return _years_later(today, ADULT_AGE - age)


def still_minor(day: dt.date | None, today: dt.date | None = None) -> bool:
    """Whether a member who turns 18 on ``day`` (None: an adult) is under 18 ``today``."""
    return day is not None and (today or utcnow().date()) < day


def _aad(member_id: str, key_id: str) -> bytes:
    return f"adult-from|{member_id}|{key_id}".encode()


def keep_adult_from(v: Vault, conn, member_id: str, day: dt.date, now: dt.datetime) -> None:
    """Seal ``day`` on the member row, in the caller's write transaction."""
    key_id, sealed = v.seal_for_member(conn, member_id, lambda k: _aad(member_id, k),
                                       day.isoformat().encode(), now=now, lock=False)
    conn.exec_driver_sql(sql(conn, "UPDATE members SET adult_from_key = ?, adult_from = ? "
                                   "WHERE id = ?"), (key_id, sealed, member_id))


def adult_from(v: Vault, conn, member_id: str) -> dt.date | None:
    """The day the member turns 18, if the age gate found them a minor (None: an adult, or a
    member whose age was never checked — the age gate admits no one under the minimum age)."""
    row = conn.exec_driver_sql(sql(conn, "SELECT adult_from_key, adult_from FROM members "
                                         "WHERE id = ?"), (member_id,)).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    try:
        plain = v.open_for_member(member_id, row[0], _aad(member_id, row[0]), bytes(row[1]),
                                  conn=conn)
    except NotFound:
        return None
    return dt.date.fromisoformat(plain.decode())
