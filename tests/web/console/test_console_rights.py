"""The console's rights pages over HTTP, signed in through the console (issue 19): the queue by
due date with an overdue request marked, the officer verifying, extending, refusing on a legal
ground and carrying out an erasure, a letter entered with its time of receipt, and the security
auditor and the processor's agent refused on every page (and logged). One yaksok for the
module (SQLite)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from tests.support.console import console_client, console_post, csrf_of, staff_session
from tests.support.members import signup_args
from tests.support.vault import entries
from yaksok.actors import member_actor, staff_actor
from yaksok.members.signup import sign_up
from yaksok.rights.requests import get_request, submit
from yaksok.rights.verify import verify_by_staff

KST = ZoneInfo("Asia/Seoul")
EMAIL, PHONE = "user.contact.email", "user.contact.phone_number"


@pytest.fixture(scope="module")
def yk(console_yk):
    return console_yk


@pytest.fixture(scope="module")
def officer(yk):
    client = console_client(yk)
    staff_session(client, yk, "officer", username="rt-officer")
    return client


@pytest.fixture(scope="module")
def maker(yk):
    """The privacy officer as the core sees them, to set up requests without the pages."""
    return staff_actor(yk.policy, "st_rt_setup", "rt-setup", "privacy_officer")


def member(yk, n: int, **kw) -> str:
    return sign_up(yk, **signup_args(n, **kw))


def letter(yk, maker, member_id: str, right: str = "access", *, days_ago: float = 0, **kw):
    """A request by letter, received (and entered) ``days_ago`` days ago."""
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    return submit(yk, member_id=member_id, right=right, channel="written", actor=maker, now=at,
                  **kw)


def row_of(html: str, request_id: str) -> str:
    m = re.search(r"<tr[^>]*>(?:(?!</tr>).)*" + request_id + r".*?</tr>", html, re.S)
    assert m, f"{request_id} is not on the page"
    return m.group(0)


@pytest.mark.promise("P6.8")
def test_the_queue_is_by_due_date_with_the_overdue_marked_and_no_contact_values(
        yk, officer, maker):
    late = letter(yk, maker, member(yk, 851), days_ago=14)  # Korean access: 10 days
    soon = letter(yk, maker, member(yk, 852), days_ago=8)
    fresh = letter(yk, maker, member(yk, 853), "erasure")
    r = officer.get("/console/rights")
    assert r.status_code == 200
    html = r.text
    assert html.index(late.id) < html.index(soon.id) < html.index(fresh.id)
    late_row = row_of(html, late.id)
    assert 'class="overdue"' in late_row and "기한 지남" in late_row
    assert "기한 지남" not in row_of(html, soon.id) and 'class="overdue"' not in row_of(
        html, fresh.id)
    # The chart's numbers are on the page as a table, the overdue one among them.
    assert "주별 처리 기한과 기한 지남" in html and "<svg" in html and "chart-table" in html
    # Never a member's email or phone on the queue, nor on a request's page.
    page = officer.get(f"/console/rights/{late.id}").text
    for n in (851, 852, 853):
        email = signup_args(n)["email"].lower()
        local_digits = f"5{n:03d}{1000 + n:04d}"  # the phone's number after 010 / +82 10
        for text in (html, page):
            assert email not in text.lower() and local_digits not in text
    # Filters by status and jurisdiction; English on request, with the word.
    only = officer.get("/console/rights?status=received&jurisdiction=US-CA").text
    assert late.id not in only
    en = officer.get("/console/rights?lang=en").text
    assert "overdue" in row_of(en, late.id) and f"/console/rights/{late.id}?lang=en" in en
    bad = officer.get("/console/rights?status=<b>done</b>")
    assert bad.status_code == 422 and "<b>done</b>" not in bad.text and late.id in bad.text


def test_the_officer_verifies_and_extends_with_a_reason(yk, officer, maker):
    eu = member(yk, 854, country="DE", phone="+49 151 2345 6854")
    rq = letter(yk, maker, eu, "access")
    r = console_post(officer, f"/console/rights/{rq.id}/verify", {"method": "id-card-seen"},
                     page=f"/console/rights/{rq.id}")
    assert r.status_code == 303 and r.headers["location"] == f"/console/rights/{rq.id}?done=verified"
    assert get_request(yk, rq.id).verification == "staff:id-card-seen"
    assert console_post(officer, f"/console/rights/{rq.id}/start", {},
                        page=f"/console/rights/{rq.id}").status_code == 303
    before = get_request(yk, rq.id).due_at
    r = console_post(officer, f"/console/rights/{rq.id}/extend", {"reason": "complex"},
                     page=f"/console/rights/{rq.id}")
    assert r.status_code == 303
    after = get_request(yk, rq.id)
    assert after.status == "extended" and after.due_at > before and after.extensions == 1
    page = officer.get(f"/console/rights/{rq.id}").text
    assert "요청이 복잡하여 처리에 시간이 더 필요합니다" in page  # the reason, on the timeline
    assert "신분증 확인" in page  # how identity was checked
    # A Korean erasure has no extension in law: the same page, the core's answer at the field.
    kr = letter(yk, maker, member(yk, 855), "erasure")
    verify_by_staff(yk, kr.id, actor=maker, method="signed-letter-matched")
    console_post(officer, f"/console/rights/{kr.id}/start", {}, page=f"/console/rights/{kr.id}")
    r = console_post(officer, f"/console/rights/{kr.id}/extend", {"reason": "complex"},
                     page=f"/console/rights/{kr.id}")
    assert r.status_code == 409 and "PIPA" in r.text
    assert re.search(r'id="field-extend"[^>]*aria-invalid="true"', r.text)


@pytest.mark.promise("P6.9")
def test_a_refusal_names_its_ground_and_law_on_the_page_and_in_the_members_timeline(
        yk, officer, maker):
    from yaksok.rights.timeline import timeline

    m = member(yk, 856)
    rq = letter(yk, maker, m, "erasure")
    page = officer.get(f"/console/rights/{rq.id}").text
    # Only the grounds open to a Korean erasure are offered, each with its law.
    assert "pipa_36_1_other_law_requires" in page and "PIPA art. 36(1) proviso" in page
    assert "gdpr_17_3_b_legal_obligation" not in page
    r = console_post(officer, f"/console/rights/{rq.id}/refuse",
                     {"reason": "pipa_36_1_other_law_requires"}, page=f"/console/rights/{rq.id}")
    assert r.status_code == 303
    page = officer.get(f"/console/rights/{rq.id}?done=refused").text
    assert "다른 법령에서 그 개인정보가 수집 대상으로 명시되어" in page
    assert "PIPA art. 36(1) proviso" in page
    steps = timeline(yk, member_actor(m), rq.id)
    assert steps[-1]["to_status"] == "refused"
    assert steps[-1]["reason"] == "pipa_36_1_other_law_requires"
    # A ground of another law is refused by the core, named on the page.
    other = letter(yk, maker, m, "access")
    r = console_post(officer, f"/console/rights/{other.id}/refuse",
                     {"reason": "gdpr_12_5_manifestly_unfounded"},
                     page=f"/console/rights/{other.id}")
    assert r.status_code == 422 and get_request(yk, other.id).status == "received"
    assert re.search(r'id="field-refuse"[^>]*aria-invalid="true"', r.text)


@pytest.mark.promise("P6.3")
def test_an_erasure_is_carried_out_after_its_preview_and_the_values_are_gone(
        yk, officer, maker):
    from yaksok.actors import api_key_actor
    from yaksok.retention import write_record

    m = member(yk, 857)
    app = api_key_actor(yk.policy, "ak_rt", "rt-app", ["members", "compliance"])
    write_record(yk, m, "payment_record", {"user.payment.transaction_id": "tx-857"}, actor=app)
    assert yk.vault.live_counts(m, [EMAIL, PHONE]) == {EMAIL: 1, PHONE: 1}
    rq = letter(yk, maker, m, "erasure")
    verify_by_staff(yk, rq.id, actor=maker, method="callback-registered-phone")
    console_post(officer, f"/console/rights/{rq.id}/start", {}, page=f"/console/rights/{rq.id}")
    page = officer.get(f"/console/rights/{rq.id}").text
    assert "삭제 전 확인" in page and "법에 따라 분리 보관되는 기록" in page
    kind = yk.policy.record_kind("payment_record").label.ko
    assert kind in page  # held by law, with its period's end and its law
    # Not confirmed: nothing happens, the box is marked.
    r = console_post(officer, f"/console/rights/{rq.id}/carry-out", {},
                     page=f"/console/rights/{rq.id}")
    assert r.status_code == 422 and yk.vault.member_status(m) == "active"
    assert re.search(r'id="field-carry-out"[^>]*aria-invalid="true"', r.text)
    r = console_post(officer, f"/console/rights/{rq.id}/carry-out", {"confirm": "yes"},
                     page=f"/console/rights/{rq.id}")
    assert r.status_code == 303
    done = get_request(yk, rq.id)
    assert done.status == "completed" and done.result["held"] == {"payment_record": 1}
    assert yk.vault.member_status(m) != "active"
    assert not any(yk.vault.live_counts(m, [EMAIL, PHONE]).values())
    page = officer.get(f"/console/rights/{rq.id}").text
    assert "처리 결과" in page and "payment_record" in page


@pytest.mark.promise("P6.8")
def test_a_letter_is_entered_with_its_time_of_receipt_and_a_sealed_note(yk, officer):
    m = member(yk, 858)
    received = (dt.datetime.now(KST) - dt.timedelta(days=3)).replace(second=0, microsecond=0)
    form = {"channel": "written", "received_at": received.strftime("%Y-%m-%dT%H:%M"),
            "received_zone": "Asia/Seoul", "find_by": "email",
            "identifier": signup_args(858)["email"].upper(), "requester": "self", "lang": "ko",
            "right": "erasure", "erasure.categories": PHONE,
            "note": "Letter dated 3 days ago, ref. 858"}
    before = len(entries(yk))
    r = console_post(officer, "/console/rights/new", form)
    assert r.status_code == 303, r.text[:2000]
    rid = re.match(r"/console/rights/(rq_[0-9a-f]{24})\?done=entered$", r.headers["location"])[1]
    rq = get_request(yk, rid)
    assert (rq.member_id, rq.channel, rq.status) == (m, "written", "received")
    assert rq.received_at == received.astimezone(dt.UTC)
    last_day = received.date() + dt.timedelta(days=10)  # the day of receipt is not counted
    assert rq.due_at.astimezone(KST).date() == last_day
    assert rq.details == {"categories": [PHONE]}
    # The lookup is a read of the email, logged under the purpose rights are answered for.
    lookups = [e for e in entries(yk)[before:] if e.operation == "read"
               and e.categories == (EMAIL,) and e.subject_ref == m]
    assert lookups and lookups[0].purpose == "legal_compliance"
    page = officer.get(f"/console/rights/{rid}").text
    assert "ref. 858" not in page and "메모 보기" in page
    shown = officer.get(f"/console/rights/{rid}?show=note").text
    assert "Letter dated 3 days ago, ref. 858" in shown
    assert any(e.reason == "rights:note-read" and e.request_id == rid for e in entries(yk))
    # Nobody holds the address: the form again, the field marked, the title a fixed text.
    r = console_post(officer, "/console/rights/new", {**form, "identifier": "no-one@example.com"})
    assert r.status_code == 404
    assert re.search(r'id="field-identifier"[^>]*aria-invalid="true"', r.text)
    title = re.search(r"<title>(.*?)</title>", r.text, re.S)[1]
    assert "no-one" not in title
    r = console_post(officer, "/console/rights/new",
                     {**form, "received_at": (dt.datetime.now(KST) + dt.timedelta(days=2))
                      .strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 422
    assert re.search(r'id="field-received_at"[^>]*aria-invalid="true"', r.text)


@pytest.mark.parametrize("who", ["auditor", "agent"])
def test_the_auditor_and_the_agent_are_refused_every_rights_page_and_it_is_logged(
        yk, maker, who):
    client = console_client(yk)
    staff_session(client, yk, who, username=f"rt-{who}")
    rq = letter(yk, maker, member(yk, 860 if who == "auditor" else 861))
    role = {"auditor": "security_auditor", "agent": "processor_support_agent"}[who]

    def denied() -> int:
        return sum(1 for e in entries(yk) if e.outcome == "denied" and e.actor_role == role)

    csrf = csrf_of(client.get("/console/password").text)
    for path in ("/console/rights", "/console/rights/new", f"/console/rights/{rq.id}"):
        n = denied()
        assert client.get(path).status_code == 403, path
        assert denied() == n + 1, path
    for action in ("verify", "start", "refuse", "carry-out", "cancel"):
        n = denied()
        r = client.post(f"/console/rights/{rq.id}/{action}", data={"csrf": csrf})
        assert r.status_code == 403 and denied() == n + 1, action
    assert get_request(yk, rq.id).status == "received"
    assert "/console/rights" not in client.get("/console/").text  # not in the menu either
