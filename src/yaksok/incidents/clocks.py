"""The clocks of a breach: who must be told, by when, under which law — computed, never stored.

Every clock runs from a fact the register holds (when the company became aware, when it was
discovered, when members were first told) and ends with a fact it records (a stage issued, a
report made). ``clocks`` answers for one incident at ``now``; a clock is *due*, *overdue*,
*done*, *late* (done after its deadline) or *not required*. The numbers and their sources are in
``../shared/research/law-requirements.md`` and docs/incidents.md:

- members, Korea (PIPA 34(1), Decree 39): within 72 hours of awareness — of a *possible* breach
  too since 2026-09-11 (a preliminary notice, supplemented later);
- PIPC/KISA (PIPA 34(3), Decree 40): within 72 hours when 1,000 or more people, sensitive or
  unique-identifier data, or unlawful access from outside are involved — unless retrieval or
  deletion lowered the risk significantly (an exemption from ``pipc``, with its ground);
- an EU supervisory authority (GDPR 33(1)): within 72 hours when EU members are affected, unless
  the breach is unlikely to result in a risk (an exemption from ``eu_sa``: another test);
- EU members (GDPR 34(1)): without undue delay when the risk is high;
- California residents (Civ. Code 1798.82(a), as amended by SB 446 from 2026-01-01): within 30
  calendar days of discovery, by a notice with every item (1798.82(d): the final notice, not a
  preliminary one); when more than 500 are notified, a sample notice to the Attorney General
  (1798.82(f)) within 15 days after they are.

Members count as told by an email to each, or by the board posting when their contact is
unknown (Decree 40(2)); the first such stage stops the 72-hour and "without undue delay" clocks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["Clock", "clocks", "PIPC_THRESHOLD", "CA_AG_THRESHOLD", "EU", "CA"]

PIPC_THRESHOLD = 1000
CA_AG_THRESHOLD = 500
EU, CA = "EU", "US-CA"
_72H = dt.timedelta(hours=72)


@dataclass(frozen=True)
class Clock:
    """One duty of an incident and where it stands at the time asked."""

    key: str
    label_ko: str
    label_en: str
    law: str
    required: bool
    #: None with ``required``: "without undue delay" (no fixed hour).
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    state: str  # due | overdue | done | late | not_required
    #: The fact the clock runs from (awareness, discovery, the complete notice); None while
    #: that fact has not happened (California's AG clock before the complete notice).
    starts_at: dt.datetime | None = None

    @property
    def limit_hours(self) -> float | None:
        """The hours the law gives, from ``starts_at`` to ``due_at`` (72 for the 72-hour
        clocks); None for "without undue delay" or a clock not started."""
        if self.starts_at is None or self.due_at is None:
            return None
        return (self.due_at - self.starts_at).total_seconds() / 3600

    def elapsed_hours(self, now: dt.datetime) -> float | None:
        """Hours from ``starts_at`` until the duty was done, or until ``now`` while it is not;
        None for a clock not started."""
        if self.starts_at is None:
            return None
        end = self.done_at or now
        return max(0.0, (end - self.starts_at).total_seconds() / 3600)

    def hours_left(self, now: dt.datetime) -> float | None:
        """Hours until ``due_at`` at ``now`` (negative once overdue); None when done, not
        required, or without a fixed deadline."""
        if not self.required or self.done_at is not None or self.due_at is None:
            return None
        return (self.due_at - now).total_seconds() / 3600

    def to_dict(self) -> dict:
        return {"key": self.key, "label": {"ko": self.label_ko, "en": self.label_en},
                "law": self.law, "required": self.required, "state": self.state,
                "starts_at": self.starts_at.isoformat() if self.starts_at else None,
                "due_at": self.due_at.isoformat() if self.due_at else None,
                "done_at": self.done_at.isoformat() if self.done_at else None,
                "limit_hours": self.limit_hours}


def _state(required: bool, due: dt.datetime | None, done: dt.datetime | None,
           now: dt.datetime) -> str:
    if not required:
        return "not_required"
    if done is not None:
        return "late" if due is not None and done > due else "done"
    return "overdue" if due is not None and now > due else "due"


def clocks(incident, *, affected: dict[str, int], first_notice: dt.datetime | None,
           reports: dict[str, dt.datetime], now: dt.datetime,
           complete_notice: dt.datetime | None = None,
           exemptions: dict[str, str] | None = None) -> list[Clock]:
    """The clocks of ``incident`` (a row of ``incidents``) at ``now``.

    ``affected``: affected members by jurisdiction; ``first_notice``: when members were first
    told; ``complete_notice``: when a notice with every item went out; ``reports``: authority ->
    when first reported; ``exemptions``: authority -> the recorded ground for not reporting.
    """
    total = sum(affected.values())
    exemptions = exemptions or {}
    serious = (total >= PIPC_THRESHOLD or incident.sensitive or incident.unique_ids
               or incident.outside_access)
    eu, ca = affected.get(EU, 0), affected.get(CA, 0)
    aware = incident.aware_at
    members_label = ("유출 가능성 통지 (예비)" if incident.possible else "정보주체 통지",
                     "notice of a possible breach (preliminary)" if incident.possible
                     else "notice to the affected members")
    out = []

    def add(key, ko, en, law, required, start, due, done):
        out.append(Clock(key, ko, en, law, required, due, done,
                         _state(required, due, done, now), start))

    add("members_kr", *members_label, "PIPA 34(1); Decree 39", total > 0, aware, aware + _72H,
        first_notice)
    add("pipc", "개인정보보호위원회·KISA 신고", "report to the PIPC / KISA",
        "PIPA 34(3); Decree 40", serious and "pipc" not in exemptions, aware, aware + _72H,
        reports.get("pipc"))
    add("eu_sa", "EU 감독기관 신고", "report to the EU supervisory authority", "GDPR 33(1)",
        eu > 0 and "eu_sa" not in exemptions, aware, aware + _72H, reports.get("eu_sa"))
    add("eu_members", "EU 정보주체 통지 (지체 없이)", "notice to EU members (without undue delay)",
        "GDPR 34(1)", eu > 0 and incident.high_risk, aware, None, first_notice)
    add("ca_members", "캘리포니아 거주자 통지 (30일)", "notice to California residents (30 days)",
        "Cal. Civ. Code 1798.82(a), (d) (SB 446)", ca > 0, incident.discovered_at,
        incident.discovered_at + dt.timedelta(days=30), complete_notice)
    add("ca_ag", "캘리포니아 법무장관에 통지문 사본 제출", "sample notice to the California Attorney General",
        "Cal. Civ. Code 1798.82(f) (SB 446)", ca > CA_AG_THRESHOLD, complete_notice,
        complete_notice + dt.timedelta(days=15) if complete_notice else None,
        reports.get("ca_ag"))
    return out
