""""Who saw my data": a member's access history in plain terms, on both backends (P6.1)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from yaksok.accounts import add_staff
from yaksok.actors import Actor
from yaksok.auditlog import AccessEvent, append_many
from yaksok.auditlog.history import history_event, subject_history
from yaksok.errors import ValidationError
from yaksok.settings import Settings
from yaksok.store import IMMEDIATE

ROOT = Path(__file__).resolve().parents[2]
KST = ZoneInfo("Asia/Seoul")
ME = "m_7f3a9c2e01b4"

pytestmark = pytest.mark.promise("P6.1")


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=KST)


def add(yk, *events: AccessEvent) -> list[int]:
    with yk.engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        return append_many(conn, events)


@pytest.fixture
def history(yk):
    """A month in the life of ME: staff, a processor, the app, the member, a refusal."""
    info = add_staff(yk.engine, yk.keyring, yk.policy, "kim.minsu", "privacy_officer",
                     "Lamp-7-tiger").info
    common = dict(subject_ref=ME, outcome="granted", source_ip="203.0.113.44",
                  request_id="req-internal-9")
    add(yk,
        AccessEvent(actor_id=info.id, actor_kind="staff", actor_role="privacy_officer",
                    operation="read", at=at(9), categories=("user.contact.email",),
                    purpose="member_management", **common),
        AccessEvent(actor_id="st_bt_17", actor_kind="processor_staff",
                    actor_role="processor_support_agent", task="counselling",
                    operation="read", at=at(10), purpose="contract_performance",
                    categories=("user.contact.phone_number", "user.social.nickname"), **common),
        AccessEvent(actor_id="ak_5d1e", actor_kind="app_backend", operation="update",
                    at=at(11), categories=("user.social.nickname",),
                    purpose="contract_performance", **common),
        AccessEvent(actor_id=ME, actor_kind="member", operation="download", at=at(12),
                    categories=("user.content.public.posting",), **common),
        AccessEvent(actor_id="ak_5d1e", actor_kind="app_backend", operation="read",
                    at=at(13), categories=("user.demographic.gender",), purpose="usage_statistics",
                    **{**common, "outcome": "denied",
                       "reason": "consent user_analysis withdrawn (rule 7b)"}),
        # Someone else's data: never in ME's history.
        AccessEvent(actor_id="ak_5d1e", actor_kind="app_backend", operation="read", at=at(14),
                    purpose="contract_performance", **{**common, "subject_ref": "m_other"}),
    )
    return info


def test_history_in_korean_names_roles_organisations_and_labels(yk, history):
    items = subject_history(yk.engine, yk.policy, ME, lang="ko")
    assert [i.who for i in items] == [
        "SOMESING 서비스", "본인", "SOMESING 서비스", "주식회사 비티씨코리아서비스",
        "개인정보 보호책임자"]
    refused, own, update, processor, officer = items
    assert officer.categories == ("로그인ID(이메일)",) and officer.what == "열람"
    assert officer.purpose.startswith("회원관리, 본인확인")
    assert processor.categories == ("휴대전화번호", "SNS 이름(닉네임)")
    assert update.what == "수정" and own.what == "다운로드" and own.purpose is None
    assert (refused.outcome, refused.outcome_label) == ("refused", "거부됨")
    assert officer.when == "2026년 11월 2일 09:00 (KST)"
    assert officer.at == at(9) and officer.at.utcoffset() == dt.timedelta(hours=9)


def test_history_in_english(yk, history):
    items = subject_history(yk.engine, yk.policy, ME, lang="en")
    assert [i.who for i in items] == [
        "the SOMESING service", "you", "the SOMESING service", "BTC Korea Service Inc.",
        "Privacy officer"]
    assert [i.who_kind for i in items] == ["service", "you", "service", "processor", "staff"]
    officer = items[-1]
    assert officer.categories == ("login ID (email address)",) and officer.what == "viewed"
    assert officer.when == "2 November 2026, 09:00 KST"
    assert items[0].outcome_label == "refused" and items[0].categories == ("gender",)
    assert items[0].purpose.startswith("Statistics on members' use")


def test_history_never_shows_usernames_ids_ips_or_denial_reasons(yk, history):
    text = json.dumps([i.to_dict() for lang in ("ko", "en")
                       for i in subject_history(yk.engine, yk.policy, ME, lang=lang)],
                      ensure_ascii=False)
    for secret in ("kim.minsu", history.id, "st_bt_17", "ak_5d1e", "203.0.113.44",
                   "req-internal-9", "rule 7b", "withdrawn", "privacy_officer",
                   "processor_support_agent", "counselling", "m_other"):
        assert secret not in text, secret


def test_history_limit_and_period(yk, history):
    newest = subject_history(yk.engine, yk.policy, ME, lang="en", limit=2)
    assert [i.at for i in newest] == [at(13), at(12)]
    window = subject_history(yk.engine, yk.policy, ME, since=at(10), until=at(12))
    assert [i.at for i in window] == [at(11), at(10)]
    assert subject_history(yk.engine, yk.policy, "m_nobody") == []


def test_reading_a_history_is_itself_in_the_history(yk, history):
    officer = Actor(id=history.id, kind="staff", role="privacy_officer")
    yk.audit.record(history_event(officer, ME, at=at(15),
                                                 source_ip="198.51.100.3"))
    (latest, *_) = subject_history(yk.engine, yk.policy, ME, lang="en")
    assert (latest.who, latest.what, latest.at) == ("Privacy officer", "viewed", at(15))
    assert latest.purpose == "Compliance with the governing law and legal obligations"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"lang": "fr"}, "lang"), ({"limit": 0}, "limit")])
def test_bad_arguments_are_validation_errors(yk, kwargs, field):
    with pytest.raises(ValidationError) as info:
        subject_history(yk.engine, yk.policy, ME, **kwargs)
    assert info.value.field == field


def test_cli_history_prints_plain_lines_or_json_and_logs_the_read(tmp_path, monkeypatch, capsys,
                                                                  db_url, cli_staff):
    from yaksok.auditlog import iter_entries
    from yaksok.cli import main
    from yaksok.engine import open_yaksok

    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("YAKSOK_DATABASE_URL", db_url)
    monkeypatch.setenv("YAKSOK_POLICY", str(ROOT / "policies" / "somesing.yaml"))
    assert main(["init"]) == 0
    yk = open_yaksok(Settings.from_env())
    officer = cli_staff(yk)  # the officer signed in at the shell
    add(yk, AccessEvent(actor_id="ak_5d1e", actor_kind="app_backend", operation="read",
                        outcome="granted", at=at(11), subject_ref=ME, source_ip="203.0.113.44",
                        categories=("user.social.nickname",), purpose="social_services"))
    capsys.readouterr()
    assert main(["audit", "history", ME, "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # Newest first: the CLI's own read (the officer signed in at the shell), then the app's.
    assert lines[0].split("\t")[1:3] == ["Privacy officer", "viewed"]
    assert lines[1].split("\t") == [
        "2 November 2026, 11:00 KST", "the SOMESING service", "viewed", "SNS name (nickname)",
        "Services tailored to the member's acquaintances and social relations", "allowed"]
    assert main(["audit", "history", ME, "--json", "--limit", "1"]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert item["who"] == "개인정보 보호책임자" and item["what"] == "열람"
    reads = [e for e in iter_entries(yk.engine, subject_ref=ME) if e.actor_id == officer]
    assert len(reads) == 2 and {e.operation for e in reads} == {"read"}
    assert "203.0.113.44" not in "\n".join(lines)
    yk.close()
