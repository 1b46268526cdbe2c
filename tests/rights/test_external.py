"""External datasets (issue 7): the policy section, its cross-references, and access and erasure
(of the whole account, or of some categories) of the member's rows in other databases: SQLite,
PostgreSQL and MariaDB, with yaksok itself on SQLite and on PostgreSQL.

Every test makes its own tables (names with a random suffix, dropped afterwards) and a copy of
policies/somesing.yaml with an ``external_datasets:`` section naming them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.database import database_bytes
from tests.support.paths import POLICY, policy_copy
from tests.support.vault import entries
from yaksok.actors import api_key_actor, staff_actor
from yaksok.engine import init_yaksok
from yaksok.errors import ActorNotAllowed, ConfigError, Conflict, NotFound, StorageError
from yaksok.policy.loader import load_source
from yaksok.policy.render import render_policy
from yaksok.rights.external import (
    MASK,
    ExternalErasure,
    access_external,
    erase_external,
)
from yaksok.settings import Settings
from yaksok.vault import Vault

BASE = POLICY.read_text(encoding="utf-8")
MARIADB_URL = os.environ.get("YAKSOK_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
KARAOKE_ENV, EVENTS_ENV = "YAKSOK_EXTERNAL_KARAOKE", "YAKSOK_EXTERNAL_EVENTS"

#: The external rows' personal values; none may ever reach yaksok's own database.
SECRET_VALUES = ("한강에서-부른-아리랑", "노래방-뒷풀이-후기", "203.0.113.77", "민수의노래방",
                 "tx-ext-0001-AB", "ssg-gold-ext", "이벤트-응모-메모")


def dataset_yaml(sfx: str) -> str:
    """The section under test: every strategy, a foreign-key path, a reserved word as a column
    (``order``) and a second database."""
    return f"""
external_datasets:
  - key: karaoke_archive
    label: {{ko: 노래 보관소, en: Karaoke archive}}
    url_env: {KARAOKE_ENV}
    tables:
      - name: payments_{sfx}
        member: {{column: member_id}}
        columns: {{tx_id: user.payment.transaction_id, order: user.payment.product_code}}
        erasure: {{hold: payment_record}}
      - name: recordings_{sfx}
        member: {{column: member_id}}
        columns: {{title: user.content.public.media, place: user.location.recording_place}}
        erasure: delete
      - name: comments_{sfx}
        member: {{path: [{{column: recording_id, references: recordings_{sfx}.id}}]}}
        columns: {{body: user.content.public.posting, author_ip: user.device.ip_address}}
        erasure: delete
      - name: profiles_{sfx}
        member: {{column: member_id}}
        columns: {{nickname: user.social.nickname, code: user.social.account_profile,
                   birth_year: user.demographic.date_of_birth}}
        erasure: mask
      - name: devices_{sfx}
        member: {{column: member_id}}
        columns: {{ip: user.device.ip_address, os: user.device.operating_system}}
        erasure: "null"
  - key: event_entries
    label: {{ko: 이벤트 응모, en: Event entries}}
    url_env: {EVENTS_ENV}
    tables:
      - name: entries_{sfx}
        member: {{column: member_ref}}
        columns: {{note: user.behavior.event_participation}}
        erasure: delete
