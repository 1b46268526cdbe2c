"""Rectification and deletion on both backends (P6.2, P12.3): the old value is destroyed, not
kept; the blind index follows; every change is logged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.database import database_bytes, sqlite_files
from tests.support.vault import (
    DOB,
    EMAIL,
    GENDER,
    MINSU,
    PHONE,
    POSTING,
    age_years_ago,
    consent,
    last_entry,
    member,
    member_actor,
    values_of,
)
from yaksok.auditlog import iter_entries
from yaksok.errors import (
    ActorNotAllowed,
    ConsentRequired,
    NotFound,
    UndeclaredChannel,
    UnderMinimumAge,
    ValidationError,
)

NEW_PHONE = "+821055550123"


def blind_of(yk, value_id):
    with yk.engine.connect() as conn:
        b = conn.execute(sa.text("SELECT blind FROM vault_values WHERE id = :i"),
                         {"i": value_id}).scalar()
    return bytes(b) if b is not None else None


@pytest.mark.promise("P6.2", "P12.3")
def test_rectify_destroys_the_old_value(yk, vault, app):
    m = member(vault)
    vid = vault.collect(m, PHONE, MINSU[PHONE], channel="app", actor=app)
    old_ct = bytes(values_of(yk, m)[0].ciphertext)
    old_blind = blind_of(yk, vid)
    assert old_ct in database_bytes(yk) and old_blind in database_bytes(yk)
    assert vault.rectify(m, PHONE, NEW_PHONE, actor=member_actor(m), channel="app") == vid
    if yk.engine.dialect.name == "sqlite":  # the checkpoint emptied the WAL
        wal = [p for p in sqlite_files(yk) if p.name.endswith("-wal")]
        assert all(p.stat().st_size == 0 for p in wal)
    got = vault.read(m, [PHONE], "contract_performance", actor=app)[PHONE]
    assert [(v.id, v.value, v.channel) for v in got] == [(vid, NEW_PHONE, "app")]
    assert got[0].updated_at >= got[0].collected_at
    raw = database_bytes(yk)  # SQLite: the database file and its WAL; PostgreSQL: every row
    assert old_ct not in raw and old_blind not in raw
    assert MINSU[PHONE].encode() not in raw and NEW_PHONE.encode() not in raw
    # The blind index follows the value.
    assert vault.lookup(PHONE, MINSU[PHONE], actor=app) is None
    assert vault.lookup(PHONE, NEW_PHONE, actor=app) == m
    e = [e for e in iter_entries(yk.engine)
         if e.operation == "update"]
    assert [(x.outcome, x.subject_ref, x.categories) for x in e] == [("granted", m, (PHONE,))]


@pytest.mark.promise("P6.2")
def test_rectify_by_value_id_for_multi_valued_categories(yk, vault, app):
    m = member(vault)
    first = vault.collect(m, POSTING, "첫 글: 오타 있음", channel="app", actor=app)
    vault.collect(m, POSTING, "둘째 글", channel="app", actor=app)
    with pytest.raises(ValidationError, match="several values"):
        vault.rectify(m, POSTING, "고친 글", actor=app, channel="app")
    vault.rectify(m, first, "첫 글: 고쳤어요", actor=app, channel="web_page")
    got = vault.read(m, [POSTING], "contract_performance", actor=app)[POSTING]
    assert sorted(v.value for v in got) == ["둘째 글", "첫 글: 고쳤어요"]
    with pytest.raises(NotFound):
        vault.rectify(m, "v_000000000000000000000000", "x", actor=app, channel="app")
    other = member(vault)
    with pytest.raises(NotFound):  # another member's value id is not this member's
        vault.rectify(other, first, "가로채기", actor=app, channel="app")


def test_rectify_refusals(yk, vault, app, engineer):
    m = member(vault)
    vault.collect(m, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    vault.collect(m, DOB, age_years_ago(30), channel="app", flow="ssg_cashout", actor=app)
    with pytest.raises(ActorNotAllowed):
        vault.rectify(m, EMAIL, "x@somesing.kr", actor=engineer, channel="app")
    assert (last_entry(yk).operation, last_entry(yk).reason) == ("update",
                                                                 "no-purpose-for-category")
    with pytest.raises(ActorNotAllowed):  # another member is not this member
        vault.rectify(m, EMAIL, "x@somesing.kr", actor=member_actor("m_other"), channel="app")
    with pytest.raises(UndeclaredChannel):
        vault.rectify(m, EMAIL, "x@somesing.kr", actor=app, channel="pigeon")
    with pytest.raises(UnderMinimumAge):
        vault.rectify(m, DOB, age_years_ago(9), actor=app, channel="app")
    with pytest.raises(ValidationError):
        vault.rectify(m, "user.authorization.password", "new-Pass-9", actor=app, channel="app")
    with pytest.raises(NotFound):  # nothing to rectify: collect first
        vault.rectify(m, PHONE, NEW_PHONE, actor=app, channel="app")
    got = vault.read(m, [EMAIL], "contract_performance", actor=app)[EMAIL]
    assert [v.value for v in got] == [MINSU[EMAIL]]


def test_rectify_of_an_optional_item_needs_its_consent(yk, vault, app):
    m = member(vault)
    consent(vault, m, "sns_sign_in")
    vault.collect(m, GENDER, MINSU[GENDER], channel="app", actor=app)
    # The withdrawal recorded in the ledger alone, as when the destruction that follows it
    # (PIPA 37(3)) has not run yet: the value still exists, but may not be changed.
    from yaksok.vault import ledger

    ledger.withdraw(yk.engine, m, "sns_sign_in", policy=yk.policy,
                    policy_version=yk.published.version, notice_text="withdrawn",
                    channel="app", actor_id=m)
    with pytest.raises(ConsentRequired):
        vault.rectify(m, GENDER, "여성", actor=app, channel="app")


@pytest.mark.promise("P12.3")
def test_delete_values(yk, vault, app, engineer):
    m = member(vault)
    vault.collect(m, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    p1 = vault.collect(m, POSTING, "지울 글", channel="app", actor=app)
    vault.collect(m, POSTING, "남길 글", channel="app", actor=app)
    with pytest.raises(ActorNotAllowed):
        vault.delete_values(m, value_ids=[p1], actor=engineer)
    assert vault.delete_values(m, value_ids=[p1], actor=member_actor(m)) == 1
    e = last_entry(yk)
    assert (e.operation, e.outcome, e.categories) == ("erase", "granted", (POSTING,))
    assert vault.delete_values(m, categories=EMAIL, actor=app) == 1
    assert sorted(r.category for r in values_of(yk, m)) == [POSTING]
    with pytest.raises(ValidationError):
        vault.delete_values(m, actor=app)
