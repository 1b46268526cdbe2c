"""The members and vault REST routes end to end, on SQLite and PostgreSQL.

Sign-up, login, /me; API keys collecting and reading for their scopes' purposes; members
reading and correcting their own data only; consents; erasure; lookups by value in the body.
"""

from __future__ import annotations

import pytest

from tests.support.api import bearer, birth, key, login, problem, sign_up, signup_body
from tests.support.database import changed_tables, table_counts
from tests.support.members import PASSWORD
from yaksok.auditlog import iter_entries

EMAIL, PHONE = "user.contact.email", "user.contact.phone_number"


def values_of(r) -> dict[str, list[str]]:
    assert r.status_code == 200, r.text
    return {c: [v["value"] for v in vs] for c, vs in r.json()["values"].items()}


# -- sign-up, login, /me ---------------------------------------------------------------------


@pytest.mark.promise("P1.1", "P1.2")
def test_sign_up_login_and_me(client):
    r = client.post("/members", json=signup_body(consents=["user_analysis"], country="DE",
                                                 phone="0151 23456789"))
    assert r.status_code == 201, r.text
    member_id = r.json()["member_id"]
    assert member_id.startswith("m_") and r.json()["jurisdiction"] == "EU"
    token = login(client, email="SINGER1@example.com")
    assert token.startswith("ym_")
    me = client.get("/me", headers=bearer(token))
    assert me.status_code == 200 and me.headers["cache-control"] == "no-store"
    body = me.json()
    assert body["id"] == member_id and body["jurisdiction"] == "EU"
    assert body["status"] == "active" and body["consents"] == ["user_analysis"]
    assert body["age_verified_min"] == 16 and "birth_date" not in body
    assert client.post("/members/logout", headers=bearer(token)).status_code == 204
    problem(client.get("/me", headers=bearer(token)), 401)


@pytest.mark.promise("P8.1")
def test_sign_up_under_the_minimum_age_is_a_403_and_stores_nothing(client, yk):
    before = table_counts(yk)
    r = client.post("/members", json=signup_body(birth_date=birth(14, days_short=1)))
    body = problem(r, 403)
    assert body["rule"] == "under-minimum-age"
    assert "14 or older in Korea" in body["detail"]
    assert "singer1" not in r.text.lower() and birth(14, 1) not in r.text
    assert changed_tables(before, table_counts(yk)) == {"access_log": 1}


def test_sign_up_conflict_and_invalid_input_never_echo_the_value(client):
    sign_up(client, 1)
    r = client.post("/members", json=signup_body(2, email="SINGER1@example.com"))
    assert problem(r, 409)["field"] == "email" and "singer1" not in r.text.lower()
    r = client.post("/members", json=signup_body(3, phone="zq9-not-a-phone"))
    assert problem(r, 422)["field"] == "phone" and "zq9" not in r.text


def test_login_failures_are_401_with_one_message(client):
    sign_up(client)
    wrong = client.post("/members/login", json={"email": "singer1@example.com",
                                                "password": "Wrong-pass-9"})
    unknown = client.post("/members/login", json={"email": "who@example.com",
                                                  "password": PASSWORD})
    assert problem(wrong, 401)["detail"] == problem(unknown, 401)["detail"]


def test_member_routes_need_a_member_session(client, yk):
    problem(client.get("/me"), 401)
    problem(client.get("/me", headers=key(yk, "members")), 403)
    problem(client.get("/me", headers=bearer("ym_forged-token")), 401)


# -- app backends: collect and read for their scopes' purposes (P7.5) ------------------------


@pytest.mark.promise("P7.5", "P1.13")
def test_members_key_collects_and_reads_for_member_management(client, yk):
    member_id = sign_up(client)
    app = key(yk, "members")
    r = client.post(f"/members/{member_id}/values", headers=app, json={
        "category": "user.device.device_id", "value": "device-7f3a", "channel": "collection_tool",
        "flow": "login"})
    assert r.status_code == 201, r.text
    r = client.post(f"/members/{member_id}/values/batch", headers=app, json={
        "items": [{"category": "user.device.ip_address", "value": "203.0.113.9"},
                  {"category": "user.behavior.time_of_use", "value": "2026-03-05T21:00+09:00"}],
        "channel": "collection_tool", "flow": "login"})
    assert r.status_code == 201 and len(r.json()["value_ids"]) == 2
    r = client.get(f"/members/{member_id}/values", headers=app, params={
        "categories": f"{EMAIL},{PHONE},user.device.device_id,user.device.ip_address",
        "purpose": "member_management"})
    assert r.headers["cache-control"] == "no-store"
    assert values_of(r) == {EMAIL: ["singer1@example.com"], PHONE: ["+821070012001"],
                            "user.device.device_id": ["device-7f3a"],
                            "user.device.ip_address": ["203.0.113.9"]}
    # Every grant is in the access log with the key as actor, the client IP and request id.
    reads = [e for e in iter_entries(yk.engine)
             if e.operation == "read" and e.subject_ref == member_id and e.actor_kind ==
             "app_backend"]
    assert reads and reads[-1].purpose == "member_management" and reads[-1].request_id


