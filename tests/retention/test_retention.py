"""Retention (issue 6) on SQLite and PostgreSQL: held records in separated storage under hold
keys, account closure with a receipt, one expiry mechanism, destruction records."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from tests.support.database import database_bytes
from tests.support.vault import EMAIL, MINSU, NICK, PHONE, POSTING, consent, member
from yaksok.actors import staff_actor
from yaksok.auditlog import iter_entries
from yaksok.crypto.envelope import unwrap_data_key
from yaksok.errors import (
    ActorNotAllowed,
    Conflict,
    NotFound,
    ProcessingRefused,
    StorageError,
    ValidationError,
)
from yaksok.retention import (
    HOLD_MEMBER,
    add_period,
    close_account,
    hold_scope,
    read_held,
    retention_status,
    run_expiry,
    write_record,
)
from yaksok.store.tables import member_sessions, staff_sessions, utcnow

UTC = dt.UTC
PAY = {"user.payment.user_id": "pay-user-777", "user.payment.transaction_id": "tx-20240115-AB12",
       "user.payment.product_code": "SSG-GOLD-30"}
COMPLAINT = {"user.contact.email": "complaint.sender@somesing.kr",
             "user.social.nickname": "불만있는노래꾼"}


def key_rows(yk):
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT id, scope, wrapped, kek_version FROM data_keys "
                                    "WHERE member_id = :h ORDER BY scope"),
                            {"h": HOLD_MEMBER}).fetchall()


def held_count(yk) -> int:
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM held_records")).scalar()


def destruction_rows(yk) -> list:
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM destruction_records ORDER BY id")).fetchall()


def active(vault, app) -> str:
    m = member(vault)
    for cat in (EMAIL, PHONE, NICK, POSTING):
        vault.collect(m, cat, MINSU[cat], channel="app", actor=app)
    return m


def test_add_period_is_calendar_arithmetic():
    at = dt.datetime(2024, 2, 29, 12, tzinfo=UTC)
    assert add_period(at, "P1Y") == dt.datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert add_period(at, "P3M") == dt.datetime(2024, 5, 29, 12, tzinfo=UTC)
    assert add_period(dt.datetime(2024, 11, 30, tzinfo=UTC), "P6M") == \
        dt.datetime(2025, 5, 30, tzinfo=UTC)
    assert add_period(at, "P10D") == dt.datetime(2024, 3, 10, 12, tzinfo=UTC)
    with pytest.raises(ValidationError):
        add_period(at, "5 years")


@pytest.mark.promise("P12.6")
def test_write_record_takes_its_expiry_from_the_policy_rule(yk, vault, app):
    m = active(vault, app)
    at = dt.datetime(2024, 1, 15, 9, tzinfo=UTC)
    rec = write_record(yk, m, "payment_record", PAY, actor=app, at=at)
    assert rec.expires_at == dt.datetime(2029, 1, 15, 9, tzinfo=UTC)  # P5Y
    assert write_record(yk, m, "login_record", {"user.device.ip_address": "203.0.113.9"},
                        actor=app, at=at).expires_at == dt.datetime(2024, 4, 15, 9, tzinfo=UTC)
    assert write_record(yk, m, "advertising_record",
                        {"user.behavior.marketing_activity": "광고 클릭"}, actor=app,
                        at=at).expires_at == dt.datetime(2024, 7, 15, 9, tzinfo=UTC)
    with pytest.raises(ValidationError, match="record kind"):
        write_record(yk, m, "shopping_list", PAY, actor=app)
    with pytest.raises(ValidationError, match="not a category of the record kind"):
        write_record(yk, m, "payment_record", {EMAIL: "x@somesing.kr"}, actor=app)
    with pytest.raises(NotFound):
        write_record(yk, "m_" + "0" * 24, "payment_record", PAY, actor=app)
    assert held_count(yk) == 3


@pytest.mark.promise("P12.7")
def test_hold_keys_are_per_kind_and_month_of_expiry_and_records_are_separate(yk, vault, app):
    a, b = active(vault, app), active(vault, app)
    at = dt.datetime(2024, 1, 15, tzinfo=UTC)
    r1 = write_record(yk, a, "payment_record", PAY, actor=app, at=at)
    r2 = write_record(yk, b, "payment_record", PAY, actor=app, at=at + dt.timedelta(days=3))
    write_record(yk, a, "payment_record", PAY, actor=app, at=dt.datetime(2024, 2, 2, tzinfo=UTC))
    write_record(yk, a, "complaint_record", COMPLAINT, actor=app, at=at)
    scopes = [r.scope for r in key_rows(yk)]
    assert scopes == ["hold:complaint_record:2027-01", "hold:payment_record:2029-01",
                      "hold:payment_record:2029-02"]
    assert hold_scope("payment_record", r1.expires_at) == hold_scope("payment_record",
                                                                     r2.expires_at)
    with yk.engine.connect() as conn:
        keys = {r[0] for r in conn.execute(sa.text("SELECT key_id FROM held_records"))}
        assert conn.execute(sa.text("SELECT COUNT(*) FROM vault_values WHERE category LIKE "
                                    "'user.payment.%'")).scalar() == 0
    assert len(keys) == 3
    raw = database_bytes(yk)
    for value in (*PAY.values(), *COMPLAINT.values()):
        assert value.encode() not in raw


@pytest.mark.promise("P12.7")
def test_held_records_are_read_only_for_legal_compliance_by_the_officer(yk, vault, app,
                                                                        officer, engineer):
    m = active(vault, app)
    rec = write_record(yk, m, "payment_record", PAY, actor=app)
    got = read_held(yk, rec.id, actor=officer, purpose="legal_compliance")
    assert [r.values for r in got] == [PAY]
    assert [r.values for r in read_held(yk, m, actor=officer,
                                        purpose="legal_compliance")] == [PAY]
    last = list(iter_entries(yk.engine))[-1]
    assert (last.operation, last.outcome, last.subject_ref, last.purpose) == \
        ("read", "granted", m, "legal_compliance")
    assert sorted(last.categories) == sorted(PAY)
    before = len(list(iter_entries(yk.engine)))
    with pytest.raises(ProcessingRefused, match="comply with the law"):
        read_held(yk, rec.id, actor=officer, purpose="contract_performance")
    with pytest.raises(ActorNotAllowed):
        read_held(yk, m, actor=app, purpose="legal_compliance")  # has the purpose, not the role
    with pytest.raises(ActorNotAllowed):
        read_held(yk, m, actor=engineer, purpose="legal_compliance")
    auditor = staff_actor(yk.policy, "st_aud", "aud", "security_auditor")
    with pytest.raises(ActorNotAllowed):
        read_held(yk, m, actor=auditor, purpose="legal_compliance")
    denials = list(iter_entries(yk.engine))[before:]
    assert [(e.outcome, e.reason) for e in denials] == [
        ("denied", "held-records-legal-compliance-only")] + [("denied", "held-read-officer-only")] * 3
    # The AAD binds the row: a ciphertext moved onto another record fails to open.
    rec2 = write_record(yk, m, "payment_record", PAY, actor=app)
    with yk.engine.begin() as conn:
        ct = conn.execute(sa.text("SELECT ciphertext FROM held_records WHERE id = :i"),
                          {"i": rec.id}).scalar()
        conn.execute(sa.text("UPDATE held_records SET ciphertext = :c WHERE id = :i"),
                     {"c": ct, "i": rec2.id})
    with pytest.raises(StorageError):
        read_held(yk, rec2.id, actor=officer, purpose="legal_compliance")


@pytest.mark.promise("P12.5")
@pytest.mark.promise("P6.3")
def test_closure_destroys_everything_not_held_at_once_and_keeps_held_records(yk, vault, app,
                                                                           officer):
    m = active(vault, app)
    other = member(vault)
    vault.collect(other, EMAIL, "jiyeon.park@somesing.kr", channel="app", actor=app)
    rec = write_record(yk, m, "payment_record", PAY, actor=app)
    write_record(yk, m, "complaint_record", COMPLAINT, actor=app)
    now = utcnow()
    with yk.engine.begin() as conn:
        conn.execute(member_sessions.insert().values(
            token_hash="c" * 64, member_id=m, created_at=now,
            expires_at=now + dt.timedelta(hours=1)))
    receipt = close_account(yk, m, actor=app)
    assert {d.category: d.count for d in receipt.destroyed} == {EMAIL: 1, PHONE: 1, NICK: 1,
                                                               POSTING: 1}
    held = {h.record_kind: h for h in receipt.held}
    assert (held["payment_record"].count, held["payment_record"].period) == (1, "P5Y")
    assert "Electronic Commerce" in held["payment_record"].law
    assert held["payment_record"].last_expiry.startswith(str(rec.expires_at.year))
    doc = json.loads(receipt.to_json())
    assert doc["member_ref"] == m and len(doc["held"]) == 2
    for value in (*MINSU.values(), *PAY.values(), *COMPLAINT.values()):
        assert value not in receipt.to_json()
    # At once: no read, no lookup, no session; the status is final.
    with pytest.raises(NotFound):
        vault.read(m, [EMAIL], "contract_performance", actor=app)
    assert vault.lookup(EMAIL, MINSU[EMAIL], actor=app) is None
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM member_sessions WHERE member_id = :m"),
                            {"m": m}).scalar() == 0
        status, closed_at = conn.execute(sa.text("SELECT status, closed_at FROM members "
                                                 "WHERE id = :m"), {"m": m}).first()
        stored = conn.execute(sa.text("SELECT receipt FROM closure_receipts WHERE "
                                      "member_ref = :m"), {"m": m}).scalar()
    assert status == "erased" and closed_at is not None
    assert json.loads(stored) == doc
    with pytest.raises(NotFound):
        close_account(yk, m, actor=app)
    # Held records still read, for the officer, under their hold keys.
    assert {r.record_kind for r in read_held(yk, m, actor=officer,
                                             purpose="legal_compliance")} == \
        {"payment_record", "complaint_record"}
    # After the purge (and its WAL checkpoint on SQLite) no plaintext is left anywhere.
    vault.purge_erased()
    raw = database_bytes(yk)
    for value in MINSU.values():
        assert value.encode() not in raw
    assert vault.read(other, [EMAIL], "contract_performance", actor=app)[EMAIL][0].value == \
        "jiyeon.park@somesing.kr"


def test_closure_refuses_a_closed_account(yk, vault, app):
    m = member(vault)
    vault.close_member(m)
    with pytest.raises(Conflict):
        close_account(yk, m, actor=app)


@pytest.mark.promise("P12.5")
@pytest.mark.promise("P12.7")
def test_expiry_deletes_rows_at_expiry_and_the_hold_key_when_its_month_is_over(yk, vault, app,
                                                                               officer):
    m = active(vault, app)
    ad = {"user.behavior.marketing_activity": "봄 이벤트 광고 클릭 기록"}
    a = write_record(yk, m, "advertising_record", ad, actor=app,
                     at=dt.datetime(2020, 1, 15, tzinfo=UTC))      # expires 2020-07-15
    b = write_record(yk, m, "advertising_record", ad, actor=app,
                     at=dt.datetime(2020, 1, 25, tzinfo=UTC))      # expires 2020-07-25
    keep = write_record(yk, m, "payment_record", PAY, actor=app,
                        at=dt.datetime(2020, 1, 15, tzinfo=UTC))   # expires 2025-01-15
    assert run_expiry(yk, now=dt.datetime(2020, 7, 14, tzinfo=UTC)) == []
    recs = run_expiry(yk, now=dt.datetime(2020, 7, 20, tzinfo=UTC))
    assert [(r.kind, r.record_kind, r.count, r.method) for r in recs] == [
        ("held_records", "advertising_record", 1, "row delete")]
    assert recs[0].window_from == a.expires_at and "Electronic Commerce" in recs[0].law
    assert {r.id for r in read_held(yk, m, actor=officer, purpose="legal_compliance",
                                    now=dt.datetime(2020, 7, 20, tzinfo=UTC))} == {b.id, keep.id}
    # Past its expiry a record is not served, even before the worker deletes it.
    assert [r.id for r in read_held(yk, m, actor=officer, purpose="legal_compliance",
                                    now=dt.datetime(2020, 7, 26, tzinfo=UTC))] == [keep.id]
    (k,) = [r for r in key_rows(yk) if r.scope == "hold:advertising_record:2020-07"]
    stale_ct = _ciphertext(yk, b.id)
    # The month is over: the key dies, the rows with it.
    recs = run_expiry(yk, now=dt.datetime(2020, 8, 1, tzinfo=UTC))
    assert sorted((r.kind, r.count, r.method) for r in recs) == [
        ("held_records", 1, "row delete"), ("hold_keys", 1, "key deletion")]
    (dead,) = [r for r in key_rows(yk) if r.scope == k.scope]
    assert dead.wrapped is None
    with pytest.raises(NotFound):
        unwrap_data_key(yk.keyring, dead.id, HOLD_MEMBER, dead.scope, dead.wrapped,
                        dead.kek_version)
    assert stale_ct is not None and _ciphertext(yk, b.id) is None
    assert [r.id for r in read_held(yk, m, actor=officer, purpose="legal_compliance",
                                    now=dt.datetime(2020, 8, 1, tzinfo=UTC))] == [keep.id]
    # Idempotent: a second run destroys nothing and records nothing.
    n = len(destruction_rows(yk))
    assert run_expiry(yk, now=dt.datetime(2020, 8, 1, tzinfo=UTC)) == []
    assert len(destruction_rows(yk)) == n == 3
    # Destruction records hold counts and windows, never a value.
    text = repr(destruction_rows(yk))
    for value in (*ad.values(), *PAY.values(), m):
        assert value not in text


def _ciphertext(yk, record_id):
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT ciphertext FROM held_records WHERE id = :i"),
                            {"i": record_id}).scalar()


@pytest.mark.promise("P12.5")
def test_expiry_runs_in_batches_and_never_twice(yk, vault, app):
    m = active(vault, app)
    for day in range(1, 6):
        write_record(yk, m, "login_record", {"user.device.ip_address": f"203.0.113.{day}"},
                     actor=app, at=dt.datetime(2021, 1, day, tzinfo=UTC))
    recs = run_expiry(yk, now=dt.datetime(2021, 4, 10, tzinfo=UTC), batch=2)
    counts = [r.count for r in recs if r.kind == "held_records"]
    if yk.engine.dialect.name == "sqlite":
        assert counts == [2, 2, 1]
    else:  # a batch is a range of table blocks sized to hold about ``batch`` rows
        assert sum(counts) == 5 and len(counts) == len(recs)
    assert len({r.run_id for r in recs}) == 1
    assert held_count(yk) == 0
    assert run_expiry(yk, now=dt.datetime(2021, 4, 10, tzinfo=UTC), batch=2) == []
    status = retention_status(yk)
    assert status["held"] == [] and status["last_destructions"][0]["kind"] == "held_records"


def test_sessions_expire_through_the_registry(yk, vault):
    m = member(vault)
    now = utcnow()
    with yk.engine.begin() as conn:
        for token, exp in (("d" * 64, now - dt.timedelta(minutes=1)),
                           ("e" * 64, now + dt.timedelta(hours=1))):
            conn.execute(member_sessions.insert().values(token_hash=token, member_id=m,
                                                         created_at=now, expires_at=exp))
    recs = run_expiry(yk, now=now)
    assert [(r.kind, r.count) for r in recs] == [("member_sessions", 1)]
    with yk.engine.connect() as conn:
        assert [r[0] for r in conn.execute(sa.select(member_sessions.c.token_hash))] == ["e" * 64]
        assert conn.execute(sa.select(sa.func.count()).select_from(staff_sessions)).scalar() == 0


def test_consent_evidence_expires_a_period_after_the_consent_ends(yk, vault, app):
    m, kept = member(vault), member(vault)
    consent(vault, m, "customised_ads")
    consent(vault, m, "customised_ads", "withdraw")
    consent(vault, kept, "customised_ads")
    now = utcnow()
    assert run_expiry(yk, now=add_period(now, "P4Y"), kinds=["consent_evidence"]) == []
    recs = run_expiry(yk, now=add_period(now, "P5Y") + dt.timedelta(days=1),
                      kinds=["consent_evidence"])
    assert [(r.kind, r.count) for r in recs] == [("consent_evidence", 2)]
    with yk.engine.connect() as conn:
        left = conn.execute(sa.text("SELECT member_id FROM consent_events")).fetchall()
    assert {r[0] for r in left} == {kept}


@pytest.mark.promise("P12.7")
def test_concurrent_runs_share_the_work_without_doing_any_twice(yk, vault, app):
    """Three workers at once (threads; on PostgreSQL the batches claim rows FOR UPDATE SKIP
    LOCKED): every expired record is destroyed and recorded exactly once."""
    import threading

    m = active(vault, app)
    for i in range(60):
        write_record(yk, m, "login_record", {"user.device.ip_address": f"198.51.100.{i}"},
                     actor=app, at=dt.datetime(2021, 1, 1, tzinfo=UTC) + dt.timedelta(hours=i))
    now = dt.datetime(2021, 6, 1, tzinfo=UTC)
    results, errors = [], []

    def work():
        try:
            results.extend(run_expiry(yk, now=now, batch=7))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert held_count(yk) == 0
    assert sum(r.count for r in results if r.kind == "held_records") == 60
    assert sum(r.count for r in results if r.kind == "hold_keys") == 1
    rows = destruction_rows(yk)
    assert sum(r.count for r in rows if r.kind == "held_records") == 60
    assert run_expiry(yk, now=now) == []


def consent_rows(yk, m) -> int:
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM consent_events WHERE member_id = :m"),
                            {"m": m}).scalar()


@pytest.mark.promise("P12.5")
def test_closure_keeps_consent_evidence_for_its_period_and_erasure_purges_it(yk, vault, app):
    closed, erased = active(vault, app), active(vault, app)
    for m in (closed, erased):
        consent(vault, m, "customised_ads")  # still given when the account goes
    at = dt.datetime(2024, 3, 10, 12, tzinfo=UTC)
    close_account(yk, closed, actor=app, now=at)
    vault.erase_member(erased, actor=app)
    vault.purge_erased()
    assert consent_rows(yk, erased) == 0  # a plain erasure purges the evidence at once
    kept = consent_rows(yk, closed)
    assert kept >= 1  # a closure keeps it for the consent evidence period
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT closed_at FROM members WHERE id = :m"),
                            {"m": erased}).scalar() is None
    period = yk.settings.consent_evidence_period
    assert period == "P5Y"
    assert run_expiry(yk, now=add_period(at, "P5Y") - dt.timedelta(days=1),
                      kinds=["consent_evidence"]) == []
    assert consent_rows(yk, closed) == kept
    recs = run_expiry(yk, now=add_period(at, "P5Y") + dt.timedelta(seconds=1),
                      kinds=["consent_evidence"])
    assert [(r.kind, r.count, r.rule) for r in recs] == [
        ("consent_evidence", kept, "P5Y after the account closed")]
    assert consent_rows(yk, closed) == 0
    assert run_expiry(yk, now=add_period(at, "P6Y"), kinds=["consent_evidence"]) == []