"""


def karaoke_tables(md: sa.MetaData, sfx: str) -> None:
    sa.Table(f"payments_{sfx}", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("member_id", sa.String(40), nullable=False),
             sa.Column("tx_id", sa.String(40), nullable=False),
             sa.Column("order", sa.String(40)), sa.Column("paid_at", sa.DateTime))
    sa.Table(f"recordings_{sfx}", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("member_id", sa.String(40), nullable=False),
             sa.Column("title", sa.Text), sa.Column("place", sa.String(100)))
    sa.Table(f"comments_{sfx}", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("recording_id", sa.Integer, sa.ForeignKey(f"recordings_{sfx}.id")),
             sa.Column("body", sa.Text), sa.Column("author_ip", sa.String(45)))
    sa.Table(f"profiles_{sfx}", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("member_id", sa.String(40), nullable=False),
             sa.Column("nickname", sa.String(30), nullable=False),
             sa.Column("code", sa.String(2)), sa.Column("birth_year", sa.Integer))
    sa.Table(f"devices_{sfx}", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("member_id", sa.String(40), nullable=False),
             sa.Column("ip", sa.String(45)), sa.Column("os", sa.String(40)))


def karaoke_rows(sfx: str, minsu: str, jiyeon: str) -> dict[str, list[dict]]:
    return {
        f"payments_{sfx}": [
            {"id": 1, "member_id": minsu, "tx_id": "tx-ext-0001-AB", "order": "ssg-gold-ext",
             "paid_at": dt.datetime(2024, 5, 1, 12, 30)},
            {"id": 2, "member_id": minsu, "tx_id": "tx-ext-0002-CD", "order": None,
             "paid_at": None},
            {"id": 3, "member_id": jiyeon, "tx_id": "tx-ext-0003-EF", "order": "ssg-basic",
             "paid_at": None}],
        f"recordings_{sfx}": [
            {"id": 10, "member_id": minsu, "title": "한강에서-부른-아리랑", "place": "서울 한강"},
            {"id": 11, "member_id": minsu, "title": "두번째 녹음", "place": None},
            {"id": 12, "member_id": jiyeon, "title": "비 오는 날", "place": "부산"}],
        f"comments_{sfx}": [
            {"id": 100, "recording_id": 10, "body": "노래방-뒷풀이-후기", "author_ip": "203.0.113.77"},
            {"id": 101, "recording_id": 11, "body": "좋아요", "author_ip": None},
            {"id": 102, "recording_id": 12, "body": "지연님 최고", "author_ip": "198.51.100.2"}],
        f"profiles_{sfx}": [
            {"id": 1, "member_id": minsu, "nickname": "민수의노래방", "code": "KR", "birth_year": 1995},
            {"id": 2, "member_id": jiyeon, "nickname": "지연의노래방", "code": "KR",
             "birth_year": 1997}],
        f"devices_{sfx}": [
            {"id": 1, "member_id": minsu, "ip": "203.0.113.77", "os": "Android 14"},
            {"id": 2, "member_id": minsu, "ip": None, "os": None},
            {"id": 3, "member_id": jiyeon, "ip": "198.51.100.2", "os": "iOS 17"}],
    }


def events_tables(md: sa.MetaData, sfx: str) -> None:
    sa.Table(f"entries_{sfx}", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("member_ref", sa.String(40), nullable=False),
             sa.Column("note", sa.Text))


# -- the external databases --------------------------------------------------------------------


@pytest.fixture(scope="session")
def mariadb_url() -> str:
    """MariaDB's test database; skipped when down, but failed in CI (as conftest does for
    PostgreSQL when ``YAKSOK_REQUIRE_POSTGRES`` is set)."""
    engine = sa.create_engine(MARIADB_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        message = f"MariaDB not reachable at {sa.make_url(MARIADB_URL).host}: {reason}"
        if os.environ.get("YAKSOK_REQUIRE_POSTGRES"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    finally:
        engine.dispose()
    return MARIADB_URL


#: yaksok's own database x the karaoke archive's: every external backend, and yaksok on both.
#: (The full 2 x 3 product would add only set-up time: the external code does not depend on
#: yaksok's backend, and the held records and the log are proven on both with MariaDB.)
MATRIX = pytest.mark.parametrize("db_url,ext_url", [
    ("sqlite", "sqlite"),
    pytest.param("sqlite", "postgresql", marks=pytest.mark.postgres),
    ("sqlite", "mariadb"),
    pytest.param("postgresql", "mariadb", marks=pytest.mark.postgres),
], indirect=True)


@pytest.fixture
def ext_url(request, tmp_path):
    """The karaoke archive's database (``MATRIX``): a SQLite file, a PostgreSQL schema or
    MariaDB's test database (whose tables carry the test's suffix)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'karaoke.db'}"
    elif request.param == "mariadb":
        yield request.getfixturevalue("mariadb_url")
    else:
        base = request.getfixturevalue("pg_database_url")
        schema = f"ext_{secrets.token_hex(5)}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            yield base.update_query_dict({"options": f"-csearch_path={schema}"}) \
                .render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql("SET lock_timeout = '5s'")
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


class World:
    """yaksok with the section in its policy, two members, and both external databases full."""

    def __init__(self, yk, vault, sfx, karaoke: sa.Engine, events: sa.Engine, md, emd):
        self.yk, self.vault, self.sfx = yk, vault, sfx
        self.karaoke, self.events, self.md, self.emd = karaoke, events, md, emd
        self.minsu = vault.create_member()
        self.jiyeon = vault.create_member()
        self.officer = staff_actor(yk.policy, "st_officer", "yoon", "privacy_officer")
        rows = karaoke_rows(sfx, self.minsu, self.jiyeon)
        with karaoke.begin() as conn:
            for name in (f"payments_{sfx}", f"recordings_{sfx}", f"comments_{sfx}",
                         f"profiles_{sfx}", f"devices_{sfx}"):
                conn.execute(md.tables[name].insert(), rows[name])
        with events.begin() as conn:
            conn.execute(emd.tables[f"entries_{sfx}"].insert(), [
                {"id": 1, "member_ref": self.minsu, "note": "이벤트-응모-메모"},
                {"id": 2, "member_ref": self.jiyeon, "note": "응모합니다"}])

    def t(self, name: str) -> sa.Table:
        return self.md.tables[f"{name}_{self.sfx}"]

    def rows(self, name: str) -> list[dict]:
        table = self.t(name)
        with self.karaoke.connect() as conn:
            return [dict(r) for r in conn.execute(
                sa.select(table).order_by(table.c.id)).mappings()]

    def request(self, member_id: str, right: str, *, verify: bool = True,
                categories: list[str] | None = None) -> str:
        from yaksok.rights.requests import submit
        from yaksok.rights.verify import verify_by_staff

        rq = submit(self.yk, member_id=member_id, right=right, channel="written",
                    actor=self.officer,
                    details={"categories": categories} if categories else None)
        if verify:
            verify_by_staff(self.yk, rq.id, actor=self.officer, method="id-card-seen")
        return rq.id


