"""The privacy center's records over HTTP (issue 18): my in-app notices (read marking as
``POST /me/notices/{id}/read``) and each policy version's diff, the disclosures in my history,
the layout of a breach notice, and the cookie settings — Korean and English, no personal value
in a URL or a title."""

from __future__ import annotations

import re

import pytest

from tests.support.center import center_client, csrf_of, member, person
from tests.support.policy import variant
from yaksok.members.lookups import find_member
from yaksok.notify import OutboxSender
from yaksok.publishing.inbox import member_notices_of
from yaksok.publishing.notices import publish_with_notice


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


@pytest.mark.promise("P0.1", "P11.1")
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_each_version_shows_what_changed_from_the_one_before(center_yk, lang):
    client = center_client(center_yk)
    member(client, 30 if lang == "ko" else 31)
    q = "?lang=en" if lang == "en" else ""
    html = client.get(f"/center/notices{q}").text
    assert html.index("2026-12-14") < html.index("2021-11-03")  # newest first
    added, removed, changed = (("추가된 내용", "삭제된 내용", "바뀐 내용") if lang == "ko"
                               else ("Added", "Removed", "Changed"))
    for heading in (added, removed, changed):
        assert re.search(rf'<h4 class="diff-\w+">{heading} \(\d+\)</h4>', html), heading
    # The policy's own labels in the page's language, not keys.
    assert ("맞춤형 광고 프로필" if lang == "ko" else "Targeted-advertising profile") in html
    assert ("처음 공개된 버전" if lang == "ko" else "The first version published") in html
    assert f'href="/policy/2021-11-03{q}"' in html


@pytest.mark.promise("P0.1", "P11.1")
def test_my_in_app_notices_are_listed_and_marked_read(center_yk):
    yk = center_yk
    client = center_client(yk)
    member(client, 32)
    mid = find_member(yk, "user.contact.email", person(32)["email"])
    publish_with_notice(yk, variant(), published_by="officer")
    OutboxSender(yk.engine, yk.outbox.templates).deliver_once()
    mine = member_notices_of(yk.engine, mid)
    assert mine and mine[0].read_at is None
    for lang, q, unread in (("ko", "", "읽지 않음"), ("en", "?lang=en", "unread")):
        page = client.get(f"/center/notices{q}")
        assert unread in page.text
        assert (mine[0].title_ko if lang == "ko" else mine[0].title_en) in page.text
    # A bad id is the page again, with the field and the fix in the page's language.
    page = client.get("/center/notices")
    r = client.post("/center/notices/read", data={"csrf": csrf_of(page.text), "notice_id": "x"})
    assert r.status_code == 422 and "알림 옆의 버튼을 눌러 주세요" in r.text
    assert 'href="#field-notice_id"' in r.text and 'id="field-notice_id"' in r.text
    r = client.post("/center/notices/read?lang=en",
                    data={"csrf": csrf_of(page.text), "notice_id": "999999"})
    assert r.status_code == 404 and "no in-app notice" in r.text
    assert "999999" not in _title(r.text)
    r = client.post("/center/notices/read?lang=en",
                    data={"csrf": csrf_of(page.text), "notice_id": str(mine[0].notice_id)})
    assert r.status_code == 303 and r.headers["location"] == "/center/notices?done=read&lang=en"
    assert member_notices_of(yk.engine, mid)[0].read_at is not None
    page = client.get(r.headers["location"])
    assert "Marked as read." in page.text and "Mark as read:" not in page.text
    # No CSRF token, no change.
    assert client.post("/center/notices/read", data={"notice_id": "1"}).status_code == 403


def _disclose(yk, mid: str, *, deferred: bool) -> None:
    import datetime as dt

    from yaksok.actors import staff_actor
    from yaksok.disclosures import approve_disclosure, produce, record_disclosure

    officer = staff_actor(yk.policy, "st_officer", "yoon", "privacy_officer")
    extra = dict(notice_deferred_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
                 deferral_ground="통신비밀보호법 제13조의3 제2항") if deferred else {}
    d = record_disclosure(yk, officer, exception="investigation", authority="서울중앙지방검찰청",
                          authority_ref="2026형제1234", recipient_country="KR",
                          legal_citation="형사소송법 제215조", members=[mid],
                          categories=["user.contact.phone_number" if deferred
                                      else "user.contact.email"],
                          request_document=b"%PDF- warrant", document_type="application/pdf",
                          **extra)
    approve_disclosure(yk, officer, d.id, note="영장 원본 확인")
    produce(yk, officer, d.id, mid)


@pytest.mark.promise("P4.1", "P6.1")
def test_history_shows_the_disclosures_apart_and_not_those_a_deferral_withholds(center_yk):
    yk = center_yk
    client = center_client(yk)
    member(client, 33)
    mid = find_member(yk, "user.contact.email", person(33)["email"])
    html = client.get("/center/history").text
    assert "제공·공개한 기록이 없습니다." in html
    _disclose(yk, mid, deferred=False)
    _disclose(yk, mid, deferred=True)
    for q, heading, email, phone in (("", "제3자 제공과 공개", "이메일", "휴대전화"),
                                     ("?lang=en", "Disclosures to third parties",
                                      "mail", "phone")):
        html = client.get(f"/center/history{q}").text
        section = html.split('id="disclosures"')[1].split('id="accesses"')[0]
        assert heading in html
        assert section.count('<li class="card">') == 1  # the deferred one is withheld
        assert email in section.lower() or email in section
        assert phone not in section.lower()
        assert person(33)["email"] not in html and person(33)["phone"] not in html
        assert _title(html).count("·") == 1
        # to whom, its country, the exception of the policy and the law (P6.1: how it was
        # shared); the authority's own reference and the warrant stay in the register
        assert "서울중앙지방검찰청 (KR)" in section and "형사소송법 제215조" in section
        assert "2026형제1234" not in html


