"""The transfer gate: may an EU or Swiss member's data go to a recipient in another country?

One pure function, ``transfer_decision``, answers it for every door that lets data leave: the
vault asks it when processor staff read (``yaksok.vault.transfer``), and a disclosure or a
provision asks it through the same vault helper before ``Vault.release`` hands values over.
Nothing else decides a transfer.

What counts (EDPB Guidelines 05/2021 on the interplay of Art. 3 and Chapter V): a *transfer*
is a disclosure by the controller to another controller or processor in a third country. The
controller collecting directly from its members is not one, so the gate is asked only when a
recipient is named. The origin is the member's jurisdiction (``EU``: the GDPR, EEA states
included; ``CH``: the Swiss FADP); any other member's data is not restricted by this gate.

A route is covered on a day when the policy's ``transfers`` lists it (``from`` holds the origin,
``to`` the destination) and one of its ``covers`` holds that day:

- the law gives the mechanism for that route on that day (``MECHANISMS`` below: an adequacy
  decision covers a listed country; the Data Privacy Frameworks and the Privacy Shields only
  certified US recipients, and the Shields lapsed in 2020; standard contractual clauses, binding
  corporate rules and other safeguards any country, but only with a recipient that signed them);
- the cover names the recipient (unless it is an adequacy decision, which covers a country);
- the cover's own days hold (``since`` ≤ day < ``until``);
- for ``consent`` (GDPR 49(1)(a), FADP 17(1)(a)): the member gave the cover's consent item;
- for a mechanism signed with the recipient (``NEEDS_CONTRACT``: standard contractual clauses):
  the processors' contract register holds a contract with that recipient that ticks the clause,
  in force that day — the cover holds from the later of its ``since`` and the day the contract
  was signed, and not at all without one. The policy's cover is the declaration; the register
  is the evidence (``contracts``: recipient → the ``(signed_on, ends_on)`` of such contracts,
  built by ``signed_contracts`` from the register's rows).

Switzerland → Korea: the Federal Council's list of adequate states (Annex 1 of the Data
Protection Ordinance, DPO, binding since 2023-09-01; the US added for certified recipients on
2024-09-15) does not name the Republic of Korea, so only contractual safeguards or consent cover
it. The EU's decision for Korea (Decision (EU) 2022/254, adopted 2021-12-17) covers EU → KR only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from yaksok.policy.model import Policy

__all__ = ["MECHANISMS", "Mechanism", "NEEDS_CONTRACT", "TransferDecision", "origin_of",
           "route_problems", "signed_contracts", "transfer_decision", "RULE_NOT_COVERED",
           "RULE_LAPSED"]

RULE_NOT_COVERED = "transfer-not-covered"
RULE_LAPSED = "transfer-mechanism-lapsed"
#: Mechanisms that hold only with a contract the recipient signed, recorded in the processors'
#: contract register with this clause ticked (``yaksok.processors.contracts.CLAUSES``).
NEEDS_CONTRACT = frozenset({"standard_contractual_clauses"})
#: recipient -> the (signed_on, ends_on) of its contracts carrying the clauses.
Contracts = Mapping[str, Sequence[tuple[dt.date, dt.date | None]]]

_D = dt.date
_EU_STATES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})
#: Where the GDPR itself applies (EU and EEA): data moving inside it is not a transfer.
EEA = _EU_STATES | {"IS", "LI", "NO", "EU", "EEA"}
#: Annex 1 DPO as far as SOMESING's routes need it: the EEA states and the United Kingdom
#: (conservative: a country not listed here is treated as not adequate). No Korea.
_CH_ADEQUATE = EEA | {"GB", "AD", "AR", "CA", "GG", "IM", "IL", "JE", "NZ", "UY", "FO", "GI"}


@dataclass(frozen=True)
class Mechanism:
    """A transfer mechanism as the law gives it: from where, to where, on which days."""

    key: str
    origin: str                       # EU or CH
    citation: str
    valid_from: dt.date
    #: The first day it no longer holds (lapsed, invalidated); None while in force.
    valid_until: dt.date | None = None
    #: The destinations it covers; None: any (an instrument signed with the recipient).
    destinations: frozenset[str] | None = None
    #: Whether it covers a country (adequacy) or only the recipients a cover names.
    per_recipient: bool = True

    def holds(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("adequacy", "EU", "EU adequacy decision for the Republic of Korea (Decision (EU) "
              "2022/254, adopted 2021-12-17)", _D(2021, 12, 17), None, frozenset({"KR"}),
              per_recipient=False),
    Mechanism("adequacy", "CH", "Annex 1 of the Swiss Data Protection Ordinance (DPO)",
              _D(2023, 9, 1), None, _CH_ADEQUATE, per_recipient=False),
    Mechanism("eu_us_privacy_shield", "EU", "EU-US Privacy Shield (Decision (EU) 2016/1250), "
              "invalidated by the CJEU (C-311/18)", _D(2016, 8, 1), _D(2020, 7, 16),
              frozenset({"US"})),
    Mechanism("swiss_us_privacy_shield", "CH", "Swiss-US Privacy Shield, found inadequate by "
              "the FDPIC", _D(2017, 4, 12), _D(2020, 9, 8), frozenset({"US"})),
    Mechanism("eu_us_data_privacy_framework", "EU", "EU-US Data Privacy Framework (Decision "
              "(EU) 2023/1795), certified recipients only", _D(2023, 7, 10), None,
              frozenset({"US"})),
    Mechanism("swiss_us_data_privacy_framework", "CH", "Swiss-US Data Privacy Framework "
              "(Annex 1 DPO), certified recipients only", _D(2024, 9, 15), None,
              frozenset({"US"})),
    Mechanism("standard_contractual_clauses", "EU", "standard contractual clauses (Decision "
              "(EU) 2021/914; GDPR 46(2)(c))", _D(2021, 6, 27)),
    Mechanism("standard_contractual_clauses", "CH", "standard contractual clauses recognised "
              "by the FDPIC (2021-08-27; FADP 16(2)(d))", _D(2021, 8, 27)),
    Mechanism("binding_corporate_rules", "EU", "binding corporate rules (GDPR 47)",
              _D(2018, 5, 25)),
    Mechanism("binding_corporate_rules", "CH", "binding corporate rules (FADP 16(2)(e))",
              _D(2023, 9, 1)),
    Mechanism("other_safeguards", "EU", "other appropriate safeguards (GDPR 46(2))",
              _D(2018, 5, 25)),
    Mechanism("other_safeguards", "CH", "other safeguards (FADP 16(2))", _D(2023, 9, 1)),
    Mechanism("consent", "EU", "the member's explicit consent (GDPR 49(1)(a))", _D(2018, 5, 25),
              per_recipient=False),
    Mechanism("consent", "CH", "the member's explicit consent (FADP 17(1)(a))", _D(2023, 9, 1),
              per_recipient=False),
)
_BY_KEY: dict[tuple[str, str], Mechanism] = {(m.key, m.origin): m for m in MECHANISMS}


def origin_of(jurisdiction: str | None) -> str | None:
    """The restricted origin of a member's data (``EU`` or ``CH``), or None."""
    if jurisdiction is None:
        return None
    j = jurisdiction.upper()
    if j in EEA:
        return "EU"
    if j == "CH":
        return "CH"
    return None


