"""The consent ledger's core on both backends: append-only events with the policy version and
the notice's hash, the effective consent now and at any past time, and no stale state."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from tests.support.vault import NOTICE
from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.store import IMMEDIATE
from yaksok.vault import ledger
from yaksok.vault.ledger import effective_consents, give, history, refuse, withdraw
from yaksok.vault.subjects import close_member, create_member

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def m(yk):
    with yk.engine.begin() as conn:
        return create_member(conn, jurisdiction="KR")


def kw(yk, **over):
    base = dict(policy=yk.policy, policy_version=yk.published.version, notice_text=NOTICE,
                channel="app", actor_id="m_self")
    base.update(over)
    return base


@pytest.mark.promise("P1.9")
def test_events_are_appended_with_version_notice_hash_channel_and_actor(yk, m):
    a = give(yk.engine, m, "sns_sign_in", at=T0, **kw(yk))
    b = refuse(yk.engine, m, "customised_ads", at=T0, **kw(yk, channel="web_page"))
    c = withdraw(yk.engine, m, "sns_sign_in", at=T0 + dt.timedelta(days=1),
                 **kw(yk, actor_id="st_officer"))
    events = history(yk.engine, m)
    assert [e.id for e in events] == [a, b, c]
    assert [(e.consent_key, e.action) for e in events] == [
        ("sns_sign_in", "given"), ("customised_ads", "refused"), ("sns_sign_in", "withdrawn")]
    first = events[0]
    assert first.notice_sha256 == hashlib.sha256(NOTICE.encode()).hexdigest()
    assert (first.policy_version, first.channel, first.actor_id, first.at) == (
        yk.published.version, "app", "m_self", T0)
    assert events[2].actor_id == "st_officer" and events[1].channel == "web_page"
    with yk.engine.connect() as conn:  # the notice text itself is not stored
        rows = conn.execute(sa.text("SELECT * FROM consent_events")).fetchall()
    assert NOTICE not in repr(rows)


def test_effective_consent_now_and_at_any_past_time(yk, m):
    give(yk.engine, m, "sns_sign_in", at=T0, **kw(yk))
    give(yk.engine, m, "user_analysis", at=T0 + dt.timedelta(hours=1), **kw(yk))
    withdraw(yk.engine, m, "sns_sign_in", at=T0 + dt.timedelta(days=2), **kw(yk))
    give(yk.engine, m, "sns_sign_in", at=T0 + dt.timedelta(days=5), **kw(yk))
    refuse(yk.engine, m, "customised_ads", at=T0, **kw(yk))
    at = effective_consents
    assert at(yk.engine, m, T0 - dt.timedelta(seconds=1)) == frozenset()
    assert at(yk.engine, m, T0) == {"sns_sign_in"}
    assert at(yk.engine, m, T0 + dt.timedelta(days=1)) == {"sns_sign_in", "user_analysis"}
    assert at(yk.engine, m, T0 + dt.timedelta(days=3)) == {"user_analysis"}
    assert at(yk.engine, m, T0 + dt.timedelta(days=6)) == {"sns_sign_in", "user_analysis"}
    assert at(yk.engine, m) == {"sns_sign_in", "user_analysis"}
    kst = dt.timezone(dt.timedelta(hours=9))  # any zone: compared as instants
    assert at(yk.engine, m, (T0 + dt.timedelta(days=3)).astimezone(kst)) == {"user_analysis"}
    with pytest.raises(ValidationError):
        at(yk.engine, m, dt.datetime(2026, 3, 2))  # naive


def test_a_withdrawal_takes_effect_at_once_inside_one_connection(yk, m):
    with yk.engine.connect() as conn:
        conn = conn.execution_options(**IMMEDIATE)
        with conn.begin():
            give(conn, m, "customised_ads", **kw(yk))
            assert effective_consents(conn, m) == {"customised_ads"}
            withdraw(conn, m, "customised_ads", **kw(yk))
            assert effective_consents(conn, m) == frozenset()


def test_same_instant_ties_go_to_the_later_event(yk, m):
    give(yk.engine, m, "user_analysis", at=T0, **kw(yk))
    withdraw(yk.engine, m, "user_analysis", at=T0, **kw(yk))
    assert effective_consents(yk.engine, m, T0) == frozenset()


def test_unknown_items_versions_channels_and_notices_are_refused(yk, m):
    with pytest.raises(ValidationError, match="sns_sign_in, user_analysis, customised_ads"):
        give(yk.engine, m, "sell_my_data", **kw(yk))
    with pytest.raises(ValidationError, match="policy_version"):
        give(yk.engine, m, "sns_sign_in", **kw(yk, policy_version="1999-01-01"))
    with pytest.raises(ValidationError, match="channel"):
        give(yk.engine, m, "sns_sign_in", **kw(yk, channel="pigeon"))
    with pytest.raises(ValidationError, match="notice"):
        give(yk.engine, m, "sns_sign_in", **kw(yk, notice_text="  "))
    with pytest.raises(ValidationError, match="action"):
        ledger.record(yk.engine, m, "sns_sign_in", "maybe", **kw(yk))
    with pytest.raises(ValidationError, match="time zone"):
        give(yk.engine, m, "sns_sign_in", at=dt.datetime(2026, 1, 1), **kw(yk))
    assert history(yk.engine, m) == []


def test_members_who_cannot_consent(yk, m):
    with pytest.raises(NotFound):
        give(yk.engine, "m_000000000000000000000000", "sns_sign_in", **kw(yk))
    with yk.engine.begin() as conn:
        close_member(conn, m)
    with pytest.raises(Conflict, match="closed"):
        give(yk.engine, m, "sns_sign_in", **kw(yk))
    withdraw(yk.engine, m, "sns_sign_in", **kw(yk))  # a closed member may still withdraw


def test_the_ledger_is_append_only(yk):
    public = {n for n in dir(ledger) if not n.startswith("_")}
    assert not {n for n in public if any(w in n for w in ("update", "delete", "edit",
                                                          "remove", "amend"))}
    assert set(ledger.__all__) >= {"give", "refuse", "withdraw", "effective_consents",
                                   "history", "record"}