def _yaksok(tmp_path: Path, db_url: str, keyring_path: Path, text: str):
    policy = policy_copy(tmp_path, text)
    return init_yaksok(Settings(data_dir=tmp_path / "data", database_url=db_url,
                                policy_path=policy, keyring_path=keyring_path))


@pytest.fixture
def world(tmp_path, db_url, keyring_path, ext_url, monkeypatch):
    sfx = secrets.token_hex(4)
    events_url = f"sqlite:///{tmp_path / 'events.db'}"
    monkeypatch.setenv(KARAOKE_ENV, ext_url)
    monkeypatch.setenv(EVENTS_ENV, events_url)
    md, emd = sa.MetaData(), sa.MetaData()
    karaoke_tables(md, sfx)
    events_tables(emd, sfx)
    karaoke, events = sa.create_engine(ext_url), sa.create_engine(events_url)
    md.create_all(karaoke)
    emd.create_all(events)
    yk = _yaksok(tmp_path, db_url, keyring_path, BASE + dataset_yaml(sfx))
    try:
        yield World(yk, Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings), sfx, karaoke, events, md, emd)
    finally:
        yk.external.dispose()
        yk.close()
        md.drop_all(karaoke)
        karaoke.dispose()
        events.dispose()


def _external_entries(yk, request_id: str) -> list:
    return [e for e in entries(yk) if (e.reason or "").startswith(f"rights:{request_id}:")]


# -- access --------------------------------------------------------------------------------------


@MATRIX
@pytest.mark.promise("P6.1")
def test_access_returns_the_members_external_rows_by_category(world: World) -> None:
    rq = world.request(world.minsu, "access")
    got = {(r.dataset, r.table.rsplit("_", 1)[0]): r
           for r in access_external(world.yk, world.minsu, actor=world.officer, request_id=rq)}
    assert len(got) == 6
    rec = got[("karaoke_archive", "recordings")]
    assert rec.categories == {"title": "user.content.public.media",
                              "place": "user.location.recording_place"}
    assert rec.rows == [{"title": "한강에서-부른-아리랑", "place": "서울 한강"},
                        {"title": "두번째 녹음", "place": None}]
    # Through the foreign-key path: the comments on Minsu's recordings, not on Jiyeon's.
    assert got[("karaoke_archive", "comments")].rows == [
        {"body": "노래방-뒷풀이-후기", "author_ip": "203.0.113.77"},
        {"body": "좋아요", "author_ip": None}]
    pay = got[("karaoke_archive", "payments")].rows
    assert [p["tx_id"] for p in pay] == ["tx-ext-0001-AB", "tx-ext-0002-CD"]
    assert pay[0]["order"] == "ssg-gold-ext"  # a reserved word as a column, quoted
    assert got[("karaoke_archive", "profiles")].rows == [
        {"nickname": "민수의노래방", "code": "KR", "birth_year": 1995}]
    assert got[("event_entries", "entries")].rows == [{"note": "이벤트-응모-메모"}]
    assert "한강" not in repr(list(got.values()))  # values stay out of reprs

    # One read entry per dataset, with the categories read and no value.
    logged = _external_entries(world.yk, rq)
    assert [(e.operation, e.outcome, e.subject_ref, e.reason) for e in logged] == [
        ("read", "granted", world.minsu, f"rights:{rq}:external:karaoke_archive"),
        ("read", "granted", world.minsu, f"rights:{rq}:external:event_entries")]
    assert "user.payment.transaction_id" in logged[0].categories
    assert logged[1].categories == ("user.behavior.event_participation",)
    # The values were returned, never stored: not in any byte of yaksok's database.
    stored = database_bytes(world.yk)
    for value in SECRET_VALUES:
        assert value.encode() not in stored, value




# -- erasure -------------------------------------------------------------------------------------


