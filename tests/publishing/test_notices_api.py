"""The notices board over HTTP, every policy version at its own address, and members' in-app
notices (``/me/notices``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.policy import NEXT, add_ai_training, add_members, make_yaksok, variant
from yaksok.accounts.passwords import hash_password
from yaksok.api import create_app
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.notify import OutboxSender
from yaksok.publishing.notices import publish_with_notice
from yaksok.store.tables import members as members_table

PASSWORD = "Lamp-7-tiger"


@pytest.fixture
def yk(tmp_path, monkeypatch, db_url):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    y = make_yaksok(tmp_path, db_url)
    yield y
    y.close()


@pytest.fixture
def client(yk) -> TestClient:
    return TestClient(create_app(yk))


def _processor_change(d: dict) -> None:
    add_ai_training(d)
    d["processors"][0]["name"] = {"ko": "주식회사 비티씨코리아", "en": "BTC Korea Inc."}


@pytest.fixture
def published(yk):
    members = add_members(yk, 2)
    result = publish_with_notice(yk, variant(change=_processor_change), published_by="officer")
    return result, members


@pytest.mark.promise("P0.1", "P11.1")
def test_notices_board_lists_the_notice(client, published):
    result, _ = published
    r = client.get("/notices")
    assert r.status_code == 200
    # Newest first: this notice, then the one `yaksok init` posted for yaksok's own version.
    item, at_init = r.json()
    assert (at_init["version"], at_init["previous_version"]) == ("2026-12-14", "2021-11-03")
    assert item["id"] == result.notice_id and item["version"] == NEXT
    assert item["previous_version"] == "2026-12-14" and item["effective_date"] == "2027-01-01"
    assert "개정 안내" in item["title"]["ko"] and "update" in item["title"]["en"]
    assert item["url"] == f"/notices/{result.notice_id}"
    assert item["policy_url"] == f"/policy/{NEXT}"
    page = client.get("/notices", params={"format": "html", "lang": "en"})
    assert page.headers["content-type"].startswith("text/html")
    assert f'href="/notices/{result.notice_id}?format=html&amp;lang=en"' in page.text


@pytest.mark.promise("P0.1", "P10.3", "P11.1")
def test_a_notice_in_korean_and_english_with_its_diff(client, published):
    result, members = published
    r = client.get(f"/notices/{result.notice_id}")
    assert r.status_code == 200
    body = r.json()
    assert "AI 모델 학습" in body["body"]["ko"] and "AI model training" in body["body"]["en"]
    assert "BTC Korea Inc." in body["body"]["en"]  # the processor change (P10.3)
    assert body["previous_policy_url"] == "/policy/2026-12-14"
    changes = {(c["section"], c["key"], c["kind"]) for c in body["diff"]["changes"]}
    assert ("purposes", "ai_training", "added") in changes
    assert ("processors", "btc_korea_service", "changed") in changes
    assert body["diff"]["purposes_now_consent_based"] == ["ai_training"]
    text = r.text
    for address in members.values():
        assert address not in text
    html = client.get(f"/notices/{result.notice_id}", params={"format": "html", "lang": "ko"})
    assert html.headers["content-language"] == "ko"
    assert "AI 모델 학습" in html.text and 'href="/policy/2026-12-14?lang=ko"' in html.text


def test_unknown_notice_is_a_404_problem(client, published):
    r = client.get("/notices/999")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["fix"] == "see GET /notices for the notices posted"
    assert client.get("/notices/0").status_code == 422


@pytest.mark.promise("P0.1")
@pytest.mark.parametrize(("lang", "fmt"), [("ko", "html"), ("en", "md")])
def test_every_version_stays_readable_at_its_own_address(client, published, lang, fmt):
    old = client.get("/policy/2021-11-03", params={"lang": lang, "format": fmt})
    new = client.get(f"/policy/{NEXT}", params={"lang": lang, "format": fmt})
    current = client.get("/policy", params={"lang": lang, "format": fmt})
    assert old.status_code == new.status_code == 200
    assert old.headers["x-policy-version"] == "2021-11-03"
    assert old.headers["x-policy-superseded-by"] == NEXT
    assert "x-policy-superseded-by" not in new.headers
    assert old.headers["content-language"] == lang
    assert new.text == current.text  # the current version at both addresses
    label = "AI 모델 학습" if lang == "ko" else "AI model training"
    assert label in new.text and label not in old.text
    processor = "주식회사 비티씨코리아서비스" if lang == "ko" else "BTC Korea Service Inc."
    assert processor in old.text and processor not in new.text
    first = client.get("/policy/2019-03-01")
    assert first.status_code == 404  # declared in the file, but never published on its own
    assert client.get("/policy/versions").json()[-1]["version"] == NEXT


@pytest.mark.promise("P11.1")
def test_members_see_their_in_app_notices(client, yk, published):
    result, members = published
    OutboxSender(yk.engine, yk.outbox.templates).deliver_once()  # in-app only: no SMTP configured
    member_id, address = next(iter(members.items()))
    with yk.engine.begin() as conn:
        conn.execute(sa.update(members_table).where(members_table.c.id == member_id)
                     .values(password_hash=hash_password(PASSWORD)))
    from yaksok.members.sessions import login_member

    _, token = login_member(yk, address, PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    r = client.get("/me/notices", headers=auth)
    assert r.status_code == 200
    (item,) = r.json()
    assert item["notice_id"] == result.notice_id and item["version"] == NEXT
    assert item["read_at"] is None and "개정 안내" in item["title"]["ko"]
    assert client.post(f"/me/notices/{result.notice_id}/read", headers=auth).status_code == 204
    assert client.post(f"/me/notices/{result.notice_id}/read", headers=auth).status_code == 204
    assert client.get("/me/notices", headers=auth).json()[0]["read_at"] is not None
    assert client.get("/me/notices", params={"unread": "true"}, headers=auth).json() == []
    assert client.post("/me/notices/999/read", headers=auth).status_code == 404


def test_me_notices_needs_a_member_session(client, yk, published):
    from yaksok.accounts.apikeys import create_api_key

    assert client.get("/me/notices").status_code == 401
    r = client.get("/me/notices", headers={"Authorization": "Bearer yk_notakey"})
    assert r.status_code == 401
    _, secret = create_api_key(yk.engine, yk.policy, "app-backend", ["members"])
    r = client.get("/me/notices", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 403  # an app backend is not the member
