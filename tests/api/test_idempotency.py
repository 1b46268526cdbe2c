"""Idempotency-Key on collect, batch, sign-up and a member's rights request (issue 14): a retry
gets the first answer and writes nothing twice; another body under the same key is a 422; what
is kept holds no personal value."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.api import assert_problem, bearer, key, login, sign_up, signup_body
from yaksok.store.tables import idempotency_keys, members, rights_requests, vault_values

HEADER = "Idempotency-Key"


def count(yk, table, *where) -> int:
    with yk.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar()


def kept(yk) -> str:
    with yk.engine.connect() as conn:
        return repr(conn.execute(sa.select(idempotency_keys)).all())


@pytest.fixture
def member(client):
    return sign_up(client, 1)


def test_a_retried_collection_answers_the_same_and_stores_once(client, yk, member):
    app = key(yk, "members")
    body = {"category": "user.device.device_id", "value": "device-AAAA-1111",
            "channel": "collection_tool"}
    headers = {**app, HEADER: "c0ffee-1"}
    first = client.post(f"/members/{member}/values", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post(f"/members/{member}/values", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert count(yk, vault_values, vault_values.c.category == "user.device.device_id") == 1
    without = client.post(f"/members/{member}/values", json=body, headers=app)
    assert without.status_code == 201 and without.json() != first.json()  # no key: a new write
    assert "device-AAAA-1111" not in kept(yk) and "c0ffee-1" not in kept(yk)


def test_the_same_key_with_another_body_is_refused(client, yk, member):
    app = key(yk, "members")
    headers = {**app, HEADER: "k-2"}
    body = {"category": "user.device.device_id", "value": "one", "channel": "collection_tool"}
    assert client.post(f"/members/{member}/values", json=body, headers=headers).status_code == 201
    body["value"] = "two"
    r = client.post(f"/members/{member}/values", json=body, headers=headers)
    problem = assert_problem(r, 422, "validation")
    assert problem["field"] == HEADER and "another request body" in problem["detail"]
    assert count(yk, vault_values, vault_values.c.category == "user.device.device_id") == 1


@pytest.mark.promise("P6.3")
def test_a_body_mac_outlives_no_index_key_and_a_retry_still_replays(client, yk, member):
    """The body MAC is keyed by the index key: after `keys rotate` a retry still matches (under
    the old version), another body is still refused; after `--retire` destroys that version the
    stored MAC is made by no key anyone holds (a backup's phone numbers cannot be enumerated
    against it), and the key alone still replays the first answer."""
    from yaksok.rotation import retire_index, rotate_index
    from yaksok.store.idempotency import _canonical, _derive

    app = key(yk, "members")
    headers = {**app, HEADER: "k-rotate"}
    body = {"category": "user.device.device_id", "value": "dev-42", "channel": "collection_tool"}
    first = client.post(f"/members/{member}/values", json=body, headers=headers)
    assert first.status_code == 201

    from yaksok.api.routes_vault import ValueIn
    from yaksok.throttle import edge_key

    as_kept = _canonical({"member_id": member, **ValueIn(**body).model_dump(mode="json")})

    def makeable() -> set[str]:  # every body MAC today's keyring can make of the true body
        import hashlib
        import hmac

        secrets = [yk.keyring.get("index", v) for v in yk.keyring.versions("index")]
        secrets.append(edge_key(yk.keyring))
        return {hmac.new(_derive(s, info), b"\x1f".join((b"body", b"collect", as_kept)),
                         hashlib.sha256).hexdigest()
                for s in secrets for info in (b"yaksok-idempotency-body|1",
                                              b"yaksok-idempotency|1")}

    [(stored,)] = yk.engine.connect().execute(sa.select(idempotency_keys.c.body_mac)).all()
    assert stored in makeable()  # control: with the key that made it, the value is findable
    rotate_index(yk)
    again = client.post(f"/members/{member}/values", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    other = client.post(f"/members/{member}/values", headers=headers,
                        json={**body, "value": "dev-43"})
    assert_problem(other, 422, "validation")
    retire_index(yk, 1)
    assert stored not in makeable()
    again = client.post(f"/members/{member}/values", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert count(yk, vault_values, vault_values.c.category == "user.device.device_id") == 1


@pytest.mark.parametrize("bad", ["has space", "x" * 256, ""])
def test_a_malformed_key_is_a_clear_422(client, yk, member, bad):
    headers = {**key(yk, "members"), HEADER: bad}
    body = {"category": "user.device.device_id", "value": "v", "channel": "collection_tool"}
    r = client.post(f"/members/{member}/values", json=body, headers=headers)
    assert assert_problem(r, 422, "validation")["field"] == HEADER
    assert count(yk, vault_values, vault_values.c.category == "user.device.device_id") == 0


def test_a_retried_batch_stores_once(client, yk, member):
    headers = {**key(yk, "members"), HEADER: "batch-1"}
    body = {"items": [{"category": "user.device.device_id", "value": f"d{i}"} for i in range(3)]}
    first = client.post(f"/members/{member}/values/batch", json=body, headers=headers)
    again = client.post(f"/members/{member}/values/batch", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert count(yk, vault_values, vault_values.c.category == "user.device.device_id") == 3


def test_a_retried_sign_up_makes_one_member(client, yk):
    body = signup_body(5)
    first = client.post("/members", json=body, headers={HEADER: "signup-5"})
    again = client.post("/members", json=body, headers={HEADER: "signup-5"})
    assert first.status_code == again.status_code == 201, again.text
    assert first.json() == again.json()
    assert count(yk, members) == 1
    text = kept(yk)
    # Neither the email nor the phone number in any form (digits alone: random hex ids may
    # hold "010" by chance, which made this test fail now and then).
    assert "singer5" not in text.lower()
    assert "70052005" not in text.replace("-", "") and "7005-2005" not in text


def test_a_sign_up_that_failed_is_not_remembered(client, yk):
    body = signup_body(6, password="short")
    r = client.post("/members", json=body, headers={HEADER: "signup-6"})
    assert r.status_code == 422
    body["password"] = signup_body(6)["password"]
    r = client.post("/members", json=body, headers={HEADER: "signup-7"})
    assert r.status_code == 201, r.text
    assert count(yk, idempotency_keys) == 1


def test_a_retried_rights_request_makes_one_request(client, yk, member):
    token = login(client, 1)
    headers = {**bearer(token), HEADER: "rq-1"}
    body = {"right": "restriction", "details": {"reason": "accuracy-disputed"}}
    first = client.post("/rights/requests", json=body, headers=headers)
    again = client.post("/rights/requests", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert first.json()["id"] == again.json()["id"]
    assert count(yk, rights_requests, rights_requests.c.member_id == member) == 1


def test_a_wrong_password_leaves_the_key_free_for_the_retry(client, yk, member):
    from tests.support.members import PASSWORD

    token = login(client, 1)
    headers = {**bearer(token), HEADER: "rq-2"}
    r = client.post("/rights/requests", json={"right": "access", "password": "Wrong-pass-1"},
                    headers=headers)
    assert r.status_code == 401
    r = client.post("/rights/requests", json={"right": "access", "password": "Wrong-pass-1"},
                    headers=headers)
    assert r.status_code == 401  # not a replay of a cancelled request
    r = client.post("/rights/requests", json={"right": "access", "password": PASSWORD},
                    headers={**bearer(token), HEADER: "rq-3"})
    # verified by the password, and carried out at once (SOMESING's self-service default)
    assert r.status_code == 201 and r.json()["status"] == "completed"
    assert r.json()["verification"] == "password"


def test_the_key_commits_with_the_write_or_not_at_all(yk, member, monkeypatch):
    """The answer is recorded in the write's own transaction: if keeping it fails, the values
    are not stored either; and a twin holding the same claim rolls back whole."""
    from yaksok.accounts import authenticate_api_key, create_api_key
    from yaksok.members.identifiers import collect_values
    from yaksok.store.idempotency import Claim, Replay

    _, secret = create_api_key(yk.engine, yk.policy, "collector", ["members"])
    actor = authenticate_api_key(yk.engine, yk.policy, secret)
    claim = yk.idempotency.begin(actor.id, "collect", "twin-1", {"v": 1})
    assert isinstance(claim, Claim)
    items = [("user.device.device_id", "dev-1")]

    def boom(self, conn, result, *, member_id, status=201):
        raise RuntimeError("disk full")

    with monkeypatch.context() as m:
        m.setattr(Claim, "record", boom)
        with pytest.raises(RuntimeError):
            collect_values(yk, member, items, actor=actor, channel="collection_tool",
                           idempotency=claim)
    assert count(yk, vault_values, vault_values.c.category == "user.device.device_id") == 0
    ids = collect_values(yk, member, items, actor=actor, channel="collection_tool",
                         idempotency=claim)
    with pytest.raises(Exception):  # noqa: B017 - the twin's key collides in its transaction
        collect_values(yk, member, items, actor=actor, channel="collection_tool",
                       idempotency=claim)
    assert count(yk, vault_values, vault_values.c.category == "user.device.device_id") == 1
    assert yk.idempotency.settled(claim, {"v": 1}) == Replay(201, {"value_ids": ids})


def test_kept_answers_expire(yk, member):
    import datetime as dt

    from yaksok.retention import run_expiry

    claim = yk.idempotency.begin("someone", "collect", "old-1", {})
    with yk.engine.begin() as conn:
        claim.record(conn, {"value_ids": []}, member_id=member)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    run_expiry(yk, now=later)
    assert count(yk, idempotency_keys) == 0
