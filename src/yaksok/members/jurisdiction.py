"""Which jurisdiction's rules apply to a member: from the country they sign up from.

The policy's ``jurisdictions`` section holds, per jurisdiction, the minimum age (P8.1) and the
deadline of each right. A member's jurisdiction is fixed at sign-up from the sign-up country
(ISO 3166-1 alpha-2, optionally with an ISO 3166-2 subdivision: ``US-CA``) and stored with the
member. The mapping:

- ``KR``                               → ``KR``
- an EU member state (``EU_MEMBER_STATES``, Greece also as ``EL``) → ``EU``
- an EEA state outside the EU (``IS``, ``LI``, ``NO``) → ``EU`` as well: the GDPR applies there
  through the EEA Agreement, so its rules (and the higher minimum age) protect those members
- ``US-CA`` (or ``US`` with region ``CA``) → ``US-CA`` (CCPA); the rest of the US has no
  jurisdiction of its own in the policy
- anything else, and any key the published policy does not define → ``policy.default_jurisdiction``
  (``KR`` for SOMESING: the controller is Korean and PIPA governs its processing everywhere)

A malformed code is a ``ValidationError`` on ``country``, not a silent fall-back: a typo must not
quietly move someone under another law's minimum age.
"""

from __future__ import annotations

import re

from yaksok.errors import ValidationError
from yaksok.policy.model import Jurisdiction, Policy

__all__ = ["EEA_NON_EU", "EU_MEMBER_STATES", "jurisdiction_for", "jurisdiction_key",
           "normalise_country"]

#: The 27 member states of the European Union (ISO 3166-1 alpha-2; Greece is GR, EL in EU usage).
EU_MEMBER_STATES: frozenset[str] = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
_ALIASES = {"EL": "GR", "UK": "GB"}
#: EEA members outside the EU, where the GDPR applies through the EEA Agreement.
EEA_NON_EU: frozenset[str] = frozenset({"IS", "LI", "NO"})
_CODE_RE = re.compile(r"^([A-Z]{2})(?:[-_ ]([A-Z0-9]{1,3}))?$")


def normalise_country(country: str | None, region: str | None = None) -> str:
    """``kr`` → ``KR``; ``us-ca`` or (``US``, ``CA``) → ``US-CA``; else ``ValidationError``."""
    text = (country or "").strip().upper()
    m = _CODE_RE.match(text)
    if m is None:
        raise ValidationError("the country is not an ISO 3166 code", field="country",
                              fix="use a two-letter code such as KR, DE or US-CA")
    code, sub = m.group(1), m.group(2)
    if region:
        extra = region.strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{1,3}", extra) or (sub and sub != extra):
            raise ValidationError("the region is not an ISO 3166-2 subdivision code",
                                  field="region", fix="e.g. CA for California")
        sub = extra
    code = _ALIASES.get(code, code)
    return f"{code}-{sub}" if sub else code


def jurisdiction_key(policy: Policy, country: str | None, region: str | None = None) -> str:
    """The key of the policy jurisdiction for a sign-up country (see the module docstring)."""
    code = normalise_country(country or policy.default_jurisdiction, region)
    base = code[:2]
    if base in EU_MEMBER_STATES or base in EEA_NON_EU:
        wanted = "EU"
    elif code == "US-CA":
        wanted = "US-CA"
    else:
        wanted = code if "-" not in code else base
    if policy.jurisdiction(wanted) is not None:
        return wanted
    return policy.default_jurisdiction


def jurisdiction_for(policy: Policy, country: str | None,
                     region: str | None = None) -> Jurisdiction:
    """The policy ``Jurisdiction`` (minimum age, rights' deadlines) for a sign-up country."""
    key = jurisdiction_key(policy, country, region)
    found = policy.jurisdiction(key)
    if found is None:  # crossref makes default_jurisdiction resolve; guard a broken policy anyway
        raise ValidationError(f"the policy defines no jurisdiction {key!r}", field="country",
                              fix="fix default_jurisdiction in the policy file")
    return found