@dataclass(frozen=True)
class TransferDecision:
    """Whether a route is covered, on what, or the rule that refuses it (with a fix)."""

    allowed: bool
    origin: str | None
    destination: str
    recipient: str
    mechanism: str | None = None     # the mechanism it rests on when allowed
    rule: str | None = None
    message: str = ""
    fix: str = ""

    def to_dict(self) -> dict:
        return {"allowed": self.allowed, "origin": self.origin, "destination": self.destination,
                "recipient": self.recipient, "mechanism": self.mechanism, "rule": self.rule,
                "message": self.message, "fix": self.fix}


def _same_area(origin: str, destination: str) -> bool:
    return destination in EEA if origin == "EU" else destination == "CH"


def signed_contracts(rows: Iterable) -> dict[str, tuple[tuple[dt.date, dt.date | None], ...]]:
    """``contracts`` for ``transfer_decision`` from the contract register's rows, each
    ``(processor, signed_on, ends_on, clauses as JSON)``: those that tick a contract mechanism."""
    out: dict[str, list[tuple[dt.date, dt.date | None]]] = {}
    for processor, signed_on, ends_on, clauses in rows:
        ticked = json.loads(clauses) if isinstance(clauses, str) else clauses
        if NEEDS_CONTRACT & set(ticked or ()):
            out.setdefault(processor, []).append((_day(signed_on), _day(ends_on)))
    return {k: tuple(sorted(v, key=lambda c: c[0])) for k, v in out.items()}


