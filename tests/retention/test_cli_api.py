"""Retention's CLI (`yaksok worker`, `yaksok retention status`) and REST (`GET
/retention/status`), on the SQLite default."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.api import bearer, staff_token
from yaksok.actors import api_key_actor
from yaksok.api import create_app
from yaksok.engine import init_yaksok
from yaksok.retention import write_record
from yaksok.settings import Settings

POLICY = Path(__file__).resolve().parents[2] / "policies" / "somesing.yaml"
LOGIN = {"user.device.ip_address": "198.51.100.23"}


def _held(yk) -> str:
    app = api_key_actor(yk.policy, "ak_t", "t", ["members", "compliance"])
    m = yk.vault.create_member(jurisdiction="KR")
    write_record(yk, m, "login_record", LOGIN, actor=app,
                 at=dt.datetime(2020, 1, 10, tzinfo=dt.UTC))   # long expired
    write_record(yk, m, "payment_record", {"user.payment.transaction_id": "tx-cli-1"},
                 actor=app)
    return m


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    from yaksok.cli import main

    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(POLICY))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert run("init")[0] == 0
    return run


@pytest.mark.promise("P12.5")
def test_worker_once_destroys_and_status_shows_the_records(cli):
    from yaksok.engine import open_yaksok

    yk = open_yaksok(Settings.from_env())
    _held(yk)
    yk.close()
    code, out, _ = cli("retention", "status", "--json")
    assert code == 0
    before = json.loads(out)
    assert sorted(h["record_kind"] for h in before["held"]) == ["login_record", "payment_record"]
    code, out, err = cli("worker", "--once")
    assert code == 0 and "destroyed 2 item(s)" in out  # the row, then its month's key
    assert "held_records: 1 destroyed" in err
    code, out, _ = cli("retention", "status")
    assert code == 0 and "payment_record" in out and "login_record" not in out.split(
        "last destruction records:")[0]
    assert "key deletion" in out and "row delete" in out
    assert "198.51.100.23" not in out
    code, out, _ = cli("worker", "--once")
    assert code == 0 and "destroyed 0 item(s)" in out


def test_rest_status_is_for_the_privacy_officer(tmp_path, monkeypatch):
    from yaksok.crypto.keyring import PASSPHRASE_ENV

    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    yk = init_yaksok(Settings(data_dir=tmp_path / "data", policy_path=POLICY))
    try:
        _held(yk)
        client = TestClient(create_app(yk))
        officer = staff_token(client, yk, "yoon", "privacy_officer")
        auditor = staff_token(client, yk, "aud", "security_auditor")
        engineer = staff_token(client, yk, "dev", "engineer")
        r = client.get("/retention/status", headers=bearer(officer))
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        assert {h["record_kind"] for h in r.json()["held"]} == {"login_record", "payment_record"}
        # The security auditor reads the access log and nothing else (issue 19).
        assert client.get("/retention/status", headers=bearer(auditor)).status_code == 403
        assert client.get("/retention/status", headers=bearer(engineer)).status_code == 403
        assert client.get("/retention/status").status_code == 401
        assert "198.51.100.23" not in r.text
    finally:
        yk.close()
