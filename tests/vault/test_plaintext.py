"""The plaintext scan (P7.2): a full run of the vault, then every plaintext value it used is
searched for in the raw database (the SQLite file and its WAL; every row on PostgreSQL), in the
data directory's files, in everything logged at DEBUG and in every error message. Nothing may
be found, whole or in part."""

from __future__ import annotations

import logging

import pytest

from tests.support.database import database_bytes
from tests.support.vault import (
    DOB,
    EMAIL,
    GENDER,
    JIYEON,
    MINSU,
    NAME,
    NICK,
    PHONE,
    POSTING,
    SNS_ID,
    age_years_ago,
    consent,
    member,
    member_actor,
)
from yaksok.errors import YaksokError
from yaksok.vault import NewValue

REFUSED = {  # values that are refused: they must not be stored or echoed either
    DOB: age_years_ago(10),
    GENDER: "여성",
    "user.favourite.food": "김치찌개와 떡볶이",
}
AUTOMATIC = {
    "user.device.device_id": "갤럭시-S23-기기번호-7781",
    "user.device.ip_address": "192.0.2.231",
    "user.behavior.search_history": "임영웅 사랑은 늘 도망가 노래방",
    "user.behavior.activity": "매일 밤 열한시 접속 두 시간",
    "user.payment.transaction_id": "TXN-KR-20260302-58812",
    "user.location.recording_place": "서울특별시 마포구 연남동 카페",
}
RECTIFIED = {PHONE: "+821077778888", NICK: "발라드여왕지연"}


def korean(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def needles(value: str) -> set[bytes]:
    """The value's encodings and the fragments whose presence would be a partial leak."""
    out = {value.encode("utf-8")}
    if korean(value):
        out.add(value.encode("utf-16-le"))
        out.add(value.encode("cp949", errors="ignore"))
        hangul = [w for w in value.split() if korean(w)]
        for word in hangul:  # every two-syllable window of every Korean word
            syl = [c for c in word if "\uac00" <= c <= "\ud7a3"]
            out.update(("".join(syl[i:i + 2])).encode("utf-8") for i in range(len(syl) - 1))
    if "@" in value:
        out.add(value.split("@")[0].encode())
    if value.startswith("+82"):
        national = value[3:]
        out.update({national.encode(), ("0" + national).encode()})
    return {n for n in out if len(n) >= 6}


@pytest.mark.promise("P7.2")
def test_no_plaintext_in_the_database_the_files_or_the_logs(yk, vault, app, agent, caplog,
                                                            tmp_path):
    assert not yk.engine.echo
    baseline = database_bytes(yk)  # a fresh store: the published policy's own text
    caplog.set_level(logging.DEBUG)  # every logger, SQLAlchemy's included
    messages: list[str] = []
    minsu, jiyeon, third = member(vault), member(vault), member(vault)
    # Sign-up, SNS sign-in with consent, SSG cash-out, postings, automatic collection.
    for m, data in ((minsu, MINSU), (jiyeon, JIYEON)):
        for cat in (EMAIL, PHONE, NICK):
            vault.collect(m, cat, data[cat], channel="app", actor=app, flow="sign_up")
        vault.collect(m, POSTING, data[POSTING], channel="app", actor=app, flow="posting")
    consent(vault, minsu, "sns_sign_in")
    vault.collect(minsu, SNS_ID, MINSU[SNS_ID], channel="app", actor=app, flow="sns_sign_in")
    vault.collect(minsu, GENDER, MINSU[GENDER], channel="app", actor=app)
    vault.collect(minsu, NAME, MINSU[NAME], channel="app", actor=app, flow="ssg_cashout")
    vault.collect(minsu, DOB, MINSU[DOB], channel="app", actor=app, flow="ssg_cashout")
    vault.collect(jiyeon, NAME, JIYEON[NAME], channel="written_form", actor=app,
                  flow="ssg_cashout")
    place = "user.location.recording_place"  # collected through the app, the rest by tools
    vault.collect_many(third, [(c, v) for c, v in AUTOMATIC.items() if c != place],
                       channel="collection_tool", actor=app)
    vault.collect_batch([NewValue(m, c, v, "app" if c == place else "collection_tool")
                         for m in (minsu, third) for c, v in AUTOMATIC.items()
                         if m == minsu or c == place], actor=app)
    # Refusals, whose messages are kept for the scan.
    for call in (
        lambda: vault.collect(third, DOB, REFUSED[DOB], channel="app", flow="ssg_cashout",
                              actor=app),
        lambda: vault.collect(third, GENDER, REFUSED[GENDER], channel="app", actor=app),
        lambda: vault.collect(third, "user.favourite.food", REFUSED["user.favourite.food"],
                              channel="app", actor=app),
        lambda: vault.collect(third, DOB, "1995년 4월 17일", channel="app", flow="ssg_cashout",
                              actor=app),
        lambda: vault.read(minsu, [EMAIL], "service_improvement", actor=app),
    ):
        with pytest.raises(YaksokError) as info:
            call()
        messages.append(str(info.value) + repr(info.value.args))
    # Reads, lookups, a processor's read, rectification, erasure and purge.
    got = vault.read(minsu, [EMAIL, PHONE, NAME, DOB, GENDER, NICK], "member_management",
                     actor=app)
    assert got[NAME][0].value == MINSU[NAME]
    messages.append(repr(got))
    vault.read(minsu, [EMAIL], "contract_performance", actor=agent, task="counselling")
    assert vault.lookup(EMAIL, MINSU[EMAIL], actor=app) == minsu
    assert vault.lookup(SNS_ID, MINSU[SNS_ID], actor=app) == minsu
    for cat, new in RECTIFIED.items():
        vault.rectify(jiyeon, cat, new, actor=member_actor(jiyeon), channel="app")
    vault.erase_member(jiyeon, actor=app)
    vault.purge_erased()
    vault.read(third, list(AUTOMATIC)[:2], "member_management", actor=app)

    used = [*MINSU.values(), *JIYEON.values(), *AUTOMATIC.values(), *REFUSED.values(),
            *RECTIFIED.values(), "1995년 4월 17일"]
    raw_db = database_bytes(yk)
    files = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file()
                     and p.suffix not in (".db", ".db-wal", ".db-shm"))
    logged = (caplog.text + "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
              ).encode("utf-8")
    errors = "\n".join(messages).encode("utf-8")
    assert caplog.records, "nothing was logged: the scan of the logs would prove nothing"
    found = []
    for value in used:
        for needle in needles(value):
            if needle in baseline:  # in the published policy's own text before any data
                continue
            for where, haystack in (("database", raw_db), ("data files", files),
                                    ("logs", logged), ("errors", errors)):
                if needle in haystack:
                    found.append((where, value[:2] + "…", len(needle)))
    assert found == []
    # The scan can see: the same needles are found where plaintext legitimately is.
    assert any(n in repr([v.value for v in got[NAME]]).encode("utf-8")
               for n in needles(MINSU[NAME]))
