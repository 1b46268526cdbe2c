"""``yaksok.access``: one decision, from the published policy, for the core, the API and the CLI.

The hand-written matrix of every route and actor is tests/access/test_matrix.py; this module
checks what the matrix cannot see: that a decision follows the *published* version, that a
verified request's mandate reaches only what it names, that yaksok's own duties act only with
what they are defined with, that the CLI acts as a signed-in staff account, that the policy file
cannot grant an unknown capability, and that docs/access.md carries the matrix of the policy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest

from tests.support.policy import variant
from tests.support.vault import MINSU, entries, last_entry, member
from yaksok.access import Mandate, build_tables, decide
from yaksok.access.matrix import BEGIN, END, access_matrix, matrix_markdown
from yaksok.actors import Actor, staff_actor, system_actor
from yaksok.errors import ActorNotAllowed
from yaksok.policy.loader import load_policy, load_source
from yaksok.policy.versions import publish_policy

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "somesing.yaml"
EMAIL, DOB = "user.contact.email", "user.demographic.date_of_birth"
APP_USAGE = "user.behavior.app_usage"


@pytest.mark.promise("P7.5")
def test_a_role_grants_what_the_published_version_says_not_what_the_session_carried(
        yk, vault, app, engineer):
    m = member(vault)
    vault.collect(m, APP_USAGE, "노래방 모드 3회", channel="collection_tool", actor=app)
    assert vault.read(m, [APP_USAGE], "service_improvement", actor=engineer)[APP_USAGE]

    def no_engineering(d: dict) -> None:
        next(r for r in d["staff_roles"] if r["key"] == "engineer")["purposes"] = []

    publish_policy(yk.engine, variant(change=no_engineering), published_by="officer")
    yk.refresh_policy()
    # The engineer's actor was made under the old version and still carries its purposes.
    assert "service_improvement" in engineer.purposes
    with pytest.raises(ActorNotAllowed) as refused:
        vault.read(m, [APP_USAGE], "service_improvement", actor=engineer)
    assert refused.value.rule == "actor-not-allowed"
    assert (last_entry(yk).outcome, last_entry(yk).reason) == ("denied", "actor-not-allowed")


@pytest.mark.promise("P7.5", "P6.2", "P6.3")
def test_a_verified_requests_mandate_reaches_only_its_member_and_its_right(yk):
    tables = build_tables(yk.policy, yk.published.version)
    off = staff_actor(yk.policy, "st_o", "yoon", "privacy_officer")
    btc = staff_actor(yk.policy, "st_b", "btc", "processor_support_agent")
    rectify = Mandate("rq_" + "1" * 24, "m_a", "rectification")
    # The officer's purposes do not list app usage; the member's request does.
    assert not decide(tables, off, "rectify", member_id="m_a", categories=[APP_USAGE]).allowed
    assert decide(tables, off, "rectify", member_id="m_a", categories=[APP_USAGE],
                  mandate=rectify).allowed
    for actor, member_id, mandate in (
            (off, "m_b", rectify),                                        # another member
            (off, "m_a", Mandate(rectify.request_id, "m_a", "erasure")),  # another right
            (btc, "m_a", rectify)):                                       # not a handler
        d = decide(tables, actor, "rectify", member_id=member_id, categories=[APP_USAGE],
                   mandate=mandate)
        assert not d.allowed, (actor.role, member_id, mandate)
    erase = Mandate(rectify.request_id, "m_a", "erasure")
    assert decide(tables, off, "erase_values", member_id="m_a", categories=[APP_USAGE],
                  mandate=erase).rule == f"mandate:{erase.request_id}"
    assert decide(tables, btc, "erase_values", member_id="m_a", categories=[APP_USAGE],
                  mandate=erase).rule == "erase-not-allowed"


@pytest.mark.promise("P7.5")
def test_yaksoks_own_duties_act_only_with_what_they_are_defined_with(yk, vault, app):
    m = member(vault)
    vault.collect(m, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    with pytest.raises(ActorNotAllowed) as refused:
        vault.erase_member(m, actor=system_actor("nightly"))
    assert refused.value.rule == "erase-not-allowed"
    assert (last_entry(yk).actor_id, last_entry(yk).operation, last_entry(yk).reason) == (
        "system:nightly", "erase", "erase-not-allowed")
    with pytest.raises(ActorNotAllowed):
        vault.read(m, [EMAIL], "member_management", actor=system_actor("nightly"))
    assert vault.read(m, [EMAIL], "member_management",
                      actor=system_actor("lookup", ["member_management"]))[EMAIL]
    vault.erase_member(m, actor=system_actor("restore", capabilities=["rights.decide"]))


@pytest.mark.promise("P7.5", "P10.1")
def test_every_refusal_names_actor_operation_member_categories_purpose_and_rule(yk, vault, app,
                                                                                agent):
    m = member(vault)
    seen = len(entries(yk))
    with pytest.raises(ActorNotAllowed):
        vault.collect(m, DOB, "1990-01-01", channel="app", flow="ssg_cashout", actor=agent,
                      task="counselling", purpose="contract_performance")
    with pytest.raises(ActorNotAllowed):
        vault.collect(m, "user.payment.transaction_id", "T-1", channel="collection_tool",
                      actor=Actor(id="ak_an", kind="app_backend",
                                  scopes=frozenset({"analytics"})))
    got = [(e.actor_id, e.operation, e.outcome, e.subject_ref, e.categories, e.purpose, e.task,
            e.reason) for e in entries(yk)[seen:]]
    assert got == [
        (agent.id, "collect", "denied", m, (DOB,), "contract_performance", "counselling",
         "outside-processor-task"),
        ("ak_an", "collect", "denied", m, ("user.payment.transaction_id",), None, None,
         "no-purpose-for-category")]


def test_the_policy_file_grants_no_unknown_capability_and_none_to_processor_staff():
    source = POLICY.read_text(encoding="utf-8")
    typo = source.replace("capabilities: [audit.read, audit.verify]",
                          "capabilities: [audit.read, audit.verfy]")
    _, problems = load_source(typo, "typo.yaml")
    assert any("unknown capability 'audit.verfy'" in p.message for p in problems)
    processor = source.replace("    processor: btc_korea_service\n",
                               "    processor: btc_korea_service\n"
                               "    capabilities: [rights.decide]\n")
    _, problems = load_source(processor, "processor.yaml")
    assert any(p.severity == "error" and "processor's staff hold no capability" in p.message
               for p in problems)


def test_docs_access_md_carries_the_matrix_of_somesings_policy():
    policy = load_policy(POLICY)
    page = (ROOT / "docs" / "access.md").read_text(encoding="utf-8")
    generated = page[page.index(BEGIN) + len(BEGIN):page.index(END)]
    expected = matrix_markdown(access_matrix(policy, policy.current_version.version))
    assert generated.strip("\n") == expected.strip("\n"), (
        "regenerate: yaksok policy access-matrix policies/somesing.yaml --doc docs/access.md")


# -- the CLI acts as a signed-in staff account --------------------------------------------------

@pytest.fixture
def cli(run, monkeypatch):
    monkeypatch.delenv("YAKSOK_STAFF_TOKEN", raising=False)
    monkeypatch.setenv("YAKSOK_MEMBER_PASSWORD", "Lamp-7-tiger-song")
    assert run("init")[0] == 0
    return run


@pytest.mark.promise("P7.5", "P12.8")
def test_the_cli_acts_as_the_staff_account_signed_in_and_asks_the_core(cli, monkeypatch):
    from yaksok.accounts.staff import add_staff
    from yaksok.auditlog import iter_entries
    from yaksok.engine import open_yaksok
    from yaksok.settings import Settings

    code, out, err = cli("member", "signup", "--email", "kim@example.com", "--phone",
                         "010-2222-3333", "--declared-age", "30")
    member_id = out.strip()
    code, _, err = cli("member", "lookup", "--email", "kim@example.com")
    assert code == 5 and "YAKSOK_STAFF_TOKEN" in err and "staff login" in err
    store = open_yaksok(Settings.from_env())
    password = "correct horse battery staple 9"
    secrets = {role: add_staff(store.engine, store.keyring, store.policy, name, role,
                               password).totp_secret
               for name, role in (("yoon", "privacy_officer"), ("eun", "engineer"))}
    tokens = {}
    for name, role in (("yoon", "privacy_officer"), ("eun", "engineer")):
        monkeypatch.setattr("sys.stdin", __import__("io").StringIO(password + "\n"))
        code, out, err = cli("staff", "login", "--username", name, "--password-stdin",
                             "--totp", pyotp.TOTP(secrets[role]).now())
        assert code == 0 and re.fullmatch(r"ys_\S+\n", out), err
        assert f"staff:{name} ({role})" in err and "until" in err
        tokens[role] = out.strip()
    monkeypatch.setenv("YAKSOK_STAFF_TOKEN", tokens["engineer"])
    code, _, err = cli("member", "erase", member_id, "--yes")
    assert code == 5 and "may not erase" in err
    code, out, _ = cli("--staff-token", tokens["privacy_officer"], "member", "lookup",
                       "--email", "kim@example.com")
    assert (code, out.strip()) == (0, member_id)
    log = list(iter_entries(store.engine))
    officer_id = next(e.actor_id for e in log if e.actor_role == "privacy_officer")
    assert [(e.actor_role, e.operation, e.outcome, e.reason) for e in log
            if e.actor_kind == "staff"] == [
        ("engineer", "erase", "denied", "erase-not-allowed"),
        ("privacy_officer", "read", "granted", None)]
    assert officer_id.startswith("st_")
    code, out, _ = cli("staff", "logout")  # the engineer's token, from the environment
    assert code == 0
    code, _, err = cli("member", "lookup", "--email", "kim@example.com")
    assert code == 5
    store.close()


def test_the_cli_prints_the_access_matrix_of_the_policy_in_force(cli):
    import json

    code, out, _ = cli("policy", "access-matrix", "--format", "json")
    assert code == 0
    m = json.loads(out)
    cell = m["matrix"]["collect"]["scope:analytics"]["categories"]
    assert APP_USAGE in cell and "user.payment.transaction_id" not in cell
    assert m["matrix"]["erase_account"]["role:processor_support_agent"] == {
        "granted": None, "refused": "erase-not-allowed"}
    code, out, _ = cli("policy", "access-matrix")
    assert code == 0 and out.startswith("## The matrix under policy version")
    code, _, err = cli("policy", "access-matrix", "--format", "pdf")
    assert code == 2 and "--format" in err
