"""The published policy as data: what the public rendering shows, as one JSON document.

An integrator (the app's backend, a consent screen, a privacy center) needs the policy's facts
as data: which categories are collected and how, for which purposes on which bases, the consent
items with the notice text a member reads, the flows, cookies, retention periods, rights and
their deadlines per jurisdiction, the API scopes. ``public_policy`` builds that document.

It is a **whitelist projection**: every field is named here, one by one, so a field added to
the model later (an internal note, a threshold, a contract reference) never reaches the public
document unless someone adds it here on purpose. What the public rendering hides stays out:

* provenance (``source``, ``quote``, ``added`` with its reasons and confirmations) and the
  ``statements`` the wording is allowed by;
* the internal notes of the review rendering (what a disclosure ``requires``, which security
  measures are organisational, ``promises``);
* legitimate-interest ``assessment``s, transfer ``covers`` (contracts and references),
  ``access_log`` (inspection thresholds), ``staff_roles``, ``external_datasets``, how a
  category is looked up, fideslang ``data_use`` keys;
* items the public rendering does not show (``render.public_view``): in a file held to
  provenance, an item without any, and additions when ``render_additions`` is false.

A fact the public rendering states only through a claim of its wording (a consent item's
retention, a processor's country, the deadlines ...) is ``null`` when the policy does not make
that claim: the document never says more than the page. Keys (category, purpose, consent,
right, scope keys) are not shown on the page but are the names the API speaks, so they are here.

The document's shape is ``schemas/policy-public.v1.schema.json`` (JSON Schema 2020-12), served
at ``GET /policy/schema.json``; ``schema`` and ``schema_version`` name it inside the document.
A change that removes or renames a field is version 2, with a new schema file.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from yaksok.policy.basics import Text
from yaksok.policy.model import Deadline, Jurisdiction, Policy
from yaksok.policy.phrases import PHRASES
from yaksok.policy.render import public_view

__all__ = ["SCHEMA_FILE", "SCHEMA_ID", "SCHEMA_VERSION", "inline_refs", "public_json",
           "public_policy", "public_schema"]

SCHEMA_ID = "https://yaksok.dev/schemas/policy-public/v1"
SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).parent / "schemas" / "policy-public.v1.schema.json"


def _text(value: Text | None) -> dict[str, str] | None:
    return None if value is None else {"ko": value.ko, "en": value.en}


def _labelled(item: Any) -> dict[str, Any]:
    return {"key": item.key, "label": _text(item.label)}


class _Projection:
    """One policy, and the public rendering's two questions about it."""

    def __init__(self, policy: Policy) -> None:
        self.p = policy
        self.shown, self.says = public_view(policy)

    def when(self, statement: str, value: Any) -> Any:
        """``value`` if the public policy makes the claim that states it, else None."""
        return value if self.says(statement) else None

    def visible(self, items: list) -> list:
        return [x for x in items if self.shown(x)]

    # -- sections -------------------------------------------------------------------------

    def versions(self) -> list[dict]:
        return [{"version": v.version, "effective": v.effective.isoformat(),
                 "printed_effective": v.printed_effective, "summary": _text(v.summary),
                 "changes": [_text(c) for c in v.changes]}
                for v in sorted(self.visible(self.p.versions), key=lambda v: v.effective)]

    def categories(self) -> list[dict]:
        one_way = self.says("security_one_way")
        return [{"key": c.key, "label": _text(c.label), "collection": c.collection,
                 "required_in": list(c.required_in), "group": c.group,
                 "channels": self.when("channels_intro", list(c.channels)),
                 "one_way_hash": (c.storage == "one_way_hash") if one_way else None}
                for c in self.visible(self.p.categories)]

    def purposes(self) -> list[dict]:
        return [{"key": pp.key, "label": _text(pp.label),
                 "bases": self.when("bases_table", list(pp.bases)),
                 "categories": list(pp.categories)}
                for pp in self.visible(self.p.purposes)]

    def consents(self) -> list[dict]:
        return [{"key": c.key, "label": _text(c.label), "description": _text(c.description),
                 "categories": list(c.categories),
                 "purposes": self.when("consent_purposes", list(c.purposes)),
                 "retention": self.when("consent_retention", _text(c.retention)),
                 "recipients": list(c.recipients)}
                for c in self.visible(self.p.consents)]

    def cookies(self) -> list[dict]:
        return [{"key": c.key, "label": _text(c.label), "description": _text(c.description),
                 "uses": [_text(u) for u in c.uses],
                 "consent": self.when("cookie_consent", c.consent),
                 "identifies_user": c.identifies_user, "marketing": c.marketing}
                for c in self.visible(self.p.cookies)]

    def processors(self) -> list[dict]:
        return [{"key": pr.key, "name": _text(pr.name),
                 "country": self.when("processor_country", pr.country),
                 "tasks": [_labelled(t) for t in self.visible(pr.tasks)],
                 "contract_clauses": self.when("clauses_intro", list(pr.contract_clauses))}
                for pr in self.visible(self.p.processors)]

    def transfers(self) -> list[dict]:
        route = self.says("transfer_route")
        return [{"key": tr.key, "label": _text(tr.label),
                 "from": list(tr.from_) if route and tr.to else None,
                 "to": list(tr.to) if route and tr.to else None,
                 "mechanisms": list(tr.mechanisms)}
                for tr in self.visible(self.p.transfers)]

    def integrations(self) -> list[dict]:
        return [{"key": i.key, "name": _text(i.name), "provider": i.provider,
                 "privacy_policy_url": i.privacy_policy_url,
                 "revoke_url": self.when("integration_revoke", i.revoke_url)}
                for i in self.visible(self.p.integrations)]

    def california(self) -> dict | None:
        ca = self.p.california
        if ca is None or not self.shown(ca):
            return None
        return {"caloppa": self.when("ca.caloppa", ca.caloppa),
                "breach_inquiry": self.when("ca.breach_inquiry", ca.breach_inquiry),
                "tracks_across_sites": self.when("ca.tracks", ca.tracks_across_sites),
                "honours_do_not_track": self.when("ca.dnt", ca.honours_do_not_track),
                "shares_for_ads_without_consent": self.when(
                    "ca.ads", ca.shares_for_ads_without_consent)}

    def deadline(self, d: Deadline) -> dict:
        ext = d.extension
        return {"deadline": d.deadline, "counting": d.counting, "acknowledge": d.acknowledge,
                "acknowledge_counting": d.acknowledge_counting if d.acknowledge else None,
                "extension": None if ext is None else {
                    "kind": ext.kind, "by": ext.by, "times": ext.times, "notice": ext.notice},
                "label": _text(d.label), "law": d.law}

    def jurisdiction(self, j: Jurisdiction) -> dict:
        # The page lists deadlines of declared rights only, in the order of `rights`.
        deadlines = {r.key: self.deadline(d) for r in self.p.rights
                     if (d := j.rights.get(r.key)) is not None and self.shown(d)}
        children = j.children if j.children is not None and self.shown(j.children) else None
        return {"key": j.key, "label": _text(j.label), "law": _text(j.law),
                "minimum_age": j.minimum_age,
                "deadlines": self.when("deadlines_intro", deadlines),
                "children": None if children is None else self.when(
                    "children_table", {"law": _text(children.law), "rule": _text(children.rule)})}

    def retention(self) -> dict:
        r = self.p.retention
        rules = []
        for rule in self.visible(r.rules):
            kind = self.p.record_kind(rule.record_kind)
            rules.append({"record_kind": rule.record_kind,
                          "label": _text(kind.label) if kind else None,
                          "categories": list(kind.categories) if kind else [],
                          "period": rule.period, "law": _text(rule.law), "article": rule.article})
        destruction = r.destruction if self.shown(r.destruction) else None
        return {"default": self.when("retention_default", _text(r.default)),
                "rules": rules,
                "law_change_overrides": self.when("law_change_overrides", r.law_change_overrides),
                "destruction": None if destruction is None else {
                    "electronic": _text(destruction.electronic), "paper": _text(destruction.paper)},
                "dormant_separation": r.dormant_separation}

    def document(self) -> dict[str, Any]:
        p = self.p
        current = p.current_version
        officer = p.officer
        rights_agents = p.rights_agents
        notice_channels = list(p.notices.channels) if (
            self.says("revision_notice") or self.says("changes_intro")) else None
        return {
            "schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "version": current.version,
            "effective": current.effective.isoformat(),
            "controller": {"name": _text(p.controller.name),
                           "short_name": _text(p.controller.short_name),
                           "service": _text(p.controller.service)},
            "versions": self.versions(),
            "notice_channels": notice_channels,
            "lawful_bases": [{"key": b, "label": {"ko": PHRASES[f"basis.{b}"][0],
                                                  "en": PHRASES[f"basis.{b}"][1]}}
                             for b in p.lawful_bases if self.says(f"basis_desc.{b}")],
            "channels": [_labelled(c) for c in self.visible(p.channels)]
            if self.says("channels_intro") else None,
            "category_groups": [_labelled(g) for g in self.visible(p.category_groups)],
            "categories": self.categories(),
            "purposes": self.purposes(),
            "consents": self.consents(),
            "flows": [{"key": f.key, "label": _text(f.label), "requires": list(f.requires),
                       "may_collect": list(f.may_collect), "automatic": list(f.automatic)}
                      for f in p.flows],
            "automated_decisions": [
                {"key": d.key, "label": _text(d.label), "purpose": d.purpose,
                 "criteria": _text(d.criteria), "significant_effect": d.significant_effect}
                for d in self.visible(p.automated_decisions)
            ] if self.says("automated_intro") else None,
            "cookies": self.cookies(),
            "cookie_choices": list(p.cookie_choices) if self.says("cookie_choices_intro")
            else None,
            "disclosure_exceptions": [_labelled(e) for e in self.visible(p.disclosure.exceptions)],
            "third_party_provision": {
                "allowed_bases": list(p.third_party_provision.allowed_bases)
                if self.shown(p.third_party_provision) else [],
                "recipients": [_labelled(r)
                               for r in self.visible(p.third_party_provision.recipients)]},
            "processors": self.processors(),
            "transfers": self.transfers(),
            "integrations": self.integrations(),
            "california": self.california(),
            "rights": [{"key": r.key, "label": _text(r.label),
                        "description": _text(r.description)} for r in self.visible(p.rights)],
            "rights_channels": self.when("exercise_channels", list(p.rights_channels)),
            "rights_agents": self.when("agents", {"allowed": list(rights_agents.allowed),
                                                  "proof": rights_agents.proof}),
            "jurisdictions": [self.jurisdiction(j) for j in self.visible(p.jurisdictions)],
            "default_jurisdiction": p.default_jurisdiction,
            "retention": self.retention(),
            "security_measures": [{"key": m.key, "kind": m.kind, "label": _text(m.label)}
                                  for m in self.visible(p.security_measures)],
            "api_scopes": [{"key": s.key, "label": _text(s.label), "purposes": list(s.purposes)}
                           for s in p.api_scopes],
            "self_service": {"carry_out": list(p.self_service.carry_out)},
            "officer": {"name": _text(officer.name), "title": officer.title,
                        "organisation": _text(officer.organisation), "phone": officer.phone,
                        "email": officer.email} if self.shown(officer) else None,
        }


def public_policy(policy: Policy) -> dict[str, Any]:
    """The public policy document of ``policy`` (schema ``SCHEMA_ID``): plain JSON data."""
    return _Projection(policy).document()


def public_json(policy: Policy) -> str:
    """``public_policy`` serialised as the API serves it: UTF-8 text, Korean as is, indented."""
    return json.dumps(public_policy(policy), ensure_ascii=False, indent=2) + "\n"


@cache
def public_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of the public policy document, as shipped."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its local ``$ref``s replaced by the definitions and without ``$defs``,
    ``$schema`` or ``$id``: a schema that stands alone inside another document (OpenAPI)."""
    defs = schema.get("$defs", {})

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return {**expand(defs[ref.removeprefix("#/$defs/")]), **expand(rest)}
            return {k: expand(v) for k, v in node.items()
                    if k not in ("$defs", "$schema", "$id")}
        if isinstance(node, list):
            return [expand(v) for v in node]
        return node

    return expand(schema)