@MATRIX
@pytest.mark.promise("P6.3")
def test_erasure_applies_each_strategy_in_both_databases(world: World) -> None:
    from yaksok.retention import read_held

    rq = world.request(world.minsu, "erasure")
    done = erase_external(world.yk, world.minsu, actor=world.officer, request_id=rq)
    sfx = world.sfx
    assert done == [
        ExternalErasure("karaoke_archive", f"payments_{sfx}", "hold:payment_record", 2),
        ExternalErasure("karaoke_archive", f"comments_{sfx}", "delete", 2),
        ExternalErasure("karaoke_archive", f"recordings_{sfx}", "delete", 2),
        ExternalErasure("karaoke_archive", f"profiles_{sfx}", "mask", 1),
        ExternalErasure("karaoke_archive", f"devices_{sfx}", "null", 1),
        ExternalErasure("event_entries", f"entries_{sfx}", "delete", 1)]

    # delete: Minsu's recordings and the comments reached through them are gone; Jiyeon's stay.
    assert [r["member_id"] for r in world.rows("recordings")] == [world.jiyeon]
    assert [r["id"] for r in world.rows("comments")] == [102]
    # mask: text becomes *** (cut to a 2-character column), a number becomes NULL.
    assert world.rows("profiles") == [
        {"id": 1, "member_id": world.minsu, "nickname": MASK, "code": "**", "birth_year": None},
        {"id": 2, "member_id": world.jiyeon, "nickname": "지연의노래방", "code": "KR",
         "birth_year": 1997}]
    # null: the declared columns are cleared, the rows (and Jiyeon's values) stay.
    assert [(r["ip"], r["os"]) for r in world.rows("devices")] == [
        (None, None), (None, None), ("198.51.100.2", "iOS 17")]
    entries_t = world.emd.tables[f"entries_{sfx}"]
    with world.events.connect() as conn:
        assert conn.execute(sa.select(entries_t.c.member_ref)).scalars().all() == [world.jiyeon]
    # hold: the rows are deleted there and kept here, as payment records the officer can read.
    assert [r["member_id"] for r in world.rows("payments")] == [world.jiyeon]
    held = read_held(world.yk, world.minsu, actor=world.officer, purpose="legal_compliance")
    assert sorted((h.record_kind, tuple(sorted(h.values.items()))) for h in held) == [
        ("payment_record", (("user.payment.product_code", "ssg-gold-ext"),
                            ("user.payment.transaction_id", "tx-ext-0001-AB"))),
        ("payment_record", (("user.payment.transaction_id", "tx-ext-0002-CD"),))]

    logged = [e for e in _external_entries(world.yk, rq) if e.operation == "erase"]
    assert [(e.outcome, e.reason) for e in logged] == [
        ("granted", f"rights:{rq}:external:karaoke_archive"),
        ("granted", f"rights:{rq}:external:event_entries")]
    assert set(logged[0].categories) == {
        "user.payment.transaction_id", "user.payment.product_code", "user.content.public.media",
        "user.location.recording_place", "user.content.public.posting", "user.device.ip_address",
        "user.social.nickname", "user.social.account_profile", "user.demographic.date_of_birth",
        "user.device.operating_system"}

    # A retry (after a failure elsewhere, say) finds nothing left to do and holds nothing twice.
    again = erase_external(world.yk, world.minsu, actor=world.officer, request_id=rq)
    assert [d.count for d in again] == [0] * 6
    assert len(read_held(world.yk, world.minsu, actor=world.officer,
                         purpose="legal_compliance")) == 2


@MATRIX
@pytest.mark.promise("P6.3")
def test_a_failing_table_changes_nothing_in_its_database_and_undoes_the_held_records(
        world: World) -> None:
    # A table the policy does not declare still references Minsu's recording: the database's
    # foreign key refuses the delete, after the payments were already held.
    plays = sa.Table(f"plays_{world.sfx}", world.md, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("recording_id", sa.Integer,
                               sa.ForeignKey(f"recordings_{world.sfx}.id"), nullable=False))
    plays.create(world.karaoke)
    with world.karaoke.begin() as conn:
        conn.execute(plays.insert(), [{"id": 1, "recording_id": 10}])
    before = {n: world.rows(n) for n in ("payments", "recordings", "comments", "profiles",
                                         "devices")}
    rq = world.request(world.minsu, "erasure")
    with pytest.raises(StorageError) as caught:
        erase_external(world.yk, world.minsu, actor=world.officer, request_id=rq)
    assert "karaoke_archive" in str(caught.value) and KARAOKE_ENV in str(caught.value)
    assert {n: world.rows(n) for n in before} == before  # all or nothing in that database
    with world.yk.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM held_records").scalar() == 0
    logged = _external_entries(world.yk, rq)
    assert [(e.operation, e.outcome, e.reason) for e in logged][-1] == (
        "erase", "denied", f"rights:{rq}:external:karaoke_archive:rolled-back")
    assert not any(e.reason.endswith("event_entries") for e in logged)  # never reached
    for value in SECRET_VALUES:
        assert value not in str(caught.value)


# -- partial erasure: the requested categories only --------------------------------------------

PLACE, MEDIA = "user.location.recording_place", "user.content.public.media"
POSTING, IP = "user.content.public.posting", "user.device.ip_address"
TX, NICKNAME = "user.payment.transaction_id", "user.social.nickname"
EVENT = "user.behavior.event_participation"
PHONE = "user.contact.phone_number"


