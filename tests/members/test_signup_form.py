"""Sign-up as a Korean form asks it (issue 17): the name and other declared values, the
optional items refused on the form kept as evidence, and nothing the policy does not declare.

Every test runs on SQLite and on PostgreSQL (the ``db_url`` fixture behind ``yk``).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.api import sign_up as api_sign_up
from tests.support.api import signup_body
from tests.support.members import signup_args
from yaksok.actors import api_key_actor, member_actor
from yaksok.api import create_app
from yaksok.errors import ValidationError
from yaksok.members import login_member, sign_up
from yaksok.store.tables import members, vault_values
from yaksok.vault import NewValue
from yaksok.vault.ledger import effective_consents, history, notice_sha256

NAME = "user.name"
GENDER = "user.demographic.gender"
JOIN = "user.behavior.join_reason"


def stored(yk, member_id) -> dict[str, str]:
    """{category: flow} of the member's stored values."""
    with yk.engine.connect() as conn:
        return {r[0]: r[1] for r in conn.execute(
            sa.select(vault_values.c.category, vault_values.c.flow)
            .where(vault_values.c.member_id == member_id))}


def member_count(yk) -> int:
    with yk.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(members)).scalar_one()


@pytest.mark.promise("P1.10")
def test_the_name_and_gender_are_taken_under_the_sns_consent_and_read_back(yk):
    m = sign_up(yk, **signup_args(1, consents=["sns_sign_in"],
                                  values={NAME: " 홍길동 ", GENDER: "female"}))
    assert stored(yk, m)[NAME] == "sns_sign_in" and stored(yk, m)[GENDER] == "sns_sign_in"
    got = yk.vault.read(m, [NAME], "member_management", actor=member_actor(m))
    assert [v.value for v in got[NAME]] == ["홍길동"]


@pytest.mark.promise("P1.10")
def test_a_name_without_the_consent_is_refused_and_nothing_is_stored(yk):
    before = member_count(yk)
    with pytest.raises(ValidationError) as e:
        sign_up(yk, **signup_args(1, values={NAME: "홍길동"}))
    assert e.value.field == "values.user.name"
    assert "sns_sign_in" in e.value.fix and "홍길동" not in str(e.value)
    assert member_count(yk) == before


@pytest.mark.promise("P1.11")
def test_an_optional_item_of_the_form_rests_on_its_consent(yk):
    with pytest.raises(ValidationError) as e:
        sign_up(yk, **signup_args(1, values={JOIN: "친구 추천"}))
    assert e.value.field == f"values.{JOIN}" and "user_analysis" in e.value.fix
    m = sign_up(yk, **signup_args(2, consents=["user_analysis"], values={JOIN: "친구 추천"}))
    assert stored(yk, m)[JOIN] == "sign_up"


@pytest.mark.parametrize(("values", "field", "hint"), [
    ({"user.payment.user_id": "u1"}, "values.user.payment.user_id", "flow sign_up"),
    ({"user.contact.email": "a@b.c"}, "values.user.contact.email", "email"),
    ({NAME: "  "}, "values.user.name", "leave the category out"),
])
def test_what_the_policy_does_not_declare_for_sign_up_is_refused(yk, values, field, hint):
    before = member_count(yk)
    with pytest.raises(ValidationError) as e:
        sign_up(yk, **signup_args(1, consents=["sns_sign_in"], values=values))
    assert e.value.field == field and hint in e.value.fix
    assert member_count(yk) == before


def test_a_personal_value_sent_as_a_key_of_values_is_not_echoed(yk):
    """Review finding: a form that put the typed value where the category belongs
    (`{"010-9876-5432": "..."}`, `{"minjun@example.com": "..."}`) got it back in the problem's
    field and detail (`values.010-9876-5432`). Only a key shaped like a policy key is named."""
    client = TestClient(create_app(yk))
    before = member_count(yk)
    for typed in ("010-9876-5432", "minjun@example.com", "홍길동"):
        r = client.post("/members", json=signup_body(1, values={typed: "x"}))
        assert r.status_code == 422, r.text
        assert r.json()["field"] == "values" and typed not in r.text
    assert member_count(yk) == before


