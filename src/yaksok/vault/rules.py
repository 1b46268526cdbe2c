"""The policy, pre-digested for the vault's hot paths: one ``Rules`` per published policy.

Every check the vault makes is a dictionary or set lookup here, computed once per published
version (keyed by its content hash), so a read never scans the policy's lists. Nothing here
touches the database; the checks that need the member's state (consents, restrictions,
objections) get it passed in.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from yaksok.policy.model import Policy

__all__ = ["Rules", "PurposeRule", "rules_for", "SINGLE_VALUED", "OBJECTABLE_BASES",
           "RESTRICTION_REASONS", "PASSWORD_CATEGORY", "DOB_CATEGORY"]

#: Categories a member has at most one value of: ``collect`` of a second one is a Conflict
#: (change it with ``rectify``). Everything else (content, postings, device and log data, SNS
#: accounts, payment records ...) is multi-valued: each collect adds a value.
SINGLE_VALUED = frozenset({
    "user.contact.email",
    "user.contact.phone_number",
    "user.name",
    "user.demographic.date_of_birth",
    "user.demographic.gender",
    "user.social.nickname",
    "user.contact.address.country",
})
PASSWORD_CATEGORY = "user.authorization.password"  # noqa: S105 - a category key
DOB_CATEGORY = "user.demographic.date_of_birth"
#: The member may object to purposes resting on these bases (and to marketing data uses), P6.6.
OBJECTABLE_BASES = frozenset({"legitimate_interests", "public_task"})
#: The order ``read`` tries a purpose's bases in: no query first, the consent ledger last.
BASIS_ORDER = ("legitimate_interests", "contract", "legal_obligation", "vital_interests",
               "public_task", "consent")
#: Why processing is restricted (GDPR art. 18(1), PIPA 37): codes only, never free text.
RESTRICTION_REASONS = (
    "accuracy-disputed",     # the member contests the accuracy, while it is checked
    "lawfulness-disputed",   # processing is unlawful, and the member wants it kept, not erased
    "preserve-for-claims",   # no longer needed by us, but the member needs it for legal claims
    "objection-pending",     # an objection is being weighed against our legitimate grounds
)


@dataclass(frozen=True, slots=True)
class PurposeRule:
    key: str
    bases: frozenset[str]
    categories: frozenset[str]
    #: The member may object to it (resting on legitimate interests or a public task and on
    #: neither the contract nor the law, or a marketing data use).
    objectable: bool
    #: A restriction without a purpose does not cover it (only legal obligation rests on it).
    legal_storage: bool
    #: Consent items that open this purpose.
    consents: frozenset[str]
    #: ``bases`` in the order ``read`` evaluates them: cheap ones first, consent (a query) last.
    basis_order: tuple[str, ...] = ()
    #: Its legitimate-interest assessment was not struck for minors: that basis does not hold
    #: for a member under 18 (P3.1, ``yaksok.vault.minors``).
    minors_excluded: bool = False


@dataclass(frozen=True)
class Rules:
    """Lookup tables of one published policy version."""

    version: str
    categories: frozenset[str]
    collection: dict[str, str]
    required_in: dict[str, frozenset[str]]
    category_channels: dict[str, frozenset[str]]
    lookup: frozenset[str]
    one_way: frozenset[str]
    channels: frozenset[str]
    flows: frozenset[str]
    purposes: dict[str, PurposeRule]
    #: consent item -> (categories, purposes)
    consent_items: dict[str, tuple[frozenset[str], frozenset[str]]]
    #: category -> consent items listing it (sorted, for messages)
    consents_for_category: dict[str, tuple[str, ...]]
    #: (category, purpose) -> consent items listing both
    consents_for_use: dict[tuple[str, str], frozenset[str]]
    #: categories that belong to a record kind with a retention rule (statutory records)
    statutory: frozenset[str]
    #: automated decision -> (purpose, categories)
    decisions: dict[str, tuple[str, frozenset[str]]]
    #: staff role -> {task key: (purposes, categories)}, for processor roles
    role_tasks: dict[str, dict[str, tuple[frozenset[str], frozenset[str]]]]
    minimum_age: dict[str, int]
    default_jurisdiction: str

    def objectable_purposes(self) -> list[str]:
        return sorted(k for k, p in self.purposes.items() if p.objectable)


def _build(policy: Policy, version: str) -> Rules:
    cats = policy.categories
    consent_items = {c.key: (frozenset(c.categories), frozenset(c.purposes))
                     for c in policy.consents}
    for_category: dict[str, list[str]] = {}
    for_use: dict[tuple[str, str], set[str]] = {}
    for key, (ccats, cpurposes) in consent_items.items():
        for cat in ccats:
            for_category.setdefault(cat, []).append(key)
            for p in cpurposes:
                for_use.setdefault((cat, p), set()).add(key)
    kinds_with_rule = {r.record_kind for r in policy.retention.rules}
    statutory = frozenset(c for rk in policy.record_kinds if rk.key in kinds_with_rule
                          for c in rk.categories)
    purposes = {}
    for p in policy.purposes:
        bases = frozenset(p.bases)
        purposes[p.key] = PurposeRule(
            key=p.key, bases=bases, categories=frozenset(p.categories),
            # An objection stops what rests on legitimate interests or a public task alone (GDPR
            # 21(1)); what the contract or the law also requires goes on (abuse detection for
            # member management stops only as an automated decision).
            objectable=(bool(bases & OBJECTABLE_BASES)
                        and not bases & {"contract", "legal_obligation"})
                       or p.data_use.startswith("marketing"),
            legal_storage=bases == {"legal_obligation"},
            consents=frozenset(k for k, (_, cp) in consent_items.items() if p.key in cp),
            basis_order=tuple(b for b in BASIS_ORDER if b in bases),
            minors_excluded="legitimate_interests" in bases and not (
                p.assessment is not None and p.assessment.covers_minors))
    role_tasks: dict[str, dict[str, tuple[frozenset[str], frozenset[str]]]] = {}
    for role in policy.staff_roles:
        if role.processor is None:
            continue
        proc = policy.processor(role.processor)
        tasks = {t.key: t for t in (proc.tasks if proc else [])}
        role_tasks[role.key] = {
            k: (frozenset(tasks[k].purposes), frozenset(tasks[k].categories))
            for k in role.tasks if k in tasks}
    return Rules(
        version=version,
        categories=frozenset(c.key for c in cats),
        collection={c.key: c.collection for c in cats},
        required_in={c.key: frozenset(c.required_in) for c in cats},
        category_channels={c.key: frozenset(c.channels) for c in cats},
        lookup=frozenset(c.key for c in cats if c.lookup == "exact"),
        one_way=frozenset(c.key for c in cats if c.storage == "one_way_hash"),
        channels=frozenset(c.key for c in policy.channels),
        flows=frozenset(f.key for f in policy.flows),
        purposes=purposes,
        consent_items=consent_items,
        consents_for_category={k: tuple(sorted(v)) for k, v in for_category.items()},
        consents_for_use={k: frozenset(v) for k, v in for_use.items()},
        statutory=statutory,
        decisions={d.key: (d.purpose, frozenset(d.categories))
                   for d in policy.automated_decisions},
        role_tasks=role_tasks,
        minimum_age={j.key: j.minimum_age for j in policy.jurisdictions},
        default_jurisdiction=policy.default_jurisdiction,
    )


_CACHE: dict[str, Rules] = {}
_LOCK = threading.Lock()


def rules_for(published) -> Rules:
    """The rules of a ``PublishedPolicy`` (cached by its content hash and version)."""
    cache_key = f"{published.content_sha256}|{published.version}"
    rules = _CACHE.get(cache_key)
    if rules is None:
        rules = _build(published.policy, published.version)
        with _LOCK:
            if len(_CACHE) > 32:  # a long-lived process that saw many versions
                _CACHE.clear()
            _CACHE[cache_key] = rules
    return rules