@MATRIX
@pytest.mark.promise("P6.3")
def test_partial_erasure_applies_each_strategy_to_the_requested_columns_only(
        world: World) -> None:
    from yaksok.retention import read_held

    w, sfx = world, world.sfx
    before = {n: w.rows(n) for n in ("payments", "recordings", "comments", "profiles",
                                     "devices")}
    rq = w.request(w.minsu, "erasure", categories=[PLACE, IP, TX, NICKNAME, EVENT])
    done = erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    assert done == [
        ExternalErasure("karaoke_archive", f"payments_{sfx}", "hold:payment_record:clear", 2),
        ExternalErasure("karaoke_archive", f"comments_{sfx}", "clear", 1),
        ExternalErasure("karaoke_archive", f"recordings_{sfx}", "clear", 1),
        ExternalErasure("karaoke_archive", f"profiles_{sfx}", "mask", 1),
        ExternalErasure("karaoke_archive", f"devices_{sfx}", "null", 1),
        ExternalErasure("event_entries", f"entries_{sfx}", "delete", 1)]

    def changed(name: str, **values) -> list[dict]:
        """The table as it was, with ``values`` in Minsu's rows."""
        return [{**r, **values} if r.get("member_id") == w.minsu else r for r in before[name]]

    # hold: the transaction ids are held, then masked in place (NOT NULL text); the product
    # code, which the member did not name, stays in the rows.
    assert w.rows("payments") == changed("payments", tx_id=MASK)
    held = read_held(w.yk, w.minsu, actor=w.officer, purpose="legal_compliance")
    assert sorted(tuple(h.values.items()) for h in held) == [
        ((TX, "tx-ext-0001-AB"),), ((TX, "tx-ext-0002-CD"),)]
    # delete: the rows hold more than was asked, so only the requested columns are cleared.
    assert w.rows("recordings") == changed("recordings", place=None)
    assert w.rows("comments") == [{**r, "author_ip": None} if r["id"] in (100, 101) else r
                                  for r in before["comments"]]
    # mask and null: the requested columns only.
    assert w.rows("profiles") == changed("profiles", nickname=MASK)
    assert w.rows("devices") == changed("devices", ip=None)
    # The event entry held nothing else: the row is gone.
    entries_t = w.emd.tables[f"entries_{sfx}"]
    with w.events.connect() as conn:
        assert conn.execute(sa.select(entries_t.c.member_ref)).scalars().all() == [w.jiyeon]

    logged = [e for e in _external_entries(w.yk, rq) if e.operation == "erase"]
    assert [(e.outcome, e.request_id, e.reason, set(e.categories)) for e in logged] == [
        ("granted", rq, f"rights:{rq}:external:karaoke_archive", {PLACE, IP, TX, NICKNAME}),
        ("granted", rq, f"rights:{rq}:external:event_entries", {EVENT})]
    # The held transaction id is sealed: no byte of yaksok's database holds it in plaintext.
    assert b"tx-ext-0001-AB" not in database_bytes(w.yk)

    # A retry finds every requested column cleared and holds nothing twice.
    again = erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    assert [d.count for d in again] == [0] * 6
    assert len(read_held(w.yk, w.minsu, actor=w.officer, purpose="legal_compliance")) == 2
    assert w.rows("payments") == changed("payments", tx_id=MASK)

    # Later the product codes too: now every declared column is named, so the rows go; what is
    # held is what was left, never the mask.
    rq = w.request(w.minsu, "erasure", categories=[TX, "user.payment.product_code"])
    assert erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq) == [
        ExternalErasure("karaoke_archive", f"payments_{sfx}", "hold:payment_record", 2)]
    assert [r["member_id"] for r in w.rows("payments")] == [w.jiyeon]
    held = read_held(w.yk, w.minsu, actor=w.officer, purpose="legal_compliance")
    assert sorted(tuple(h.values.items()) for h in held) == [
        (("user.payment.product_code", "ssg-gold-ext"),),
        ((TX, "tx-ext-0001-AB"),), ((TX, "tx-ext-0002-CD"),)]


@MATRIX
@pytest.mark.promise("P6.3")
def test_partial_erasure_keeps_a_row_another_table_still_reaches_the_member_through(
        world: World) -> None:
    w, sfx = world, world.sfx
    # Every declared column of the recordings is named, but the comments on them are not:
    # deleting the recordings would cut the comments off from Minsu (or break the foreign
    # key), so the recordings are cleared in place and the comments stay his.
    rq = w.request(w.minsu, "erasure", categories=[MEDIA, PLACE])
    assert erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq) == [
        ExternalErasure("karaoke_archive", f"recordings_{sfx}", "clear", 2)]
    assert [(r["id"], r["title"], r["place"]) for r in w.rows("recordings")] == [
        (10, None, None), (11, None, None), (12, "비 오는 날", "부산")]
    assert len(w.rows("comments")) == 3
    access = w.request(w.minsu, "access")
    got = {r.table: r.rows for r in access_external(w.yk, w.minsu, actor=w.officer,
                                                    request_id=access)}
    assert [c["body"] for c in got[f"comments_{sfx}"]] == ["노래방-뒷풀이-후기", "좋아요"]

    # Once the comments' categories are named too, their rows go, and with nothing left that
    # needs them, so do the recordings.
    rq = w.request(w.minsu, "erasure", categories=[MEDIA, PLACE, POSTING, IP])
    done = erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    assert done[:2] == [ExternalErasure("karaoke_archive", f"comments_{sfx}", "delete", 2),
                        ExternalErasure("karaoke_archive", f"recordings_{sfx}", "delete", 2)]
    assert [r["id"] for r in w.rows("comments")] == [102]
    assert [r["id"] for r in w.rows("recordings")] == [12]