INCIDENT_TEXTS = {
    "ko": {"what": "이메일 주소", "when_how": "2026년 12월 6일 관리자 계정 도용",
           "member_can_do": "비밀번호를 바꿔 주세요", "company_does": "계정을 막았습니다",
           "contact": "cs@somesing.io", "remedies": "분쟁조정위원회"},
    "en": {"what": "Email addresses", "when_how": "On 6 December 2026, a stolen admin account",
           "member_can_do": "Change your password", "company_does": "We locked the account",
           "contact": "cs@somesing.io", "remedies": "The mediation committee"}}


@pytest.mark.promise("P12.2")
def test_an_incident_is_laid_out_what_when_which_data_what_we_did_what_to_do_whom(center_yk):
    from tests.support.api import bearer, staff_token

    yk = center_yk
    client = center_client(yk)
    member(client, 34)
    html = client.get("/center/incidents").text
    assert "내 정보가 관련된 유출 사고는 없습니다." in html and "cs@somesing.io" in html
    mid = find_member(yk, "user.contact.email", person(34)["email"])
    api = center_client(yk, app=client.app)
    officer = bearer(staff_token(api, yk, "yoon-center", "privacy_officer"))
    r = api.post("/incidents", headers=officer, json={
        "title": "관리자 계정 도용", "nature": "n", "cause": "c", "measures": "m",
        "categories": ["user.contact.email"], "discovered_at": "2026-12-06T09:00:00+09:00"})
    inc = r.json()["incident_id"]
    assert api.post(f"/incidents/{inc}/affected", headers=officer,
                    json={"member_ids": [mid]}).status_code == 200
    r = api.post(f"/incidents/{inc}/stages", headers=officer,
                 json={"kind": "final", "texts": INCIDENT_TEXTS})
    assert r.status_code in (200, 201), r.text
    for lang, q in (("ko", ""), ("en", "?lang=en")):
        html = client.get(f"/center/incidents{q}").text
        article = html.split('<article class="card incident"')[1].split("</article>")[0]
        texts = INCIDENT_TEXTS[lang]
        headings = re.findall(r"<h4>(.*?)</h4>", article)
        assert len(headings) == 6, headings
        for item in texts.values():
            assert item in article
        assert ("2026-12-06 09:00 KST") in article
        assert ("이메일" if lang == "ko" else "mail") in article.split("<dd>")[2]
        assert ("문의할 곳" if lang == "ko" else "Whom to contact") in article
        assert 'href="mailto:cs@somesing.io"' in article and "070-4333-1812" in article
        assert inc not in _title(html) and inc not in html


@pytest.mark.promise("P5.5")
def test_cookie_settings_explain_each_category_and_this_devices_choice(center_yk):
    client = center_client(center_yk)  # public: nobody signed in
    for lang, q in (("ko", ""), ("en", "?lang=en")):
        html = client.get(f"/center/cookies{q}").text
        sections = re.findall(r'<section class="card" aria-labelledby="cookie-(\w+)">', html)
        assert sections == [c.key for c in center_yk.policy.cookies]
        for ck in center_yk.policy.cookies:
            assert ck.label.get(lang) in html and ck.uses[0].get(lang) in html
        assert ("아직 선택하지 않았습니다" if lang == "ko" else "No choice made") in html
        assert 'id="open-cookie-settings"' in html and 'src="/consent/banner.js"' in html
    device = "center-device-000000001"
    choices = {c.key: True for c in center_yk.policy.cookies}
    choices["functional"] = False
    r = client.post("/consent/choice", json={"device_id": device, "choices": choices})
    assert r.status_code == 201, r.text
    client.cookies.set("yaksok_device", device)
    html = client.get("/center/cookies?lang=en").text
    assert "Your choice on this device applies." in html
    states = re.findall(r'<dd class="state">(\w+)</dd>', html)
    assert states == ["On" if choices[c.key] else "Off" for c in center_yk.policy.cookies]
    html = client.get("/center/cookies?lang=en", headers={"Sec-GPC": "1"}).text
    assert "Global Privacy Control" in html and "On</dd>" in html  # strictly necessary only
    assert device not in html
    client.cookies.set("yaksok_device", "not a device id")
    assert "No choice made" in client.get("/center/cookies?lang=en").text


def test_the_center_stylesheet_carries_the_banners_rules_for_its_csp(center_yk):
    """/center/cookies loads the banner with ``data-css="page"`` (the center's CSP lets no
    script inject a style element): center.css holds the banner's own rules, unchanged."""
    from yaksok.web.frame import STATIC

    banner = (STATIC / "banner.js").read_text(encoding="utf-8")
    rules = "".join(re.findall(r"'((?:[^'\\]|\\.)*)'",
                               re.search(r"var CSS = (.*?);\n", banner, re.S).group(1)))
    assert rules.startswith("#yaksok-consent{") and rules in (STATIC / "center.css").read_text()
    html = center_client(center_yk).get("/center/cookies").text
    assert 'src="/consent/banner.js" data-lang="ko" data-css="page"' in html
