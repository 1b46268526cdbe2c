"""Bad input found by a fuzzer at the edges: each one a clear 4xx problem, never a 500 (issue 14).

A number too large for the database's integers, a month no calendar arithmetic can take, a lone
UTF-16 surrogate where text is expected, a DRP action that is a list or an object: each is the
user's mistake and gets RFC 9457 problem details naming the field.
"""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey

from tests.support.api import assert_problem, bearer, login, sign_up, staff_token
from tests.support.drp import live_envelope, paired, signed

HUGE = "99999999999999999999"


def test_a_notice_id_beyond_the_databases_integers_is_a_422(client):
    body = assert_problem(client.get(f"/notices/{HUGE}"), 422, "validation")
    assert "notice_id" in body["detail"] or body.get("field") == "notice_id"
    assert_problem(client.get(f"/notices/{2**31}"), 422, "validation")
    assert client.get(f"/notices/{2**31 - 1}").status_code == 404  # the largest id: not found


def test_a_member_marking_a_huge_notice_id_read_gets_a_422(client):
    sign_up(client, 1)
    member = bearer(login(client, 1))
    assert_problem(client.post(f"/me/notices/{HUGE}/read", headers=member), 422, "validation")


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "1969-12"])
def test_an_audit_month_outside_what_a_log_can_hold_is_a_422(client, yk, month):
    officer = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    body = assert_problem(client.get("/audit/report", params={"month": month}, headers=officer),
                          422, "validation")
    assert body["field"] == "month" and "1970" in body["fix"]
    ok = client.get("/audit/report", params={"month": "2026-11"}, headers=officer)
    assert ok.status_code == 200, ok.text


def test_a_lone_surrogate_in_a_rectification_is_a_422_and_nothing_is_stored(client, yk):
    sign_up(client, 2)
    member = bearer(login(client, 2))
    body = '{"right": "rectification", "personal": {"category": "user.social.nickname", ' \
           '"value": "\\ud800"}}'
    r = client.post("/rights/requests", content=body, headers={
        **member, "Content-Type": "application/json"})
    problem = assert_problem(r, 422, "validation")
    assert problem["field"] == "personal.value" and "surrogate" in problem["detail"]
    from yaksok.rights.requests import list_requests

    assert list_requests(yk) == []


@pytest.mark.parametrize("action", [["know", "deletion"], {"know": True}, 7, None])
def test_a_drp_action_that_is_not_a_string_is_refused_not_a_500(client, yk, officer, action):
    key = SigningKey.generate()
    token = paired(yk, key, officer)
    message = live_envelope(exercise=action, regime="ccpa", email="jane@example.com",
                            email_verified=True)
    r = client.post("/v1/data-rights-request", content=signed(key, message),
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
    assert 400 <= r.status_code < 500, r.text
    assert "exercise" in r.text and "Traceback" not in r.text


def test_sign_up_notice_texts_are_bounded_per_item(client):
    from tests.support.api import signup_body

    body = signup_body(4, consents=["user_analysis"],
                       notice_texts={"user_analysis": "가" * 20001})
    problem = assert_problem(client.post("/members", json=body), 422, "validation")
    assert problem["field"].startswith("notice_texts")
    body["notice_texts"] = {"user_analysis": "가" * 200}
    assert client.post("/members", json=body).status_code == 201