@MATRIX
@pytest.mark.promise("P6.3")
def test_a_failed_partial_erasure_undoes_its_held_records_and_a_retry_finishes(
        world: World) -> None:
    from yaksok.retention import read_held

    w = world
    # A table the policy does not declare references Minsu's comment: deleting it fails,
    # after his transaction ids were already held.
    likes = sa.Table(f"likes_{w.sfx}", w.md, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("comment_id", sa.Integer,
                               sa.ForeignKey(f"comments_{w.sfx}.id"), nullable=False))
    likes.create(w.karaoke)
    with w.karaoke.begin() as conn:
        conn.execute(likes.insert(), [{"id": 1, "comment_id": 100}])
    before = {n: w.rows(n) for n in ("payments", "comments", "recordings")}
    rq = w.request(w.minsu, "erasure", categories=[TX, POSTING, IP])
    with pytest.raises(StorageError, match="karaoke_archive"):
        erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    assert {n: w.rows(n) for n in before} == before
    with w.yk.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM held_records").scalar() == 0
    assert [(e.outcome, e.reason) for e in _external_entries(w.yk, rq)][-1] == (
        "denied", f"rights:{rq}:external:karaoke_archive:rolled-back")

    with w.karaoke.begin() as conn:  # the app removes the like; the request is carried out
        conn.execute(likes.delete())
    done = erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    assert [(d.table.rsplit("_", 1)[0], d.strategy, d.count) for d in done] == [
        ("payments", "hold:payment_record:clear", 2), ("comments", "delete", 2),
        ("devices", "null", 1)]
    assert len(read_held(w.yk, w.minsu, actor=w.officer, purpose="legal_compliance")) == 2
    assert [r["id"] for r in w.rows("comments")] == [102]


# -- refusals and failures ---------------------------------------------------------------------


@pytest.fixture
def sqlite_world(tmp_path, keyring_path, monkeypatch):
    """A world on SQLite only, for the checks that do not depend on the backend."""
    sfx = secrets.token_hex(4)
    urls = {KARAOKE_ENV: f"sqlite:///{tmp_path / 'karaoke.db'}",
            EVENTS_ENV: f"sqlite:///{tmp_path / 'events.db'}"}
    for name, url in urls.items():
        monkeypatch.setenv(name, url)
    md, emd = sa.MetaData(), sa.MetaData()
    karaoke_tables(md, sfx)
    events_tables(emd, sfx)
    karaoke, events = sa.create_engine(urls[KARAOKE_ENV]), sa.create_engine(urls[EVENTS_ENV])
    md.create_all(karaoke)
    emd.create_all(events)
    yk = _yaksok(tmp_path, f"sqlite:///{tmp_path / 'db' / 'yaksok.db'}", keyring_path,
                 BASE + dataset_yaml(sfx))
    try:
        yield World(yk, Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings), sfx, karaoke, events, md, emd)
    finally:
        yk.external.dispose()
        yk.close()
        karaoke.dispose()
        events.dispose()


@pytest.mark.promise("P6.3")
def test_a_missing_variable_is_a_storage_error_and_nothing_is_erased(
        sqlite_world: World, monkeypatch) -> None:
    w = sqlite_world
    monkeypatch.delenv(EVENTS_ENV)
    rq = w.request(w.minsu, "erasure")
    n = len(entries(w.yk))
    with pytest.raises(StorageError) as caught:
        erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    assert caught.value.field == EVENTS_ENV
    assert "event_entries" in str(caught.value) and "not set" in str(caught.value)
    # The first dataset was reachable, but nothing starts before every dataset is.
    assert len(w.rows("recordings")) == 3 and len(w.rows("payments")) == 3
    assert len(entries(w.yk)) == n


def test_an_unreachable_database_names_the_dataset_not_the_password(
        sqlite_world: World, monkeypatch) -> None:
    w = sqlite_world
    monkeypatch.setenv(KARAOKE_ENV, "postgresql://archivist:s3cret-pw@127.0.0.1:1/archive")
    rq = w.request(w.minsu, "access")
    with pytest.raises(StorageError) as caught:
        access_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    text = str(caught.value)
    assert "karaoke_archive" in text and KARAOKE_ENV in text and "***" in text
    assert "s3cret-pw" not in text and "s3cret-pw" not in repr(caught.value.__cause__)
    assert _external_entries(w.yk, rq) == []  # nothing read, nothing logged as read


def test_a_database_that_does_not_match_the_policy_changes_nothing(
        sqlite_world: World, monkeypatch, tmp_path) -> None:
    w = sqlite_world
    with w.karaoke.begin() as conn:  # mask cannot clear a NOT NULL number
        conn.exec_driver_sql(f"DROP TABLE profiles_{w.sfx}")
        conn.exec_driver_sql(f"CREATE TABLE profiles_{w.sfx} (id INTEGER PRIMARY KEY, member_id "
                             "TEXT NOT NULL, nickname TEXT NOT NULL, code TEXT, "
                             "birth_year INTEGER NOT NULL)")
    rq = w.request(w.minsu, "erasure")
    with pytest.raises(ConfigError, match="birth_year.*NOT NULL.*mask"):
        erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    assert len(w.rows("recordings")) == 3
    with w.karaoke.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE payments_{w.sfx}")
    with pytest.raises(ConfigError, match=f"no table 'payments_{w.sfx}'"):
        erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)


