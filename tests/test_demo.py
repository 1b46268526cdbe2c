"""``yaksok demo`` and the ``member`` commands: synthetic members, deterministic and fast."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.database import sqlite_bytes, table_counts
from tests.support.paths import ROOT
from yaksok.actors import member_actor
from yaksok.demo import DEMO_PASSWORD, demo_people, run_demo
from yaksok.errors import Conflict, ValidationError
from yaksok.members import login_member
from yaksok.store.tables import consent_events, members

EMAIL = "user.contact.email"


def test_people_are_deterministic_for_a_seed():
    one = list(demo_people(30, seed=4))
    again = list(demo_people(30, seed=4))
    other = list(demo_people(30, seed=5))
    assert [(p.member_id, p.email, p.phone, p.name) for p in one] == \
        [(p.member_id, p.email, p.phone, p.name) for p in again]
    assert {p.member_id for p in one}.isdisjoint({p.member_id for p in other})
    assert len({p.email for p in one}) == 30 and len({p.phone for p in one}) == 30
    assert all(p.phone.startswith("+8210") and len(p.phone) == 13 for p in one)
    assert all(2 <= len(p.name) <= 4 and "\uac00" <= p.name[0] <= "\ud7a3" for p in one)
    assert "@" not in repr(one[0]) and one[0].name not in repr(one[0])


def test_demo_fills_the_store_deterministically(yk):
    # How fast it is, is bench/'s to measure: a bound on elapsed time fails on a loaded machine.
    summary = run_demo(yk, 120, seed=7, batch=50)
    assert summary.members == 120 and summary.values > 120 * 8
    assert summary.consents_given > 0 and summary.consents_withdrawn > 0
    assert summary.reads_granted > 0 and summary.reads_refused > 0
    counts = table_counts(yk)
    assert counts["members"] == 120
    assert counts["consent_events"] == summary.consents_given + summary.consents_withdrawn
    assert counts["vault_values"] == summary.values
    people = list(demo_people(120, seed=7))
    with yk.engine.connect() as conn:
        ids = {r[0] for r in conn.execute(sa.select(members.c.id))}
        hashes = {r[0] for r in conn.execute(sa.select(members.c.password_hash))}
        withdrawn = conn.execute(sa.select(sa.func.count()).select_from(consent_events)
                                 .where(consent_events.c.action == "withdrawn")).scalar()
    assert ids == {p.member_id for p in people}
    assert len(hashes) == 1  # the bulk path: one hash for every demo member
    assert withdrawn == summary.consents_withdrawn
    # Values went through the vault: readable for a purpose, encrypted at rest.
    p = people[3]
    got = yk.vault.read_one(p.member_id, EMAIL, "member_management",
                                 actor=member_actor(p.member_id))
    assert got == p.email
    assert p.email.encode() not in sqlite_bytes(yk)
    # And a demo member can log in with the demo password.
    actor, _ = login_member(yk, p.email, DEMO_PASSWORD)
    assert actor.id == p.member_id


def test_the_same_seed_twice_on_one_store_is_refused(yk):
    run_demo(yk, 5, seed=1, reads=False)
    with pytest.raises(Conflict) as info:
        run_demo(yk, 5, seed=1, reads=False)
    assert info.value.field == "seed"
    summary = run_demo(yk, 5, seed=2, reads=False)
    assert summary.members == 5 and table_counts(yk)["members"] == 10


@pytest.mark.parametrize("count", [0, -3])
def test_member_count_must_be_positive(yk, count):
    with pytest.raises(ValidationError):
        run_demo(yk, count)


def test_no_api_module_reaches_the_bulk_path():
    api = ROOT / "src" / "yaksok" / "api"
    members_pkg = ROOT / "src" / "yaksok" / "members"
    for path in [*api.glob("*.py"), *members_pkg.glob("*.py")]:
        assert "yaksok.demo" not in path.read_text(encoding="utf-8"), path


# -- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def cli(run, monkeypatch):
    """``run`` (the CLI fixture, tests/conftest.py) on an initialised data directory, with a
    member password."""
    monkeypatch.setenv("YAKSOK_MEMBER_PASSWORD", "Lamp-7-tiger")
    assert run("init")[0] == 0
    return run


def test_cli_demo_prints_a_summary(cli):
    code, out, _ = cli("demo", "--members", "25", "--seed", "3")
    assert code == 0, out
    assert "demo seed 3: 25 members" in out and "values collected" in out
    assert DEMO_PASSWORD in out


@pytest.mark.promise("P8.1")
def test_cli_member_signup_lookup_and_erase(cli, cli_officer):
    run = cli
    cli_officer()  # lookup and erasure act as the signed-in privacy officer
    code, out, err = run("member", "signup", "--email", "Kim@Example.com", "--phone",
                         "010-2222-3333", "--birth-date", "2000-02-02", "--sns",
                         "kakao:777:노래하는민준", "--consent", "sns_sign_in")
    assert code == 0, err
    member_id = out.strip()
    assert member_id.startswith("m_")
    assert run("member", "lookup", "--email", "KIM@example.com") == (0, member_id + "\n", "")
    assert run("member", "lookup", "--phone", "+82 10 2222 3333")[1].strip() == member_id
    assert run("member", "lookup", "--sns", "kakao:777")[1].strip() == member_id
    code, _, err = run("member", "signup", "--email", "kid@example.com", "--phone",
                       "010-2222-4444", "--declared-age", "13")
    assert code == 5 and "14 or older in Korea" in err
    code, out, _ = run("member", "erase", member_id, "--yes")
    assert code == 0 and f"erased {member_id}" in out
    code, _, err = run("member", "lookup", "--email", "kim@example.com")
    assert code == 3 and "kim@" not in err.lower()
    code, _, err = run("member", "lookup")
    assert code == 2


def test_cli_member_help_has_examples():
    from typer.testing import CliRunner

    from yaksok.cli import app

    for command in ("signup", "lookup", "erase"):
        result = CliRunner().invoke(app, ["member", command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output
    result = CliRunner().invoke(app, ["demo", "--help"])
    assert "Example" in result.output and "--members" in result.output
