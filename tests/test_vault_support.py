"""Fixtures and helpers shared by the ``test_vault_*`` modules (which import them); no tests.

Every fixture runs on SQLite and on PostgreSQL (``db_url``). The test data are Korean, as the
members of SOMESING are: names, phones in E.164, emails, postings in Hangul.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from yaksok.actors import api_key_actor, staff_actor
from yaksok.auditlog import iter_entries
from yaksok.engine import init_yaksok
from yaksok.settings import Settings
from yaksok.vault import Vault

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "somesing.yaml"
NOTICE = "SNS 계정으로 로그인할 때 실명, 생년월일, 성별을 수집·이용합니다."

EMAIL = "user.contact.email"
PHONE = "user.contact.phone_number"
NAME = "user.name"
DOB = "user.demographic.date_of_birth"
GENDER = "user.demographic.gender"
NICK = "user.social.nickname"
SNS_ID = "user.social.account_id"
POSTING = "user.content.public.posting"
MEDIA = "user.content.public.media"

#: One member's plaintext values (every test that stores them scans for them somewhere).
MINSU = {
    EMAIL: "minsu.kim@somesing.kr",
    PHONE: "+821012345678",
    NICK: "노래하는민수",
    SNS_ID: "kakao:3141592653",
    NAME: "김민수",
    DOB: "1995-04-17",
    GENDER: "남성",
    POSTING: "오늘 부른 아리랑 어때요? 한강에서 녹음했어요",
}
JIYEON = {
    EMAIL: "jiyeon.park@somesing.kr",
    PHONE: "+821098765432",
    NICK: "지연의노래방",
    NAME: "박지연",
    POSTING: "비 오는 날 듣기 좋은 발라드 모음",
}


@pytest.fixture
def yk(tmp_path, db_url, keyring_path):
    """An initialised yaksok on each backend (SQLite file / PostgreSQL schema)."""
    y = init_yaksok(Settings(data_dir=tmp_path / "data", database_url=db_url,
                             policy_path=POLICY, keyring_path=keyring_path))
    yield y
    y.close()


@pytest.fixture
def vault(yk) -> Vault:
    """The wired vault (with the leftovers and registries the wiring gives it)."""
    return yk.vault


@pytest.fixture
def app(yk):
    """An app backend holding every API scope (every purpose)."""
    return api_key_actor(yk.policy, "ak_somesing", "somesing-app",
                         ["members", "analytics", "marketing", "compliance"])


@pytest.fixture
def officer(yk):
    return staff_actor(yk.policy, "st_officer", "yoon", "privacy_officer")


@pytest.fixture
def agent(yk):
    """A support agent of the processor BTC Korea Service (community and counselling tasks)."""
    return staff_actor(yk.policy, "st_btc", "btc-agent", "processor_support_agent")


@pytest.fixture
def engineer(yk):
    return staff_actor(yk.policy, "st_eng", "dev", "engineer")


def member(vault: Vault, **kw) -> str:
    return vault.create_member(**kw)


def consent(vault: Vault, member_id: str, key: str, action: str = "give", **kw) -> int:
    fn = {"give": vault.give_consent, "refuse": vault.refuse_consent,
          "withdraw": vault.withdraw_consent}[action]
    kw.setdefault("notice_text", NOTICE)
    kw.setdefault("channel", "app")
    kw.setdefault("actor", _member_actor(member_id))
    return fn(member_id, key, **kw)


def _member_actor(member_id: str):
    from yaksok.actors import Actor
    return Actor(id=member_id, kind="member", display=f"member:{member_id}")


def member_actor(member_id: str):
    return _member_actor(member_id)


def entries(yk) -> list:
    return list(iter_entries(yk.engine))


def last_entry(yk):
    return entries(yk)[-1]


def values_of(yk, member_id: str) -> list:
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT id, category, ciphertext, channel, flow FROM "
                                    "vault_values WHERE member_id = :m ORDER BY id"),
                            {"m": member_id}).fetchall()


def sqlite_files(yk) -> list[Path]:
    """The SQLite database file and its WAL (and shm), if the backend is SQLite."""
    if yk.engine.dialect.name != "sqlite":
        return []
    db = Path(yk.engine.url.database)
    return [p for p in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")) if p.exists()]


def database_bytes(yk) -> bytes:
    """Everything the database holds, as bytes: the SQLite files, or every row of every table
    of the PostgreSQL schema (text and bytea columns as stored)."""
    if yk.engine.dialect.name == "sqlite":
        return b"".join(p.read_bytes() for p in sqlite_files(yk))
    chunks = []
    with yk.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.exec_driver_sql(f'SELECT * FROM "{table}"'):  # noqa: S608
                for cell in row:
                    if isinstance(cell, bytes | memoryview):
                        chunks.append(bytes(cell))
                    elif cell is not None:
                        chunks.append(str(cell).encode("utf-8"))
    return b"\x00".join(chunks)


def age_years_ago(years: int, days: int = 0) -> str:
    today = dt.datetime.now(dt.UTC).date()
    try:
        d = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        d = today.replace(year=today.year - years, day=28)
    return (d - dt.timedelta(days=days)).isoformat()
