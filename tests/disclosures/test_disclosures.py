"""Disclosures to authorities (P4.1) and provisions to third parties (P9.1), in the library,
on SQLite and PostgreSQL: recorded under an exception before anything leaves, approved by the
officer, produced through the vault only within the approved scope and logged as ``disclose``;
a deferred notice keeps the entry from the member until its end; a third party the policy does
not name gets nothing, whoever asks."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.support.policy import consent_item, variant
from tests.support.vault import EMAIL, MINSU, NAME, NICK, consent, member
from yaksok.auditlog import iter_entries
from yaksok.auditlog.history import subject_history
from yaksok.disclosures import (
    approve_disclosure,
    list_disclosures,
    list_provisions,
    produce,
    provide,
    record_disclosure,
    reject_disclosure,
    request_document,
)
from yaksok.errors import Conflict, Refused, StorageError, ValidationError
from yaksok.publishing.notices import publish_with_notice
from yaksok.rotation import rotate_kek
from yaksok.store.tables import disclosure_members, disclosures, third_party_provisions

DOC = "서울중앙지방법원 압수수색검증영장 2026-1234: 피의자 김민수 (minsu.kim@somesing.kr)".encode()
LOG_DATA = "user.telemetry.log_data"


def minsu(yk, app) -> str:
    m = member(yk.vault)
    for cat in (EMAIL, NAME, NICK):
        yk.vault.collect(m, cat, MINSU[cat], channel="app", actor=app,
                         flow="ssg_cashout" if cat == NAME else None)
    return m


def investigation(yk, officer, members=None, **kw):
    args = dict(exception="investigation", authority="서울중앙지방검찰청",
                authority_ref="2026형제1234", recipient_country="KR",
                legal_citation="형사소송법 제215조",
                members=members, categories=[EMAIL, NAME], request_document=DOC,
                document_type="application/pdf")
    args.update(kw)
    return record_disclosure(yk, officer, **args)


def denied(yk, since: int) -> list:
    return [e for e in iter_entries(yk.engine) if e.seq >= since and e.outcome == "denied"]


def next_seq(yk) -> int:
    return max((e.seq for e in iter_entries(yk.engine)), default=-1) + 1


@pytest.mark.promise("P4.1")
def test_recorded_then_approved_then_produced_through_the_vault(yk, app, officer):
    m = minsu(yk, app)
    d = investigation(yk, officer, [m])
    assert d.status == "recorded" and d.members == (m,) and d.has_document
    # Recorded is not enough: nothing leaves before the officer's approval.
    start = next_seq(yk)
    with pytest.raises(Refused) as exc:
        produce(yk, officer, d.id, m)
    assert exc.value.rule == "disclosure-not-approved"
    assert [e.reason for e in denied(yk, start)] == ["disclosure-not-approved"]

    approved = approve_disclosure(yk, officer, d.id, note="영장 원본 확인")
    assert (approved.status, approved.decided_by) == ("approved", officer.id)
    with pytest.raises(Conflict):
        approve_disclosure(yk, officer, d.id)

    out = produce(yk, officer, d.id, m)
    assert {c: [v.value for v in vs] for c, vs in out.values.items()} == {
        EMAIL: [MINSU[EMAIL]], NAME: [MINSU[NAME]]}
    entry = list(iter_entries(yk.engine, subject_ref=m))[-1]
    assert (entry.operation, entry.outcome, entry.reason, entry.purpose) == (
        "disclose", "granted", f"disclosure:{d.id}", "legal_compliance")
    assert entry.categories == (EMAIL, NAME) and entry.actor_id == officer.id
    # The member sees it in their history: disclosed to a third party, which data.
    (latest, *_) = subject_history(yk.engine, yk.policy, m, lang="en")
    assert latest.operation == "disclose" and latest.what == "disclosed to a third party"
    with yk.engine.connect() as conn:
        assert list(conn.execute(sa.select(disclosure_members.c.produced).where(
            disclosure_members.c.member_id == m)).scalars()) == [1]


@pytest.mark.promise("P4.1")
def test_the_request_document_is_sealed_and_rewrapped_on_rotation(yk, app, officer):
    m = minsu(yk, app)
    d = investigation(yk, officer, [m])
    with yk.engine.connect() as conn:
        stored = conn.execute(sa.select(disclosures)).one()
    raw = repr(tuple(stored)).encode() + bytes(stored.request_document)
    assert b"minsu" not in raw and "김민수".encode() not in raw and DOC not in raw
    before = bytes(stored.request_document)[1:5]
    rotate_kek(yk)
    with yk.engine.connect() as conn:
        after = bytes(conn.execute(sa.select(disclosures.c.request_document)).scalar())[1:5]
    assert int.from_bytes(after, "big") > int.from_bytes(before, "big")
    assert request_document(yk, officer, d.id) == (DOC, "application/pdf")


@pytest.mark.promise("P4.1")
def test_outside_the_approved_scope_is_refused_and_logged(yk, app, officer):
    m, other = minsu(yk, app), minsu(yk, app)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    d = investigation(yk, officer, [m], period_from=since, period_until=until)
    approve_disclosure(yk, officer, d.id)
    start = next_seq(yk)
    cases = [dict(member_id=other, categories=[EMAIL]),            # a member outside it
             dict(member_id=m, categories=[EMAIL, NICK]),          # a category outside it
             dict(member_id=m, categories=[EMAIL],                 # a period outside it
                  since=since - dt.timedelta(days=30))]
    for case in cases:
        with pytest.raises(Refused) as exc:
            produce(yk, officer, d.id, **case)
        assert exc.value.rule == "outside-disclosure-scope"
    got = [(e.subject_ref, e.operation, e.categories, e.reason) for e in denied(yk, start)]
    assert got == [(other, "disclose", (EMAIL,), "outside-disclosure-scope"),
                   (m, "disclose", (EMAIL, NICK), "outside-disclosure-scope"),
                   (m, "disclose", (EMAIL,), "outside-disclosure-scope")]
    # Within the period: values collected outside it are not produced.
    later = investigation(yk, officer, [m], period_until=since)
    approve_disclosure(yk, officer, later.id)
    assert produce(yk, officer, later.id, m).values == {EMAIL: [], NAME: []}


@pytest.mark.promise("P4.1")
def test_only_under_an_exception_with_what_it_requires(yk, app, officer, engineer):
    m = minsu(yk, app)
    with pytest.raises(Refused) as exc:
        investigation(yk, officer, [m], exception="friendly_request")
    assert (exc.value.rule, exc.value.field) == ("no-disclosure-exception", "exception")
    bad = [(dict(request_document=None), "request_document"),
           (dict(legal_citation=" "), "legal_citation"),
           (dict(authority_ref=""), "authority_ref"),
           (dict(members=["m_nobody"]), "members"),
           (dict(categories=["user.secret"]), "categories"),
           (dict(notice_deferred_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=9)),
            "deferral_ground")]
    for change, field in bad:
        with pytest.raises(ValidationError) as exc:
            investigation(yk, officer, **{"members": [m], **change})
        assert exc.value.field == field, change
    # A statute needs its citation, not a request document.
    statute = investigation(yk, officer, [m], exception="statute", request_document=None)
    assert not statute.has_document
    with pytest.raises(Refused) as exc:
        investigation(yk, engineer, [m])
    assert exc.value.rule == "capability-required"
    with yk.engine.connect() as conn:  # nothing half-written by the refusals
        assert conn.execute(sa.select(sa.func.count()).select_from(disclosures)).scalar() == 1
    rejected = reject_disclosure(yk, officer, statute.id, note="not this member")
    assert rejected.status == "rejected"
    with pytest.raises(Refused) as exc:
        produce(yk, officer, statute.id, m)
    assert exc.value.rule == "disclosure-not-approved"
    with pytest.raises(Refused) as exc:
        produce(yk, engineer, statute.id, m)
    assert exc.value.rule == "capability-required"
    assert [d.status for d in list_disclosures(yk, officer)] == ["rejected"]


@pytest.mark.promise("P4.1")
def test_a_deferred_notice_keeps_the_entry_from_the_member_until_it_ends(yk, app, officer):
    m = minsu(yk, app)
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    d = investigation(yk, officer, [m], notice_deferred_until=ends,
                      deferral_ground="통신비밀보호법 제13조의3 제2항")
    assert (d.notice_deferred_until, d.deferral_ground) == (ends, "통신비밀보호법 제13조의3 제2항")
    approve_disclosure(yk, officer, d.id)
    produce(yk, officer, d.id, m)
    with pytest.raises(Refused):
        produce(yk, officer, d.id, m, [NICK])
    ops = [e.operation for e in iter_entries(yk.engine, subject_ref=m)]
    assert ops.count("disclose") == 2  # in the log, provable like any entry
    now = [i.operation for i in subject_history(yk.engine, yk.policy, m)]
    assert "disclose" not in now and "collect" in now
    after = subject_history(yk.engine, yk.policy, m, now=ends + dt.timedelta(seconds=1))
    assert [i.operation for i in after].count("disclose") == 2
    # Not deferred: shown at once.
    open_d = investigation(yk, officer, [m])
    approve_disclosure(yk, officer, open_d.id)
    produce(yk, officer, open_d.id, m)
    assert [i.operation for i in subject_history(yk.engine, yk.policy, m)].count("disclose") == 1


# -- third parties (P9.1) --------------------------------------------------------------------------

@pytest.mark.promise("P9.1")
def test_somesing_names_no_recipient_so_every_provision_is_refused(yk, app, officer, engineer):
    m = minsu(yk, app)
    start = next_seq(yk)
    for actor, basis in ((officer, "consent"), (app, "law"), (engineer, "consent")):
        with pytest.raises(Refused) as exc:
            provide(yk, actor, member_id=m, recipient="ad_partner", categories=[EMAIL],
                    basis=basis, consent_item="customised_ads", legal_citation="법 제1조")
        assert (exc.value.rule, exc.value.field) == ("recipient-not-named", "recipient")
    got = [(e.actor_id, e.subject_ref, e.operation, e.categories, e.reason)
           for e in denied(yk, start)]
    assert got == [(a.id, m, "disclose", (EMAIL,), "recipient-not-named")
                   for a in (officer, app, engineer)]
    with yk.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count())
                            .select_from(third_party_provisions)).scalar() == 0


def _name_a_recipient(d: dict) -> None:
    d["third_party_provision"]["recipients"] = [{
        "key": "karaoke_partner", "label": {"ko": "노래방 제휴사", "en": "Karaoke partner"},
        "added": {"why": {"ko": "제휴", "en": "a partnership"}}}]
    consent_item(d, "sns_sign_in")["recipients"] = ["karaoke_partner"]


@pytest.mark.promise("P9.1")
def test_a_named_recipient_under_a_consent_item_or_a_recorded_law(yk, app, officer):
    publish_with_notice(yk, variant(change=_name_a_recipient), published_by="test")
    m = minsu(yk, app)
    ask = dict(member_id=m, recipient="karaoke_partner", categories=[NAME])
    with pytest.raises(Refused) as exc:  # the item names it, but the member has not consented
        provide(yk, officer, basis="consent", consent_item="sns_sign_in", **ask)
    assert exc.value.rule == "consent-required"
    with pytest.raises(Refused) as exc:  # an item that does not name the recipient
        provide(yk, officer, basis="consent", consent_item="user_analysis", **ask)
    assert exc.value.rule == "consent-item-does-not-cover"
    with pytest.raises(ValidationError) as exc:
        provide(yk, officer, basis="law", **ask)
    assert exc.value.field == "legal_citation"
    consent(yk.vault, m, "sns_sign_in")
    p = provide(yk, officer, basis="consent", consent_item="sns_sign_in", **ask)
    assert [v.value for v in p.values[NAME]] == [MINSU[NAME]]
    entry = list(iter_entries(yk.engine, subject_ref=m))[-1]
    assert (entry.operation, entry.reason, entry.outcome) == (
        "disclose", f"provision:{p.id}", "granted")
    law = provide(yk, officer, basis="law", legal_citation="전자상거래법 제6조", **ask)
    assert [x.id for x in list_provisions(yk, officer)] == [law.id, p.id] or \
        {x.id for x in list_provisions(yk, officer)} == {law.id, p.id}


# -- the transfer gate, the register's own log entries, atomic records (review fixes) -----------

@pytest.mark.promise("P12.1")
def test_an_eu_members_data_to_an_authority_abroad_needs_a_mechanism(yk, app, officer):
    de = member(yk.vault, jurisdiction="EU")
    yk.vault.collect(de, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    kr = minsu(yk, app)
    for bad in (None, "USA", "u1", ""):
        with pytest.raises(ValidationError) as exc:
            investigation(yk, officer, [de, kr], recipient_country=bad)
        assert exc.value.field == "recipient_country"
    abroad = investigation(yk, officer, [de, kr], recipient_country="us")
    assert abroad.recipient_country == "US"
    approve_disclosure(yk, officer, abroad.id)
    start = next_seq(yk)
    with pytest.raises(Refused) as exc:
        produce(yk, officer, abroad.id, de, [EMAIL])
    assert exc.value.rule == "transfer-not-covered" and exc.value.field == "recipient"
    [entry] = denied(yk, start)
    assert (entry.subject_ref, entry.operation, entry.reason) == (
        de, "disclose", "transfer-not-covered")
    with yk.engine.connect() as conn:  # nothing produced, nothing counted
        assert conn.execute(sa.select(disclosure_members.c.produced).where(
            disclosure_members.c.member_id == de)).scalar() == 0
    # A Korean member's data to the same authority is not a transfer from the EU.
    assert [v.value for v in produce(yk, officer, abroad.id, kr, [EMAIL]).values[EMAIL]] == [
        MINSU[EMAIL]]


def _admin_entries(yk, since: int) -> list:
    return [(e.operation, e.outcome, e.subject_ref, e.actor_id, e.reason)
            for e in iter_entries(yk.engine) if e.seq >= since and e.operation == "admin"]


@pytest.mark.promise("P4.1")
def test_the_registers_own_acts_are_in_the_access_log(yk, app, officer):
    m = minsu(yk, app)
    start = next_seq(yk)
    d = investigation(yk, officer, [m])
    approve_disclosure(yk, officer, d.id)
    other = investigation(yk, officer, [m], exception="statute", request_document=None)
    reject_disclosure(yk, officer, other.id, note="no exception applies")
    assert request_document(yk, officer, d.id)[0] == DOC
    who = officer.id
    assert _admin_entries(yk, start) == [
        ("admin", "granted", None, who, f"disclosure-recorded:{d.id}"),
        ("admin", "granted", None, who, f"disclosure-approved:{d.id}"),
        ("admin", "granted", None, who, f"disclosure-recorded:{other.id}"),
        ("admin", "granted", None, who, f"disclosure-rejected:{other.id}"),
        ("admin", "granted", None, who, f"disclosure-document:{d.id}")]
    # A refused step writes no admin entry (its refusal is logged instead).
    start = next_seq(yk)
    with pytest.raises(Conflict):
        approve_disclosure(yk, officer, d.id)
    assert _admin_entries(yk, start) == []


@pytest.mark.promise("P9.1")
def test_a_provision_under_law_needs_the_officers_decision(yk, app, officer):
    publish_with_notice(yk, variant(change=_name_a_recipient), published_by="test")
    m = minsu(yk, app)
    ask = dict(member_id=m, recipient="karaoke_partner", categories=[NAME], basis="law",
               legal_citation="아무 법 제1조")
    start = next_seq(yk)
    with pytest.raises(Refused) as exc:
        provide(yk, app, **ask)
    assert exc.value.rule == "capability-required"
    assert [(e.actor_id, e.subject_ref, e.reason) for e in denied(yk, start)] == [
        (app.id, m, "capability-required")]
    with yk.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count())
                            .select_from(third_party_provisions)).scalar() == 0
    assert provide(yk, officer, **ask).basis == "law"


@pytest.mark.promise("P9.1")
def test_no_logged_provision_without_its_record(yk, app, officer, monkeypatch):
    import yaksok.disclosures.provision as provision

    publish_with_notice(yk, variant(change=_name_a_recipient), published_by="test")
    m = minsu(yk, app)
    ask = dict(member_id=m, recipient="karaoke_partner", categories=[NAME], basis="law",
               legal_citation="전자상거래법 제6조")
    monkeypatch.setattr(provision.secrets, "token_hex", lambda n: "0" * (2 * n))
    first = provide(yk, officer, **ask)
    start = next_seq(yk)
    with pytest.raises(StorageError):  # the record cannot be written: the same id
        provide(yk, officer, **ask)
    assert [e for e in iter_entries(yk.engine) if e.seq >= start and e.outcome == "granted"] == []
    assert [p.id for p in list_provisions(yk, officer)] == [first.id]


@pytest.mark.promise("P4.1")
def test_no_logged_production_without_its_count(yk, app, officer, monkeypatch):
    import sys

    production = sys.modules["yaksok.disclosures.produce"]
    m = minsu(yk, app)
    d = investigation(yk, officer, [m])
    approve_disclosure(yk, officer, d.id)
    start = next_seq(yk)
    monkeypatch.setattr(production, "utcnow", lambda: "not a time")
    with pytest.raises(Exception):  # noqa: B017 -- the counter cannot be written
        produce(yk, officer, d.id, m)
    assert [e for e in iter_entries(yk.engine) if e.seq >= start and e.outcome == "granted"] == []
