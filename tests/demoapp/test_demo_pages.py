"""The demo at /demo over HTTP, calling the real REST API on loopback with its API key: what each
page leaves in yaksok, checked through REST with a key of the test's own. No mocks."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.serving import serving
from yaksok.api import create_app

PASSWORD = "Noraebang-2024!"  # noqa: S105 - a demo member's password
NEEDED = ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'")


def attempt_of(html: str) -> str:
    return re.search(r'name="attempt" value="([^"]+)"', html).group(1)


def browser(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=30, follow_redirects=False)


def sign_up(c: httpx.Client, who: str, phone: str, *, consents=(), lang="ko",
            **fields) -> httpx.Response:
    q = "?lang=en" if lang == "en" else ""
    page = c.get("/demo/signup" + q)
    assert page.status_code == 200, page.text
    return c.post("/demo/signup" + q, data={
        "attempt": attempt_of(page.text), "email": who, "password": PASSWORD, "phone": phone,
        "birth_date": "2001-04-05", "consent": list(consents), **fields})


def member_session(base: str, email: str) -> dict:
    r = httpx.post(f"{base}/members/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}", "member_id": r.json()["member_id"]}


def values(base: str, key: str, member_id: str, *categories: str) -> dict:
    r = httpx.get(f"{base}/members/{member_id}/values", headers={
        "Authorization": f"Bearer {key}"}, params={
        "categories": ",".join(categories), "purpose": "contract_performance"})
    assert r.status_code == 200, r.text
    return r.json()["values"]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_sign_up_through_the_demo_makes_a_member_with_the_unticked_items_refused(demo):
    base, _yk, _key = demo
    c = browser(base)
    r = sign_up(c, "minjun", "010-2000-0001", consents=["user_analysis"], join_reason="friend")
    assert r.status_code == 303, text(r.text)
    assert r.headers["location"] == "/demo/?done=signed_up"  # no personal value in the URL
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("yaksok_demo_session=ym_")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/demo" in cookie
    assert "minjun" not in cookie and "2000" not in cookie

    me = member_session(base, "minjun@demo.yaksok.invalid")
    proof = httpx.get(f"{base}/me/consents/proof", headers={
        "Authorization": me["Authorization"]}).json()
    answers = {e["consent_key"]: e["answer"] for e in proof["events"]}
    assert proof["in_force"] == ["user_analysis"]
    assert set(answers) == {"sns_sign_in", "user_analysis", "customised_ads"}
    assert answers == {"user_analysis": "given", "sns_sign_in": "refused",
                       "customised_ads": "refused"}  # the unticked ones, refused on record
    assert all(e["notice_text"] for e in proof["events"])  # the policy's texts, as shown

    home = c.get("/demo/?done=signed_up")
    assert home.status_code == 200
    assert me["member_id"] in home.text


def test_the_consent_texts_shown_are_the_policys(demo):
    base, _yk, _key = demo
    policy = httpx.get(f"{base}/policy", params={"format": "json"}).json()
    ko = browser(base).get("/demo/signup").text
    en = browser(base).get("/demo/signup?lang=en").text
    for item in policy["consents"]:
        assert item["description"]["ko"] in ko and item["description"]["en"] in en
        assert f'name="consent" value="{item["key"]}"' in ko
    assert 'lang="en"' in en and "Sign up" in en


def test_an_address_outside_the_demo_domain_is_refused_before_yaksok_is_asked(demo):
    base, _yk, _key = demo
    r = sign_up(browser(base), "somebody@example.com", "010-2000-0002")
    assert r.status_code == 422
    page = text(r.text)
    assert "demo.yaksok.invalid" in page and "email" in page
    assert 'id="f-email"' in r.text and 'aria-invalid="true"' in r.text
    login = httpx.post(f"{base}/members/login", json={"email": "somebody@example.com",
                                                      "password": PASSWORD})
    assert login.status_code == 401  # no such member was made


def test_a_refusal_by_yaksok_is_shown_with_its_field_and_fix(demo):
    base, _yk, _key = demo
    # the real name is taken only with the sns_sign_in consent (P1.10): yaksok refuses it
    r = sign_up(browser(base), "noname", "010-2000-0003", name="김민준")
    assert r.status_code == 422
    page = text(r.text)
    assert "yaksok이 요청을 거절했습니다 (422)" in page
    assert "항목" in page and "고치는 방법" in page and "sns_sign_in" in page
    assert "김민준" not in page.replace('value="김민준"', "")  # only back in its own input


def test_post_collects_in_the_flow_posting_with_the_api_key(demo):
    base, _yk, key = demo
    c = browser(base)
    assert sign_up(c, "poster", "010-2000-0004").status_code == 303
    page = c.get("/demo/post")
    r = c.post("/demo/post", data={"attempt": attempt_of(page.text), "song": "arirang",
                                   "caption": "오늘의 아리랑"})
    assert r.status_code == 303 and r.headers["location"] == "/demo/?done=posted"
    member_id = member_session(base, "poster@demo.yaksok.invalid")["member_id"]
    got = values(base, key, member_id, "user.content.public.posting",
                 "user.content.public.media")
    [post] = got["user.content.public.posting"]
    [media] = got["user.content.public.media"]
    assert post["value"] == "오늘의 아리랑" and post["flow"] == "posting"
    assert post["channel"] == "app" and media["flow"] == "posting"
    assert media["value"].startswith("media://demo/arirang/")
    assert "오늘의 아리랑" in c.get("/demo/").text  # the home page asks yaksok for it


def test_pay_collects_the_payment_and_keeps_a_held_payment_record(demo):
    base, _yk, key = demo
    c = browser(base)
    assert sign_up(c, "payer", "010-2000-0005").status_code == 303
    page = c.get("/demo/pay")
    r = c.post("/demo/pay", data={"attempt": attempt_of(page.text), "product": "vip-month",
                                  "method": "kakaopay"})
    assert r.status_code == 200, text(r.text)
    assert "보관 기록 번호: hr_" in text(r.text)
    member_id = member_session(base, "payer@demo.yaksok.invalid")["member_id"]
    records = httpx.get(f"{base}/members/{member_id}/records",
                        headers={"Authorization": f"Bearer {key}"}).json()["records"]
    assert [rec["record_kind"] for rec in records] == ["payment_record"]
    assert records[0]["expires_at"][:4] > records[0]["created_at"][:4]
    got = values(base, key, member_id, "user.payment.product_code",
                 "user.payment.method_type")
    assert got["user.payment.product_code"][0]["value"] == "vip-month"
    assert got["user.payment.method_type"][0]["flow"] == "payment"
    assert got["user.payment.method_type"][0]["channel"] == "collection_tool"


def test_ssg_cash_out_collects_name_and_birth_date_in_its_flow_and_asks_only_what_is_missing(
        demo):
    base, _yk, key = demo
    c = browser(base)
    assert sign_up(c, "casher", "010-2000-0006").status_code == 303
    page = c.get("/demo/cashout")
    assert 'name="name"' in page.text and 'name="birth_date"' in page.text
    assert 'name="phone"' not in page.text  # held since sign-up: not asked again
    r = c.post("/demo/cashout", data={"attempt": attempt_of(page.text), "amount": "300",
                                      "name": "박서연", "birth_date": "1999-02-03"})
    assert r.status_code == 303 and r.headers["location"] == "/demo/cashout?done=cashed_out"
    member_id = member_session(base, "casher@demo.yaksok.invalid")["member_id"]
    got = values(base, key, member_id, "user.name", "user.demographic.date_of_birth",
                 "user.behavior.ssg_usage")
    assert got["user.name"][0]["value"] == "박서연"
    assert {v[0]["flow"] for v in got.values()} == {"ssg_cashout"}
    assert got["user.demographic.date_of_birth"][0]["value"] == "1999-02-03"
    again = c.get("/demo/cashout?done=cashed_out")
    assert 'name="name"' not in again.text and 'name="birth_date"' not in again.text


def test_a_form_posted_from_another_site_is_refused_and_changes_nothing(demo):
    base, _yk, _key = demo
    c = browser(base)
    page = c.get("/demo/signup")
    r = c.post("/demo/signup", headers={"Origin": "https://evil.example"}, data={
        "attempt": attempt_of(page.text), "email": "forged", "password": PASSWORD,
        "phone": "010-2000-0007", "birth_date": "2001-04-05"})
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert httpx.post(f"{base}/members/login", json={
        "email": "forged@demo.yaksok.invalid", "password": PASSWORD}).status_code == 401


@pytest.mark.parametrize("path", ["/demo/", "/demo/signup", "/demo/login", "/demo/post",
                                  "/demo/pay", "/demo/cashout", "/demo/?lang=en"])
def test_every_page_sends_the_csp_and_has_no_inline_script_or_style(demo, path):
    base, _yk, _key = demo
    r = browser(base).get(path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert all(d in csp for d in NEEDED)
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    assert '<script src="/consent/banner.js"' in html and " defer" in html
    assert f'nonce="{nonce}"' in html  # for the banner's own <style> only
    assert 'type="text/plain" data-yaksok-category="performance"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script has a src
    assert "<style" not in html and " style=" not in html
    assert 'name="viewport"' in html


def test_static_files_carry_the_csp_too(demo):
    base, _yk, _key = demo
    r = browser(base).get("/demo/static/demo.css")
    assert r.status_code == 200 and "frame-ancestors 'none'" in r.headers[
        "content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_bare_address_leads_into_the_demo(demo):
    base, _yk, _key = demo
    r = browser(base).get("/demo")
    assert r.status_code == 308 and r.headers["location"] == "/demo/"


def test_without_the_demo_there_is_no_demo(tmp_path):
    from yaksok.engine import init_yaksok
    from yaksok.settings import Settings

    yk = init_yaksok(Settings(data_dir=tmp_path / "data"))
    try:
        with serving(create_app(yk)) as base:
            for path in ("/demo", "/demo/", "/demo/signup", "/demo/static/demo.css"):
                assert httpx.get(base + path).status_code == 404
    finally:
        yk.close()


def test_a_session_the_demo_did_not_issue_is_not_acted_on_with_its_api_key(demo):
    """Review finding: the demo took any member session from its cookie. A real member (any
    address, not a demo one) logged in over REST, put their `ym_…` token in
    `yaksok_demo_session` and had the demo's API key write payment values and a held
    `payment_record` into their account — what their own session may never do (a member
    collects no automatic category and writes no held record). The cookie now carries the
    demo's MAC of the session: one it did not issue is a signed-out visitor."""
    from tests.support.api import signup_body

    base, _yk, key = demo
    body = signup_body(91)  # a real member: Singer91@Example.com, not @demo.yaksok.invalid
    assert httpx.post(f"{base}/members", json=body).status_code == 201
    r = httpx.post(f"{base}/members/login", json={"email": body["email"],
                                                  "password": body["password"]})
    token, member_id = r.json()["token"], r.json()["member_id"]
    for forged in (token, f"{token}.{'0' * 64}"):
        c = browser(base)
        c.cookies.set("yaksok_demo_session", forged, path="/demo")
        page = c.get("/demo/pay")
        assert member_id not in page.text
        r = c.post("/demo/pay", data={"attempt": "forged-attempt-1", "product": "vip-month",
                                      "method": "kakaopay"})
        assert "hr_" not in r.text
    records = httpx.get(f"{base}/members/{member_id}/records",
                        headers={"Authorization": f"Bearer {key}"}).json()["records"]
    assert records == []
    assert not values(base, key, member_id, "user.payment.product_code")[
        "user.payment.product_code"]