def test_only_an_open_verified_request_of_the_member_reaches_the_datasets(
        sqlite_world: World) -> None:
    w = sqlite_world
    unverified = w.request(w.minsu, "erasure", verify=False)
    jiyeons = w.request(w.jiyeon, "erasure")
    access = w.request(w.minsu, "access")
    for rq, why in ((unverified, "received"), (jiyeons, "another member"),
                    (access, "for access, not for erasure")):
        with pytest.raises(Conflict, match=why):
            erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
        assert entries(w.yk)[-1].outcome == "denied"
    erasure = w.request(w.minsu, "erasure")
    with pytest.raises(Conflict, match="not for access or portability"):
        access_external(w.yk, w.minsu, actor=w.officer, request_id=erasure)
    with pytest.raises(NotFound):
        erase_external(w.yk, w.minsu, actor=w.officer, request_id="rq_" + "0" * 24)
    engineer = staff_actor(w.yk.policy, "st_eng", "dev", "engineer")
    with pytest.raises(ActorNotAllowed):
        erase_external(w.yk, w.minsu, actor=engineer, request_id=erasure)
    last = entries(w.yk)[-1]
    assert (last.actor_id, last.operation, last.outcome) == ("st_eng", "erase", "denied")
    assert len(w.rows("recordings")) == 3


def test_access_of_a_member_without_rows_is_empty_but_logged(sqlite_world: World) -> None:
    w = sqlite_world
    other = w.vault.create_member()
    rq = w.request(other, "portability")
    got = access_external(w.yk, other, actor=w.officer, request_id=rq)
    assert [r.rows for r in got] == [[]] * 6
    assert [e.categories for e in _external_entries(w.yk, rq)] == [(), ()]


@pytest.mark.promise("P6.3")
def test_a_row_that_cannot_exist_without_the_value_goes_only_when_nothing_needs_it(
        sqlite_world: World) -> None:
    w = sqlite_world
    with w.karaoke.begin() as conn:  # the place as a NOT NULL code: no row without it
        conn.exec_driver_sql(f"DROP TABLE recordings_{w.sfx}")
        conn.exec_driver_sql(f"CREATE TABLE recordings_{w.sfx} (id INTEGER PRIMARY KEY, "
                             "member_id TEXT NOT NULL, title TEXT, place INTEGER NOT NULL)")
        table = sa.table(f"recordings_{w.sfx}", sa.column("id"), sa.column("member_id"),
                         sa.column("title"), sa.column("place"))
        conn.execute(table.insert(), [
            {"id": 10, "member_id": w.minsu, "title": "아리랑", "place": 1},
            {"id": 11, "member_id": w.minsu, "title": "두번째 녹음", "place": 2},
            {"id": 12, "member_id": w.jiyeon, "title": "비 오는 날", "place": 3}])
    payments = w.rows("payments")
    rq = w.request(w.minsu, "erasure", categories=[PLACE, TX])
    # Deleting the recordings would cut the comments (not requested) off from Minsu: refused
    # before anything changes, in this table or another.
    with pytest.raises(ConfigError, match=r"'place'.*NOT NULL and not text.*comments_") as caught:
        erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    assert caught.value.field == "external_datasets" and "allow NULL" in caught.value.fix
    assert len(w.rows("recordings")) == 3 and w.rows("payments") == payments
    # With the comments' categories named too, the recordings go: titles and all.
    rq = w.request(w.minsu, "erasure", categories=[PLACE, POSTING, IP])
    done = erase_external(w.yk, w.minsu, actor=w.officer, request_id=rq)
    assert [(d.table.rsplit("_", 1)[0], d.strategy, d.count) for d in done] == [
        ("comments", "delete", 2), ("recordings", "delete", 2), ("devices", "null", 1)]
    assert [r["id"] for r in w.rows("recordings")] == [12]
    [logged] = [e for e in _external_entries(w.yk, rq) if e.operation == "erase"]
    assert MEDIA in logged.categories  # the titles went with the rows, and the log says so


@pytest.mark.promise("P6.3")
def test_carry_out_of_a_partial_erasure_reaches_only_the_datasets_holding_the_categories(
        sqlite_world: World, monkeypatch) -> None:
    from yaksok.rights.handle import carry_out
    from yaksok.rights.requests import start

    w = sqlite_world
    monkeypatch.delenv(KARAOKE_ENV)  # holds no event entries: a partial erasure never asks
    app = api_key_actor(w.yk.policy, "ak_app", "somesing-app", ["members"])
    w.vault.collect(w.minsu, PHONE, "010-2345-6789", channel="app", actor=app)
    rq = w.request(w.minsu, "erasure", categories=[EVENT, PHONE])
    start(w.yk, rq, actor=w.officer)
    out = carry_out(w.yk, rq, actor=w.officer)
    assert out.result == {"scope": "categories", "categories": [EVENT, PHONE],
                          "external": [["event_entries", f"entries_{w.sfx}", "delete", 1]],
                          "deleted": 1}
    assert out.request.status == "completed"
    assert [e.reason for e in _external_entries(w.yk, rq)] == [
        f"rights:{rq}:external:event_entries"]
    with w.yk.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT status FROM members WHERE id = ?",
                                    (w.minsu,)).scalar() == "active"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_section_means_nothing_to_do(yk, officer) -> None:
    assert yk.policy.external_datasets == []
    assert access_external(yk, "m_nobody", actor=officer, request_id="rq_x") == []
    assert erase_external(yk, "m_nobody", actor=officer, request_id="rq_x") == []


