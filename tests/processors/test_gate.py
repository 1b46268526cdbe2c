"""The transfer gate (P12.1), pure: which routes SOMESING's policy covers on which day, what the
law never gave (adequacy for Switzerland → Korea, a Privacy Shield to Korea), and what lapsed."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.support.paths import POLICY
from tests.support.policy import variant
from yaksok.policy import load_policy
from yaksok.policy.loader import file_problems, load_source
from yaksok.policy.transfers import origin_of, signed_contracts, transfer_decision

BTC = "btc_korea_service"
DAY = dt.date(2026, 12, 20)


@pytest.fixture(scope="module")
def somesing():
    return load_policy(POLICY)


def gate(policy, origin, dest, recipient=BTC, on=DAY, **kw):
    return transfer_decision(policy, origin=origin, destination=dest, recipient=recipient,
                             on=on, **kw)


@pytest.mark.promise("P12.1")
def test_eu_to_korea_rests_on_the_adequacy_decision_from_its_day(somesing):
    d = gate(somesing, "EU", "KR")
    assert d.allowed and d.mechanism == "adequacy"
    before = gate(somesing, "EU", "KR", on=dt.date(2021, 12, 16))
    assert not before.allowed and before.rule == "transfer-not-covered"
    assert gate(somesing, "EU", "KR", on=dt.date(2021, 12, 17)).allowed


def _row(processor, signed_on, clauses, ends_on=None):
    return (processor, signed_on, ends_on, json.dumps({c: "art. 1" for c in clauses}))


SIGNED = signed_contracts([_row(BTC, dt.date(2026, 12, 16), ["standard_contractual_clauses"])])


@pytest.mark.promise("P12.1")
def test_switzerland_to_korea_only_under_the_clauses_signed_with_the_processor(somesing):
    d = gate(somesing, "CH", "KR", contracts=SIGNED)
    assert d.allowed and d.mechanism == "standard_contractual_clauses"
    other = gate(somesing, "CH", "KR", recipient="someone_else", contracts=SIGNED)
    assert not other.allowed and other.rule == "transfer-not-covered"
    # The cover holds from the contract's signing day, not from the policy's declaration.
    assert not gate(somesing, "CH", "KR", on=dt.date(2026, 12, 15), contracts=SIGNED).allowed
    assert gate(somesing, "CH", "KR", on=dt.date(2026, 12, 16), contracts=SIGNED).allowed


@pytest.mark.promise("P12.1")
def test_the_clauses_hold_only_with_a_contract_in_the_register_that_ticks_them(somesing):
    none = gate(somesing, "CH", "KR")
    assert not none.allowed and none.rule == "transfer-not-covered"
    assert "contract register" in none.fix
    unticked = signed_contracts([_row(BTC, dt.date(2026, 1, 1), ["purpose_limitation"])])
    assert unticked == {}
    assert not gate(somesing, "CH", "KR", contracts=unticked).allowed
    elsewhere = signed_contracts([_row("other", dt.date(2026, 1, 1),
                                       ["standard_contractual_clauses"])])
    assert not gate(somesing, "CH", "KR", contracts=elsewhere).allowed
    ended = signed_contracts([_row(BTC, dt.date(2026, 1, 1), ["standard_contractual_clauses"],
                                   ends_on=dt.date(2026, 12, 18))])
    lapsed = gate(somesing, "CH", "KR", contracts=ended)
    assert not lapsed.allowed and lapsed.rule == "transfer-mechanism-lapsed"
    assert "standard_contractual_clauses (ended 2026-12-18)" in lapsed.message
    # Signed before the policy declared the cover: it holds from the declaration on.
    early = signed_contracts([_row(BTC, dt.date(2026, 1, 1), ["standard_contractual_clauses"])])
    assert not gate(somesing, "CH", "KR", on=dt.date(2026, 12, 13), contracts=early).allowed
    assert gate(somesing, "CH", "KR", on=dt.date(2026, 12, 14), contracts=early).allowed
    # EU -> KR rests on the adequacy decision: no contract needed.
    assert gate(somesing, "EU", "KR").allowed


@pytest.mark.promise("P12.1")
def test_routes_the_policy_does_not_name_are_refused_and_others_are_not_transfers(somesing):
    us = gate(somesing, "EU", "US", recipient="anyone")
    assert not us.allowed and "names no transfer" in us.message and "consent" in us.fix
    assert gate(somesing, None, "US", recipient="anyone").allowed   # a Korean member's data
    assert gate(somesing, "EU", "DE", recipient="anyone").allowed   # inside the EEA
    assert [origin_of(j) for j in ("EU", "DE", "NO", "CH", "KR", "US-CA", None)] == [
        "EU", "EU", "EU", "CH", None, None, None]


def _shield(d: dict) -> None:
    d["processors"].append({
        "key": "mailer_co", "name": {"ko": "메일러", "en": "Mailer Co."}, "country": "US",
        "tasks": [{"key": "email_delivery", "label": {"ko": "이메일 발송", "en": "email"},
                   "purposes": ["change_notices"], "categories": ["user.contact.email"]}],
        "contract_clauses": ["purpose_limitation"]})
    d["transfers"].append({
        "key": "eu_us", "label": {"ko": "미국 이전", "en": "to the US"},
        "added": {"why": {"ko": "시험", "en": "a test"}}, "from": ["EU"], "to": ["US"],
        "mechanisms": ["eu_us_privacy_shield", "consent"],
        "covers": [{"mechanism": "eu_us_privacy_shield", "recipients": ["mailer_co"],
                    "since": dt.date(2017, 1, 1)},
                   {"mechanism": "consent", "consent_item": "user_analysis",
                    "since": dt.date(2018, 5, 25)}]})


@pytest.mark.promise("P12.1")
def test_a_lapsed_mechanism_covers_nothing_after_its_end_and_consent_still_can():
    policy = variant(change=_shield).policy
    old = gate(policy, "EU", "US", "mailer_co", on=dt.date(2020, 7, 15))
    assert old.allowed and old.mechanism == "eu_us_privacy_shield"
    d = gate(policy, "EU", "US", "mailer_co", on=dt.date(2020, 7, 16))
    assert not d.allowed and d.rule == "transfer-mechanism-lapsed"
    assert "eu_us_privacy_shield (ended 2020-07-16)" in d.message
    given = gate(policy, "EU", "US", "mailer_co", has_consent=lambda item: item == "user_analysis")
    assert given.allowed and given.mechanism == "consent"
    refused = gate(policy, "EU", "US", "mailer_co", has_consent=lambda item: False)
    assert not refused.allowed


def _errors(change) -> list[str]:
    import yaml

    d = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    change(d)
    loaded, problems = load_source(yaml.safe_dump(d, allow_unicode=True, sort_keys=False),
                                   "<t>")
    problems = [*problems, *file_problems(loaded)]
    return [p.message for p in problems if p.severity == "error"]


def _swiss(d: dict) -> dict:
    return next(t for t in d["transfers"] if t["key"] == "swiss_data")


@pytest.mark.promise_text("P12.1")
def test_the_file_cannot_claim_what_the_law_never_gave():
    def adequacy_for_switzerland(d):
        _swiss(d)["mechanisms"].append("adequacy")
        _swiss(d)["covers"].append({"mechanism": "adequacy", "since": dt.date(2023, 9, 1)})
    assert any("does not cover CH → KR" in e for e in _errors(adequacy_for_switzerland))

    def early(d):
        _swiss(d)["covers"][0]["since"] = dt.date(2020, 1, 1)
    assert any("no law before its day" in e for e in _errors(early))

    def nobody(d):
        _swiss(d)["covers"][0]["recipients"] = []
    assert any("covers only the recipients" in e for e in _errors(nobody))

    def unlisted(d):
        _swiss(d)["covers"][0]["mechanism"] = "binding_corporate_rules"
    assert any("do not list" in e for e in _errors(unlisted))
