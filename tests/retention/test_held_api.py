"""Held records over REST (`POST /members/{id}/records`, `GET /members/{id}/records`) and the
CLI (`yaksok retention write-record`, `yaksok retention records`): an app backend keeps the
e-commerce act's records as it goes; they survive the account's closure and are destroyed at
their expiry by the worker. On SQLite and PostgreSQL (the ``yk`` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from tests.support.api import bearer, key, problem, sign_up, staff_token
from yaksok.api import create_app
from yaksok.auditlog import iter_entries
from yaksok.retention import read_held, run_expiry
from yaksok.store.tables import utcnow

IP = "203.0.113.61"
TXN, PRODUCT = "user.payment.transaction_id", "user.payment.product_code"
PAYMENT = {TXN: "tx-20261129-0042", PRODUCT: "vip-month", "user.payment.method_type": "card"}


@pytest.fixture
def client(yk) -> TestClient:
    return TestClient(create_app(yk), client=(IP, 50000))


def _held_rows(yk, member_id: str) -> int:
    import sqlalchemy as sa

    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM held_records WHERE member_ref = :m"),
                            {"m": member_id}).scalar()


@pytest.mark.promise("P12.5")
@pytest.mark.promise("P12.6")
def test_app_keeps_a_payment_record_that_survives_closure_and_dies_at_expiry(yk, client,
                                                                            officer):
    m = sign_up(client)
    app = key(yk, "members", "compliance")
    paid = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
    r = client.post(f"/members/{m}/records", headers=app,
                    json={"record_kind": "payment_record", "values": PAYMENT,
                          "at": paid.isoformat()})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["id"].startswith("hr_") and out["record_kind"] == "payment_record"
    assert out["member_id"] == m
    assert dt.datetime.fromisoformat(out["created_at"]) == paid
    # The e-commerce act's five years (the policy's P5Y), from the payment, not from now.
    expires = dt.datetime.fromisoformat(out["expires_at"])
    assert expires == paid.replace(year=paid.year + 5) or (paid.month, paid.day) == (2, 29)
    assert all(v not in r.text for v in PAYMENT.values())  # never echoed

    # The account is closed (탈퇴): the member's data is gone, the held record is not.
    assert client.delete(f"/members/{m}", headers=app).status_code == 202
    yk.vault.purge_erased()
    listed = client.get(f"/members/{m}/records", headers=app)
    assert listed.status_code == 200, listed.text
    assert [(x["id"], x["record_kind"], x["expires_at"]) for x in listed.json()["records"]] == [
        (out["id"], "payment_record", out["expires_at"])]
    assert all(v not in listed.text for v in PAYMENT.values())
    [kept] = read_held(yk, out["id"], actor=officer, purpose="legal_compliance")
    assert kept.values == PAYMENT

    # The worker destroys it at its expiry, not a second before.
    assert run_expiry(yk, now=expires - dt.timedelta(seconds=1)) == []
    assert _held_rows(yk, m) == 1
    done = run_expiry(yk, now=expires + dt.timedelta(seconds=1))
    assert [(d.kind, d.record_kind, d.count) for d in done
            if d.kind == "held_records"] == [("held_records", "payment_record", 1)]
    assert _held_rows(yk, m) == 0
    assert read_held(yk, m, actor=officer, purpose="legal_compliance") == []


def test_writing_and_listing_are_logged_with_the_client_address_and_no_value(yk, client):
    m = sign_up(client)
    app = key(yk, "compliance")
    base = max((e.seq for e in iter_entries(yk.engine)), default=-1)
    r = client.post(f"/members/{m}/records", headers=app,
                    json={"record_kind": "login_record",
                          "values": {"user.device.ip_address": "198.51.100.77"}})
    assert r.status_code == 201, r.text
    assert client.get(f"/members/{m}/records", headers=app).status_code == 200
    new = [e for e in iter_entries(yk.engine) if e.seq > base]
    assert [(e.operation, e.outcome, e.purpose, e.reason) for e in new] == [
        ("collect", "granted", "legal_compliance", "held:login_record"),
        ("read", "granted", "legal_compliance", "held-index")]
    assert {e.source_ip for e in new} == {IP} and {e.subject_ref for e in new} == {m}
    assert not any("198.51.100.77" in str(e) for e in new)


def test_an_idempotency_key_stores_one_record(yk, client):
    m = sign_up(client)
    app = key(yk, "compliance")
    body = {"record_kind": "contract_record", "values": {TXN: "tx-once"}}
    headers = {**app, "Idempotency-Key": "held-7c1f"}
    first = client.post(f"/members/{m}/records", headers=headers, json=body)
    again = client.post(f"/members/{m}/records", headers=headers, json=body)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert _held_rows(yk, m) == 1
    other = client.post(f"/members/{m}/records", headers=headers,
                        json={**body, "values": {TXN: "tx-twice"}})
    assert problem(other, 422)["field"] == "Idempotency-Key"
    assert _held_rows(yk, m) == 1


def test_bad_input_names_the_field_and_writes_nothing(yk, client):
    m = sign_up(client)
    app = key(yk, "compliance")
    post = lambda body: client.post(f"/members/{m}/records", headers=app, json=body)  # noqa: E731
    # An unknown record kind: the schema lists the policy's kinds; so does the core's error.
    p = problem(post({"record_kind": "shopping_list", "values": {TXN: "x"}}), 422)
    assert p["field"].endswith("record_kind")
    # A category the kind does not hold: the kinds' own categories are named.
    p = problem(post({"record_kind": "payment_record",
                      "values": {"user.contact.email": "minsu@example.com"}}), 422)
    assert p["field"] == "values" and "payment_record holds" in p["fix"] and TXN in p["fix"]
    assert "minsu@example.com" not in str(p)
    # One good and one wrong category: nothing at all is written.
    p = problem(post({"record_kind": "payment_record",
                      "values": {TXN: "tx-half", "user.social.nickname": "별"}}), 422)
    assert p["field"] == "values"
    # An event in the future; an empty value; no values.
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    assert problem(post({"record_kind": "payment_record", "values": {TXN: "t"},
                         "at": future}), 422)["field"] == "at"
    assert problem(post({"record_kind": "payment_record", "values": {TXN: ""}}), 422)
    assert problem(post({"record_kind": "payment_record", "values": {}}), 422)
    assert _held_rows(yk, m) == 0
    # A member that does not exist.
    r = client.post("/members/m_000000000000000000000000/records", headers=app,
                    json={"record_kind": "payment_record", "values": {TXN: "t"}})
    assert problem(r, 404)["field"] == "member_id"
    assert problem(client.get("/members/m_000000000000000000000000/records", headers=app),
                   404)


def test_an_event_time_before_1970_is_refused_and_breaks_nothing(yk, client):
    """Review finding: `at` in year 1 crashed the route (+14:00 overflows in UTC: a 500) or was
    stored as a time nothing could read back (-14:00: every later listing of the member's held
    records was a 500). An event time before 1970 is refused on `at`; nothing is written."""
    import sqlalchemy as sa

    m = sign_up(client)
    app = key(yk, "compliance")
    with yk.engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT COUNT(*) FROM data_keys WHERE member_id = 'hold'")
                            ).scalar()
    for at in ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00",
               "1969-12-31T23:59:59+00:00"):
        r = client.post(f"/members/{m}/records", headers=app,
                        json={"record_kind": "payment_record", "values": PAYMENT, "at": at})
        assert problem(r, 422)["field"] == "at"
        assert all(v not in r.text for v in PAYMENT.values())
    assert _held_rows(yk, m) == 0
    with yk.engine.connect() as conn:  # no hold key made for a month long past either
        assert conn.execute(sa.text("SELECT COUNT(*) FROM data_keys WHERE member_id = 'hold'")
                            ).scalar() == keys
    listed = client.get(f"/members/{m}/records", headers=app)
    assert listed.status_code == 200 and listed.json()["records"] == []
    # Back-filled history is still taken: four years ago is within the e-commerce act's five.
    recent = (dt.datetime.now(dt.UTC) - dt.timedelta(days=4 * 365)).replace(microsecond=0)
    r = client.post(f"/members/{m}/records", headers=app,
                    json={"record_kind": "payment_record", "values": PAYMENT,
                          "at": recent.isoformat()})
    assert r.status_code == 201, r.text
    assert [x["id"] for x in client.get(f"/members/{m}/records", headers=app).json()[
        "records"]] == [r.json()["id"]]


def test_core_lists_the_kinds_for_an_unknown_kind(yk, app):
    from yaksok.errors import ValidationError
    from yaksok.retention import write_record

    m = yk.vault.create_member(jurisdiction="KR")
    with pytest.raises(ValidationError) as err:
        write_record(yk, m, "shopping_list", {TXN: "x"}, actor=app)
    assert err.value.field == "record_kind" and "payment_record" in err.value.fix
    assert "login_record" in err.value.fix


def test_who_may_write_and_list(yk, client):
    m = sign_up(client)
    members_only = key(yk, "members")
    r = client.post(f"/members/{m}/records", headers=members_only,
                    json={"record_kind": "payment_record", "values": {TXN: "tx-x"}})
    assert problem(r, 403)["rule"] == "held-write-not-allowed"
    assert problem(client.get(f"/members/{m}/records", headers=members_only),
                   403)["rule"] == "held-list-not-allowed"
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    r = client.post(f"/members/{m}/records", headers=officer,
                    json={"record_kind": "complaint_record",
                          "values": {"user.contact.email": "minsu@example.com"}})
    assert r.status_code == 201, r.text
    assert len(client.get(f"/members/{m}/records", headers=officer).json()["records"]) == 1
    engineer = bearer(staff_token(client, yk, "dev", "engineer"))
    assert problem(client.get(f"/members/{m}/records", headers=engineer),
                   403)["rule"] == "held-list-not-allowed"
    # The member sees which records are kept and until when, never their values.
    from tests.support.api import login

    mine = client.get(f"/members/{m}/records", headers=bearer(login(client)))
    assert mine.status_code == 200 and "minsu@example.com" not in mine.text
    assert [x["record_kind"] for x in mine.json()["records"]] == ["complaint_record"]
    assert utcnow() < dt.datetime.fromisoformat(mine.json()["records"][0]["expires_at"])


def test_cli_writes_and_lists_as_the_signed_in_officer(run, cli_officer, monkeypatch):
    import io
    import json

    from yaksok.engine import open_yaksok
    from yaksok.settings import Settings

    assert run("init")[0] == 0
    yk = open_yaksok(Settings.from_env())
    try:
        m = yk.vault.create_member(jurisdiction="KR")
    finally:
        yk.close()
    # Without a staff session the command acts for nobody.
    code, _, err = run("retention", "write-record", m, "payment_record", "--value", f"{TXN}=t")
    assert code == 5 and "staff login" in err
    cli_officer()
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({TXN: "tx-cli-secret"})))
    code, out, err = run("retention", "write-record", m, "payment_record", "--values-stdin",
                         "--at", "2026-11-29T09:30:00+09:00")
    assert code == 0, err
    assert out.startswith("hr_") and "kept until 2031-11-29T00:30:00+00:00" in out
    assert "tx-cli-secret" not in out
    code, out, err = run("retention", "write-record", m, "payment_record",
                         "--value", "user.contact.email=minsu@example.com")
    assert code == 2 and "payment_record holds" in err and "minsu@example.com" not in err
    code, out, _ = run("retention", "records", m, "--json")
    assert code == 0
    [rec] = json.loads(out)["records"]
    assert rec["record_kind"] == "payment_record" and "tx-cli-secret" not in out
