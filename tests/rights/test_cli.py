"""`yaksok rights`: the privacy officer's desk in the shell, on SQLite and PostgreSQL.

A letter, a phone call, an agent's email: entered, verified, carried out, listed, with exit
codes for every mistake and `yaksok rights due --fail-on-overdue` for cron.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
import typer

from tests.support.members import signup_args
from yaksok.actors import api_key_actor, system_actor
from yaksok.auditlog import iter_entries
from yaksok.cli.rights import rights_app
from yaksok.engine import open_yaksok
from yaksok.members.signup import sign_up
from yaksok.rights.requests import submit
from yaksok.settings import Settings

POLICY = Path(__file__).resolve().parents[2] / "policies" / "somesing.yaml"
NICK = "user.social.nickname"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys, db_url, cli_officer):
    """The CLI in-process over a fresh data directory on each backend, the privacy officer
    signed in (YAKSOK_STAFF_TOKEN); (exit, out, err)."""
    from yaksok.cli import main
    from yaksok.crypto.keyring import PASSPHRASE_ENV

    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(POLICY))
    monkeypatch.setenv("YAKSOK_DATABASE_URL", db_url)
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)

    def run(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert run("init")[0] == 0
    cli_officer()
    return run


@pytest.fixture
def store(cli):
    yk = open_yaksok(Settings.from_env())
    yield yk
    yk.close()


def new_member(yk, n: int = 1, **kw) -> str:
    return sign_up(yk, **signup_args(n, **kw))


def request_id(out: str) -> str:
    return out.split()[0]


@pytest.mark.promise("P6.8", "P6.3", "P6.11")
def test_a_letter_asking_for_erasure_goes_the_whole_way(cli, store):
    m = new_member(store)
    code, out, _ = cli("rights", "submit", "--member", m, "--right", "erasure",
                       "--channel", "written")
    assert code == 0, out
    rid = request_id(out)
    assert rid.startswith("rq_") and "received" in out and "channel         written" in out
    code, out, _ = cli("rights", "verify", rid, "--method", "signed-letter-matched")
    assert code == 0 and "verified (staff:signed-letter-matched)" in out
    # Korea allows no extension of an erasure: a conflict, exit 4.
    assert cli("rights", "start", rid)[0] == 0
    code, _, err = cli("rights", "extend", rid, "--reason", "complex")
    assert code == 4 and "PIPA allows no extension" in err
    code, out, _ = cli("rights", "carry-out", rid, "--json")
    assert code == 0
    done = json.loads(out)
    assert done["request"]["status"] == "completed" and done["result"]["scope"] == "account"
    code, out, _ = cli("rights", "show", rid, "--json")
    assert json.loads(out)["status"] == "completed"
    code, out, _ = cli("rights", "events", rid)
    lines = out.strip().splitlines()
    assert [(line.split()[3], line.split()[5]) for line in lines] == [
        ("-", "received"), ("received", "verified"), ("verified", "in_progress"),
        ("in_progress", "completed")]
    from yaksok.accounts.staff import list_staff

    (officer,) = list_staff(store.engine)  # the staff account signed in at the shell
    assert all(officer.id in line for line in lines)
    code, out, _ = cli("rights", "list", "--json")
    assert [r["id"] for r in json.loads(out)] == [rid]
    code, out, _ = cli("rights", "list")  # a Korean request's deadline in Korean time, as
    assert rid in out and " KST " in out and " UTC " not in out  # /rights/due shows it
    # The officer at the shell is in the access log as their staff account, in their role.
    logged = [e for e in iter_entries(store.engine) if e.request_id == rid]
    assert logged and all((e.actor_id, e.actor_role) == (officer.id, "privacy_officer")
                          for e in logged if e.reason.startswith("rights:erasure:"))


@pytest.mark.promise("P6.2", "P6.8")
def test_a_rectification_by_phone_takes_the_new_value_from_stdin_only(cli, store):
    m = new_member(store)
    new_nick = "전화로고친별명"
    code, out, _ = cli("rights", "submit", "--member", m, "--right", "rectification",
                       "--channel", "phone", "--personal-stdin",
                       stdin=json.dumps({"category": NICK, "value": new_nick}))
    assert code == 0, out
    assert new_nick not in out
    rid = request_id(out)
    assert cli("rights", "verify", rid, "--method", "callback-registered-phone")[0] == 0
    assert cli("rights", "start", rid)[0] == 0
    code, out, _ = cli("rights", "carry-out", rid)
    assert code == 0 and "completed" in out and new_nick not in out
    app = api_key_actor(store.policy, "ak_t", "t", ["members", "compliance"])
    assert store.vault.read(m, [NICK], "social_services", actor=app)[NICK][0].value \
        == new_nick


@pytest.mark.promise("P6.10")
def test_an_agents_request_with_a_power_of_attorney(cli, store, tmp_path):
    m = new_member(store)
    code, out, _ = cli("rights", "submit", "--member", m, "--right", "access",
                       "--channel", "email", "--requester", "authorised_agent")
    rid = request_id(out)
    code, _, err = cli("rights", "verify", rid, "--method", "agent-documents-checked")
    assert code == 4 and "power of attorney" in err
    text = tmp_path / "mandate.txt"
    text.write_text("not a scan")
    assert cli("rights", "power-of-attorney", rid, str(text))[0] == 2
    pdf = tmp_path / "mandate.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% signed mandate\n%%EOF\n")
    code, out, _ = cli("rights", "power-of-attorney", rid, str(pdf))
    assert code == 0 and "application/pdf" in out
    assert cli("rights", "agent-check", rid, "--outcome", "maybe")[0] == 2
    assert cli("rights", "agent-check", rid, "--outcome", "accepted")[0] == 0
    assert cli("rights", "verify", rid, "--method", "agent-documents-checked")[0] == 0


def test_mistakes_have_their_exit_codes(cli, store):
    m = new_member(store)
    code, _, err = cli("rights", "submit", "--member", m, "--right", "access",
                       "--channel", "account_menu")
    assert code == 2 and "--channel" in err
    code, _, err = cli("rights", "submit", "--member", m, "--right", "objection",
                       "--detail", "purpose")
    assert code == 2 and "key=value" in err
    code, _, err = cli("rights", "submit", "--member", "m_000000000000000000000000",
                       "--right", "access")
    assert code == 3
    code, _, err = cli("rights", "show", "rq_000000000000000000000000")
    assert code == 3 and "Traceback" not in err
    code, _, err = cli("rights", "submit", "--member", m, "--right", "rectification",
                       "--personal-stdin", stdin="not json")
    assert code == 2 and "not json" not in err


@pytest.mark.promise("P6.8")
def test_due_lists_overdue_requests_and_fails_for_cron_when_asked(cli, store):
    m = new_member(store)
    now = dt.datetime.now(dt.UTC)
    staff = system_actor("letters", capabilities=("rights.decide",))
    late = submit(store, member_id=m, right="access", channel="written", actor=staff,
                  now=now - dt.timedelta(days=11))
    near = submit(store, member_id=m, right="erasure", channel="written", actor=staff,
                  now=now - dt.timedelta(days=8))
    code, out, _ = cli("rights", "due")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("OVERDUE") and late.id in lines[0]
    assert near.id in lines[1] and "2 day(s)" in lines[1]
    assert lines[-1] == "2 request(s) due within 3 day(s), 1 overdue"
    code, out, _ = cli("rights", "due", "--fail-on-overdue", "--json")
    assert code == 1 and [d["id"] for d in json.loads(out)] == [late.id, near.id]
    code, out, _ = cli("rights", "due", "--within-days", "1")
    assert code == 0 and near.id not in out
    assert cli("rights", "cancel", late.id)[0] == 0
    assert cli("rights", "due", "--fail-on-overdue")[0] == 0


@pytest.mark.promise("P6.7", "P6.9")
def test_grounds_and_explanations(cli, store):
    m = new_member(store)
    code, out, _ = cli("rights", "grounds", "--right", "erasure", "--jurisdiction", "KR")
    assert code == 0 and "pipa_36_1_other_law_requires" in out
    assert "gdpr_" not in out and "PIPA art. 36(1)" in out
    code, out, _ = cli("rights", "grounds", "--json")
    assert "ccpa_7062_cannot_verify" in json.loads(out)["refusal_grounds"]
    code, out, _ = cli("rights", "explain", m, "ad_targeting_profile", "--json")
    assert code == 0 and json.loads(out)["purpose"] == "usage_statistics"
    assert cli("rights", "explain", m, "no_such_decision")[0] == 2
    rid = request_id(cli("rights", "submit", "--member", m, "--right", "access")[1])
    code, _, err = cli("rights", "refuse", rid, "--reason", "gdpr_12_5_manifestly_excessive")
    assert code == 2 and "pipa_" in err
    code, out, _ = cli("rights", "refuse", rid, "--reason", "pipa_decree_46_identity")
    assert code == 0 and "refused (pipa_decree_46_identity)" in out


def test_every_rights_command_has_an_example():
    group = typer.main.get_group(rights_app)
    assert len(group.commands) >= 13
    for name, command in group.commands.items():
        assert "Example" in (command.help or ""), name
