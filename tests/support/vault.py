"""The vault's sample data and shorthands, shared by the tests of the vault and of what builds
on it (access, consent, retention, rights, rotation, forensics). The fixtures (``yk``, ``vault``,
``app``, ``officer``, ``agent``, ``engineer``) are in ``tests/conftest.py``.

The test data are Korean, as the members of SOMESING are: names, phones in E.164, emails,
postings in Hangul.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from yaksok.auditlog import iter_entries
from yaksok.vault import Vault

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


def age_years_ago(years: int, days: int = 0) -> str:
    today = dt.datetime.now(dt.UTC).date()
    try:
        d = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        d = today.replace(year=today.year - years, day=28)
    return (d - dt.timedelta(days=days)).isoformat()
