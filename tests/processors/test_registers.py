"""The processors' and transfers' registers (issue 16, items 3-4): contracts with every clause
the law requires, supervision with its overdue warning, processors removed at publish losing
access at once, the transfer gate at the door (processor staff reading an EU or Swiss member's
data) and in the transfer register, and the record of processing. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.members import signup_args
from tests.support.policy import variant
from yaksok.actors import staff_actor
from yaksok.auditlog import iter_entries
from yaksok.errors import ActorNotAllowed, NotFound, Refused, ValidationError
from yaksok.members.signup import sign_up
from yaksok.policy.render import render_policy
from yaksok.policy.versions import publish_policy
from yaksok.processors import (
    processor_status,
    record_check,
    record_contract,
    record_transfer,
    required_clauses,
    ropa,
    ropa_markdown,
)
from yaksok.processors.transfers import list_transfers

BTC = "btc_korea_service"
NICK = "user.social.nickname"
SHA = "ab" * 32
TODAY = dt.datetime.now(dt.UTC).date()


def all_clauses(yk) -> dict:
    return {c: f"art. {i}" for i, c in enumerate(required_clauses(yk.policy, BTC), 1)}


def publish(yk, change, version: str = "2027-01-01"):
    publish_policy(yk.engine, variant(version, change=change), published_by="officer")
    yk.policy_in_force.refresh()


def denials(yk, rule: str) -> list:
    return [e for e in iter_entries(yk.engine) if e.outcome == "denied" and e.reason == rule]


def test_a_contract_ticks_every_clause_pipa_and_gdpr_require_with_its_article(yk, officer):
    need = required_clauses(yk.policy, BTC)
    assert {"purpose_limitation", "protection_measures", "purpose_and_scope", "no_subprocessing",
            "access_restriction", "supervision", "liability"} <= set(need)
    assert "gdpr_instructions" in need and "gdpr_deletion_return" in need  # EU members
    assert "standard_contractual_clauses" in need  # the Swiss route rests on them with BTC
    partial = record_contract(yk, officer, BTC, signed_on="2026-11-01",
                              clauses={"purpose_limitation": "제3조"}, document_sha256=SHA)
    assert not partial["complete"] and "purpose_and_scope" in partial["missing"]
    [row] = processor_status(yk, officer)
    assert any("misses" in w for w in row["warnings"])
    done = record_contract(yk, officer, BTC, signed_on="2026-11-02", clauses=all_clauses(yk),
                           document_sha256=SHA)
    assert done["complete"] and done["missing"] == []
    [row] = processor_status(yk, officer)
    assert row["contract"]["id"] == done["id"] and row["missing"] == []
    assert row["roles"] == ["processor_support_agent"]


def test_no_test_claims_to_prove_an_organisational_promise():
    """A kind-R promise (P10.2: contracts and supervision) is kept by the organisation and
    believed only while its evidence is current; a ``promise`` marker would show it proven for
    ever (``yaksok promises`` could never show it overdue)."""
    import re
    from pathlib import Path

    from yaksok.promises import load_table

    organisational = {p.id for p in load_table() if p.kind == "R"}
    assert "P10.2" in organisational
    marker = re.compile(r"@pytest\.mark\.promise\(([^)]*)\)")
    found = [(f.name, pid) for f in Path(__file__).resolve().parents[1].rglob("*.py")
             for m in marker.finditer(f.read_text("utf-8"))
             for pid in re.findall(r"P\d+\.\d+", m.group(1)) if pid in organisational]
    assert found == []


def test_bad_contract_input_names_the_field_and_records_nothing(yk, officer, agent):
    cases = [(dict(signed_on="2026-02-30"), "signed_on"),
             (dict(clauses={"made_up": "1"}), "clauses"),
             (dict(clauses={"liability": ""}), "clauses.liability"),
             (dict(document_sha256="not-a-hash"), "document_sha256"),
             (dict(ends_on="2026-10-01"), "ends_on")]
    for change, field in cases:
        args = dict(signed_on="2026-11-01", clauses={"liability": "9"}, document_sha256=SHA)
        with pytest.raises(ValidationError) as exc:
            record_contract(yk, officer, BTC, **{**args, **change})
        assert exc.value.field == field
    with pytest.raises(NotFound):
        record_contract(yk, officer, "nobody", signed_on="2026-11-01",
                        clauses={"liability": "9"}, document_sha256=SHA)
    with pytest.raises(ActorNotAllowed):
        processor_status(yk, agent)
    assert denials(yk, "capability-required")
    assert processor_status(yk, officer)[0]["contract"] is None


def test_supervision_checks_and_the_overdue_warning(yk, officer):
    [row] = processor_status(yk, officer)
    assert "never supervised (Decree 28(1)4)" in row["warnings"]
    record_check(yk, officer, BTC, checked_on=TODAY - dt.timedelta(days=400),
                 checked_by="윤현근", findings="접근권한 점검", next_due=TODAY - dt.timedelta(days=35))
    [row] = processor_status(yk, officer)
    assert row["overdue"] and any(w.startswith("supervision overdue") for w in row["warnings"])
    record_check(yk, officer, BTC, checked_on=TODAY, checked_by="윤현근",
                 findings="no findings", next_due=TODAY + dt.timedelta(days=180))
    [row] = processor_status(yk, officer)
    assert not row["overdue"] and row["next_due"] == (TODAY + dt.timedelta(days=180)).isoformat()
    with pytest.raises(ValidationError) as exc:
        record_check(yk, officer, BTC, checked_on=TODAY, checked_by="x", findings="y",
                     next_due=TODAY)
    assert exc.value.field == "next_due"


def _drop_counselling(d: dict) -> None:
    d["processors"][0]["tasks"] = [t for t in d["processors"][0]["tasks"]
                                   if t["key"] != "counselling"]
    role = next(r for r in d["staff_roles"] if r["key"] == "processor_support_agent")
    role["tasks"] = ["community"]


def _drop_processor(d: dict) -> None:
    d["processors"] = []
    d["staff_roles"] = [r for r in d["staff_roles"] if r["key"] != "processor_support_agent"]
    for t in d["transfers"]:
        t["covers"] = [c for c in t.get("covers", []) if BTC not in c.get("recipients", [])]


@pytest.mark.promise("P10.3")
def test_a_task_or_processor_removed_at_publish_loses_access_at_once(yk, agent, officer):
    minsu = sign_up(yk, **signup_args(1))
    email = "user.contact.email"
    assert yk.vault.read(minsu, [email], "contract_performance", actor=agent,
                         task="counselling")[email]
    publish(yk, _drop_counselling)
    with pytest.raises(ActorNotAllowed):
        yk.vault.read(minsu, [email], "contract_performance", actor=agent, task="counselling")
    assert yk.vault.read(minsu, [NICK], "contract_performance", actor=agent, task="community")
    assert "상담서비스" not in render_policy(yk.published.policy, lang="ko", fmt="md")

    record_contract(yk, officer, BTC, signed_on="2026-11-01", clauses={"liability": "9"},
                    document_sha256=SHA)
    publish(yk, _drop_processor, "2027-02-01")
    with pytest.raises(ActorNotAllowed):  # the same session's actor, the role gone
        yk.vault.read(minsu, [NICK], "contract_performance", actor=agent, task="community")
    assert staff_actor(yk.policy, "st_btc", "btc-agent", "processor_support_agent") is None
    for lang in ("ko", "en"):
        text = render_policy(yk.published.policy, lang=lang, fmt="md")
        assert "비티씨코리아서비스" not in text and "BTC Korea Service" not in text
    [row] = processor_status(yk, officer)  # the register keeps the contract as history
    assert not row["in_policy"] and row["contract"] is not None and "no longer" in row[
        "warnings"][0]


def _swiss_members(d: dict) -> None:
    eu = next(j for j in d["jurisdictions"] if j["key"] == "EU")
    d["jurisdictions"].append({**eu, "key": "CH", "label": {"ko": "스위스", "en": "Switzerland"}})
    for t in d["transfers"]:
        for c in t.get("covers", []):
            if c["mechanism"] == "standard_contractual_clauses":
                c["since"] = TODAY - dt.timedelta(days=1)


@pytest.mark.promise("P12.1")
def test_processor_staff_reach_eu_and_swiss_members_only_under_a_mechanism_in_force(yk, agent,
                                                                                   officer):
    kr = sign_up(yk, **signup_args(1))
    de = sign_up(yk, **signup_args(2, country="DE"))
    assert yk.vault.read(de, [NICK], "contract_performance", actor=agent, task="community")[NICK]

    def no_adequacy(d):
        _swiss_members(d)
        eu = next(t for t in d["transfers"] if t["key"] == "eu_data")
        eu["covers"] = []
    publish(yk, no_adequacy)
    ch = sign_up(yk, **signup_args(3, country="CH"))
    with pytest.raises(Refused) as exc:
        yk.vault.read(de, [NICK], "contract_performance", actor=agent, task="community")
    assert exc.value.rule == "transfer-not-covered" and exc.value.field == "recipient"
    [entry] = denials(yk, "transfer-not-covered")
    assert entry.subject_ref == de and entry.actor_id == "st_btc" and entry.categories == (NICK,)
    # The clauses the policy declares hold only once the register holds the signed contract.
    with pytest.raises(Refused) as exc:
        yk.vault.read(ch, [NICK], "contract_performance", actor=agent, task="community")
    assert exc.value.rule == "transfer-not-covered" and "contract register" in exc.value.fix
    assert [e.subject_ref for e in denials(yk, "transfer-not-covered")] == [de, ch]
    record_contract(yk, officer, BTC, signed_on=TODAY - dt.timedelta(days=1),
                    clauses=all_clauses(yk), document_sha256=SHA)
    assert yk.vault.read(ch, [NICK], "contract_performance", actor=agent, task="community")[NICK]
    assert yk.vault.read(kr, [NICK], "contract_performance", actor=agent, task="community")[NICK]


@pytest.mark.promise("P12.1")
def test_a_swiss_member_under_the_shipped_policy_is_gated_though_filed_under_korea(
        yk, agent, officer):
    """SOMESING's policy has no Swiss jurisdiction: a Swiss sign-up takes Korea's rights
    deadlines, but their data is Swiss data and leaves Switzerland only under a mechanism."""
    import sqlalchemy as sa

    from yaksok.store.tables import members

    ch = sign_up(yk, **signup_args(4, country="CH"))
    kr = sign_up(yk, **signup_args(5))
    with yk.engine.connect() as conn:
        rows = dict(conn.execute(sa.select(members.c.id, members.c.transfer_origin)
                                 .where(members.c.id.in_([ch, kr]))).all())
        jurisdiction = conn.execute(sa.select(members.c.jurisdiction)
                                    .where(members.c.id == ch)).scalar()
    assert (jurisdiction, rows[ch], rows[kr]) == ("KR", "CH", None)
    with pytest.raises(Refused) as exc:  # no signed clauses with BTC in the register yet
        yk.vault.read(ch, [NICK], "contract_performance", actor=agent, task="community")
    assert exc.value.rule == "transfer-not-covered"
    assert [e.subject_ref for e in denials(yk, "transfer-not-covered")] == [ch]
    assert yk.vault.read(kr, [NICK], "contract_performance", actor=agent, task="community")[NICK]


def _mailer_under_shield(d: dict) -> None:
    d["processors"].append({
        "key": "mailer_co", "name": {"ko": "메일러", "en": "Mailer Co."}, "country": "US",
        "tasks": [{"key": "email_delivery", "label": {"ko": "이메일 발송", "en": "email"},
                   "purposes": ["change_notices"], "categories": ["user.contact.email"]}],
        "contract_clauses": ["purpose_limitation"]})
    d["staff_roles"].append({"key": "mailer_agent", "label": {"ko": "메일러", "en": "Mailer"},
                             "processor": "mailer_co", "tasks": ["email_delivery"]})
    d["transfers"].append({
        "key": "eu_us", "label": {"ko": "미국 이전", "en": "to the US"},
        "added": {"why": {"ko": "시험", "en": "a test"}}, "from": ["EU"], "to": ["US"],
        "mechanisms": ["eu_us_privacy_shield"],
        "covers": [{"mechanism": "eu_us_privacy_shield", "recipients": ["mailer_co"],
                    "since": dt.date(2017, 1, 1)}]})


@pytest.mark.promise("P12.1")
def test_a_transfer_under_an_expired_mechanism_is_refused_and_logged(yk, officer):
    publish(yk, _mailer_under_shield)
    with pytest.raises(Refused) as exc:
        record_transfer(yk, officer, origin="EU", recipient="mailer_co",
                        categories=["user.contact.email"], transferred_on=TODAY)
    assert exc.value.rule == "transfer-mechanism-lapsed"
    assert "eu_us_privacy_shield (ended 2020-07-16)" in str(exc.value)
    [entry] = denials(yk, "transfer-mechanism-lapsed")
    assert entry.operation == "disclose" and entry.actor_id == officer.id
    assert list_transfers(yk, officer) == []
    # Under the Shield, while it held, the same route was recorded with it.
    old = record_transfer(yk, officer, origin="EU", recipient="mailer_co",
                          categories=["user.contact.email"], transferred_on="2019-05-01")
    assert old["mechanism"] == "eu_us_privacy_shield"
    mailer = staff_actor(yk.policy, "st_mail", "mailer", "mailer_agent")
    de = sign_up(yk, **signup_args(2, country="DE"))
    with pytest.raises(Refused):
        yk.vault.read(de, ["user.contact.email"], "change_notices", actor=mailer,
                      task="email_delivery")
    assert len(denials(yk, "transfer-mechanism-lapsed")) == 2


@pytest.mark.promise("P12.1")
def test_transfer_records_name_the_mechanism_the_gate_gives(yk, officer):
    done = record_transfer(yk, officer, origin="DE", recipient=BTC,
                           categories=["user.social.nickname"], transferred_on=TODAY)
    assert (done["origin"], done["destination"], done["mechanism"]) == ("EU", "KR", "adequacy")
    assert [t["id"] for t in list_transfers(yk, officer)] == [done["id"]]
    for kw, field in [(dict(origin="KR"), "origin"), (dict(recipient="x"), "recipient"),
                      (dict(categories=["user.made_up"]), "categories"),
                      (dict(transferred_on="2026-13-01"), "transferred_on")]:
        args = dict(origin="EU", recipient=BTC, categories=[NICK], transferred_on=TODAY)
        with pytest.raises(ValidationError) as exc:
            record_transfer(yk, officer, **{**args, **kw})
        assert exc.value.field == field


def test_the_record_of_processing_in_korean_and_english(yk, officer):
    record_transfer(yk, officer, origin="EU", recipient=BTC, categories=[NICK],
                    transferred_on=TODAY)
    en = ropa(yk, officer, lang="en")
    assert en["controller"]["name"] == "EMEL Ventures Inc."
    assert {p["key"] for p in en["purposes"]} >= {"member_management", "contract_performance"}
    assert [s["jurisdiction"] for s in en["data_subjects"]] == ["KR", "EU", "US-CA"]
    assert en["recipients"]["processors"][0]["key"] == BTC
    eu = next(t for t in en["transfers"] if t["key"] == "eu_data")
    assert eu["recorded"] == 1 and eu["covers"][0]["mechanism"] == "adequacy"
    assert en["retention"]["rules"] and en["security_measures"]
    md = ropa_markdown(en)
    assert md.startswith("# Record of processing activities") and "## Transfers" in md
    ko = ropa_markdown(ropa(yk, officer, lang="ko"))
    assert "개인정보 처리 활동 기록" in ko and "주식회사 비티씨코리아서비스" in ko


@pytest.mark.promise("P12.1")
def test_a_release_abroad_of_an_eu_members_data_needs_a_mechanism(yk, officer):
    from yaksok.vault import Release

    de = sign_up(yk, **signup_args(2, country="DE"))
    kr = sign_up(yk, **signup_args(1))
    abroad = Release(ref="disclosure:test", operation="disclose", members=frozenset({de, kr}),
                     categories=frozenset({NICK}), recipient="us_authority", country="US")
    with pytest.raises(Refused) as exc:
        yk.vault.release(abroad, de, [NICK], actor=officer)
    assert exc.value.rule == "transfer-not-covered"
    [entry] = denials(yk, "transfer-not-covered")
    assert entry.subject_ref == de and entry.operation == "disclose"
    assert yk.vault.release(abroad, kr, [NICK], actor=officer)[NICK]  # a Korean member's data
