"""What staff inspect beside the member's own history: every entry about a member with its
actor, reason and seq (``history.staff_history``, nothing withheld), and the monthly report's
count per local day (``inspect.Report.days``, the console's chart of accesses and denials)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.support.auditlog import event
from yaksok.auditlog import append_many
from yaksok.auditlog.history import staff_history, subject_history
from yaksok.auditlog.inspect import monthly_report
from yaksok.auditlog.withheld import Withholding, withhold
from yaksok.store import IMMEDIATE

KST = ZoneInfo("Asia/Seoul")
ME = "m_000000000001"


def _add(yk, *events) -> list[int]:
    with yk.engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        return append_many(conn, events)


@pytest.mark.promise("P7.5")
def test_the_staff_view_names_actors_reasons_and_seqs_and_withholds_nothing(yk):
    seqs = _add(yk, event(1, subject_ref=ME, actor_id="st_kim", purpose="member_management"),
                event(2, subject_ref=ME, actor_id="ak_app", actor_kind="app_backend",
                      actor_role=None, outcome="denied", reason="actor-not-allowed"),
                event(3, subject_ref="m_other"))
    with yk.engine.begin() as conn:  # a disclosure the law lets us tell the member later
        withhold(conn, ME, [seqs[0]], Withholding(
            until=dt.datetime(2099, 1, 1, tzinfo=dt.UTC), ground="statute"))
    items = staff_history(yk.engine, yk.policy, ME, lang="en")
    assert [(i.seq, i.actor_id, i.outcome, i.reason) for i in items] == [
        (seqs[1], "ak_app", "denied", "actor-not-allowed"), (seqs[0], "st_kim", "granted", None)]
    assert items[1].role == "Privacy officer" and items[1].purpose.startswith("Member manag")
    assert [i.to_dict()["seq"] for i in items] == [seqs[1], seqs[0]]
    assert len(subject_history(yk.engine, yk.policy, ME)) == 1  # the member's: withheld


def test_the_report_counts_every_local_day_of_the_month(yk):
    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2026, 11, day, hour, tzinfo=KST)

    _add(yk, event(1, at=at(1, 0)), event(2, at=at(1, 23)),
         event(3, at=at(3, 9), outcome="denied", reason="purpose-required"),
         event(4, at=at(30, 23)),
         event(5, at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=KST)))  # October in Seoul
    r = monthly_report(yk.engine, yk.policy, "2026-11",
                       now=dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    assert [d.day.day for d in r.days] == list(range(1, 31))
    by_day = {d.day.day: (d.granted, d.denied) for d in r.days if d.granted or d.denied}
    assert by_day == {1: (2, 0), 3: (0, 1), 30: (1, 0)}
    assert sum(d.granted for d in r.days) == r.granted and sum(d.denied for d in r.days) == r.denied