def test_the_documented_example_runs_and_prints_what_it_says(tmp_path) -> None:
    doc = (POLICY.parents[1] / "docs" / "rights.md").read_text(encoding="utf-8")
    section = doc.split("\n## External datasets\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)[1]
    printed = re.search(r"prints\n\n```text\n(.*?)```", section, re.DOTALL)[1]
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YAKSOK_")}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, str(script)], cwd=POLICY.parents[1], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed


# -- the policy section --------------------------------------------------------------------------


def _problems(extra: str) -> list:
    loaded, problems = load_source(BASE + extra, "policy.yaml")
    return [p for p in problems if p.severity == "error"]


def test_the_section_loads_and_renders_nothing() -> None:
    loaded, problems = load_source(BASE + dataset_yaml("abc"), "policy.yaml")
    assert [p for p in problems if p.severity == "error"] == []
    ds = loaded.policy.external_dataset("karaoke_archive")
    assert ds.url_env == KARAOKE_ENV and len(ds.tables) == 5
    assert ds.table("payments_abc").erasure.hold == "payment_record"
    assert ds.table("comments_abc").member.path[0].table == "recordings_abc"
    plain, _ = load_source(BASE, "policy.yaml")
    for lang, fmt in (("ko", "md"), ("en", "html")):  # internal systems: not rendered
        assert render_policy(loaded.policy, lang, fmt) == render_policy(plain.policy, lang, fmt)


def test_the_reference_example_loads() -> None:
    doc = (POLICY.parents[1] / "docs" / "policy-file.md").read_text(encoding="utf-8")
    section = doc.split("## external_datasets", 1)[1].split("\n## ", 1)[0]
    example = re.search(r"```yml\n(.*?)```", section, re.DOTALL)[1]
    assert _problems("\n" + example) == []


BAD = [
    ("columns: {tx_id: user.payment.transaction_id, order: user.payment.product_code}",
     "columns: {tx_id: user.payment.tx_number, order: user.payment.product_code}",
     r"unknown category 'user\.payment\.tx_number'"),
    ("erasure: {hold: payment_record}", "erasure: {hold: payment_records}",
     r"unknown record kind 'payment_records'"),
    ("erasure: {hold: payment_record}", "erasure: {hold: complaint_record}",
     r"holds column 'tx_id' \(user\.payment\.transaction_id\) as 'complaint_record'"),
    ("references: recordings_abc.id", "references: albums_abc.id",
     r"ends at table 'albums_abc', which dataset 'karaoke_archive' does not declare"),
    ("references: recordings_abc.id", "references: comments_abc.id",
     r"leads back to itself"),
    ("references: recordings_abc.id", "references: recordings_abc",
     r"'recordings_abc' is not a table and a column"),
    ("      - name: recordings_abc", "      - name: recordings_abc; DROP TABLE x",
     r"'recordings_abc; DROP TABLE x' is not a plain SQL name"),
    ("url_env: YAKSOK_EXTERNAL_EVENTS", "url_env: sqlite:///events.db",
     r"is not the name of an environment variable"),
    ("  - key: event_entries", "  - key: karaoke_archive",
     r"external_datasets: 'karaoke_archive' is declared twice"),
    ("      - name: devices_abc", "      - name: profiles_abc",
     r"^external_datasets\.0\.tables: 'profiles_abc' is declared twice"),
    ("member: {column: member_ref}", "member: {column: member_ref, path: "
     "[{column: x, references: y.z}]}", r"give either `column` or `path`"),
    ("erasure: mask", "erasure: scramble", r"'scramble' is not an erasure strategy"),
    ('erasure: "null"', "erasure: null", r"YAML reads null as nothing"),
]


@pytest.mark.parametrize("old,new,message", BAD, ids=[
    "unknown-category", "unknown-record-kind", "hold-category-not-kept", "path-undeclared",
    "path-to-itself", "path-malformed", "bad-identifier", "url-in-file", "duplicate-dataset",
    "duplicate-table", "column-and-path", "unknown-strategy", "unquoted-null"])
def test_the_cross_references_are_checked(old: str, new: str, message: str) -> None:
    text = dataset_yaml("abc").replace(old, new)
    assert text != dataset_yaml("abc"), old
    found = _problems(text)
    assert found, new
    assert any(re.search(message, p.message) for p in found), [p.message for p in found]
    assert all(p.fix for p in found)
