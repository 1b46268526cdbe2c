"""Entries the law lets us keep from their member for a while (a deferred notice).

Some disclosures to an authority may not be told to the member at once: a statute defers the
notice (an investigation that telling would defeat) until a date. The access-log entry is written
all the same, at the time of the disclosure, and stays provable like any other; what waits is
only the member's *view* of it. This module records, beside the log and outside its Merkle tree,
which entries of which member are withheld, until when and on which legal ground, and answers
which of a member's entries are still withheld at a time. ``history.subject_history`` (and so the
member's privacy center, staff's view of the same history and the access export) leaves those
out until the deferral ends, then shows them in their place, at their own time.

Only the fact of withholding lives here: who may withhold, and on what, is the disclosure
register's business (``yaksok.disclosures``), which writes these rows in the transaction that
appends the entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.errors import ValidationError
from yaksok.store.tables import access_log_withheld

__all__ = ["Withholding", "withhold", "withheld_seqs"]


@dataclass(frozen=True, slots=True)
class Withholding:
    """Why and until when a member's entries are kept from them."""

    until: dt.datetime
    ground: str

    def __post_init__(self) -> None:
        if self.until.tzinfo is None:
            raise ValidationError("the end of a deferral must carry a time zone",
                                  field="notice_deferred_until", fix="give an aware time")
        if not self.ground.strip():
            raise ValidationError("a deferral needs its legal ground", field="deferral_ground",
                                  fix="cite the provision that defers telling the member")


def withhold(conn: sa.Connection, subject_ref: str, seqs: Iterable[int],
             withholding: Withholding) -> None:
    """Keep the entries ``seqs`` of ``subject_ref`` from them until ``withholding.until``
    (in the caller's transaction, the one that appended them)."""
    rows = [{"subject_ref": subject_ref, "seq": s, "until": withholding.until,
             "ground": withholding.ground} for s in seqs]
    if rows:
        conn.execute(access_log_withheld.insert(), rows)


def withheld_seqs(conn_or_engine, subject_ref: str, now: dt.datetime) -> frozenset[int]:
    """The seqs of ``subject_ref``'s entries still withheld at ``now``."""
    t = access_log_withheld
    query = sa.select(t.c.seq).where(t.c.subject_ref == subject_ref, t.c.until > now)
    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            return frozenset(conn.execute(query).scalars())
    return frozenset(conn_or_engine.execute(query).scalars())
