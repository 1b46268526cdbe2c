"""Where my data went (P6.1, P4.1): a member learns to whom their data was disclosed, its
country, the policy's exception and the law — not while a statute defers the notice, and never
another member's."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.vault import EMAIL, MINSU, member, member_actor
from yaksok.disclosures import approve_disclosure, member_disclosures, produce, record_disclosure
from yaksok.errors import YaksokError


def _disclose(yk, officer, m: str, *, deferred_days: int | None = None) -> str:
    extra = {} if deferred_days is None else dict(
        notice_deferred_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=deferred_days),
        deferral_ground="통신비밀보호법 제13조의3 제2항")
    d = record_disclosure(yk, officer, exception="investigation", authority="경기남부경찰청",
                          authority_ref="2026-수사-55", recipient_country="KR",
                          legal_citation="형사소송법 제199조 제2항", members=[m],
                          categories=[EMAIL], request_document=b"%PDF- request",
                          document_type="application/pdf", **extra)
    approve_disclosure(yk, officer, d.id, note="확인")
    produce(yk, officer, d.id, m)
    return d.id


@pytest.mark.promise("P6.1", "P4.1")
def test_a_member_sees_to_whom_and_under_which_law_but_not_a_deferred_one(yk, app, officer):
    m = member(yk.vault)
    yk.vault.collect(m, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    me = member_actor(m)
    assert member_disclosures(yk, me, m) == []
    shown = _disclose(yk, officer, m)
    _disclose(yk, officer, m, deferred_days=30)
    [d] = member_disclosures(yk, me, m, lang="en")
    assert d["id"] == shown and d["kind"] == "disclosure"
    assert (d["to"], d["country"], d["law"]) == ("경기남부경찰청", "KR", "형사소송법 제199조 제2항")
    assert d["ground"] and d["categories"] == [EMAIL] and d["times"] == 1 and d["at"]
    assert "2026-수사-55" not in str(d) and MINSU[EMAIL] not in str(d)
    # once the deferral ends it shows too
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert len(member_disclosures(yk, me, m, now=later)) == 2


def test_another_member_is_refused(yk):
    m, other = member(yk.vault), member(yk.vault)
    with pytest.raises(YaksokError) as e:
        member_disclosures(yk, member_actor(other), m)
    assert e.value.rule == "not-own-data"
