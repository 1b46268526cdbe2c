"""Provision of personal data to third parties (P9.1): only to a recipient the policy names.

Section 9 of the seed promises provision to third parties "only with the member's consent or
where a statute specially provides for it" (PIPA 17(1)). The policy says to whom it may happen
(``third_party_provision.recipients``) and on which bases (``allowed_bases``: consent, law).
``provide`` checks, in order, the policy before the actor (like the vault checks a purpose
before the actor), so every attempt under a policy naming no recipient is refused for that
reason, whoever tries:

1. the recipient is one the policy names              rule ``recipient-not-named``
2. the basis is one the policy allows                 rule ``provision-basis-not-allowed``
3. consent: an item of the policy that names the recipient and lists every category
   (``consent-item-does-not-cover``), in force for the member (``consent-required``);
   law: the officer's ``disclose`` decision (the capability a disclosure's approval needs:
   an API key cannot assert a statute), then the legal citation is recorded (a
   ``ValidationError`` without one)
4. ``yaksok.access.decide`` for ``provide`` (an API key acting for member management, or the
   officer)

Every refusal is an access-log entry (operation ``disclose``) naming the member and the
categories. A granted provision releases the values through the vault (``Vault.release``) and
is recorded in ``third_party_provisions`` in the release's own transaction. SOMESING's policy
names no recipient: every attempt is refused by rule 1. The policy's recipients carry no
country (``third_party_provision.recipients`` are labels only), so a provision is not passed
through the transfer gate: a recipient abroad cannot be named until the policy model says where
it is, and until then every provision under SOMESING's policy is refused anyway.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.errors import Refused, ValidationError
from yaksok.services import Services
from yaksok.store.tables import third_party_provisions, utcnow
from yaksok.vault import Release, Value

__all__ = ["Provision", "provide", "list_provisions"]


@dataclass(frozen=True)
class Provision:
    """One provision to a named third party, as recorded (``values``: what left, if any)."""

    id: str
    member_id: str
    recipient: str
    basis: str
    consent_item: str | None
    legal_citation: str | None
    categories: tuple[str, ...]
    provided_by: str
    provided_at: dt.datetime
    values: dict[str, list[Value]] = field(default_factory=dict, repr=False)

    def to_dict(self, *, with_values: bool = False) -> dict:
        out = {"id": self.id, "member_id": self.member_id, "recipient": self.recipient,
               "basis": self.basis, "consent_item": self.consent_item,
               "legal_citation": self.legal_citation, "categories": list(self.categories),
               "provided_by": self.provided_by, "provided_at": self.provided_at.isoformat()}
        if with_values:
            out["values"] = {c: [{"id": v.id, "value": v.value} for v in vs]
                             for c, vs in self.values.items()}
        return out


def _check_policy(yk: Services, actor: Actor, member_id: str, recipient: str, cats: tuple[str, ...],
                  basis: str, consent_item: str | None, legal_citation: str | None) -> str:
    """Rules 1-3; returns the purpose the provision is logged for."""
    tpp = yk.policy.third_party_provision
    named = [r.key for r in tpp.recipients]
    if recipient not in named:
        raise Refused("the policy names no such third-party recipient", rule="recipient-not-named",
                      field="recipient", fix="provide only to a recipient listed under "
                      "third_party_provision.recipients (named: "
                      f"{', '.join(named) or 'none'}); adding one is a policy change (P9.1)")
    if basis not in tpp.allowed_bases:
        raise Refused(f"the policy allows provision only on {', '.join(tpp.allowed_bases)}",
                      rule="provision-basis-not-allowed", field="basis",
                      fix="use consent or law, as the policy allows")
    if basis == "law":
        # A statute's ground is the officer's to judge, like a disclosure's approval: the same
        # capability (``disclose``) before a citation is taken at its word.
        d = yk.vault.decide(actor, "disclose")
        if not d.allowed:
            raise d.refusal()
        if not isinstance(legal_citation, str) or not legal_citation.strip() or len(
                legal_citation) > 500:
            raise ValidationError("a provision under law needs the legal citation",
                                  field="legal_citation", fix="cite, in at most 500 "
                                  "characters, the provision that specially provides for it "
                                  "(PIPA 17(1)2)")
        return "legal_compliance"
    item = next((c for c in yk.policy.consents if c.key == consent_item), None)
    if item is None or recipient not in item.recipients or not set(cats) <= set(item.categories):
        raise Refused("no consent item of the policy names this recipient for these categories",
                      rule="consent-item-does-not-cover", field="consent_item",
                      fix="name the consent item that names the recipient and lists every "
                          "category (PIPA 17(2))")
    if item.key not in yk.vault.effective_consents(member_id):
        raise Refused(f"the member has not consented to {item.key}", rule="consent-required",
                      field="consent_item", fix="provide only after the member's consent")
    return item.purposes[0]


def provide(yk: Services, actor: Actor, *, member_id: str, recipient: str, categories: list[str],
            basis: str, consent_item: str | None = None, legal_citation: str | None = None,
            ip: str | None = None, request_id: str | None = None) -> Provision:
    """Provide ``categories`` of ``member_id`` to ``recipient``, if the policy allows it."""
    if not isinstance(categories, list | tuple) or not categories or not all(
            isinstance(c, str) for c in categories):
        raise ValidationError("name at least one category", field="categories",
                              fix="list category keys")
    cats = tuple(sorted(set(categories)))
    log = dict(actor=actor, operation="disclose", member_id=member_id, categories=cats, ip=ip,
               request_id=request_id, policy_version=yk.published.version)
    try:
        purpose = _check_policy(yk, actor, member_id, recipient, cats, basis, consent_item,
                                legal_citation)
    except Refused as exc:
        yk.vault.deny(exc, **log)
    pid = "tpp_" + secrets.token_hex(6)
    release = Release(ref=f"provision:{pid}", operation="provide", members=frozenset({member_id}),
                      categories=frozenset(cats), purpose=purpose)
    now = utcnow()
    row = {"member_id": member_id, "id": pid, "recipient": recipient, "basis": basis,
           "consent_item": consent_item if basis == "consent" else None,
           "legal_citation": legal_citation.strip() if basis == "law" else None,
           "categories": json.dumps(list(cats)), "policy_version": yk.published.version,
           "provided_by": actor.id, "provided_at": now}
    # The record is written in the release's own transaction, with its granted entry: never a
    # logged provision without its record, nor a record of one that did not happen.
    values = yk.vault.release(release, member_id, cats, actor=actor, ip=ip,
                              request_id=request_id,
                              on_granted=lambda conn: conn.execute(
                                  third_party_provisions.insert().values(**row)))
    return Provision(pid, member_id, recipient, basis, row["consent_item"],
                     row["legal_citation"], cats, actor.id, now, values)


def list_provisions(yk: Services, actor: Actor, *, member_id: str | None = None,
                    ip: str | None = None, request_id: str | None = None) -> list[Provision]:
    """The provisions recorded, newest first (the register keeper's view)."""
    yk.vault.authorize(actor, "disclosures_keep", ip=ip, request_id=request_id)
    t = third_party_provisions
    query = sa.select(t).order_by(t.c.provided_at.desc())
    if member_id is not None:
        query = query.where(t.c.member_id == member_id)
    with yk.engine.connect() as conn:
        return [Provision(r.id, r.member_id, r.recipient, r.basis, r.consent_item,
                          r.legal_citation, tuple(json.loads(r.categories)), r.provided_by,
                          r.provided_at) for r in conn.execute(query).all()]