@pytest.mark.promise("P7.5")
def test_an_analytics_key_reading_for_member_management_is_refused(client, yk):
    member_id = sign_up(client)
    r = client.get(f"/members/{member_id}/values", headers=key(yk, "analytics"),
                   params={"categories": EMAIL, "purpose": "member_management"})
    body = problem(r, 403)
    assert body["rule"] == "actor-not-allowed" and "singer1" not in r.text.lower()
    [denied] = [e for e in iter_entries(yk.engine) if e.outcome == "denied"]
    assert denied.reason == "actor-not-allowed" and denied.subject_ref == member_id


def test_collection_rules_come_back_as_403_with_the_rule(client, yk):
    member_id = sign_up(client)
    app = key(yk, "members", "analytics")  # acts for the purposes listing interest categories
    r = client.post(f"/members/{member_id}/values", headers=app, json={
        "category": "user.behavior.interest_categories", "value": "K-pop", "channel": "app"})
    assert problem(r, 403)["rule"] == "consent-required"
    r = client.post(f"/members/{member_id}/values", headers=app, json={
        "category": "user.favourite.colour", "value": "blue", "channel": "app"})
    assert problem(r, 403)["rule"] == "undeclared-category"


def test_an_api_key_must_name_the_purpose_of_a_read(client, yk):
    member_id = sign_up(client)
    r = client.get(f"/members/{member_id}/values", headers=key(yk, "members"),
                   params={"categories": EMAIL})
    assert problem(r, 422)["field"] == "purpose"


# -- members: their own data only (P12.3, P6.2) ----------------------------------------------


@pytest.mark.promise("P12.3", "P7.5")
def test_a_member_reads_their_own_data_but_not_another_members(client, yk):
    mine = sign_up(client, 1)
    other = sign_up(client, 2)
    token = login(client, 1)
    r = client.get(f"/members/{mine}/values", headers=bearer(token),
                   params={"categories": f"{EMAIL},{PHONE}"})
    assert values_of(r) == {EMAIL: ["singer1@example.com"], PHONE: ["+821070012001"]}
    assert r.json()["purpose"] == "member_management"
    r = client.get(f"/members/{other}/values", headers=bearer(token),
                   params={"categories": EMAIL})
    assert problem(r, 403)["field"] == "member_id" and "singer2" not in r.text.lower()
    denied = [e for e in iter_entries(yk.engine) if e.outcome == "denied"]
    assert [(e.actor_id, e.subject_ref, e.reason) for e in denied] == [
        (mine, other, "not-own-data")]
    # Nor may a member read for a purpose members are not given, or search members.
    r = client.get(f"/members/{mine}/values", headers=bearer(token),
                   params={"categories": EMAIL, "purpose": "consented_marketing"})
    assert problem(r, 403)["rule"] == "actor-not-allowed"
    problem(client.post("/lookup", headers=bearer(token),
                        json={"category": EMAIL, "value": "singer2@example.com"}), 403)


@pytest.mark.promise("P6.2", "P12.3")
def test_a_member_corrects_their_email_and_the_old_one_stops_working(client, yk):
    member_id = sign_up(client, 1)
    sign_up(client, 2)
    token = login(client, 1)
    r = client.get(f"/members/{member_id}/values", headers=bearer(token),
                   params={"categories": EMAIL})
    [value] = r.json()["values"][EMAIL]
    # Another member's address is refused, without echoing it.
    r = client.put(f"/members/{member_id}/values/{value['id']}", headers=bearer(token),
                   json={"value": "SINGER2@example.com"})
    assert problem(r, 409)["field"] == "value" and "singer2" not in r.text.lower()
    r = client.put(f"/members/{member_id}/values/{value['id']}", headers=bearer(token),
                   json={"value": "New.Address@예시.한국"})
    assert r.status_code == 200, r.text
    assert r.json() == {"value_id": value["id"], "category": EMAIL}
    r = client.get(f"/members/{member_id}/values", headers=bearer(token),
                   params={"categories": EMAIL})
    assert values_of(r) == {EMAIL: ["new.address@xn--vv4b11d.xn--3e0b707e"]}
    login(client, email="new.address@예시.한국")
    problem(client.post("/members/login", json={"email": "singer1@example.com",
                                                 "password": PASSWORD}), 401)


@pytest.mark.promise("P6.2")
def test_an_app_backend_corrects_a_phone_number(client, yk):
    member_id = sign_up(client)
    app = key(yk, "members")
    r = client.get(f"/members/{member_id}/values", headers=app,
                   params={"categories": PHONE, "purpose": "member_management"})
    [value] = r.json()["values"][PHONE]
    r = client.put(f"/members/{member_id}/values/{value['id']}", headers=app,
                   json={"value": "010-9876-5432"})
    assert r.status_code == 200, r.text
    r = client.post("/lookup", headers=app, json={"category": PHONE, "value": "+82 10 9876 5432"})
    assert r.json() == {"member_id": member_id}
    r = client.post("/lookup", headers=app, json={"category": PHONE, "value": "010-7001-2001"})
    assert r.json() == {"member_id": None}


