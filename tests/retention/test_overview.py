"""The retention overview as tables and the record of the worker's passes (issue 19's console
asks them; REST and the CLI give them too), on one SQLite yaksok for the module."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer, staff_token
from tests.support.center import fresh_yaksok
from yaksok.actors import api_key_actor
from yaksok.api import create_app
from yaksok.errors import ValidationError
from yaksok.retention import (
    ExpiryRule,
    destruction_totals,
    held_by_expiry_month,
    kinds_last_run,
    retention_status,
    worker_passes_of,
    write_record,
)
from yaksok.retention.passes import KEEP_DAYS, record_pass
from yaksok.retention.schedule import run_pass

UTC = dt.UTC
LOGIN = {"user.device.ip_address": "198.51.100.77"}


def month(t: dt.datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m")


@pytest.fixture(scope="module")
def yk(tmp_path_factory):
    y = fresh_yaksok(tmp_path_factory.mktemp("overview") / "data")
    yield y
    y.close()


@pytest.fixture(scope="module")
def held(yk):
    """Records of three kinds: one long expired (not yet destroyed), two within the year, one
    five years off. Returns their expiry months by kind."""
    app = api_key_actor(yk.policy, "ak_ov", "ov", ["members", "compliance"])
    now = dt.datetime.now(UTC)
    out: dict[str, list[str]] = {}
    for kind, values, at in (
            ("login_record", LOGIN, dt.datetime(2020, 1, 10, tzinfo=UTC)),
            ("login_record", LOGIN, now - dt.timedelta(days=20)),
            ("login_record", LOGIN, now - dt.timedelta(days=25)),
            ("payment_record", {"user.payment.transaction_id": "tx-ov-1"}, now)):
        m = yk.vault.create_member(jurisdiction="KR")
        rec = write_record(yk, m, kind, values, actor=app, at=at)
        out.setdefault(kind, []).append(month(rec.expires_at))
    return out


def test_held_records_lie_in_their_month_of_expiry_with_overdue_and_later(yk, held):
    table = held_by_expiry_month(yk, months=12)
    first = month(dt.datetime.now(UTC))
    assert table.months[0] == first and len(table.months) == 12
    # Every rule of the policy is a row, even with nothing held.
    assert [r.record_kind for r in yk.policy.retention.rules] == list(table.kinds)[:len(
        yk.policy.retention.rules)]
    assert sum(table.counts["complaint_record"]) == 0
    assert table.overdue["login_record"] == 1  # 2020's record: past its month, not destroyed
    for m in held["login_record"][1:]:
        assert table.counts["login_record"][table.months.index(m)] >= 1
    assert sum(table.counts["login_record"]) == 2
    assert table.later["payment_record"] == 1 and sum(table.counts["payment_record"]) == 0
    # The same counts as the retention status, laid out by month.
    status = {(h["record_kind"], h["expiry_month"]): h["count"]
              for h in retention_status(yk)["held"]}
    assert sum(table.total(k) for k in table.kinds) == sum(status.values())
    for (kind, m), n in status.items():
        if m in table.months:
            assert table.counts[kind][table.months.index(m)] == n
    body = table.to_dict()
    assert body["month_totals"] == list(table.month_totals)
    assert "198.51.100.77" not in json.dumps(body)


def test_a_narrow_window_puts_the_rest_in_later(yk, held):
    one = held_by_expiry_month(yk, months=1)
    wide = held_by_expiry_month(yk, months=12)
    for k in wide.kinds:
        assert one.total(k) == wide.total(k)
    with pytest.raises(ValidationError) as bad:
        held_by_expiry_month(yk, months=0)
    assert bad.value.field == "months" and bad.value.fix


def test_every_pass_is_recorded_with_what_each_kind_destroyed(yk, held):
    before = len(worker_passes_of(yk, last=500))
    done = run_pass(yk)
    passes = worker_passes_of(yk, last=500)
    assert len(passes) == before + 1
    last = passes[0]
    assert (last.run_id, last.status, last.destroyed) == (done.run_id, "done", done.destroyed)
    assert set(last.kinds) == {r.kind for r in yk.expiry.kinds()}  # every kind ran
    assert last.kinds["held_records"] >= 1  # 2020's login record went
    recorded = sum(r.count for r in done.records if r.kind == "held_records")
    assert last.kinds["held_records"] == recorded
    again = run_pass(yk)
    assert again.destroyed == 0 and worker_passes_of(yk, last=1)[0].destroyed == 0
    kinds = {k.kind: k for k in kinds_last_run(yk)}
    assert kinds["held_records"].last_ran_at == worker_passes_of(yk, last=1)[0].started_at
    assert kinds["held_records"].destroyed_last == 0
    assert kinds["held_records"].destroyed_kept >= 1
    assert held_by_expiry_month(yk).overdue["login_record"] == 0


def test_a_failed_pass_is_recorded_with_its_kind_and_no_value(yk, held):
    def explode(v, conn, now, batch):
        raise RuntimeError("secret 010-1234-5678 in a driver's message")

    yk.expiry.register(ExpiryRule("exploding", "row delete", "test", None, explode))
    try:
        with pytest.raises(RuntimeError):
            run_pass(yk)
    finally:
        yk.expiry._rules.pop("exploding")
    failed = worker_passes_of(yk, last=1)[0]
    assert (failed.status, failed.failed_kind, failed.error) == (
        "failed", "exploding", "RuntimeError")
    assert "010-1234-5678" not in json.dumps(failed.to_dict())
    assert "held_records" in failed.kinds  # the kinds before it ran


def test_old_passes_are_pruned_by_the_next_one(yk):
    long_ago = dt.datetime.now(UTC) - dt.timedelta(days=KEEP_DAYS + 5)
    record_pass(yk, run_id="run_old", started_at=long_ago, status="done", kinds={},
                now=long_ago)
    assert any(p.run_id == "run_old" for p in worker_passes_of(yk, last=500))
    record_pass(yk, run_id="run_new", started_at=dt.datetime.now(UTC), status="done", kinds={})
    assert not any(p.run_id == "run_old" for p in worker_passes_of(yk, last=500))


def test_destruction_totals_add_up_the_records(yk, held):
    run_pass(yk)
    totals = destruction_totals(yk, days=30)
    recent = retention_status(yk, last=500)["last_destructions"]
    assert sum(t.count for t in totals) == sum(r["count"] for r in recent)
    held_total = next(t for t in totals if t.kind == "held_records")
    assert held_total.record_kind == "login_record" and held_total.method
    with pytest.raises(ValidationError) as bad:
        destruction_totals(yk, days=0)
    assert bad.value.field == "days"


def test_rest_gives_the_tables_to_audit_readers_only(yk, held):
    with TestClient(create_app(yk)) as client:
        officer = bearer(staff_token(client, yk, "ov-officer", "privacy_officer"))
        engineer = bearer(staff_token(client, yk, "ov-engineer", "engineer"))
        r = client.get("/retention/held-by-month?months=6", headers=officer)
        assert r.status_code == 200, r.text
        assert r.json() == held_by_expiry_month(yk, months=6).to_dict()
        r = client.get("/retention/passes?last=3", headers=officer)
        assert r.status_code == 200 and len(r.json()["passes"]) <= 3
        assert {k["kind"] for k in r.json()["kinds"]} == {x.kind for x in yk.expiry.kinds()}
        r = client.get("/retention/destructions?days=30", headers=officer)
        assert r.status_code == 200 and r.json()["days"] == 30
        for path in ("/retention/held-by-month", "/retention/passes", "/retention/destructions"):
            body = assert_problem(client.get(path, headers=engineer), 403, "processing-refused")
            assert body["rule"] == "capability-required"
        assert_problem(client.get("/retention/held-by-month?months=0", headers=officer), 422,
                       "validation")


def test_cli_prints_the_tables(yk, held, monkeypatch, capsys):
    from yaksok.cli import main

    monkeypatch.setenv("YAKSOK_DATA_DIR", str(yk.settings.data_dir))
    monkeypatch.setenv("YAKSOK_POLICY", str(yk.settings.policy_path))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)
    assert main(["retention", "by-month", "--months", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == held_by_expiry_month(yk, months=3).to_dict()
    assert main(["retention", "passes", "--last", "2"]) == 0
    text = capsys.readouterr().out
    assert "held_records" in text and "passes:" in text
    assert main(["retention", "destructions", "--days", "30"]) == 0
    assert "login_record" in capsys.readouterr().out
