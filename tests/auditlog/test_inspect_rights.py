"""The monthly report on a realistic month (issue 17): yaksok's own normal work is not flagged
`no_purpose` — sign-up, collection under a consent item without a flow, held records, and a
rights request carried out by the privacy officer (an access export downloaded, a
rectification, a partial and a whole erasure), which act for the legal duty of answering the
request (`legal_compliance`, labelled in the report) — while a read that names no purpose is
still flagged. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from tests.support.rights import in_progress, new_member
from yaksok.actors import member_actor
from yaksok.auditlog import AccessEvent, iter_entries
from yaksok.auditlog.inspect import monthly_report
from yaksok.retention import write_record
from yaksok.rights.export import create_download, download
from yaksok.rights.handle import carry_out

PHONE, MARKETING = "user.contact.phone_number", "user.behavior.marketing_activity"
JOIN = "user.behavior.join_reason"


def _flags(yk, kind: str, since: int) -> list:
    """The ``kind`` flags' entries after seq ``since``, over every month the entries fall in."""
    tz = dt.timezone(dt.timedelta(hours=9))  # the policy's inspection zone, Asia/Seoul
    months = {f"{e.at.astimezone(tz):%Y-%m}" for e in iter_entries(yk.engine) if e.seq > since}
    return [e for month in sorted(months)
            for f in monthly_report(yk.engine, yk.policy, month).flags if f.kind == kind
            for e in f.entries if e.seq > since]


def test_a_month_of_normal_work_raises_no_purposeless_flag(yk, app, officer):
    base = max((e.seq for e in iter_entries(yk.engine)), default=-1)
    # Sign-up with consent items; the app collects what only a consent covers, with no flow.
    m = new_member(yk, consents=["user_analysis", "customised_ads"])
    v = yk.vault
    v.collect(m, JOIN, "친구 추천", channel="app", actor=app)
    v.collect(m, MARKETING, "봄 이벤트 광고 클릭", channel="app", actor=app)
    # The member supplies their own optional value under a consent (sns_sign_in), no flow.
    v.give_consent(m, "sns_sign_in", notice_text="SNS", channel="app", actor=member_actor(m))
    v.collect(m, "user.demographic.gender", "female", channel="app", actor=member_actor(m))
    write_record(yk, m, "payment_record", {"user.payment.transaction_id": "tx-1"}, actor=app)

    # A rights request of each kind, carried out by the officer.
    access = in_progress(yk, officer, m, "access")
    export_id = carry_out(yk, access.id, actor=officer).result["export_id"]
    download(yk, create_download(yk, export_id, actor=officer), actor=officer)
    download(yk, create_download(yk, export_id, actor=member_actor(m)), actor=member_actor(m))
    fix = in_progress(yk, officer, m, "rectification",
                      personal={"category": PHONE, "value": "010-5555-7777"})
    carry_out(yk, fix.id, actor=officer)
    part = in_progress(yk, officer, m, "erasure", details={"categories": [MARKETING]})
    carry_out(yk, part.id, actor=officer)
    whole = in_progress(yk, officer, m, "erasure")
    carry_out(yk, whole.id, actor=officer)

    flagged = _flags(yk, "no_purpose", base)
    assert flagged == [], [(e.seq, e.operation, e.reason) for e in flagged]
    new = [e for e in iter_entries(yk.engine) if e.seq > base]
    by_request = {rid: [e for e in new if e.request_id == rid and e.operation != "admin"]
                  for rid in (access.id, fix.id, part.id, whole.id)}
    # Each right's own work names the purpose of answering it; the report labels it.
    assert {(e.operation, e.purpose) for e in by_request[access.id]} == {
        ("read", "legal_compliance"), ("download", "legal_compliance")}
    assert [(e.operation, e.purpose) for e in by_request[fix.id]] == [
        ("update", "legal_compliance")]
    assert [(e.operation, e.purpose) for e in by_request[part.id]] == [
        ("erase", "legal_compliance")]
    assert ("erase", "legal_compliance") in {(e.operation, e.purpose)
                                             for e in by_request[whole.id]}
    # Collection under a consent carries the purpose the consent item serves.
    collected = {e.categories: e.purpose for e in new if e.operation == "collect"}
    assert collected[(JOIN,)] in ("service_improvement", "usage_statistics")
    assert collected[(MARKETING,)] in ("consented_marketing", "usage_statistics")
    assert collected[("user.demographic.gender",)] == "member_management"
    month = f"{new[-1].at.astimezone(dt.timezone(dt.timedelta(hours=9))):%Y-%m}"
    labels = {p.purpose: p.label for p in monthly_report(yk.engine, yk.policy, month).purposes}
    assert labels["legal_compliance"] is not None


def test_a_read_without_a_purpose_is_still_flagged(yk, officer):
    base = max((e.seq for e in iter_entries(yk.engine)), default=-1)
    m = new_member(yk)
    yk.audit.record(AccessEvent(
        actor_id=officer.id, actor_kind="staff", actor_role="privacy_officer",
        operation="read", outcome="granted", at=dt.datetime.now(dt.UTC),
        subject_ref=m, categories=(PHONE,), purpose=None, source_ip="203.0.113.5"))
    flagged = _flags(yk, "no_purpose", base)
    assert [(e.operation, e.subject_ref, e.categories) for e in flagged] == [
        ("read", m, (PHONE,))]
