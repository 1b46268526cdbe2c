"""What the officer sees of the notices already sent: each stage keeps its texts item by item
(the console shows them with the items' headings, ITEM_LABELS, the same the emails carry)."""

from __future__ import annotations

import datetime as dt

from tests.support.members import signup_args
from yaksok.incidents import (
    ITEM_LABELS,
    ITEMS,
    freeze_affected,
    get_incident,
    issue_stage,
    open_incident,
)
from yaksok.members.signup import sign_up


def test_each_stage_shows_what_was_said_item_by_item(yk, officer):
    member = sign_up(yk, **signup_args(1))
    inc = open_incident(yk, officer, title="백업 파일 노출", nature="a backup was public",
                        cause="a wrong bucket setting", categories=["user.contact.email"],
                        measures="closed", discovered_at=dt.datetime.now(dt.UTC), possible=True)
    freeze_affected(yk, officer, inc, member_ids=[member])
    said = {lang: {"what": f"{lang} 이메일", "company_does": f"{lang} 차단",
                   "contact": f"{lang} privacy@"} for lang in ("ko", "en")}
    issue_stage(yk, officer, inc, "preliminary", said)
    [stage] = get_incident(yk, officer, inc).stages
    assert stage["kind"] == "preliminary" and stage["texts"] == said
    assert get_incident(yk, officer, inc).to_dict()["stages"][0]["texts"]["en"]["what"] == \
        "en 이메일"
    assert set(ITEM_LABELS["ko"]) == set(ITEM_LABELS["en"]) == set(ITEMS)
    # the facts that decide which clocks apply travel with the view
    assert get_incident(yk, officer, inc).flags == ("possible",)
    assert get_incident(yk, officer, inc).to_dict()["flags"] == ["possible"]
