"""Issue 17's smaller findings, each fixed and shown: an unknown purpose names the valid ones;
`make run` honours YAKSOK_PORT; an outbox that queues email without SMTP says so."""

from __future__ import annotations

import subprocess

from fastapi.testclient import TestClient

from tests.support.api import key, sign_up
from tests.support.paths import ROOT
from yaksok.api import create_app


def test_an_unknown_purpose_lists_the_purposes_the_policy_declares(yk):
    client = TestClient(create_app(yk))
    member = sign_up(client, 1)
    r = client.get(f"/members/{member}/values", headers=key(yk, "members"),
                   params={"categories": "user.contact.email", "purpose": "no_such_purpose"})
    assert r.status_code == 403 and r.json()["field"] == "purpose"
    assert "member_management" in r.json()["fix"] and "legal_compliance" in r.json()["fix"]


def test_make_run_serves_on_the_port_and_host_the_environment_names():
    done = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "YAKSOK_PORT": "9123"}, timeout=30)
    serve = next(line for line in done.stdout.splitlines() if " serve " in line)
    # make -n prints the shell line; the shell expands it at run time.
    assert "${YAKSOK_PORT:-8000}" in serve and "${YAKSOK_HOST:-127.0.0.1}" in serve
    expanded = subprocess.run(["sh", "-c", f"echo {serve.split(' serve ', 1)[1]}"],
                              capture_output=True, text=True,
                              env={"YAKSOK_PORT": "9123"}).stdout.split()
    assert expanded == ["--host", "127.0.0.1", "--port", "9123", "--demo"]  # the demo at /demo


def test_outbox_status_warns_when_email_waits_without_smtp(tmp_path, monkeypatch, capsys):
    from tests.support.cli import cli_runner
    from yaksok.engine import open_yaksok
    from yaksok.notify import NewMessage
    from yaksok.settings import Settings

    monkeypatch.delenv("YAKSOK_SMTP_HOST", raising=False)
    run = cli_runner(tmp_path, monkeypatch, capsys)
    yk = open_yaksok(Settings.from_env())
    with yk.engine.begin() as conn:
        yk.outbox.enqueue_many(conn, [NewMessage("email", "m_0123456789abcdef", "policy_notice",
                                                 {"notice_id": 1}, "notice:1:m_0123")])
    yk.close()
    code, out, _ = run("outbox", "status")
    assert code == 0 and "1 email(s) wait and no SMTP server is configured" in out
    monkeypatch.setenv("YAKSOK_SMTP_HOST", "127.0.0.1")
    assert "no SMTP server" not in run("outbox", "status")[1]
