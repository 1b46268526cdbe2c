"""The legal rules yaksok knows, each with the day it took effect and, where it has, the day it
lapsed — so no version of a policy renders a law before its day.

``rules_rendered(policy)`` names the rules a policy's rendering relies on (a transfer mechanism,
a jurisdiction's deadline for a right, the dormant-account rule). ``policy check`` then

* fails a version that renders a rule not yet in force on the version's effective date (a 2021
  version cannot promise Korea's 2024 automated-decision rights);
* warns about a rule that had lapsed before the version took effect (Privacy Shield in a version
  of November 2021), and — judged as of a day, by ``lint`` — about rules that have lapsed since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from yaksok.policy.model import Policy
from yaksok.policy.problems import Locations, Problem


@dataclass(frozen=True)
class LegalRule:
    """A rule of law yaksok can render, and the days it held."""

    key: str
    citation: str
    in_force: dt.date
    lapsed: dt.date | None = None
    #: Why it lapsed, or what it is, for the message.
    note: str = ""


_D = dt.date
RULES: dict[str, LegalRule] = {r.key: r for r in (
    # -- transfers out of the EU and Switzerland
    LegalRule("eu_us_privacy_shield", "EU-US Privacy Shield (Decision (EU) 2016/1250)",
              _D(2016, 8, 1), _D(2020, 7, 16),
              "invalidated by the CJEU (C-311/18, Schrems II); it only ever covered transfers "
              "to certified US organisations"),
    LegalRule("swiss_us_privacy_shield", "Swiss-US Privacy Shield", _D(2017, 4, 12),
              _D(2020, 9, 8), "found inadequate by the Swiss FDPIC; it only ever covered "
              "transfers to certified US organisations"),
    LegalRule("eu_us_data_privacy_framework", "EU-US Data Privacy Framework "
              "(Decision (EU) 2023/1795)", _D(2023, 7, 10)),
    LegalRule("swiss_us_data_privacy_framework", "Swiss-US Data Privacy Framework",
              _D(2024, 9, 15)),
    LegalRule("standard_contractual_clauses", "standard contractual clauses "
              "(Decision (EU) 2021/914)", _D(2021, 6, 27)),
    LegalRule("eu_kr_adequacy", "EU adequacy decision for the Republic of Korea "
              "(Decision (EU) 2022/254, adopted 2021-12-17)", _D(2021, 12, 17)),
    # -- Korea (PIPA)
    LegalRule("kr_pipa_35_37", "PIPA 35-37 (access, correction and erasure, suspension)",
              _D(2011, 9, 30)),
    LegalRule("kr_pipa_37_2", "PIPA 37-2 (automated decisions)", _D(2024, 3, 15)),
    LegalRule("kr_pipa_35_2", "PIPA 35-2 (transmission of personal data)", _D(2025, 3, 13)),
    LegalRule("kr_dormant_separation", "former PIPA 39-6 (separating dormant accounts)",
              _D(2015, 8, 18), _D(2023, 9, 15), "repealed"),
    # -- the EU
    LegalRule("gdpr", "GDPR (Regulation (EU) 2016/679)", _D(2018, 5, 25)),
    # -- California
    LegalRule("ccpa", "CCPA (Cal. Civ. Code 1798.100 ff.)", _D(2020, 1, 1)),
    LegalRule("ccpa_regs_2020", "CCPA regulations (former §999.313: 10 business days to "
              "acknowledge, 45 days to answer)", _D(2020, 8, 14)),
    LegalRule("cpra_correction", "CPRA: the right to correct (1798.106)", _D(2023, 1, 1)),
    LegalRule("cpra_opt_out_sharing", "CPRA: opt-out of sale or sharing (1798.120, 1798.135; "
              "Cal. Code Regs. tit. 11, §7026(f): 15 business days)", _D(2023, 3, 29)),
)}

#: The rule behind each right's deadline, per jurisdiction (the law of the jurisdiction otherwise).
_RIGHT_RULES: dict[str, dict[str, str]] = {
    "KR": {"access": "kr_pipa_35_37", "rectification": "kr_pipa_35_37",
           "erasure": "kr_pipa_35_37", "restriction": "kr_pipa_35_37",
           "objection": "kr_pipa_35_37", "automated_decision": "kr_pipa_37_2",
           "portability": "kr_pipa_35_2"},
    "EU": dict.fromkeys(("access", "rectification", "erasure", "restriction", "portability",
                         "objection", "automated_decision"), "gdpr"),
    "US-CA": {"access": "ccpa", "erasure": "ccpa", "portability": "ccpa",
              "rectification": "cpra_correction", "objection": "cpra_opt_out_sharing"},
}


def rules_rendered(policy: Policy) -> Iterator[tuple[tuple, LegalRule]]:
    """``(path in the file, rule)`` for every legal rule the policy's rendering relies on."""
    for i, transfer in enumerate(policy.transfers):
        for j, mech in enumerate(transfer.mechanisms):
            path = ("transfers", i, "mechanisms", j)
            if mech in RULES:
                yield path, RULES[mech]
            elif mech == "adequacy" and "KR" in transfer.to and set(transfer.from_) <= {"EU", "EEA"}:
                yield path, RULES["eu_kr_adequacy"]
    for i, jur in enumerate(policy.jurisdictions):
        rules = _RIGHT_RULES.get(jur.key, {})
        for right, deadline in jur.rights.items():
            key = rules.get(right)
            if key is not None:
                yield ("jurisdictions", i, "rights", right), RULES[key]
            if jur.key == "US-CA" and deadline.acknowledge is not None:
                yield ("jurisdictions", i, "rights", right, "acknowledge"), RULES["ccpa_regs_2020"]
    if policy.retention.dormant_separation:
        yield ("retention", "dormant_separation"), RULES["kr_dormant_separation"]


def rule_problems(policy: Policy) -> Iterator[tuple[tuple, str, str, str]]:
    """``(path, severity, message, fix)`` for rules rendered before their day or after their end."""
    effective = policy.current_version.effective
    for path, rule in rules_rendered(policy):
        if rule.in_force > effective:
            yield (path, "error",
                   f"renders {rule.citation}, in force only from {rule.in_force.isoformat()}; "
                   f"this version takes effect {effective.isoformat()}: no law before its day",
                   "leave it out of this version, or publish it in a version effective on or "
                   "after that day")
        elif rule.lapsed is not None and rule.lapsed <= effective:
            yield (path, "warning",
                   f"renders {rule.citation}, which lapsed on {rule.lapsed.isoformat()} "
                   f"({rule.note}), before this version took effect ({effective.isoformat()})",
                   "keep it only as the record of what the source said; the current version "
                   "must not rely on it")
    for i, transfer in enumerate(policy.transfers):
        for j, mech in enumerate(transfer.mechanisms):
            if mech.endswith("_privacy_shield") or mech.endswith("_data_privacy_framework"):
                if transfer.to and set(transfer.to) != {"US"}:
                    yield (("transfers", i, "mechanisms", j), "error",
                           f"{mech} covers transfers to certified US organisations only, not to "
                           f"{', '.join(t for t in transfer.to if t != 'US')}",
                           "use a mechanism for the destination (adequacy, "
                           "standard_contractual_clauses, consent)")


def law_problems(policy: Policy, file: str, locations: Locations) -> list[Problem]:
    """:func:`rule_problems` (and the transfer covers' routes) as located problems."""
    from yaksok.policy.transfers import route_problems

    found = []
    for path, severity, message, fix in (*rule_problems(policy), *route_problems(policy)):
        line, col = locations.of_value(path)
        found.append(Problem(file, line, col, severity, message, fix))
    return found
