"""The privacy center's records over HTTP (issue 18): my in-app notices (read marking as
``POST /me/notices/{id}/read``) and each policy version's diff, the disclosures in my history,
the layout of a breach notice, and the cookie settings — Korean and English, no personal value
in a URL or a title."""

from __future__ import annotations

import re

import pytest

from tests.support.center import center_client, csrf_of, member, person
from tests.support.policy import variant
from yaksok.members.lookups import find_member
from yaksok.notify import OutboxSender
from yaksok.publishing.inbox import member_notices_of
from yaksok.publishing.notices import publish_with_notice


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


@pytest.mark.promise("P0.1", "P11.1")
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_each_version_shows_what_changed_from_the_one_before(center_yk, lang):
    client = center_client(center_yk)
    member(client, 30 if lang == "ko" else 31)
    q = "?lang=en" if lang == "en" else ""
    html = client.get(f"/center/notices{q}").text
    assert html.index("2026-12-14") < html.index("2021-11-03")  # newest first
    added, removed, changed = (("추가된 내용", "삭제된 내용", "바뀐 내용") if lang == "ko"
                               else ("Added", "Removed", "Changed"))
    for heading in (added, removed, changed):
        assert re.search(rf'<h4 class="diff-\w+">{heading} \(\d+\)</h4>', html), heading
    # The policy's own labels in the page's language, not keys.
    assert ("맞춤형 광고 프로필" if lang == "ko" else "Targeted-advertising profile") in html
    assert ("처음 공개된 버전" if lang == "ko" else "The first version published") in html
    assert f'href="/policy/2021-11-03{q}"' in html


@pytest.mark.promise("P0.1", "P11.1")
def test_my_in_app_notices_are_listed_and_marked_read(center_yk):
    yk = center_yk
    client = center_client(yk)
    member(client, 32)
    mid = find_member(yk, "user.contact.email", person(32)["email"])
    publish_with_notice(yk, variant(), published_by="officer")
    OutboxSender(yk.engine, yk.outbox.templates).deliver_once()
    mine = member_notices_of(yk.engine, mid)
    assert mine and mine[0].read_at is None
    for lang, q, unread in (("ko", "", "읽지 않음"), ("en", "?lang=en", "unread")):
        page = client.get(f"/center/notices{q}")
        assert unread in page.text
        assert (mine[0].title_ko if lang == "ko" else mine[0].title_en) in page.text
    # A bad id is the page again, with the field and the fix in the page's language.
    page = client.get("/center/notices")
    r = client.post("/center/notices/read", data={"csrf": csrf_of(page.text), "notice_id": "x"})
    assert r.status_code == 422 and "알림 옆의 버튼을 눌러 주세요" in r.text
    assert 'href="#field-notice_id"' in r.text and 'id="field-notice_id"' in r.text
    r = client.post("/center/notices/read?lang=en",
                    data={"csrf": csrf_of(page.text), "notice_id": "999999"})
    assert r.status_code == 404 and "no in-app notice" in r.text
    assert "999999" not in _title(r.text)
    r = client.post("/center/notices/read?lang=en",
                    data={"csrf": csrf_of(page.text), "notice_id": str(mine[0].notice_id)})
    assert r.status_code == 303 and r.headers["location"] == "/center/notices?done=read&lang=en"
    assert member_notices_of(yk.engine, mid)[0].read_at is not None
    page = client.get(r.headers["location"])
    assert "Marked as read." in page.text and "Mark as read:" not in page.text
    # No CSRF token, no change.
    assert client.post("/center/notices/read", data={"notice_id": "1"}).status_code == 403
