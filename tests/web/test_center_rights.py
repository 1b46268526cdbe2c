"""The privacy center's rights page over HTTP (issue 18): every right the policy offers from the
account menu with the details the core needs, verification by the password or a one-time code
(delivered through the real SMTP test server), the deadline and the timeline, cancel while open;
checked from the core's side (``requests_for``)."""

from __future__ import annotations

import re

import pytest

from tests.support.center import center_client, csrf_of, member, person
from tests.support.rights import body, deliver
from yaksok.actors import member_actor
from yaksok.members.lookups import find_member
from yaksok.rights.requests import requests_for


def _mine(yk, n: int):
    mid = find_member(yk, "user.contact.email", person(n)["email"])
    return requests_for(yk, member_actor(mid), member_id=None, limit=100)


def _ask(client, form: dict, lang: str = ""):
    page = client.get("/center/rights" + lang)
    return client.post("/center/rights" + lang, data={"csrf": csrf_of(page.text), **form})


@pytest.mark.promise("P6.8")
@pytest.mark.parametrize(("n", "right", "details", "form"), [
    (201, "restriction", {"purpose": "usage_statistics", "reason": "accuracy-disputed"},
     {"details.purpose": "usage_statistics", "details.reason": "accuracy-disputed"}),
    (202, "restriction", {"reason": "lawfulness-disputed"},
     {"details.purpose": "", "details.reason": "lawfulness-disputed"}),
    (203, "objection", {"purpose": "consented_marketing"}, {"details.purpose": "consented_marketing"}),
    (204, "automated_decision", {"decision": "ad_targeting_profile", "action": "explain"},
     {"details.decision": "ad_targeting_profile", "details.action": "explain"}),
    (205, "consent_withdrawal", {"consent": "user_analysis"}, {"details.consent": "user_analysis"}),
])
def test_each_right_is_asked_from_the_account_menu_with_its_details(center_yk, n, right,
                                                                    details, form):
    client = center_client(center_yk)
    member(client, n)
    r = _ask(client, {"right": right, **form})
    assert r.status_code == 303 and r.headers["location"] == "/center/rights?done=request"
    [rq] = _mine(center_yk, n)
    assert (rq.right, rq.channel, rq.details) == (right, "account_menu", details)
    assert rq.status != "received", "verified by the session, as REST does"
    page = client.get("/center/rights").text
    assert "처리 경과" in page and "접수" in page


def test_erasure_of_chosen_items_verified_by_an_emailed_code(center_yk, smtp):
    yk = center_yk
    client = center_client(yk)
    member(client, 301)
    page = client.get("/center/rights").text
    assert 'name="details.categories" value="user.contact.phone_number"' in page
    r = _ask(client, {"right": "erasure", "details.categories": "user.contact.phone_number",
                      "how": "code"})
    assert r.headers["location"] == "/center/rights?done=code_sent"
    [rq] = _mine(yk, 301)
    assert rq.status == "received" and rq.details == {"categories": ["user.contact.phone_number"]}
    [code] = {m.group(1) for msg in deliver(yk, smtp) for m in re.finditer(r"코드: (\d{6})",
                                                                          body(msg))}
    page = client.get("/center/rights")
    assert "기한" in page.text
    wrong = "000000" if code != "000000" else "111111"
    bad = client.post("/center/rights/verify", data={"csrf": csrf_of(page.text),
                                                     "request_id": rq.id, "code": wrong})
    assert bad.status_code == 401 and "코드가 맞지 않습니다." in bad.text
    assert 'aria-invalid="true"' in re.search(r'<input id="field-code"[^>]*>', bad.text).group(0)
    ok = client.post("/center/rights/verify", data={"csrf": csrf_of(page.text),
                                                    "request_id": rq.id, "code": code})
    assert ok.headers["location"] == "/center/rights?done=verified"
    [rq] = _mine(yk, 301)
    assert rq.status == "verified"
    assert code not in client.get("/center/rights").text


def test_a_request_is_cancelled_while_open_and_its_timeline_says_so(center_yk):
    yk = center_yk
    client = center_client(yk)
    member(client, 302)
    _ask(client, {"right": "erasure", "details.categories": "user.contact.phone_number",
                  "how": "code"})
    [rq] = _mine(yk, 302)
    page = client.get("/center/rights?lang=en")
    r = client.post("/center/rights/cancel?lang=en", data={"csrf": csrf_of(page.text),
                                                           "request_id": rq.id})
    assert r.headers["location"] == "/center/rights?done=cancelled&lang=en"
    [rq] = _mine(yk, 302)
    assert rq.status == "cancelled"
    html = client.get("/center/rights?lang=en").text
    assert "received" in html and "cancelled" in html and "Timeline" in html
    assert "/center/rights/cancel" not in html


def test_a_right_without_its_details_is_the_page_again_with_the_field_and_the_fix(center_yk):
    yk = center_yk
    client = center_client(yk)
    member(client, 303)
    ko = _ask(client, {"right": "erasure", "password": "x"})
    assert ko.status_code == 422 and "삭제할 항목을 고르지 않았습니다." in ko.text
    assert 'href="#field-details.categories"' in ko.text and 'id="field-details.categories"' in ko.text
    en = _ask(client, {"right": "objection", "details.purpose": "member_management"}, "?lang=en")
    assert en.status_code == 422 and "How to fix it" in en.text
    assert 'aria-invalid="true"' in re.search(r'<select id="field-details.purpose"[^>]*>',
                                              en.text).group(0)
    nopw = _ask(client, {"right": "access", "how": "password"})
    assert nopw.status_code == 422 and "본인 확인에 비밀번호가 필요합니다." in nopw.text
    assert _mine(yk, 303) == [], "a refused form leaves no request"
    forged = client.post("/center/rights/code", data={"request_id": "x"})
    assert forged.status_code == 403
