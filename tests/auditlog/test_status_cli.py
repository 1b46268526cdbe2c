"""The command line of the console's member and access-log pages: ``yaksok audit status``,
``audit entry``, ``audit verify`` signed in (recorded), ``audit history --staff``, ``member
lookup --task`` and ``member view``, in-process over a fresh SQLite data directory."""

from __future__ import annotations

import json

import pytest

from tests.support.members import signup_args
from yaksok.engine import open_yaksok
from yaksok.members import sign_up
from yaksok.settings import Settings

pytestmark = pytest.mark.promise("P7.6")


@pytest.fixture
def member(run) -> str:
    assert run("init")[0] == 0
    yk = open_yaksok(Settings.from_env())
    try:
        return sign_up(yk, **signup_args(21))
    finally:
        yk.close()


def test_status_verify_signed_in_and_an_entrys_proof(run, member, cli_officer):
    code, out, _ = run("audit", "status")
    assert code == 0 and "latest verification: none on record" in out
    assert run("audit", "checkpoint")[0] == 0
    cli_officer("security_auditor")
    code, out, _ = run("audit", "verify")
    assert code == 0 and out.startswith("OK: ")
    code, out, _ = run("audit", "status", "--json")
    status = json.loads(out)
    assert status["verification"]["ok"] and status["verification"]["by"].startswith("st_")
    code, out, _ = run("audit", "entry", "0")
    proof = json.loads(out)
    assert code == 0 and proof["verified"] and proof["checks"]["signature"] is True
    code, _, err = run("audit", "entry", "99999")
    assert code == 3 and "no access-log entry 99999" in err


@pytest.mark.promise("P10.1")
def test_lookup_through_a_task_view_and_the_staff_history(run, member, cli_officer):
    cli_officer("processor_support_agent")
    code, out, _ = run("member", "lookup", "--email", "member21@example.com",
                       "--purpose", "contract_performance", "--task", "counselling")
    assert code == 0 and out.strip() == member
    code, _, err = run("member", "lookup", "--email", "member21@example.com",
                       "--purpose", "contract_performance", "--task", "community")
    assert code == 5 and "does not cover" in err  # refused (exit 5), logged
    code, out, _ = run("member", "view", member, "--task", "counselling")
    view = json.loads(out)
    assert code == 0 and set(view["sections"][0]["values"]) >= {"user.contact.email"}
    assert "user.device.device_id" not in view["sections"][0]["values"]
    cli_officer("privacy_officer")
    code, out, _ = run("audit", "history", member, "--staff", "--json")
    items = json.loads(out)
    assert code == 0 and any(i["task"] == "counselling" for i in items)
