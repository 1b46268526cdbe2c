"""Connected Google accounts (P12.9): tokens in the vault, revocation at an RFC 7009 endpoint.

The endpoint is a real HTTP server on loopback (tests/support/revoke_server.py) that checks
each request as RFC 7009 and Google specify and answers 200, 400 invalid_token, or 503 while
it is told to be down. Everything runs on SQLite and PostgreSQL (the ``db_url`` fixture).
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from yaksok import connected
from yaksok.actors import member_actor, system_actor
from yaksok.auditlog import iter_entries
from yaksok.connected import CATEGORY, PURPOSE, Tokens
from yaksok.errors import ConfigError, Conflict, NotFound, Refused, ValidationError
from yaksok.notify import RetryPolicy
from yaksok.retention import close_account
from yaksok.rotation import retire_kek, rotate_kek
from yaksok.settings import Settings
from yaksok.store.tables import connected_accounts

P = "youtube_api"
REFRESH = "1//0gRefresh-token_of.the/member~A"
ACCESS = "ya29.a0Access-token_of.the-member"


def connect(cyk, app, google, *, refresh=REFRESH, access=ACCESS):
    member = cyk.vault.create_member()
    google.issue(refresh)
    connected.connect(cyk, member, P, Tokens(access, refresh), actor=app)
    return member


def row(cyk, member):
    with cyk.engine.connect() as conn:
        return conn.execute(sa.select(connected_accounts).where(
            connected_accounts.c.member_id == member)).first()


def entries(cyk, member):
    return [e for e in iter_entries(cyk.engine, subject_ref=member)]


@pytest.mark.promise("P12.9")
def test_tokens_live_in_the_vault_and_the_revocation_copy_only_sealed(cyk, app, google):
    member = connect(cyk, app, google)
    got = cyk.vault.read_one(member, CATEGORY, PURPOSE, actor=app)
    assert REFRESH in got and ACCESS in got
    r = row(cyk, member)
    assert r.status == "connected" and r.value_id
    # Nowhere outside the vault's encryption: not in the row (sealed), not in the access log.
    for column in r:
        text = bytes(column) if isinstance(column, bytes | memoryview) else str(column).encode()
        assert REFRESH.encode() not in text and ACCESS.encode() not in text
    assert any(e.operation == "collect" and CATEGORY in e.categories
               for e in entries(cyk, member))


@pytest.mark.promise("P12.9")
def test_the_member_revokes_and_the_provider_gets_an_rfc7009_request(cyk, app, google):
    member = connect(cyk, app, google)
    done = connected.revoke(cyk, member, P, actor=member_actor(member))
    assert done.status == "revoked" and done.revoked_at is not None
    (req,) = google.requests
    assert req["method"] == "POST" and req["content_type"] == "application/x-www-form-urlencoded"
    assert req["form"] == {"token": [REFRESH], "token_type_hint": ["refresh_token"]}
    assert req["query"] == ""
    assert google.revoked == [REFRESH]
    # The token is destroyed in the vault, and the sealed copy is wiped.
    assert cyk.vault.read(member, (CATEGORY,), PURPOSE, actor=app)[CATEGORY] == []
    assert row(cyk, member).sealed is None
    log = entries(cyk, member)
    assert any(e.reason == f"connected:revoked:{P}" and e.operation == "erase" for e in log)
    assert any(e.operation == "erase" and e.actor_id == member for e in log)


@pytest.mark.promise("P12.9")
def test_provider_down_the_token_dies_at_once_and_the_revocation_is_retried(cyk, app, google):
    member = connect(cyk, app, google)
    google.down, google.retry_after = True, "90"
    pending = connected.revoke(cyk, member, P, actor=member_actor(member))
    assert pending.status == "revoking" and pending.attempts == 1
    assert pending.last_error == "HTTP 503 temporarily_unavailable"
    assert pending.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=80)
    assert cyk.vault.read(member, (CATEGORY,), PURPOSE, actor=app)[CATEGORY] == []
    # Not due yet: nothing is sent.
    assert connected.run_due(cyk).claimed == 0
    google.down = False
    later = pending.next_attempt_at + dt.timedelta(seconds=1)
    assert connected.run_due(cyk, now=later).revoked == 1
    assert google.revoked == [REFRESH] and row(cyk, member).status == "revoked"


@pytest.mark.promise("P12.9")
def test_erasure_revokes_with_the_copy_sealed_under_the_kek(cyk, app, google, officer):
    member = connect(cyk, app, google)
    cyk.vault.erase_member(member, actor=officer)  # the member's data key is destroyed
    cyk.vault.purge_erased()
    done = connected.run_due(cyk)
    assert (done.queued, done.revoked) == (1, 1)
    assert google.revoked == [REFRESH]
    assert row(cyk, member) is None  # nothing of a gone member is kept once revoked


@pytest.mark.promise("P12.9")
def test_account_closure_revokes_and_retries_while_the_provider_is_down(cyk, app, google,
                                                                         officer):
    member = connect(cyk, app, google)
    close_account(cyk, member, actor=officer)
    google.down = True
    first = connected.run_due(cyk, rng=random.Random(1))
    assert (first.queued, first.retrying, first.revoked) == (1, 1, 0)
    google.down = False
    done = connected.run_due(cyk, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert done.revoked == 1 and google.revoked == [REFRESH]


@pytest.mark.promise("P12.9")
def test_refreshing_is_a_rectification_and_the_copy_follows(cyk, app, google):
    member = connect(cyk, app, google)
    google.issue("1//new-refresh")
    connected.refresh(cyk, member, P, Tokens("ya29.new", "1//new-refresh"), actor=app)
    values = cyk.vault.read(member, (CATEGORY,), PURPOSE, actor=app)[CATEGORY]
    assert len(values) == 1 and "1//new-refresh" in values[0].value
    assert any(e.operation == "update" and CATEGORY in e.categories
               for e in entries(cyk, member))
    # A refresh that brings only a new access token keeps the refresh token as the copy.
    connected.refresh(cyk, member, P, Tokens("ya29.newer"), actor=app)
    connected.revoke(cyk, member, P, actor=app)
    assert google.revoked == ["1//new-refresh"]


@pytest.mark.promise("P12.9")
def test_a_key_rotation_reseals_the_copy_and_retiring_the_old_kek_keeps_it_sendable(
        cyk, app, google, officer):
    member = connect(cyk, app, google)
    before = bytes(row(cyk, member).sealed)
    rotate_kek(cyk)
    assert bytes(row(cyk, member).sealed) != before
    retire_kek(cyk, 1)
    cyk.vault.erase_member(member, actor=officer)
    assert connected.run_due(cyk).revoked == 1 and google.revoked == [REFRESH]


@pytest.mark.promise("P12.9")
def test_a_provider_that_keeps_failing_is_given_up_and_can_be_retried(cyk, app, google):
    member = connect(cyk, app, google)
    google.down = True
    retry = RetryPolicy(base_seconds=0, max_attempts=2, jitter=0)
    connected.revoke(cyk, member, P, actor=app)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert connected.run_due(cyk, retry=retry, now=later).dead == 1
    r = row(cyk, member)
    assert r.status == "dead" and r.sealed is not None  # kept: the grant is still alive there
    google.down = False
    assert connected.retry_dead(cyk) == 1
    assert connected.run_due(cyk, now=later).revoked == 1 and google.revoked == [REFRESH]


@pytest.mark.promise("P12.9")
def test_a_token_already_revoked_at_google_counts_as_revoked(cyk, app, google):
    member = connect(cyk, app, google)
    google.issued.clear()  # the member revoked it on Google's own page first
    assert connected.revoke(cyk, member, P, actor=app).status == "revoked"
    assert "invalid_token" in row(cyk, member).last_error


def test_who_may_revoke_is_decided_by_the_core_and_refusals_are_logged(cyk, app, google,
                                                                       engineer):
    member = connect(cyk, app, google)
    other = cyk.vault.create_member()
    with pytest.raises(Refused) as caught:
        connected.revoke(cyk, member, P, actor=member_actor(other))
    assert caught.value.rule == "not-own-data"
    with pytest.raises(Refused) as caught:
        connected.revoke(cyk, member, P, actor=engineer)
    assert caught.value.rule == "on-behalf-not-allowed"
    assert any(e.outcome == "denied" and e.reason == "on-behalf-not-allowed"
               for e in entries(cyk, member))
    assert google.requests == [] and row(cyk, member).status == "connected"


def test_bad_input_names_the_field_and_never_echoes_the_token(cyk, app, google):
    member = cyk.vault.create_member()
    with pytest.raises(ValidationError) as caught:
        connected.connect(cyk, member, P, Tokens(refresh_token="1//bad\ntoken-secret"),
                          actor=app)
    assert caught.value.field == "refresh_token" and "secret" not in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        connected.connect(cyk, member, P, Tokens(), actor=app)
    assert caught.value.field == "refresh_token"
    with pytest.raises(NotFound) as caught:
        connected.connect(cyk, member, "dropbox", Tokens(ACCESS), actor=app)
    assert caught.value.field == "provider" and P in caught.value.fix
    member = connect(cyk, app, google)
    with pytest.raises(Conflict):
        connected.connect(cyk, member, P, Tokens(ACCESS), actor=app)
    with pytest.raises(NotFound):
        connected.refresh(cyk, cyk.vault.create_member(), P, Tokens(ACCESS), actor=app)
    assert "Tokens(access_token=…" in repr(Tokens(ACCESS)) and ACCESS not in repr(Tokens(ACCESS))


def test_a_member_may_not_hand_over_tokens_the_app_obtains(cyk, google):
    member = cyk.vault.create_member()
    with pytest.raises(Refused) as caught:
        connected.connect(cyk, member, P, Tokens(ACCESS), actor=member_actor(member))
    assert caught.value.rule == "member-supplies-own-data-only"


def test_the_endpoint_must_be_https_off_loopback(cyk):
    plain = Settings(google_revoke_url="http://oauth2.example.com/revoke")
    holder = type("Y", (), {"settings": plain, "policy": cyk.policy})()
    with pytest.raises(ConfigError) as caught:
        connected.endpoint_for(holder, P)
    assert caught.value.field == "YAKSOK_GOOGLE_REVOKE_URL"
    assert Settings.from_env({"YAKSOK_GOOGLE_REVOKE_URL": "https://x.example/r"}
                             ).google_revoke_url == "https://x.example/r"
    assert Settings().google_revoke_url == "https://oauth2.googleapis.com/revoke"


def test_the_worker_actor_reads_nothing_but_the_tokens(cyk, app, google):
    member = connect(cyk, app, google)
    worker = system_actor("connected-accounts", (PURPOSE,))
    with pytest.raises(Refused):
        cyk.vault.read(member, ("user.contact.email",), "member_management", actor=worker)


@pytest.mark.promise("P12.9")
def test_every_departed_members_connection_is_queued_however_many_rows_exist(cyk, app, google,
                                                                              officer):
    # More active connections than the sweep's page (and than its old cap of 20 pages' worth,
    # taken in no order): the departed members' rows come last and must still be found.
    batch = 2
    for _ in range(batch * 20 + 1):
        connect(cyk, app, google, refresh=f"1//active-{_}")
    gone = [connect(cyk, app, google, refresh=f"1//gone-{i}") for i in range(batch + 1)]
    for member in gone:
        close_account(cyk, member, actor=officer)
    queued, _deleted = connected.sweep_departed(cyk, batch=batch)
    assert queued == len(gone)
    assert all(row(cyk, m).status == "revoking" for m in gone)
    done = connected.run_due(cyk, sweep_batch=batch)
    assert done.queued == 0 and done.revoked == len(gone)
    assert sorted(google.revoked) == sorted(f"1//gone-{i}" for i in range(batch + 1))


@pytest.mark.promise("P12.9")
@pytest.mark.parametrize("status", [404, 401])
def test_a_refusal_a_configuration_fix_can_cure_keeps_the_copy_for_retry_dead(cyk, app, google,
                                                                             status):
    member = connect(cyk, app, google)
    google.refuse = (status, "")
    done = connected.revoke(cyk, member, P, actor=app)
    assert done.status == "dead" and done.last_error == f"HTTP {status}"
    r = row(cyk, member)
    assert r.sealed is not None  # kept: the grant is still alive at Google
    assert REFRESH not in (r.last_error or "")
    google.refuse = None  # the endpoint is fixed
    assert connected.retry_dead(cyk) == 1
    assert connected.run_due(cyk).revoked == 1 and google.revoked == [REFRESH]
    assert row(cyk, member).sealed is None


@pytest.mark.promise("P12.9")
def test_an_unsupported_token_type_is_final_and_wipes_the_copy(cyk, app, google):
    member = connect(cyk, app, google)
    google.refuse = (400, "unsupported_token_type")
    done = connected.revoke(cyk, member, P, actor=app)
    assert done.status == "dead" and row(cyk, member).sealed is None
    assert connected.retry_dead(cyk) == 0


def test_a_refused_probe_cannot_tell_a_connected_member_from_another(cyk, app, google):
    connected_member = connect(cyk, app, google)
    bare = cyk.vault.create_member()
    prober = member_actor(cyk.vault.create_member())
    for member in (connected_member, bare):
        for op in (connected.connect, connected.refresh):
            with pytest.raises(Refused) as caught:
                op(cyk, member, P, Tokens(ACCESS, REFRESH), actor=prober)
            assert caught.value.rule == "not-own-data"
        denied = [e for e in entries(cyk, member) if e.outcome == "denied"]
        assert {e.operation for e in denied} == {"collect", "update"}
        assert all(e.actor_id == prober.id and e.reason == "not-own-data" for e in denied)
    assert row(cyk, bare) is None and row(cyk, connected_member).status == "connected"
