"""The console's access-log pages over HTTP, signed in through the console as the security
auditor, the privacy officer and the processor's agent: the log's state and "verify now" (the
outcome on record), the monthly report whose chart table carries the core's own per-day counts
and whose flags point to their entries, a member's entries, an entry's proof that verifies (and
one that does not once altered), and who is refused what."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from tests.support.auditlog import raw
from tests.support.console import console_client, console_post, staff_session
from tests.support.members import signup_args
from yaksok.api import create_app
from yaksok.auditlog import AccessEvent, append_many, iter_entries
from yaksok.auditlog.inspect import monthly_report
from yaksok.members.signup import sign_up
from yaksok.store import IMMEDIATE

KST = ZoneInfo("Asia/Seoul")
MONTH = "2025-06"


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 6, day, hour, minute, tzinfo=KST)


def _seed(yk, member: str) -> None:
    """June 2025: two reads and a denial on the 3rd, a read on the 15th, and five denials of
    one key within ten minutes on the 20th (a burst the report flags)."""
    def ev(at, **kw):
        base = dict(actor_id="st_seed", actor_kind="staff", actor_role="privacy_officer",
                    operation="read", outcome="granted", at=at, subject_ref=member,
                    categories=("user.contact.email",), purpose="member_management")
        return AccessEvent(**{**base, **kw})

    denied = dict(actor_id="ak_noisy", actor_kind="app_backend", actor_role=None,
                  outcome="denied", reason="actor-not-allowed")
    events = [ev(_at(3, 10)), ev(_at(3, 11)), ev(_at(3, 12), **denied), ev(_at(15, 9))]
    events += [ev(_at(20, 14, m), **denied) for m in (0, 2, 4, 6, 8)]
    with yk.engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        append_many(conn, events)
    yk.audit.seal(force=True)


@pytest.fixture(scope="module")
def desk(console_yk):
    yk = console_yk
    app = create_app(yk)
    member = sign_up(yk, **signup_args(812))
    _seed(yk, member)
    out = {"yk": yk, "app": app, "member": member}
    for who in ("auditor", "officer", "agent"):
        out[who] = console_client(yk, app=app)
        staff_session(out[who], yk, who, username=f"al-{who}")
    return out


@pytest.mark.promise("P7.6")
def test_the_auditor_verifies_now_and_the_outcome_is_on_record(desk):
    auditor = desk["auditor"]
    page = auditor.get("/console/auditlog")
    assert page.status_code == 200 and "<title>접속기록 상태와 검증 · " in page.text
    assert "서명된 체크포인트 원문" in page.text and "access-log\n" in page.text  # the note
    r = console_post(auditor, "/console/auditlog/verify", {}, page="/console/auditlog")
    assert r.status_code == 303 and r.headers["location"] == "/console/auditlog?done=verified"
    html = auditor.get("/console/auditlog?done=verified&lang=en").text
    assert "Verification done" in html and "✓ OK" in html
    [record] = [e for e in iter_entries(desk["yk"].engine) if e.operation == "admin"
                and (e.reason or "").startswith("access-log verification: OK")]
    assert record.actor_role == "security_auditor" and f"<code>{record.actor_id}</code>" in html


def _chart_rows(html: str) -> dict[str, tuple[int, int]]:
    table = html.split('class="chart-table"')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td>', table)
    return {label: (int(a), int(d)) for label, a, d in rows}


def test_the_reports_chart_table_carries_the_cores_per_day_counts(desk):
    yk = desk["yk"]
    html = desk["auditor"].get(f"/console/auditlog/report?month={MONTH}").text
    assert "일별 접근과 거부" in html and "<svg" in html
    report = monthly_report(yk.engine, yk.policy, MONTH)
    expected = {f"{d.day:%m-%d}": (d.granted + d.denied, d.denied) for d in report.days}
    assert _chart_rows(html) == expected and len(expected) == 30
    assert expected["06-03"] == (3, 1) and expected["06-20"] == (5, 5)
    # the burst: its rule, count, meaning and the entries it points to (each a proof link)
    [flag] = [f for f in report.flags if f.kind == "denial_burst"]
    row = html.split('data-kind="denial_burst"')[1].split("</tr>")[0]
    assert '<td class="num">5</td>' in row and "ak_noisy" in row and "권한 밖의" in row
    for seq in flag.seqs:
        assert f'href="/console/auditlog/entry/{seq}"' in row
    # taking the report is logged as REST logs it: a download with its reason
    assert any(e.operation == "download" and e.reason == f"monthly inspection {MONTH}"
               for e in iter_entries(yk.engine))


def test_a_bad_month_is_the_page_again_naming_the_field(desk):
    r = desk["auditor"].get("/console/auditlog/report?month=2025-13&lang=en")
    assert r.status_code == 422 and 'id="field-month"' in r.text and 'aria-invalid="true"' in r.text


@pytest.mark.promise("P7.6")
def test_an_entrys_proof_verifies_and_an_altered_one_does_not(desk):
    yk, auditor = desk["yk"], desk["auditor"]
    seq = next(e.seq for e in iter_entries(yk.engine) if e.actor_id == "st_seed")
    r = auditor.get("/console/auditlog/entry", params={"seq": str(seq)})
    assert r.status_code == 303 and r.headers["location"] == f"/console/auditlog/entry/{seq}"
    html = auditor.get(r.headers["location"]).text
    assert "이 기록은 서명된 로그에 포함되어 있고 바뀌지 않았습니다." in html
    assert html.count("✓ 통과") == 3 and "✗" not in html
    raw(yk.engine, "UPDATE access_log SET purpose = 'marketing' WHERE seq = :s", {"s": seq})
    try:
        html = auditor.get(f"/console/auditlog/entry/{seq}?lang=en").text
        assert "This entry does not verify." in html and "marketing" in html
    finally:
        raw(yk.engine, "UPDATE access_log SET purpose = 'member_management' WHERE seq = :s",
            {"s": seq})
    assert auditor.get("/console/auditlog/entry/abc").status_code == 422
    assert auditor.get("/console/auditlog/entry/9999999").status_code == 404


def test_a_members_entries_name_who_and_are_logged_as_read(desk):
    yk, member = desk["yk"], desk["member"]
    html = desk["officer"].get(f"/console/auditlog/member/{member}").text
    assert "<code>st_seed</code>" in html and "<code>ak_noisy</code>" in html
    assert "actor-not-allowed" in html and 'class="overdue"' in html  # denials marked
    reading = [e for e in iter_entries(yk.engine, subject_ref=member)
               if e.purpose == "legal_compliance" and e.actor_role == "privacy_officer"]
    assert reading and reading[-1].operation == "read"
    assert desk["officer"].get("/console/auditlog/member/" + "m" * 65).status_code == 404


@pytest.mark.promise("P7.5")
def test_the_auditor_reaches_the_access_log_and_nothing_else_the_officer_not_verifying(desk):
    auditor, officer, agent, member = (desk["auditor"], desk["officer"], desk["agent"],
                                       desk["member"])
    for page in ("/console/auditlog", f"/console/auditlog/report?month={MONTH}",
                 f"/console/auditlog/member/{member}", "/console/auditlog/entry/0"):
        assert auditor.get(page).status_code == 200, page
        assert agent.get(page).status_code == 403, page
    for page in ("/console/members", "/console/rights", "/console/tasks"):
        assert auditor.get(page).status_code == 403, page
    state = officer.get("/console/auditlog")  # audit.read: the state, not the verification
    assert state.status_code == 200 and "/console/auditlog/verify" not in state.text
    assert officer.get("/console/auditlog/entry/0").status_code == 403  # audit.verify's
    assert console_post(officer, "/console/auditlog/verify", {},
                        page="/console/auditlog").status_code == 403
    assert officer.get(f"/console/auditlog/report?month={MONTH}").status_code == 200
    menu = auditor.get("/console/").text
    assert 'href="/console/auditlog"' in menu and 'href="/console/auditlog/report"' in menu
    assert 'href="/console/members"' not in menu
