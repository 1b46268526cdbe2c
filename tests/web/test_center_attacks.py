"""Attacks on the privacy center over HTTP: what an attacker can send, and what must not pass."""

from __future__ import annotations

from tests.support.center import center_client, csrf_of, member, person
from yaksok.members.lookups import find_member


def test_a_signed_out_token_does_not_pass_a_signed_in_form(center_yk):
    """An attacker who can plant a cookie on the site (a sibling subdomain, the same site, so
    SameSite does not stop its form either) takes a signed-out token with its nonce from the
    login page, plants the nonce as the victim's ``yaksok_center_pre`` and posts the victim's
    consent form with that token: it must be refused, as a signed-in form wants the token of
    the session."""
    victim = center_client(center_yk)
    member(victim, 60)
    mid = find_member(center_yk, "user.contact.email", person(60)["email"])
    attacker = center_client(center_yk)
    token = csrf_of(attacker.get("/center/login").text)
    nonce = attacker.cookies.get("yaksok_center_pre")
    planted = f"yaksok_center={victim.cookies.get('yaksok_center')}; yaksok_center_pre={nonce}"
    r = victim.post("/center/consents", data={"csrf": token, "item": "customised_ads",
                                              "action": "give"}, headers={"Cookie": planted})
    assert r.status_code == 403
    assert "customised_ads" not in center_yk.vault.effective_consents(mid)


def test_a_crafted_notice_in_the_url_is_no_error_page(center_yk):
    """A link with any ``?done=`` (anyone can send one to a member) shows the page without a
    notice: it was a 500 page with the value in the log's traceback."""
    client = center_client(center_yk)
    member(client, 61)
    for path in ("/center/", "/center/data", "/center/consents", "/center/connected",
                 "/center/rights", "/center/notices", "/center/login"):
        r = client.get(path + "?done=%3Cb%3Eforged")
        assert r.status_code in (200, 303) and "<b>forged" not in r.text, path
        assert "&lt;b&gt;forged" not in r.text, path
    assert client.get("/center/rights?done=cancelled").status_code == 200
