"""The monthly inspection report: each flag fires exactly where it should, on both backends.

Entries are synthetic (appended with ``append_many`` at chosen times) until later issues produce
real downloads, exports and processor staff. Times are written in Korean local time (KST, UTC+9)
because that is the inspection time zone of the SOMESING policy; 2026-11-02 is a Monday.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from yaksok.auditlog import AccessEvent, append_many
from yaksok.auditlog.inspect import monthly_report, parse_month, report_html, report_json
from yaksok.errors import ValidationError
from yaksok.policy.loader import load_policy
from yaksok.store import IMMEDIATE

POLICY = load_policy(Path(__file__).resolve().parents[2] / "policies" / "somesing.yaml")
KST = ZoneInfo("Asia/Seoul")
MONTH = "2026-11"

pytestmark = pytest.mark.promise("P12.8")


def kst(day: int, hour: int = 10, minute: int = 0, second: float = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=KST) + dt.timedelta(seconds=second)


def ev(at: dt.datetime, actor: str = "st_officer", **changes) -> AccessEvent:
    """A granted, well-formed staff read at ``at`` unless ``changes`` say otherwise."""
    values = dict(actor_id=actor, actor_kind="staff", actor_role="privacy_officer",
                  operation="read", outcome="granted", at=at, source_ip="198.51.100.20",
                  subject_ref="m_0001", categories=("user.contact.email",),
                  purpose="member_management", request_id="req-1")
    values.update(changes)
    return AccessEvent(**values)


def denial(at: dt.datetime, actor: str = "ak_backend") -> AccessEvent:
    return ev(at, actor, actor_kind="app_backend", actor_role=None, outcome="denied",
              reason="purpose not in the key's scopes")


def download(at: dt.datetime, actor: str = "st_officer", **changes) -> AccessEvent:
    return ev(at, actor, **{"operation": "download", "reason": "complaint 2026-118", **changes})


def add(engine, *events: AccessEvent) -> list[int]:
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        return append_many(conn, events)


def report(engine, month: str = MONTH, **kw):
    return monthly_report(engine, POLICY, month, now=kst(28, month=12), **kw)


def flags(rep, kind: str) -> list:
    return [f for f in rep.flags if f.kind == kind]


# -- bulk downloads and exports ---------------------------------------------------------------

def test_bulk_exactly_at_the_threshold_is_not_flagged_one_above_is(engine):
    at = kst(3, 11)
    add(engine, *(download(at + dt.timedelta(seconds=i)) for i in range(100)))  # 100: at it
    # Another actor: 60 downloads and 41 exports in one day, 101 in all, mixed with reads.
    mixed = [download(at, "st_other", operation="export" if i % 2 else "download")
             for i in range(101)]
    seqs = add(engine, *mixed[:50], ev(at, "st_other"), *mixed[50:])
    rep = report(engine)
    bulk = flags(rep, "bulk")
    assert [f.actor_id for f in bulk] == ["st_other"]
    assert set(bulk[0].seqs) == set(seqs) - {seqs[50]}  # the read is not one of them
    assert len(bulk[0].seqs) == 101 and bulk[0].day == dt.date(2026, 11, 3)


def test_bulk_counts_per_local_day_and_only_granted(engine):
    # 3 on Tuesday 23:59 KST and 2 on Wednesday 00:00 KST: close in time, different days.
    add(engine, *(download(kst(3, 23, 59, i)) for i in range(3)),
        *(download(kst(4, 0, 0, i)) for i in range(2)),
        *(download(kst(5, 10, 0, i), outcome="denied", reason="no") for i in range(4)))
    assert not flags(report(engine, bulk_threshold=3), "bulk")
    assert [f.day for f in flags(report(engine, bulk_threshold=2), "bulk")] == [
        dt.date(2026, 11, 3)]


# -- outside working hours (08:00-20:00, Monday to Friday, KST) ------------------------------

def test_off_hours_boundaries_weekend_and_who_counts(engine):
    s = add(engine,
            ev(kst(2, 7, 59)),                        # Monday 07:59: before hours
            ev(kst(2, 8, 0)),                         # 08:00: inside
            ev(kst(2, 19, 59, 59)),                   # 19:59:59: inside
            ev(kst(2, 20, 0)),                        # 20:00: after hours
            ev(kst(7, 11, 0)),                        # Saturday
            ev(kst(2, 3, 0), "ak_app", actor_kind="app_backend", actor_role=None),
            ev(kst(2, 3, 0), "m_0001", actor_kind="member", actor_role=None),
            ev(kst(2, 22, 0), "ps_1", actor_kind="processor_staff",
               actor_role="processor_support_agent", task="counselling",
               purpose="contract_performance"))
    off = flags(report(engine), "off_hours")
    assert {(f.actor_id, f.day): f.seqs for f in off} == {
        ("st_officer", dt.date(2026, 11, 2)): (s[0], s[3]),
        ("st_officer", dt.date(2026, 11, 7)): (s[4],),
        ("ps_1", dt.date(2026, 11, 2)): (s[7],)}


def test_off_hours_follow_overridden_hours_and_days(engine):
    s = add(engine, ev(kst(2, 8, 30)), ev(kst(7, 11, 0)))
    rep = report(engine, working_hours="09:00-18:00",
                 working_days=["mon", "tue", "wed", "thu", "fri", "sat"])
    assert [f.seqs for f in flags(rep, "off_hours")] == [(s[0],)]


# -- bursts of denials (5 within 10 minutes) ---------------------------------------------------

def test_five_denials_within_ten_minutes_is_a_burst_over_eleven_is_not(engine):
    spread = add(engine, *(denial(kst(4, 10, 0, i * 165), "ak_slow") for i in range(5)))  # 11 min
    tight = add(engine, *(denial(kst(4, 10, 0, i * 150), "ak_fast") for i in range(5)))  # 10 min
    add(engine, *(denial(kst(4, 12, i), "ak_four") for i in range(4)))
    bursts = flags(report(engine), "denial_burst")
    assert [(f.actor_id, f.seqs) for f in bursts] == [("ak_fast", tuple(tight))]
    assert not set(spread) & set(bursts[0].seqs)


def test_overlapping_windows_merge_and_actors_do_not_mix(engine):
    run = add(engine, *(denial(kst(5, 10, i)) for i in range(7)))  # 7 in 6 minutes: one burst
    later = add(engine, denial(kst(5, 10, 30)), *(denial(kst(5, 14, i)) for i in range(5)))
    # Two actors, 3 denials each in the same minutes: neither reaches 5.
    add(engine, *(denial(kst(6, 9, i), a) for i in range(3) for a in ("ak_x", "ak_y")))
    # Granted entries between denials do not count.
    add(engine, *(ev(kst(6, 11, i), "ak_z", actor_kind="app_backend", actor_role=None)
                  if i % 2 else denial(kst(6, 11, i), "ak_z") for i in range(8)))
    bursts = flags(report(engine), "denial_burst")
    assert [f.seqs for f in bursts] == [tuple(run), tuple(later[1:])]


# -- processor staff outside their tasks -------------------------------------------------------

def ps(at: dt.datetime, **changes) -> AccessEvent:
    values = dict(actor_kind="processor_staff", actor_role="processor_support_agent",
                  task="community", purpose="contract_performance",
                  categories=("user.social.nickname", "user.content.public.posting"))
    values.update(changes)
    return ev(at, "ps_agent", **values)


def test_processor_staff_outside_their_tasks(engine):
    s = add(engine,
            ps(kst(2, 10)),                                               # within community
            ps(kst(2, 11), categories=("user.social.nickname", "user.contact.email")),
            ps(kst(2, 12), task=None),
            ps(kst(2, 13), task="billing"),
            ps(kst(2, 14), purpose="consented_marketing"),
            ps(kst(2, 15), task="counselling", categories=("user.contact.email",)),  # within
            ps(kst(2, 16), categories=("user.contact.phone_number",), outcome="denied",
               reason="category outside the task"),
            ev(kst(2, 17), task=None))                                    # controller staff
    (flag,) = flags(report(engine), "processor_scope")
    assert flag.seqs == (s[1], s[2], s[3], s[4], s[6])
    notes = [e.note.en for e in flag.entries]
    assert "user.contact.email" in notes[0] and "community" in notes[0]
    assert "no task" in notes[1]
    assert "billing" in notes[2]
    assert "consented_marketing" in notes[3]
    assert flag.entries[0].note.ko and flag.entries[4].outcome == "denied"


# -- downloads with no reason, access with no purpose ------------------------------------------

def test_downloads_and_exports_without_a_stated_reason(engine):
    s = add(engine,
            download(kst(2, 10), reason=None),
            download(kst(2, 10, 1), reason=""),
            download(kst(2, 10, 2), reason="   "),
            download(kst(2, 10, 3), operation="export", reason=None),
            download(kst(2, 10, 4)),                                   # reason stated
            ev(kst(2, 10, 5), reason=None),                            # a read owes none
            download(kst(2, 10, 6), "m_0001", actor_kind="member", actor_role=None,
                     reason=None))                                     # member, own data
    (flag,) = flags(report(engine), "no_reason")
    assert flag.seqs == tuple(s[:4])


def test_access_without_a_purpose(engine):
    s = add(engine,
            ev(kst(2, 10), purpose=None),
            ev(kst(2, 10, 1), operation="collect", purpose=""),
            ev(kst(2, 10, 2), operation="disclose", purpose=None),
            ev(kst(2, 10, 3)),                                         # has a purpose
            ev(kst(2, 10, 4), purpose=None, outcome="denied", reason="no purpose given"),
            ev(kst(2, 10, 5), operation="erase", purpose=None),        # not a use for a purpose
            ev(kst(2, 10, 6), operation="admin", purpose=None),
            ev(kst(2, 10, 7), "m_0001", actor_kind="member", actor_role=None, purpose=None))
    (flag,) = flags(report(engine), "no_purpose")
    assert flag.seqs == tuple(s[:3])


def test_a_clean_month_has_no_flags(engine):
    add(engine, ev(kst(2, 10)), download(kst(3, 11)),
        ev(kst(4, 3), "ak_app", actor_kind="app_backend", actor_role=None))
    rep = report(engine)
    assert rep.total == 3 and rep.flags == ()


# -- month, counts, outputs ---------------------------------------------------------------------

def test_month_boundaries_are_local(engine):
    utc = dt.UTC
    s = add(engine,
            ev(dt.datetime(2026, 10, 31, 14, 59, 59, tzinfo=utc)),   # 23:59:59 KST, October
            ev(dt.datetime(2026, 10, 31, 15, 30, tzinfo=utc)),       # 00:30 KST 1 November
            ev(dt.datetime(2026, 11, 30, 14, 59, 59, tzinfo=utc)),   # last second of November
            ev(dt.datetime(2026, 11, 30, 15, 0, tzinfo=utc)))        # 00:00 KST 1 December
    nov = report(engine)
    assert (nov.total, nov.first_seq, nov.last_seq) == (2, s[1], s[2])
    assert nov.start == dt.datetime(2026, 11, 1, tzinfo=KST)
    assert nov.end == dt.datetime(2026, 12, 1, tzinfo=KST)
    assert (report(engine, "2026-10").total, report(engine, "2026-12").total) == (1, 1)
    # The 00:30 entry is flagged on Sunday 1 November, local time.
    assert flags(nov, "off_hours")[0].day == dt.date(2026, 11, 1)


def test_counts_per_actor_operation_and_purpose(engine):
    add(engine, ev(kst(2, 10)), ev(kst(2, 11)), download(kst(2, 12)),
        ev(kst(2, 13), outcome="denied", reason="x"),
        ev(kst(2, 14), "ak_app", actor_kind="app_backend", actor_role=None,
           purpose="contract_performance"))
    rep = report(engine)
    assert (rep.total, rep.granted, rep.denied) == (5, 4, 1)
    officer = next(a for a in rep.actors if a.actor_id == "st_officer")
    assert (officer.actor_kind, officer.actor_role, officer.granted, officer.denied) == (
        "staff", "privacy_officer", 3, 1)
    assert officer.role_label.ko == "개인정보 보호책임자"
    assert {(o.operation, o.granted, o.denied) for o in officer.operations} == {
        ("read", 2, 1), ("download", 1, 0)}
    assert {(p.purpose, p.granted, p.denied) for p in rep.purposes} == {
        ("member_management", 3, 1), ("contract_performance", 1, 0)}
    assert [(o.operation, o.granted, o.denied) for o in rep.operations] == [
        ("read", 3, 1), ("download", 1, 0)]


def test_complete_only_after_the_month(engine):
    assert not monthly_report(engine, POLICY, MONTH, now=kst(30, 23, 59)).complete
    assert monthly_report(engine, POLICY, MONTH, now=kst(1, 0, 0, month=12)).complete


def test_json_names_seqs_and_shows_ips_only_in_flagged_entries(engine):
    s = add(engine, ev(kst(2, 10), source_ip="198.51.100.77"),            # clean
            ev(kst(2, 10, 1), purpose=None, source_ip="203.0.113.5"))    # flagged
    data = report_json(report(engine))
    text = json.dumps(data, ensure_ascii=False)
    assert "203.0.113.5" in text and "198.51.100.77" not in text
    (flag,) = data["flags"]
    assert flag["kind"] == "no_purpose" and flag["seqs"] == [s[1]]
    assert flag["entries"][0]["source_ip"] == "203.0.113.5"
    assert flag["first_at"] == "2026-11-02T10:01:00+09:00"
    assert data["thresholds"]["bulk_threshold"] == 100 and data["total"] == 2


@pytest.mark.parametrize(("lang", "heading", "kind"), [
    ("ko", "접속기록 점검 보고서", "목적 없는 접근"),
    ("en", "Access-log inspection report", "Access with no purpose"),
])
def test_html_is_a_complete_escaped_document(engine, lang, heading, kind):
    add(engine, ev(kst(2, 10), "<script>alert(1)</script>", purpose=None,
                   actor_kind="app_backend", actor_role=None))
    html = report_html(report(engine), lang)
    assert html.lstrip().startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert f'<html lang="{lang}">' in html and f"<h1>{heading}" in html
    assert f"{kind} (1)" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<th scope="col">' in html and "<caption>" in html


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "", "x"])
def test_a_bad_month_names_the_field_and_the_form(bad):
    with pytest.raises(ValidationError) as info:
        parse_month(bad, field="--month")
    assert info.value.field == "--month" and "YYYY-MM" in info.value.fix


def test_bad_threshold_overrides_are_refused(engine):
    with pytest.raises(ValidationError) as info:
        report(engine, bulk_threshold=0)
    assert info.value.field == "bulk_threshold"
    with pytest.raises(ValidationError):
        report(engine, no_such_threshold=1)


# -- the CLI ----------------------------------------------------------------------------------

@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """``yaksok`` in-process on a fresh data directory; returns (exit code, stdout, stderr)."""
    from yaksok.cli import main

    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(Path(__file__).resolve().parents[2]
                                            / "policies" / "somesing.yaml"))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert run("init")[0] == 0
    return run


def test_cli_report_writes_json_and_html_and_logs_the_download(cli, tmp_path, cli_staff):
    from yaksok.engine import open_yaksok
    from yaksok.settings import Settings

    yk = open_yaksok(Settings.from_env())
    officer = cli_staff(yk)
    add(yk.engine, ev(dt.datetime(2024, 11, 4, 10, tzinfo=KST), purpose=None))  # a Monday
    code, out, _ = cli("audit", "report", "--month", "2024-11", "--format", "json",
                       "-o", str(tmp_path / "r.json"))
    assert code == 0 and "1 flag(s)" in out
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["month"] == "2024-11" and data["flags"][0]["seqs"] == [0]
    code, out, _ = cli("audit", "report", "--month", "2024-11", "--lang", "en")
    assert code == 0 and out.startswith("<!DOCTYPE html>") and "Access with no purpose (1)" in out
    from yaksok.auditlog import iter_entries

    logged = list(iter_entries(yk.engine))[1:]
    assert [(e.operation, e.reason, e.actor_kind) for e in logged] == [
        ("download", "monthly inspection 2024-11", "staff")] * 2
    assert logged[0].actor_id == officer  # the staff account signed in at the shell
    yk.close()


@pytest.mark.parametrize(("argv", "field"), [
    (("--month", "2024-13"), "--month"), (("--month", "2024-11", "--format", "pdf"), "--format")])
def test_cli_report_bad_input_exits_2_naming_the_option(cli, argv, field):
    code, _, err = cli("audit", "report", *argv)
    assert code == 2 and err.startswith(f"error: {field}:")
    assert "YYYY-MM" in err or field != "--month"