def test_a_member_cannot_touch_another_members_values(client, yk):
    mine = sign_up(client, 1)
    other = sign_up(client, 2)
    token = login(client, 1)
    r = client.get(f"/members/{other}/values", headers=key(yk, "members"),
                   params={"categories": EMAIL, "purpose": "member_management"})
    [value] = r.json()["values"][EMAIL]
    problem(client.put(f"/members/{other}/values/{value['id']}", headers=bearer(token),
                       json={"value": "taken@example.com"}), 403)
    # Naming the other member's value under one's own id finds nothing.
    problem(client.put(f"/members/{mine}/values/{value['id']}", headers=bearer(token),
                       json={"value": "taken@example.com"}), 404)
    problem(client.post(f"/members/{other}/consents/user_analysis", headers=bearer(token),
                        json={"action": "give"}), 403)
    assert problem(client.delete(f"/members/{other}", headers=bearer(token)),
                   403)["rule"] == "not-own-data"
    # Their own account, they may erase (docs/access.md: erase a whole account).
    assert client.delete(f"/members/{mine}", headers=bearer(token)).status_code == 202


# -- consents --------------------------------------------------------------------------------


def test_consents_given_and_withdrawn_take_effect_at_once(client, yk):
    member_id = sign_up(client)
    token = login(client)
    r = client.post(f"/members/{member_id}/consents/user_analysis", headers=bearer(token),
                    json={"action": "give", "notice_text": "분석 동의 화면 v3"})
    assert r.status_code == 201, r.text
    assert r.json()["consents"] == ["user_analysis"]
    assert client.get("/me", headers=bearer(token)).json()["consents"] == ["user_analysis"]
    app = key(yk, "members", "analytics")
    r = client.post(f"/members/{member_id}/values", headers=app, json={
        "category": "user.behavior.interest_categories", "value": "K-pop", "channel": "app"})
    assert r.status_code == 201, r.text
    analytics = key(yk, "analytics")
    params = {"categories": "user.behavior.interest_categories", "purpose": "usage_statistics"}
    assert values_of(client.get(f"/members/{member_id}/values", headers=analytics,
                                params=params)) == {
        "user.behavior.interest_categories": ["K-pop"]}
    r = client.post(f"/members/{member_id}/consents/user_analysis", headers=app,
                    json={"action": "withdraw"})
    assert r.status_code == 201 and r.json()["consents"] == []
    r = client.get(f"/members/{member_id}/values", headers=analytics, params=params)
    assert problem(r, 403)["rule"] in ("no-lawful-basis", "consent-required")


def test_unknown_consent_item_is_422(client):
    member_id = sign_up(client)
    token = login(client)
    r = client.post(f"/members/{member_id}/consents/newsletter", headers=bearer(token),
                    json={"action": "give"})
    assert problem(r, 422)["field"] == "item"


# -- erasure and lookup ----------------------------------------------------------------------


@pytest.mark.promise("P7.5")
def test_erase_then_read_lookup_and_login_find_nothing(client, yk):
    member_id = sign_up(client)
    token = login(client)
    app = key(yk, "members")
    problem(client.delete(f"/members/{member_id}", headers=key(yk, "analytics")), 403)
    r = client.delete(f"/members/{member_id}", headers=app)
    assert r.status_code == 202, r.text
    assert r.json()["member_id"] == member_id
    r = client.get(f"/members/{member_id}/values", headers=app,
                   params={"categories": EMAIL, "purpose": "member_management"})
    problem(r, 404)
    problem(client.get("/me", headers=bearer(token)), 401)
    r = client.post("/lookup", headers=app, json={"category": EMAIL,
                                                  "value": "singer1@example.com"})
    assert r.json() == {"member_id": None}
    problem(client.post("/members/login", json={"email": "singer1@example.com",
                                                 "password": PASSWORD}), 401)
    problem(client.delete(f"/members/{member_id}", headers=app), 409)
    # The background purge ran after the response: nothing of the member's values is left.
    from sqlalchemy import func, select

    from yaksok.store.tables import vault_values

    with yk.engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(vault_values)
                            .where(vault_values.c.member_id == member_id)).scalar()
    assert left == 0


def test_lookup_takes_the_value_in_the_body_only(client, yk):
    member_id = sign_up(client)
    app = key(yk, "members")
    r = client.post("/lookup", headers=app, json={"category": EMAIL,
                                                  "value": " SINGER1@Example.COM"})
    assert r.json() == {"member_id": member_id}
    r = client.post("/lookup", headers=app, json={"category": "user.social.account_id",
                                                  "value": "NAVER:nv1"})
    assert r.json() == {"member_id": member_id}
    assert client.get("/lookup", headers=app).status_code == 405
    r = client.post("/lookup", headers=key(yk, "analytics"),
                    json={"category": EMAIL, "value": "singer1@example.com"})
    assert problem(r, 403)["rule"] == "actor-not-allowed"
    r = client.post("/lookup", headers=app, json={"category": "user.social.nickname",
                                                  "value": "별1"})
    assert problem(r, 422)["field"] == "category"
