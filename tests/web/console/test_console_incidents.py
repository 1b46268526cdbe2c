"""The console's breach register over HTTP (issue 19): an incident recorded on the page shows
each legal clock's time left or overdue in words (the state as a word, not by colour alone) and
as a chart of hours gone against the limit; the officer fixes the affected members, notifies
them, reports and records an exemption from the incident's page, and REST sees the same; the
security auditor and the processor's agent are refused, logged."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.support.api import bearer, staff_token
from tests.support.console import console_client, console_post, csrf_of, staff_session
from tests.support.members import signup_args
from yaksok.accounts.staff import list_staff
from yaksok.auditlog import iter_entries
from yaksok.members.signup import sign_up

PAGE = "/console/registers/incidents"
KST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(scope="module")
def desk(console_yk):
    client = console_client(console_yk)
    staff_session(client, console_yk, "officer", username="ic.officer")
    rest = console_client(console_yk)
    token = staff_token(rest, console_yk, "ic.rest", "privacy_officer")
    return {"yk": console_yk, "page": client, "rest": rest, "auth": bearer(token)}


def local_minute(hours_ago: float) -> str:
    """What a datetime-local input sends: Korean time, to the minute."""
    return (dt.datetime.now(KST) - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def open_on_page(desk, title: str, hours_ago: float, **extra) -> tuple[str, str]:
    """Record an incident through the page's form; returns (its id, its page's HTML)."""
    form = {"title": title, "nature": "운영자 계정으로 회원 연락처 조회", "cause": "피싱된 비밀번호",
            "categories": ["user.contact.email"], "measures": "계정 잠금",
            "discovered_at": local_minute(hours_ago), "flags": ["outside_access"]}
    form.update(extra)
    r = console_post(desk["page"], PAGE, form)
    assert r.status_code == 303, r.text[:2000]
    where = r.headers["location"]
    assert where.startswith(f"{PAGE}/inc_") and where.endswith("?done=opened")
    incident_id = where.split("?")[0].rsplit("/", 1)[1]
    return incident_id, desk["page"].get(where).text


def clock_row(html: str, label: str) -> str:
    """The clocks table's row of one duty (its <tr> ... </tr>)."""
    m = re.search(r"<tr[^>]*>\s*<th scope=\"row\">" + re.escape(label) + r"</th>.*?</tr>", html,
                  re.S)
    assert m, f"no clock row {label!r}"
    return m.group(0)


def test_an_incident_aware_80_hours_ago_is_overdue_in_words_and_in_the_chart(desk):
    incident_id, html = open_on_page(desk, "관리자 계정 도용", 80)
    row = clock_row(html, "개인정보보호위원회·KISA 신고")
    assert 'class="overdue"' in row                       # the row, and ...
    assert "기한 초과" in row and "기한 초과: 8시간" in row  # ... the word and the hours past
    assert "해당 없음" in clock_row(html, "EU 감독기관 신고")   # no EU member affected
    # the chart: hours gone against the 72-hour limit, and the same numbers as a table
    assert "<svg" in html and "인지 후 지난 시간과 72시간 기한" in html
    assert re.search(r"보호위원회</th><td>80(\.\d)?시간</td><td>72시간</td>", html), "its table"
    register = desk["page"].get(PAGE).text
    assert incident_id in register and '<tr class="overdue">' in register
    en = desk["page"].get(f"{PAGE}/{incident_id}", params={"lang": "en"}).text
    row = clock_row(en, "report to the PIPC / KISA")
    assert "overdue" in row and "Overdue by 8 h" in row
    # and what the core says over REST
    view = desk["rest"].get(f"/incidents/{incident_id}", headers=desk["auth"]).json()
    pipc = next(c for c in view["clocks"] if c["key"] == "pipc")
    assert pipc["state"] == "overdue" and pipc["limit_hours"] == 72

    _, fresh = open_on_page(desk, "백업 노출", 10)
    row = clock_row(fresh, "개인정보보호위원회·KISA 신고")
    assert "진행 중" in row and "남음" in row and "overdue" not in row


