"""The published policy as data (``yaksok.policy.public``): valid against its shipped JSON
Schema, and never more than the public rendering shows."""

from __future__ import annotations

import json

import jsonschema
import yaml

from tests.support.paths import POLICY
from yaksok.policy import load_policy, load_source
from yaksok.policy.public import (
    SCHEMA_FILE,
    SCHEMA_ID,
    inline_refs,
    public_json,
    public_policy,
    public_schema,
)
from yaksok.policy.render import render_policy

MARK = "INTERNAL-NOTE-7f3a"


def _validator() -> jsonschema.Draft202012Validator:
    schema = public_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _load(d: dict):
    loaded, problems = load_source(yaml.safe_dump(d, allow_unicode=True, sort_keys=False),
                                   "<copy>")
    assert loaded is not None, [p.format() for p in problems]
    return loaded.policy


def test_the_somesing_projection_is_valid_against_the_shipped_schema():
    doc = public_policy(load_policy(POLICY))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(doc)]
    assert not errors, errors[:10]
    assert doc["schema"] == SCHEMA_ID == public_schema()["$id"]
    assert doc["schema_version"] == 1
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == public_schema()


def test_the_projection_carries_what_an_integrator_needs():
    policy = load_policy(POLICY)
    doc = public_policy(policy)
    assert doc["version"] == policy.current_version.version
    assert [c["key"] for c in doc["categories"]] == [c.key for c in policy.categories]
    consent = next(c for c in doc["consents"] if c["key"] == "user_analysis")
    item = policy.consent("user_analysis")
    assert consent["description"] == {"ko": item.description.ko, "en": item.description.en}
    assert consent["purposes"] == item.purposes and consent["retention"]["en"]
    assert {s["key"]: s["purposes"] for s in doc["api_scopes"]} == {
        s.key: s.purposes for s in policy.api_scopes}
    kr = next(j for j in doc["jurisdictions"] if j["key"] == "KR")
    assert kr["minimum_age"] == 14 and kr["deadlines"]["access"]["deadline"] == "P10D"
    assert {r["record_kind"]: r["period"] for r in doc["retention"]["rules"]}["login_record"] \
        == "P3M"
    assert doc["officer"]["email"] == policy.officer.email
    # Every claim SOMESING's wording makes is stated: no fact of its page is null here.
    assert all(c["retention"] and c["purposes"] is not None for c in doc["consents"])
    assert all(p["country"] and p["contract_clauses"] for p in doc["processors"])
    assert doc["rights_channels"] and doc["rights_agents"] and doc["california"]["caloppa"]


def test_nothing_internal_leaks():
    """Distinctive text in every internal place of a copy of the policy: none of it in the
    document, though the loaded policy holds all of it."""
    d = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    d["controller"]["added"] = {"why": {"ko": MARK, "en": MARK}, "law": MARK,
                                "confirmed_by": MARK, "confirmed_on": "2026-12-01"}
    d["statements"]["intro"]["quote"] = MARK
    d["categories"][0]["source"] = MARK
    purpose = next(p for p in d["purposes"] if p.get("assessment"))
    purpose["assessment"]["interest"]["en"] = MARK
    purpose["assessment"]["assessed_by"] = MARK
    d["transfers"][0]["covers"][0]["reference"] = MARK
    d["staff_roles"][0]["label"]["en"] = MARK
    d["access_log"] = {"inspection": {"bulk_threshold": 987654}}
    d["security_measures"][0]["promises"] = ["P7.1"]
    policy = _load(d)
    assert policy.model_dump_json().count(MARK) >= 9 and "987654" in policy.model_dump_json()

    text = public_json(policy)
    assert MARK not in text and "987654" not in text
    assert "request_document" not in text  # what a disclosure requires: a review note
    for internal in ("assessment", "covers", "staff_roles", "access_log", "enforced_by",
                     "promises", "data_use", "lookup", "statements", "provenance",
                     "added", "source", "quote", "external_datasets"):
        assert f'"{internal}"' not in text, internal
    assert not list(_validator().iter_errors(json.loads(text)))
    # The public rendering hides the same (the review rendering would show the addition).
    assert MARK not in render_policy(policy, "en", "md")


def test_a_fact_the_page_does_not_state_is_null():
    """Without the claim that shows consent items' retention, the page has no retention column
    and the document's retention is null."""
    d = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    del d["statements"]["consent_retention"]
    policy = _load(d)
    retention = policy.consent("user_analysis").retention.en
    assert retention not in render_policy(policy, "en", "md")
    doc = public_policy(policy)
    assert {c["retention"] for c in doc["consents"]} == {None}
    assert retention in public_json(load_policy(POLICY))
    assert not list(_validator().iter_errors(doc))


def test_an_addition_the_page_leaves_out_is_not_in_the_document():
    """render_additions: false keeps additions off the page; the document follows it."""
    d = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    d["provenance"]["render_additions"] = False
    added = next(j for j in d["jurisdictions"] if "added" in j and "source" not in j)
    policy = _load(d)
    heading = f"{added['label']['en']} — {added['law']['en']}"  # its table of deadlines
    assert heading not in render_policy(policy, "en", "md")
    assert heading in render_policy(load_policy(POLICY), "en", "md")
    assert added["key"] not in [j["key"] for j in public_policy(policy)["jurisdictions"]]
    assert added["key"] in [j["key"] for j in public_policy(load_policy(POLICY))["jurisdictions"]]


def test_inlined_schema_has_no_references_left():
    inlined = json.dumps(inline_refs(public_schema()))
    assert "$ref" not in inlined and "$defs" not in inlined and "$id" not in inlined
    jsonschema.Draft202012Validator(json.loads(inlined)).validate(
        public_policy(load_policy(POLICY)))
