"""Answers to a data-subject request reach a member who restricted all processing (P6.4, P6.8):
the address is read for the legal duty (``legal_compliance``), which a restriction leaves open,
and every read is in the access log under that purpose. Policy notices stay stopped."""

from __future__ import annotations

import pytest

from tests.support.rights import EMAIL, body, deliver
from tests.support.vault import entries
from yaksok.actors import member_actor
from yaksok.errors import ProcessingRestricted
from yaksok.rights.requests import submit
from yaksok.store.tables import outbox


@pytest.mark.promise("P6.4")
@pytest.mark.promise("P6.8")
def test_a_member_who_restricted_everything_still_hears_about_their_requests(yk, vault, minsu,
                                                                             officer, smtp):
    vault.restrict(minsu, None, "accuracy-disputed", actor=officer)
    # The restriction holds for the notices' own purpose...
    with pytest.raises(ProcessingRestricted):
        yk.outbox.resolver()(minsu)
    # ...but the answer to a request is a legal duty.
    r = submit(yk, member_id=minsu, right="access", channel="account_menu",
               actor=member_actor(minsu))
    [msg] = deliver(yk, smtp)
    assert msg["To"] == EMAIL and r.id in body(msg)
    reads = [(e.purpose, e.outcome) for e in entries(yk)
             if "outbox" in e.actor_id and "user.contact.email" in e.categories]
    assert reads == [("change_notices", "denied"), ("legal_compliance", "granted")]


@pytest.mark.promise("P6.4")
def test_a_policy_notice_to_a_restricted_member_is_not_sent(yk, vault, minsu, officer, smtp):
    vault.restrict(minsu, None, "accuracy-disputed", actor=officer)
    with yk.engine.begin() as conn:
        yk.outbox.enqueue(conn, template="policy_notice", member_id=minsu, channel="email",
                params={"notice_id": "nt_1"}, dedupe_key="nt_1:" + minsu)
    assert deliver(yk, smtp) == []
    with yk.engine.connect() as conn:
        row = conn.execute(outbox.select()).one()
    assert row.status == "dead" and "restricted" in (row.last_error or "")