def test_the_officer_works_an_incident_from_its_page_and_rest_sees_the_same(desk):
    yk = desk["yk"]
    member = sign_up(yk, **signup_args(401))
    incident_id, html = open_on_page(desk, "고객센터 파일 유출", 2,
                                     flags=["possible", "outside_access"])
    assert "유출 가능성 (확인 전)" in html and "아직 확정 전" in html
    page = f"{PAGE}/{incident_id}"
    # a notice before the affected members are fixed: not offered yet
    assert f'action="{page}/stages"' not in html
    r = console_post(desk["page"], f"{page}/affected", {"member_ids": f"{member}\n"}, page=page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=affected"
    html = desk["page"].get(page).text
    assert f'action="{page}/affected"' not in html and f'action="{page}/stages"' in html
    # a final notice must say every item: the first missing one is marked
    r = console_post(desk["page"], f"{page}/stages", {"kind": "final"}, page=page)
    assert r.status_code == 422
    tag = re.search(r'<textarea[^>]*id="field-texts\.ko\.what"[^>]*>', r.text).group(0)
    assert 'aria-invalid="true"' in tag
    texts = {f"texts.{lang}.{item}": f"{lang}: {item} 안내"
             for lang in ("ko", "en") for item in ("what", "company_does", "contact")}
    r = console_post(desk["page"], f"{page}/stages", {"kind": "preliminary", **texts},
                     page=page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=stage"
    html = desk["page"].get(page).text
    assert "유출된 개인정보 항목" in html and "ko: what 안내" in html
    assert "완료" in clock_row(html, "유출 가능성 통지 (예비)")
    r = console_post(desk["page"], f"{page}/reports",
                     {"authority": "pipc", "reference": "KISA-2026-0042"}, page=page)
    assert r.status_code == 303
    r = console_post(desk["page"], f"{page}/exemption",
                     {"exempt_authority": "eu_sa", "ground": "EU 회원 없음, 위험 낮음"}, page=page)
    assert r.status_code == 303
    html = desk["page"].get(page).text
    assert "KISA-2026-0042" in html and "EU 회원 없음, 위험 낮음" in html
    view = desk["rest"].get(f"/incidents/{incident_id}", headers=desk["auth"]).json()
    assert view["affected_total"] == 1 and view["stages"][0]["recipients"] == 1
    assert view["stages"][0]["texts"]["en"]["contact"] == "en: contact 안내"
    assert "pipc" in view["reports"] and view["exemptions"] == {"eu_sa": "EU 회원 없음, 위험 낮음"}
    states = {c["key"]: c["state"] for c in view["clocks"]}
    assert states["members_kr"] == "done" and states["pipc"] == "done"
    # a second fix of the members is refused by the core, as a page
    r = console_post(desk["page"], f"{page}/affected", {"member_ids": member}, page=page)
    assert r.status_code == 409 and "Traceback" not in r.text
    assert desk["page"].get(f"{PAGE}/inc_000000000000").status_code == 404


@pytest.mark.parametrize("who", ["auditor", "agent"])
def test_the_auditor_and_the_agent_are_refused_the_breach_register_and_it_is_logged(desk, who):
    yk = desk["yk"]
    incident_id, _ = open_on_page(desk, f"{who} 확인용", 1)
    client = console_client(yk)
    username = staff_session(client, yk, who, username=f"ic.{who}")
    staff_id = next(s.id for s in list_staff(yk.engine) if s.username == username)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/{incident_id}").status_code == 403
    csrf = csrf_of(client.get("/console/password").text)
    r = client.post(f"{PAGE}/{incident_id}/reports", data={"csrf": csrf, "authority": "pipc"})
    assert r.status_code == 403
    denied = [e for e in iter_entries(yk.engine)
              if e.actor_id == staff_id and e.outcome == "denied"]
    assert len(denied) == 3
    view = desk["rest"].get(f"/incidents/{incident_id}", headers=desk["auth"]).json()
    assert view["reports"] == {}
