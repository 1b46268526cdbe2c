"""Warnings about legally stale or doubtful content, judged as of a given day.

A warning is advice, not a broken file: ``policy check`` exits 0 on warnings unless ``--strict``.
Each rule carries the day it became stale, so ``--as-of`` an earlier day stays quiet about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from yaksok.policy.laws import RULES
from yaksok.policy.loader import LoadedPolicy, file_problems, load_source
from yaksok.policy.problems import Problem


@dataclass(frozen=True)
class StaleRule:
    """Something the law stopped allowing, or started requiring, on a known day."""

    since: dt.date
    reason: str
    fix: str


# The days come from the table of rules (``laws.RULES``): one place knows when a law held.
PRIVACY_SHIELD = StaleRule(
    RULES["eu_us_privacy_shield"].lapsed,
    "the EU-US Privacy Shield was invalidated by the CJEU (C-311/18, Schrems II)",
    "rely on standard_contractual_clauses, or eu_us_data_privacy_framework for certified US "
    "recipients (adequacy decision of 2023-07-10)",
)
SWISS_SHIELD = StaleRule(
    RULES["swiss_us_privacy_shield"].lapsed,
    "the Swiss FDPIC found the Swiss-US Privacy Shield inadequate",
    "rely on standard_contractual_clauses, or swiss_us_data_privacy_framework for certified "
    "recipients (in force 2024-09-15)",
)
DORMANT_SEPARATION = StaleRule(
    RULES["kr_dormant_separation"].lapsed,
    "the one-year dormant-account separation rule (former PIPA 39-6) was repealed",
    "drop `dormant_separation`, or keep it as the company's own rule and say so in the policy",
)
OPT_OUT_SIGNALS = StaleRule(
    RULES["cpra_opt_out_sharing"].in_force,
    "CCPA regulations §7025 require honouring opt-out preference signals (Global Privacy "
    "Control) where a business sells or shares personal information, including for "
    "cross-context behavioural advertising",
    "set `california.honours_do_not_track: true` and honour Sec-GPC: 1 (yaksok does)",
)
AUTOMATED_DECISIONS_KR = StaleRule(
    RULES["kr_pipa_37_2"].in_force,
    "PIPA 37-2 gives Korean data subjects rights over automated decisions (30 days, "
    "extendable twice by 30)",
    "add `automated_decision: {deadline: P30D, counting: calendar, extension: {by: P30D, "
    "times: 2}}` to the KR rights",
)
PORTABILITY_KR = StaleRule(
    RULES["kr_pipa_35_2"].in_force,
    "PIPA 35-2 gives Korean data subjects the right to have their data transmitted",
    "add a `portability:` deadline to the KR rights",
)


class _Linter:
    def __init__(self, loaded: LoadedPolicy, as_of: dt.date) -> None:
        self.loaded = loaded
        self.as_of = as_of
        self.problems: list[Problem] = []

    def warn(self, path: tuple, message: str, fix: str) -> None:
        line, col = self.loaded.locations.of_value(path)
        self.problems.append(Problem(self.loaded.file, line, col, "warning", message, fix))

    def stale(self, path: tuple, what: str, rule: StaleRule) -> None:
        if self.as_of >= rule.since:
            self.warn(path, f"{what}: stale since {rule.since.isoformat()}: {rule.reason}",
                      rule.fix)


def lint(loaded: LoadedPolicy, as_of: dt.date | None = None) -> list[Problem]:
    """Warnings for a valid policy, judged as of ``as_of`` (today by default)."""
    li = _Linter(loaded, as_of or dt.date.today())
    p = loaded.policy
    for i, version in enumerate(p.versions):
        printed = version.printed_effective
        if printed and printed != version.effective.isoformat():
            try:
                real = dt.date.fromisoformat(printed)
                why = f"the source printed {printed}"
            except ValueError:
                real = None
                why = f"the source printed {printed}, a day that does not exist"
            if real != version.effective:
                li.warn(("versions", i, "printed_effective"),
                        f"version {version.version}: {why}; yaksok uses "
                        f"{version.effective.isoformat()}",
                        "correct the published text, or keep this note as the record")
    for i, transfer in enumerate(p.transfers):
        for j, mech in enumerate(transfer.mechanisms):
            path = ("transfers", i, "mechanisms", j)
            if mech == "eu_us_privacy_shield":
                li.stale(path, "transfer mechanism eu_us_privacy_shield", PRIVACY_SHIELD)
            elif mech == "swiss_us_privacy_shield":
                li.stale(path, "transfer mechanism swiss_us_privacy_shield", SWISS_SHIELD)
    if "public_task" in p.lawful_bases and not p.controller.public_authority:
        li.warn(("lawful_bases",), "`lawful_bases:` lists public_task, which a company cannot "
                "rely on (GDPR 6(1)(e), 6(3): a task laid down by EU or member-state law)",
                "drop public_task from `lawful_bases:` (keep it only as the record of what the "
                "source said)")
    for i, pur in enumerate(p.purposes):
        if "vital_interests" in pur.bases and pur.data_use.startswith("essential.fraud"):
            li.warn(("purposes", i, "bases"), f"purpose {pur.key!r} detects fraud under "
                    "vital_interests, which protects life and physical safety (GDPR recital "
                    "46); preventing fraud is a legitimate interest (recital 47)",
                    "rest it on legitimate_interests with a recorded assessment (or contract)")
    if p.retention.dormant_separation:
        li.stale(("retention", "dormant_separation"), "dormant-account separation",
                 DORMANT_SEPARATION)
    if p.california is not None and not p.california.honours_do_not_track:
        advertises = any(d.data_use.startswith("marketing.advertising") for d in p.purposes)
        if advertises:
            li.stale(("california", "honours_do_not_track"),
                     "the policy says opt-out signals are not honoured", OPT_OUT_SIGNALS)
    kr = p.jurisdiction("KR")
    if kr is not None:
        index = p.jurisdictions.index(kr)
        if p.automated_decisions and "automated_decision" not in kr.rights:
            li.stale(("jurisdictions", index, "rights"), "KR has no automated-decision deadline",
                     AUTOMATED_DECISIONS_KR)
        if "portability" not in kr.rights:
            li.stale(("jurisdictions", index, "rights"), "KR has no portability deadline",
                     PORTABILITY_KR)
    return li.problems


def check_file(path: Path | str, as_of: dt.date | None = None) -> list[Problem]:
    """Every error and warning for a policy file, in file order (what ``policy check`` prints)."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [Problem(str(path), 1, 1, "error", "no such file",
                        "give the path of a policy file, e.g. policies/somesing.yaml")]
    except (OSError, UnicodeDecodeError) as exc:
        why = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror
        return [Problem(str(path), 1, 1, "error", f"cannot read the file: {why}",
                        "give a readable UTF-8 policy file")]
    return check_source(source, str(path), as_of)


def check_source(source: str, file: str, as_of: dt.date | None = None) -> list[Problem]:
    """Every error and warning for a policy's text, in order: what ``policy check`` says of a
    file, for a text given another way (pasted in the console, posted to REST). ``file`` names
    it in the problems; a ``provenance.source_text`` is looked for beside it."""
    loaded, problems = load_source(source, file)
    if loaded is not None:
        problems = problems + file_problems(loaded) + lint(loaded, as_of)
    return sorted(problems, key=lambda x: (x.line, x.column, x.severity))
