"""The console's operations pages over HTTP, signed in through the console as the privacy
officer, the security auditor and the processor's agent: API keys (the secret once, in no URL
and no log line), the outbox against a real SMTP server that refuses (never a recipient), DRP
agents, and the refusals of everyone but the officer, each in the access log."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from tests.support.api import bearer, signup_body
from tests.support.console import console_client, console_post, staff_session
from tests.support.drp import verify_key_b64
from tests.support.policy import add_ai_training, add_members, variant
from tests.support.smtp import sender
from yaksok.api import create_app

PAGES = ("/console/operations", "/console/keys", "/console/outbox", "/console/drp-agents")


@pytest.fixture(scope="module")
def desk(console_yk):
    """One app; the officer's, the auditor's and the processor's agent's console sessions."""
    app = create_app(console_yk)
    out = {"yk": console_yk, "app": app}
    for who in ("officer", "auditor", "agent"):
        out[who] = console_client(console_yk, app=app)
        out[f"{who}_name"] = staff_session(out[who], console_yk, who, username=f"ops-{who}")
    return out


def _denied(yk, username: str) -> int:
    from yaksok.accounts.staff import list_staff

    staff_id = next(s.id for s in list_staff(yk.engine) if s.username == username)
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM access_log WHERE actor_id = :a AND "
                                    "outcome = 'denied'"), {"a": staff_id}).scalar()


def test_the_landing_shows_the_officer_every_operations_page_in_both_languages(desk):
    officer = desk["officer"]
    html = officer.get("/console/operations").text
    for href in ("/console/keys", "/console/staff", "/console/outbox", "/console/drp-agents",
                 "/console/registers/disclosures", "/console/registers/processors",
                 "/console/registers/transfers", "/console/registers/incidents",
                 "/console/registers/measures", "/console/registers/ropa"):
        assert f'href="{href}"' in html
    assert "<title>운영 · " in html and 'href="/console/operations"' in html  # in the menu
    english = officer.get("/console/operations?lang=en").text
    assert "<title>Operations · " in english and 'href="/console/keys?lang=en"' in english


@pytest.mark.promise("P7.5")
def test_auditor_and_agent_are_refused_every_page_and_the_refusal_is_logged(desk):
    yk = desk["yk"]
    for who in ("auditor", "agent"):
        client, username = desk[who], desk[f"{who}_name"]
        home = client.get("/console/").text
        assert "/console/operations" not in home  # the menu offers nothing they would be refused
        for page in PAGES:
            before = _denied(yk, username)
            r = client.get(page)
            assert r.status_code == 403, (who, page)
            assert _denied(yk, username) == before + 1, (who, page)
        before = _denied(yk, username)
        r = console_post(client, "/console/keys", {"name": "sneaky", "scopes": "members"},
                         page="/console/password")
        assert r.status_code == 403 and _denied(yk, username) == before + 1
    from yaksok.accounts.apikeys import list_api_keys

    assert "sneaky" not in {k.name for k in list_api_keys(yk.engine)}


@pytest.mark.promise("P7.5")
def test_a_key_made_on_the_console_shows_its_secret_once_works_and_dies_when_revoked(
        desk, caplog):
    yk, officer = desk["yk"], desk["officer"]
    rest = console_client(yk, app=desk["app"])
    caplog.set_level(logging.DEBUG)
    r = console_post(officer, "/console/keys", {"name": "web-backend", "scopes": "members"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    secret = re.search(r'<code class="secret">(yk_ak_[0-9a-f]{16}_[A-Za-z0-9_-]{43})</code>',
                       r.text).group(1)
    key_id = secret[3:22]
    assert "다시 보여 주지 않습니다" in r.text and "<title>API 키를 만들었습니다 · " in r.text
    assert "location" not in r.headers
    # Nowhere else: not in any log line, not on the list of keys, not on the answer again.
    logged = "\n".join(f"{rec.getMessage()} {rec.args!r}" for rec in caplog.records)
    assert secret not in logged and secret[23:] not in logged
    listing = officer.get("/console/keys").text
    assert key_id in listing and secret not in listing and secret[23:] not in listing
    assert yk.policy.api_scope("members").label.get("ko") in listing  # the policy's label

    # The secret is an API key like any other: the app reads a member's connected accounts.
    member_id = rest.post("/members", json=signup_body(41)).json()["member_id"]
    connected = f"/members/{member_id}/connected-accounts"
    r = rest.get(connected, headers=bearer(secret))
    assert r.status_code == 200, r.text

    confirm = officer.get(f"/console/keys/{key_id}/revoke")
    assert confirm.status_code == 200 and "web-backend" in confirm.text
    r = console_post(officer, f"/console/keys/{key_id}/revoke", {},
                     page=f"/console/keys/{key_id}/revoke")
    assert r.status_code == 303 and r.headers["location"] == "/console/keys?done=revoked"
    r = rest.get(connected, headers=bearer(secret))
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert officer.get(f"/console/keys/{key_id}/revoke").text.count("<form") == 1  # logout only


def test_a_key_without_a_scope_is_the_form_again_with_the_field_marked(desk):
    from yaksok.accounts.apikeys import list_api_keys

    yk, officer = desk["yk"], desk["officer"]
    before = len(list_api_keys(yk.engine))
    r = console_post(officer, "/console/keys?lang=en", {"name": "no-scope"})
    assert r.status_code == 422
    assert 'id="field-scopes"' in r.text and 'id="error-scopes"' in r.text
    assert 'href="#field-scopes"' in r.text and 'value="no-scope"' in r.text
    assert len(list_api_keys(yk.engine)) == before


def test_the_outbox_shows_what_failed_without_recipients_and_retries_it(desk, smtp):
    from yaksok.notify.manage import list_messages, message_counts
    from yaksok.publishing.notices import publish_with_notice

    yk, officer = desk["yk"], desk["officer"]
    members = add_members(yk, 2, prefix="outbox")
    publish_with_notice(yk, variant(change=add_ai_training), published_by="test")
    smtp.mailbox.replies.extend(["550 5.1.1 <outbox0.kim@example.com>: no such user",
                                 "451 4.3.0 mailbox busy"])
    assert sender(yk, smtp).deliver_once().dead == 1

    html = officer.get("/console/outbox").text
    dead = list_messages(yk.engine, statuses=["dead"])[0]
    failed = list_messages(yk.engine, statuses=["failed"])[0]
    assert dead.id in html and failed.id in html and "550 5.1.1" in html and "451 4.3.0" in html
    assert "포기" in html and "실패 · 재시도 예정" in html  # the status in words, not colour
    for member_id, address in members.items():
        assert address not in html and address.split("@")[0] not in html
        assert member_id not in html
    counts = re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', html)
    assert ("발송 포기", "1") in counts and ("재시도 대기(실패)", "1") in counts

    r = console_post(officer, f"/console/outbox/{dead.id}/retry", {}, page="/console/outbox")
    assert r.status_code == 303 and r.headers["location"] == "/console/outbox?done=retried"
    assert message_counts(yk.engine)["dead"] == 0
    again = console_post(officer, f"/console/outbox/{dead.id}/retry", {},
                         page="/console/outbox")  # queued now: nothing to retry
    assert again.status_code == 409 and "problem" in again.text
    r = console_post(officer, "/console/outbox/retry?lang=en", {}, page="/console/outbox")
    assert r.headers["location"] == "/console/outbox?done=retried_all&lang=en"
    result = sender(yk, smtp).deliver_once()
    assert result.sent == 2 and message_counts(yk.engine)["failed"] == 0
    assert "전달을 기다리는 메시지가 없습니다" in officer.get("/console/outbox").text


def test_a_drp_agent_registered_on_the_console_shows_up_and_is_revoked(desk):
    from nacl.signing import SigningKey

    yk, officer = desk["yk"], desk["officer"]
    key = verify_key_b64(SigningKey.generate())
    bad = console_post(officer, "/console/drp-agents",
                       {"agent_id": "CONSOLE_AGENT", "name": "Slip", "verify_key": "nope"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert re.search(r'id="field-verify_key"[^>]*aria-invalid="true"', bad.text)
    r = console_post(officer, "/console/drp-agents",
                     {"agent_id": "CONSOLE_AGENT", "name": "Permission Slip",
                      "verify_key": key, "web_url": "https://permissionslipcr.com"})
    assert r.status_code == 303 and r.headers["location"] == "/console/drp-agents?done=registered"
    html = officer.get("/console/drp-agents").text
    assert "Permission Slip" in html and "CONSOLE_AGENT" in html and key in html
    assert "(활성)" in html and "https://permissionslipcr.com" in html
    dup = console_post(officer, "/console/drp-agents",
                       {"agent_id": "CONSOLE_AGENT", "name": "Again", "verify_key": key},
                       page="/console/drp-agents")
    assert dup.status_code == 409 and 'id="error-agent_id"' in dup.text

    r = console_post(officer, "/console/drp-agents/CONSOLE_AGENT/revoke", {},
                     page="/console/drp-agents/CONSOLE_AGENT/revoke")
    assert r.status_code == 303
    from yaksok.rights.drp import get_agent

    assert get_agent(yk, "CONSOLE_AGENT").status == "revoked"
    assert "(폐기됨)" in officer.get("/console/drp-agents").text
    assert officer.get("/console/drp-agents/NOBODY/revoke").status_code == 404