@pytest.mark.promise("P1.9")
def test_items_left_unticked_are_recorded_as_refused_with_the_text_shown(yk):
    m = sign_up(yk, **signup_args(1, consents=["user_analysis"], lang="en"))
    events = {(e.consent_key, e.action): e for e in history(yk.engine, m)}
    assert set(events) == {("user_analysis", "given"), ("sns_sign_in", "refused"),
                           ("customised_ads", "refused")}
    refused = events[("customised_ads", "refused")]
    item = yk.policy.consent("customised_ads")
    assert refused.notice_sha256 == notice_sha256(item.description.en)
    assert refused.language == "en" and refused.actor_id == m
    assert effective_consents(yk.engine, m) == frozenset({"user_analysis"})


@pytest.mark.promise("P1.9")
def test_the_form_names_what_it_showed_unticked(yk):
    only = sign_up(yk, **signup_args(1, refused=["customised_ads"]))
    assert [(e.consent_key, e.action) for e in history(yk.engine, only)] == [
        ("customised_ads", "refused")]
    none = sign_up(yk, **signup_args(2, refused=[]))
    assert history(yk.engine, none) == []
    for refused, fix in ((["customised_ads", "nope"], "use one of"),
                         (["sns_sign_in"], "consents or in refused")):
        with pytest.raises(ValidationError) as e:
            sign_up(yk, **signup_args(3, consents=["sns_sign_in"], refused=refused))
        assert e.value.field == "refused" and fix in e.value.fix


@pytest.mark.promise("P1.9")
def test_refusing_every_optional_item_restricts_nothing(yk):
    """A member who refused everything optional signs in and manages their account like one
    who consented to everything."""
    stingy = sign_up(yk, **signup_args(1))
    generous = sign_up(yk, **signup_args(2, consents=[c.key for c in yk.policy.consents]))
    for n, m in ((1, stingy), (2, generous)):
        actor, _ = login_member(yk, f"member{n}@example.com", signup_args(n)["password"])
        assert actor.id == m
        got = yk.vault.read(m, ["user.contact.email", "user.contact.phone_number"],
                            "member_management", actor=actor)
        assert all(got.values())
        app = api_key_actor(yk.policy, "k_app", "app", ["members"])
        yk.vault.collect_batch([NewValue(m, "user.content.public.posting", "오늘의 노래", "app",
                                         "posting"),
                                NewValue(m, "user.content.public.media", "song.m4a", "app",
                                         "posting")], actor=app)


def test_rest_takes_the_name_and_answers_what_was_recorded(yk):
    client = TestClient(create_app(yk))
    r = client.post("/members", json=signup_body(1, name="김민준", consents=["sns_sign_in"],
                                                 values={GENDER: "male"}),
                    headers={"Idempotency-Key": "signup-form-1"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["consents"] == ["sns_sign_in"]
    assert body["refused"] == ["user_analysis", "customised_ads"]
    assert set(stored(yk, body["member_id"])) >= {NAME, GENDER}
    again = client.post("/members", json=signup_body(1, name="김민준", consents=["sns_sign_in"],
                                                     values={GENDER: "male"}),
                        headers={"Idempotency-Key": "signup-form-1"})
    assert again.status_code == 201 and again.json() == body
    twice = client.post("/members", json=signup_body(2, name="김민준", consents=["sns_sign_in"],
                                                     values={NAME: "김민준"}))
    assert twice.status_code == 422 and twice.json()["field"] == "name"
    undeclared = client.post("/members", json=signup_body(3, values={"user.payment.user_id": "x"}))
    assert undeclared.status_code == 422
    assert undeclared.json()["field"] == "values.user.payment.user_id"
    assert api_sign_up(client, 4)  # the old body still signs up