def _day(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _contract_since(contracts: Contracts | None, recipient: str, on: dt.date
                    ) -> tuple[dt.date | None, dt.date | None]:
    """(the signing day of the contract in force on ``on``, or None; the latest end before)."""
    held = [(s, e) for s, e in (contracts or {}).get(recipient, ())]
    live = [s for s, e in held if s <= on and (e is None or on < e)]
    ended = [e for s, e in held if e is not None and e <= on]
    return (min(live) if live else None), (max(ended) if ended else None)


def transfer_decision(policy: Policy, *, origin: str | None, destination: str, recipient: str,
                      on: dt.date, has_consent: Callable[[str], bool] | None = None,
                      contracts: Contracts | None = None) -> TransferDecision:
    """May data of ``origin`` (``origin_of`` the member's jurisdiction) go to ``recipient`` in
    ``destination`` on ``on``? ``has_consent(item)`` says whether the member gave a consent
    item (asked only for a ``consent`` cover); ``contracts`` what the contract register holds
    (``signed_contracts``; none: no cover that needs a contract holds)."""
    dest = (destination or "").upper()
    base = dict(origin=origin, destination=dest, recipient=recipient)
    if origin is None:
        return TransferDecision(True, mechanism=None, message="not a restricted origin", **base)
    if _same_area(origin, dest):
        return TransferDecision(True, mechanism=None, message="not a transfer", **base)
    lapsed: list[str] = []
    listed = unsigned = False
    for tr in policy.transfers:
        if origin not in tr.from_ or dest not in tr.to:
            continue
        listed = True
        for cover in tr.covers:
            if cover.mechanism not in tr.mechanisms:
                continue  # crossref refuses this; never accept what the policy does not say
            law = _BY_KEY.get((cover.mechanism, origin))
            if law is None or (law.destinations is not None and dest not in law.destinations):
                continue
            if (law.per_recipient or cover.recipients) and recipient not in cover.recipients:
                continue
            holds_law = law.holds(on)
            holds_cover = cover.since <= on and (cover.until is None or on < cover.until)
            ended = None
            if cover.mechanism in NEEDS_CONTRACT:
                signed, ended = _contract_since(contracts, recipient, on)
                unsigned = unsigned or (signed is None and ended is None)
                holds_cover = holds_cover and signed is not None
            if not (holds_law and holds_cover):
                ends = [d for d in (law.valid_until, cover.until, ended)
                        if d is not None and on >= d]
                if ends:
                    lapsed.append(f"{cover.mechanism} (ended {min(ends).isoformat()})")
                continue
            if cover.mechanism == "consent":
                if not (cover.consent_item and has_consent and has_consent(cover.consent_item)):
                    continue
            return TransferDecision(True, mechanism=cover.mechanism,
                                    message=f"covered by {law.citation}", **base)
    route = f"{origin} → {dest} ({recipient})"
    if lapsed:
        return TransferDecision(
            False, rule=RULE_LAPSED, message=f"the transfer {route} rested on "
            f"{', '.join(lapsed)}, which no longer holds on {on.isoformat()}",
            fix="put a mechanism in place that holds today (standard contractual clauses, an "
                "adequacy decision for the destination) and publish it, or ask the member's "
                "separate consent (P12.1)", **base)
    return TransferDecision(
        False, rule=RULE_NOT_COVERED,
        message=(f"no mechanism valid on {on.isoformat()} covers the transfer {route}"
                 if listed else f"the policy names no transfer {route}"),
        fix=("record the contract signed with the recipient, with the clause "
             "standard_contractual_clauses ticked, in the processors' contract register (the "
             "cover holds from its signing day), or ask the member's separate consent (P12.1)"
             if unsigned else
             "add the route to the policy's transfers with a mechanism that covers it (covers: "
             "mechanism, recipients, since) and publish it, or ask the member's separate "
             "consent (P12.1)"), **base)


def route_problems(policy: Policy) -> Iterator[tuple[tuple, str, str, str]]:
    """``(path, severity, message, fix)``: covers the law does not give, or gives later."""
    recipients = {p.key for p in policy.processors} | {
        r.key for r in policy.third_party_provision.recipients}
    for i, tr in enumerate(policy.transfers):
        for j, cover in enumerate(tr.covers):
            path = ("transfers", i, "covers", j)
            if cover.mechanism not in tr.mechanisms:
                yield (path, "error", f"covers {cover.mechanism}, which the transfer's "
                       "mechanisms do not list", "list it under mechanisms, or drop the cover")
            for origin in tr.from_:
                law = _BY_KEY.get((cover.mechanism, origin_of(origin) or origin))
                if law is None:
                    yield (path, "error", f"{cover.mechanism} is no transfer mechanism from "
                           f"{origin}", "name a mechanism the law gives for this origin")
                    continue
                bad = [t for t in tr.to if law.destinations is not None
                       and t not in law.destinations]
                if bad:
                    yield (path, "error", f"{law.citation} does not cover {origin} → "
                           f"{', '.join(bad)}", "use standard_contractual_clauses or consent "
                           "for this route")
                if cover.since < law.valid_from:
                    yield (path, "error", f"{law.citation} holds only from "
                           f"{law.valid_from.isoformat()}, not {cover.since.isoformat()}: no "
                           "law before its day", "give the day it really began to hold")
            if law_needs_recipient(cover.mechanism) and not cover.recipients:
                yield (path, "error", f"{cover.mechanism} covers only the recipients that "
                       "signed it or are certified", "name them under recipients")
            for r in cover.recipients:
                if r not in recipients:
                    yield (path, "error", f"unknown recipient {r!r}",
                           "name a processor or a third_party_provision recipient")
            if cover.mechanism == "consent" and cover.consent_item is None:
                yield (path, "error", "a consent cover names its consent_item",
                       "name the consent item the member gives for this transfer")
            elif cover.consent_item is not None and policy.consent(cover.consent_item) is None:
                yield (path, "error", f"unknown consent item {cover.consent_item!r}",
                       "name an item of consents")


def law_needs_recipient(mechanism: str) -> bool:
    return mechanism not in ("adequacy", "consent")
