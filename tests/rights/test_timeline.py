"""A request's timeline for its requester (``yaksok.rights.timeline``): the transitions without
who handled them, and nothing of another member's request."""

from __future__ import annotations

import pytest

from tests.support.rights import new_member
from yaksok.actors import member_actor
from yaksok.errors import NotFound
from yaksok.rights.requests import cancel, submit
from yaksok.rights.timeline import timeline
from yaksok.rights.verify import verify_by_staff


@pytest.mark.promise("P6.8")
def test_the_member_follows_their_request_and_no_one_elses(yk, minsu, officer):
    me = member_actor(minsu)
    rq = submit(yk, member_id=minsu, right="erasure", channel="account_menu", actor=me,
                details={"categories": ["user.contact.phone_number"]})
    verify_by_staff(yk, rq.id, actor=officer, method="callback-registered-phone")
    cancel(yk, rq.id, actor=me)
    steps = timeline(yk, me, rq.id)
    assert [s["to_status"] for s in steps] == ["received", "verified", "cancelled"]
    assert [s["by"] for s in steps][1] == "staff"
    assert all(set(s) == {"at", "from_status", "to_status", "reason", "by"} for s in steps)
    assert officer.id not in repr(steps), "never who handled it"
    other = new_member(yk, email="other@example.com", phone="010-2222-3333")
    with pytest.raises(NotFound):
        timeline(yk, member_actor(other), rq.id)
