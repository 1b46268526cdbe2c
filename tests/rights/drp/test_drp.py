"""The Data Rights Protocol library (yaksok.rights.drp) on SQLite and PostgreSQL: the agent
registry, signed messages and their checks (DRP 3.07), request parsing for 0.9.4 and 1.0,
the member match through blind indexes, the status mapping, and no claim at rest."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from nacl.signing import SigningKey

from tests.support.database import database_bytes
from tests.support.drp import (
    AGENT,
    JANE,
    NOW,
    UTC,
    californian,
    envelope,
    live_envelope,
    mailed_code,
    paired,
    request_body,
    rights_of,
    signed,
    verify_key_b64,
)
from yaksok.errors import (
    ActorNotAllowed,
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from yaksok.rights import drp


@pytest.fixture
def registered(yk, officer, key) -> drp.Agent:
    return drp.register_agent(yk, agent_id=AGENT, name="Permission Slip",
                              verify_key=verify_key_b64(key), actor=officer,
                              web_url="https://permissionslipcr.com", now=NOW)


# -- the registry ---------------------------------------------------------------------------------

def test_register_list_and_revoke_agents(yk, officer, app, key, registered):
    assert registered.status == "active" and registered.registered_by == officer.id
    assert registered.verify_key == verify_key_b64(key)
    assert [a.id for a in drp.list_agents(yk)] == [AGENT]
    assert drp.get_agent(yk, AGENT).web_url == "https://permissionslipcr.com"
    with pytest.raises(Conflict, match="never reused"):
        drp.register_agent(yk, agent_id=AGENT, name="again", verify_key=verify_key_b64(key),
                           actor=officer)
    revoked = drp.revoke_agent(yk, AGENT, actor=officer, now=NOW)
    assert revoked.status == "revoked" and revoked.revoked_at == NOW
    with pytest.raises(Conflict):
        drp.revoke_agent(yk, AGENT, actor=officer)
    with pytest.raises(NotFound):
        drp.revoke_agent(yk, "NOBODY", actor=officer)
    # Bad input is refused with the field named, and nothing is stored.
    good = dict(agent_id="A_1", name="Agent", verify_key=verify_key_b64(key), actor=officer)
    for change, field in [({"agent_id": "has space"}, "agent-id"),
                          ({"name": " "}, "name"),
                          ({"verify_key": "c2hvcnQ="}, "verify_key"),
                          ({"verify_key": "not base64 at all!"}, "verify_key"),
                          ({"web_url": "http://plain.example"}, "web_url")]:
        with pytest.raises(ValidationError) as caught:
            drp.register_agent(yk, **{**good, **change})
        assert caught.value.field == field
    with pytest.raises(ActorNotAllowed) as refused:  # an app backend is not the officer
        drp.register_agent(yk, **{**good, "actor": app})
    assert refused.value.rule == "capability-required"
    assert [a.id for a in drp.list_agents(yk)] == [AGENT]


# -- signed messages ---------------------------------------------------------------------------

def test_open_message_checks_base64_signature_and_json(key):
    vk = verify_key_b64(key)
    message, sha = drp.open_message(signed(key, {"a": 1}), vk)
    assert message == {"a": 1} and len(sha) == 64
    # Sent as text with a trailing newline, or URL-safe: the same message.
    assert drp.open_message(signed(key, {"a": 1}).decode() + "\n", vk)[1] == sha
    with pytest.raises(AuthenticationFailed, match="signature"):
        drp.open_message(signed(SigningKey.generate(), {"a": 1}), vk)
    tampered = bytearray(base64.b64decode(signed(key, {"a": 1})))
    tampered[-2] ^= 1
    with pytest.raises(AuthenticationFailed):
        drp.open_message(base64.b64encode(bytes(tampered)), vk)
    with pytest.raises(ValidationError, match="base64"):
        drp.open_message(b"{not: base64}", vk)
    with pytest.raises(ValidationError, match="JSON object"):
        drp.open_message(base64.b64encode(key.sign(b"[1, 2]")), vk)
    with pytest.raises(ValidationError, match="empty"):
        drp.open_message(b"  ", vk)


def test_envelope_is_checked_in_the_order_of_3_07():
    good = envelope()
    assert drp.check_envelope(good, agent_id=AGENT, business="SOMESING", now=NOW) == \
        (NOW, NOW + dt.timedelta(minutes=10))
    cases = [
        ({"agent-id": "OTHER"}, PermissionDenied, "agent-id", False),
        ({"business-id": "OTHER_SHOP"}, PermissionDenied, "business-id", False),
        ({"issued-at": (NOW + dt.timedelta(minutes=5)).isoformat()}, ValidationError,
         "issued-at", False),
        ({"expires-at": (NOW - dt.timedelta(seconds=1)).isoformat()}, ValidationError,
         "expires-at", True),
        ({"expires-at": (NOW + dt.timedelta(hours=3)).isoformat()}, ValidationError,
         "expires-at", True),
        ({"issued-at": "yesterday"}, ValidationError, "issued-at", False),
    ]
    for change, error, field, fatal in cases:
        with pytest.raises(error) as caught:
            drp.check_envelope({**good, **change}, agent_id=AGENT, business="SOMESING", now=NOW)
        assert caught.value.field == field
        assert getattr(caught.value, "fatal", False) is fatal
    # Within the tolerated clock skew, and without an offset (read as UTC): accepted.
    skewed = {**good, "issued-at": (NOW + dt.timedelta(seconds=30)).replace(tzinfo=None)
              .isoformat()}
    drp.check_envelope(skewed, agent_id=AGENT, business="SOMESING", now=NOW)
    missing = dict(good)
    del missing["business-id"]
    with pytest.raises(ValidationError, match="missing"):
        drp.check_envelope(missing, agent_id=AGENT, business="SOMESING", now=NOW)


# -- pair-wise key setup -------------------------------------------------------------------------

@pytest.mark.promise("P6.10")
def test_key_setup_gives_a_token_once_per_message(yk, officer, key, registered):
    assert drp.business_id(yk.policy) == "SOMESING"
    _refused_setups(yk, key)
    message = signed(key, envelope())
    agent, token = drp.setup_agent(yk, AGENT, message, now=NOW)
    assert token.startswith("yd_") and agent.token_issued_at == NOW
    assert drp.agent_for_token(yk, token).id == AGENT
    assert drp.agent_info(yk, token, AGENT) == {}
    with pytest.raises(PermissionDenied):
        drp.agent_info(yk, token, "SOMEONE_ELSE")
    with pytest.raises(PermissionDenied):  # DRP 2.06.1: a token that is no one's is a 403 too
        drp.agent_info(yk, "yd_not-a-token", AGENT)
    # The same message again (a replay inside its window) buys nothing.
    with pytest.raises(PermissionDenied, match="used already"):
        drp.setup_agent(yk, AGENT, message, now=NOW + dt.timedelta(minutes=1))
    # Another message of the same second does (timestamps have whole seconds) ...
    same_second = {**envelope(), "nonce": "2"}
    _, token = drp.setup_agent(yk, AGENT, signed(key, same_second), now=NOW)
    # ... and one older than the last accepted does not.
    with pytest.raises(PermissionDenied, match="older"):
        drp.setup_agent(yk, AGENT, signed(key, envelope(at=NOW - dt.timedelta(seconds=1))),
                        now=NOW)
    assert drp.agent_for_token(yk, token).id == AGENT
    # A newer message replaces the token; the old one stops working.
    later = NOW + dt.timedelta(minutes=2)
    _, second = drp.setup_agent(yk, AGENT, signed(key, envelope(at=later)), now=later)
    assert second != token
    with pytest.raises(AuthenticationFailed):
        drp.agent_for_token(yk, token)
    # Revoking the agent ends its token and its setups.
    drp.revoke_agent(yk, AGENT, actor=officer)
    with pytest.raises(AuthenticationFailed):
        drp.agent_for_token(yk, second)
    even_later = NOW + dt.timedelta(minutes=3)
    with pytest.raises(PermissionDenied):
        drp.setup_agent(yk, AGENT, signed(key, envelope(at=even_later)), now=even_later)
    with pytest.raises(AuthenticationFailed):
        drp.agent_for_token(yk, None)
    with pytest.raises(AuthenticationFailed):
        drp.agent_for_token(yk, "yk_an_api_key")


def _refused_setups(yk, key) -> None:
    bad = [
        signed(SigningKey.generate(), envelope()),               # another key
        signed(key, envelope(agent_id="OTHER")),                 # URL and claim differ
        signed(key, envelope(business="ANOTHER_SHOP")),
        signed(key, envelope(at=NOW - dt.timedelta(hours=1))),   # expired
        signed(key, envelope(version="0.7")),
        b"not a message",
    ]
    for body in bad:
        with pytest.raises(PermissionDenied):
            drp.setup_agent(yk, AGENT, body, now=NOW)
    with pytest.raises(PermissionDenied):
        drp.setup_agent(yk, "UNKNOWN", signed(key, envelope("UNKNOWN")), now=NOW)


# -- parsing ------------------------------------------------------------------------------------

def exercise_message(action: str = "access", version: str = "1.0", **extra) -> dict:
    return {**envelope(version=version), "exercise": action, "regime": "ccpa",
            "email": "minsu.kim@somesing.kr", "email_verified": True, **extra}


def test_both_versions_and_both_opt_out_spellings_parse():
    for version, action in [("1.0", "sale:opt-out"), ("0.9.4", "sale:opt_out"),
                            ("0.9.4", "sale:opt-out"), ("1.0", "access"), ("0.9.4", "deletion")]:
        parsed = drp.parse_exercise(exercise_message(action, version), "0" * 64, agent_id=AGENT)
        assert parsed.drp_version == version
        assert parsed.exercise == drp.ACTIONS[action]
    parsed = drp.parse_exercise(exercise_message(regime=None, **{"agent-request-id": "r-1"}),
                                "0" * 64, agent_id=AGENT)
    assert parsed.regime == "voluntary" and parsed.agent_request_id == "r-1"
    assert parsed.claims.email_verified is True
    # The claims never show in a repr (which is what a log line or a traceback prints).
    assert "minsu" not in repr(parsed) and "minsu" not in repr(parsed.claims)


def test_parsing_refuses_what_the_spec_does_not_allow():
    cases = [
        ({"exercise": "sale:opt_in"}, "exercise", True),
        ({"exercise": "access:categories"}, "exercise", True),
        ({"drp.version": "0.9.3"}, "drp.version", True),
        ({"regime": "gdpr"}, "regime", True),
        ({"email": 42}, "email", False),
        ({"email_verified": "yes"}, "email_verified", False),
        ({"status_callback": "ftp://agent.example/cb"}, "status_callback", False),
        ({"relationships": "customer"}, "relationships", False),
        ({"agent-request-id": ""}, "agent-request-id", False),
    ]
    for change, field, fatal in cases:
        with pytest.raises(ValidationError) as caught:
            drp.parse_exercise({**exercise_message(), **change}, "0" * 64, agent_id=AGENT)
        assert caught.value.field == field
        assert getattr(caught.value, "fatal", False) is fatal
        assert "minsu" not in str(caught.value)


# -- requests, end to end in the library --------------------------------------------------------

@pytest.mark.promise("P6.10")
@pytest.mark.promise("P6.6")
def test_opt_out_with_an_attested_claim_is_done_at_once(yk, vault, app, officer, key):
    from yaksok.rights.agents import documents, read_power_of_attorney

    m = californian(vault, app)
    token = paired(yk, key, officer)
    body = request_body(key, "sale:opt-out")
    status = drp.exercise(yk, token, body)
    assert status["status"] == "fulfilled" and "reason" not in status
    assert "does not sell" in status["processing_details"]
    assert "customised_ads" not in vault.effective_consents(m)
    assert {o.target_key for o in vault.active_objections(m)} == {"consented_marketing",
                                                                  "promotional_events"}
    rights = rights_of(yk, status["request_id"])
    assert sorted(r.right for r in rights) == ["consent_withdrawal", "objection", "objection"]
    for r in rights:
        assert (r.channel, r.requester, r.agent_check, r.status) == \
            ("drp", "authorised_agent", "accepted", "completed")
        assert r.verification == "staff:agent-documents-checked"
    # The power of attorney on record is the agent's own signed request: the officer can check
    # its signature against the registered key.
    docs = documents(yk, rights[0].id)
    kind, pdf = read_power_of_attorney(yk, docs[0].id, actor=officer)
    assert kind == "application/pdf" and pdf.startswith(b"%PDF-")
    import re

    tail = pdf.split(b"as received:) '", 1)[1]
    kept = b"".join(re.findall(rb"\(([A-Za-z0-9+/=]+)\) '", tail.split(b" ET", 1)[0]))
    assert kept == body
    message, _ = drp.open_message(kept, verify_key_b64(key))
    assert message["exercise"] == "sale:opt-out"


@pytest.mark.promise("P6.11")
@pytest.mark.promise("P6.1")
def test_access_waits_for_the_members_code(yk, vault, app, officer, key, smtp):
    from yaksok.errors import AuthenticationFailed as WrongCode

    m = californian(vault, app)
    token = paired(yk, key, officer)
    status = drp.exercise(yk, token, request_body(key, "access"))
    rid = status["request_id"]
    assert (status["status"], status["reason"]) == ("in_progress", "need_user_verification")
    assert status["user_verification_url"] == f"/drp/verify/{rid}"
    assert status["expected_by"] and status["expires_at"]
    # The agent's verified flag is not enough to disclose data: nothing happened yet.
    assert [r.status for r in rights_of(yk, rid)] == ["received"]
    drp.resend_code(yk, rid)
    code = mailed_code(yk, smtp)
    assert smtp.mailbox.messages[-1]["To"] == JANE["user.contact.email"]
    with pytest.raises(WrongCode):
        drp.confirm_by_member(yk, rid, "000000" if code != "000000" else "111111")
    outcome = drp.confirm_by_member(yk, rid, code, redirect_to="https://evil.example/x")
    assert outcome["redirect_to"] is None  # not the agent's registered site
    done = drp.status(yk, rid)
    assert done["status"] == "fulfilled" and "privacy center" in done["processing_details"]
    [rq] = rights_of(yk, rid)
    assert rq.verification == "code" and rq.result["export_id"].startswith("ex")
    assert rq.member_id == m
    with pytest.raises(Conflict, match="needs no confirmation"):
        drp.confirm_by_member(yk, rid, code)


@pytest.mark.promise("P6.11")
def test_an_unconfirmed_request_is_denied_for_want_of_verification(yk, vault, app, officer,
                                                                   key):
    californian(vault, app)
    token = paired(yk, key, officer)
    rid = drp.exercise(yk, token, request_body(key, "deletion"))["request_id"]
    later = dt.datetime.now(UTC) + drp.VERIFY_WINDOW + dt.timedelta(minutes=1)
    assert drp.expire_unverified(yk, now=dt.datetime.now(UTC)) == 0
    assert drp.expire_unverified(yk, now=later) == 1
    status = drp.status(yk, rid)
    assert (status["status"], status["reason"]) == ("denied", "insuf_verification")
    assert "could not verify" in status["processing_details"]
    [rq] = rights_of(yk, rid)
    assert (rq.status, rq.refusal_reason) == ("refused", "ccpa_7062_cannot_verify")
    with pytest.raises(Conflict):
        drp.resend_code(yk, rid)
    # Codes are capped per request: past MAX_CODES the request is denied the same way.
    rid = drp.exercise(yk, token, request_body(key, "access"))["request_id"]
    start = dt.datetime.now(UTC)
    for i in range(drp.MAX_CODES):
        drp.resend_code(yk, rid, now=start + dt.timedelta(minutes=2 * i))
    with pytest.raises(Conflict, match="denied"):
        drp.resend_code(yk, rid, now=start + dt.timedelta(minutes=20))
    assert drp.status(yk, rid)["reason"] == "insuf_verification"


def test_claims_that_match_no_single_member_are_no_match(yk, vault, app, officer, key):
    californian(vault, app)
    californian(vault, app, {"user.contact.email": "other@example.com",
                             "user.contact.phone_number": "+14155550199"})
    token = paired(yk, key, officer)
    cases = [{"email": "nobody@example.com", "email_verified": True},
             {"email": JANE["user.contact.email"], "phone_number": "+14155550199"},
             {"email": "not an address"},
             {"name": "Jane Doe"},
             # Jane's email with a phone number of nobody: the claims disagree.
             {"email": JANE["user.contact.email"], "phone_number": "+14155550100"},
             {"email": "someone.else@example.com", "phone_number": JANE[
                 "user.contact.phone_number"]},
             {"email": JANE["user.contact.email"], "phone_number": "not a number"}]
    for claims in cases:
        status = drp.exercise(yk, token, request_body(key, "access", **claims))
        assert (status["status"], status["reason"]) == ("denied", "no_match")
        [rq] = rights_of(yk, status["request_id"])
        assert rq.member_id is None and rq.status == "refused"
    # The phone number alone finds Jane (E.164, as DRP 3.04 asks).
    found = drp.exercise(yk, token, request_body(key, "access", phone_number="+1 415 555 0123"))
    assert found["reason"] == "need_user_verification"


def test_replays_and_reused_agent_request_ids_are_conflicts(yk, vault, app, officer, key):
    californian(vault, app)
    token = paired(yk, key, officer)
    body = request_body(key, "access")
    drp.exercise(yk, token, body)
    with pytest.raises(Conflict, match="used already"):
        drp.exercise(yk, token, body)
    ref = {"agent-request-id": "ps-42", "email": JANE["user.contact.email"]}
    first = drp.exercise(yk, token, request_body(key, "deletion", **ref))
    assert first["agent_request_id"] == "ps-42"
    with pytest.raises(Conflict, match="agent-request-id"):
        drp.exercise(yk, token, request_body(key, "access", **ref))
    assert len(drp.list_requests(yk)) == 2


def test_revoke_cancels_what_is_open_and_only_that(yk, vault, app, officer, key):
    other = SigningKey.generate()
    californian(vault, app)
    token = paired(yk, key, officer)
    other_token = paired(yk, other, officer, agent_id="OTHER_AGENT")
    rid = drp.exercise(yk, token, request_body(key, "deletion"))["request_id"]
    revoke = signed(key, live_envelope(reason="changed my mind"))
    with pytest.raises(PermissionDenied):
        drp.revoke(yk, other_token, rid, signed(other, live_envelope("OTHER_AGENT")))
    with pytest.raises(AuthenticationFailed):
        drp.revoke(yk, token, rid, signed(other, live_envelope()))
    status = drp.revoke(yk, token, rid, revoke)
    assert status["status"] == "revoked"
    assert [r.status for r in rights_of(yk, rid)] == ["cancelled"]
    assert drp.revoke(yk, token, rid, signed(key, live_envelope()))["status"] == "revoked"
    done = drp.exercise(yk, token, request_body(key, "sale:opt-out"))["request_id"]
    with pytest.raises(Conflict, match="fulfilled"):
        drp.revoke(yk, token, done, signed(key, live_envelope()))
    with pytest.raises(PermissionDenied):
        drp.status_for_agent(yk, other_token, rid)
    with pytest.raises(NotFound):
        drp.status_for_agent(yk, token, "no-such-request")


def test_a_ccpa_request_for_a_korean_member_is_honoured_under_pipa(yk, vault, app, officer,
                                                                    key):
    m = californian(vault, app, jurisdiction="KR")
    token = paired(yk, key, officer)
    status = drp.exercise(yk, token, request_body(key, "sale:opt-out"))
    assert status["status"] == "fulfilled"
    assert "Personal Information Protection Act" in status["processing_details"]
    assert {r.jurisdiction for r in rights_of(yk, status["request_id"])} == {"KR"}
    assert "customised_ads" not in vault.effective_consents(m)


def test_a_failure_half_way_leaves_no_half_request(yk, vault, app, officer, key, monkeypatch):
    from yaksok.rights import agents
    from yaksok.rights.requests import list_requests

    m = californian(vault, app)
    token = paired(yk, key, officer)
    real, calls = agents.check_agent, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValidationError("injected failure", field="outcome")
        return real(*args, **kwargs)

    monkeypatch.setattr(agents, "check_agent", flaky)
    with pytest.raises(ValidationError, match="injected"):
        drp.exercise(yk, token, request_body(key, "sale:opt-out"))
    assert drp.list_requests(yk) == []
    assert {r.status for r in list_requests(yk, member_id=m)} == {"cancelled"}
    assert "customised_ads" in vault.effective_consents(m)
    monkeypatch.setattr(agents, "check_agent", real)
    # The same signed message may be sent again: nothing of the failed attempt holds it.
    assert drp.exercise(yk, token, request_body(key, "sale:opt-out"))["status"] == "fulfilled"


def test_no_claim_is_kept_in_plaintext(yk, vault, app, officer, key):
    californian(vault, app)
    token = paired(yk, key, officer)
    sent = [request_body(key, "sale:opt-out"),
            request_body(key, "access", email="Jane.Doe@Example.com", phone_number="+14155550123"),
            request_body(key, "access", email="stranger@example.org", name="Stranger Danger")]
    for body in sent:
        drp.exercise(yk, token, body)
    stored = database_bytes(yk)
    for needle in ("jane.doe@example.com", "Jane.Doe@Example.com", "+14155550123",
                   "stranger@example.org", "Stranger Danger"):
        assert needle.encode() not in stored
    for body in sent:
        assert body[:120] not in stored  # the signed message is kept sealed only


def test_the_documented_example_runs(monkeypatch, capsys, tmp_path):
    import re

    from tests.support.paths import ROOT

    doc = ROOT / "docs" / "rights.md"
    text = doc.read_text("utf-8")
    section = text[text.index("## Data Rights Protocol"):text.index("## REST and CLI")]
    code, printed = re.findall(r"```(?:python)?\n(.*?)```", section, re.S)[-2:]
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("tempfile.mkdtemp", lambda: str(tmp_path))
    monkeypatch.delenv("YAKSOK_KEYRING_PASSPHRASE", raising=False)
    exec(compile(code, str(doc), "exec"), {"__name__": "drp_doc_example"})  # noqa: S102
    assert capsys.readouterr().out == printed
    for name in (*drp.REASONS, *drp.STATUSES, *drp.SUPPORTED_ACTIONS):
        assert f"`{name}`" in section


class AgentSite:
    """The agent's own https server (self-signed, trusted by the client we pass): records the
    status callbacks it receives and answers with ``reply``."""

    def __init__(self, tmp_path):
        import ssl
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from tests.support.smtp import certificate

        cert, private = certificate(tmp_path)
        site = self
        self.received: list[dict] = []
        self.reply = 200

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server spelling
                length = int(self.headers.get("Content-Length", 0))
                site.received.append(json.loads(self.rfile.read(length)))
                self.send_response(site.reply)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert, private)
        self.server.socket = server_ctx.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.trust = ssl.create_default_context(cafile=str(cert))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_status_callbacks_reach_the_agents_own_site(yk, vault, app, officer, key, tmp_path):
    import httpx

    californian(vault, app)
    site = AgentSite(tmp_path)
    try:
        token = paired(yk, key, officer, web_url=site.url)
        with pytest.raises(ValidationError) as caught:
            drp.exercise(yk, token, request_body(key, "access", email=JANE["user.contact.email"],
                                                 status_callback="https://elsewhere.example/cb"))
        assert caught.value.field == "status_callback"
        body = request_body(key, "access", email=JANE["user.contact.email"],
                            status_callback=f"{site.url}/drp/status")
        rid = drp.exercise(yk, token, body)["request_id"]
        client = httpx.Client(verify=site.trust, timeout=5)
        site.reply = 500  # not taken: tried again next time
        assert drp.push_status(yk, rid, client=client) is False
        site.reply = 200
        assert drp.deliver_callbacks(yk, client=client, base_url="https://api.somesing.io/") == 1
        assert drp.push_status(yk, rid, client=client) is False  # nothing new
        drp.revoke(yk, token, rid, signed(key, live_envelope()))
        assert drp.deliver_callbacks(yk, client=client) == 1
        assert drp.deliver_callbacks(yk, client=client) == 0  # final state delivered
        assert [(s["status"], s.get("reason")) for s in site.received] == [
            ("in_progress", "need_user_verification"), ("in_progress", "need_user_verification"),
            ("revoked", None)]
        assert site.received[1]["user_verification_url"].startswith("https://api.somesing.io/")
        # The client we did not pass (certificate checks on) refuses the self-signed site.
        assert drp.push_status(yk, drp.exercise(yk, token, request_body(
            key, "deletion", email=JANE["user.contact.email"],
            status_callback=f"{site.url}/cb"))["request_id"]) is False
        client.close()
    finally:
        site.stop()


def test_the_officers_decisions_show_in_the_agents_status(yk, vault, app, officer, key):
    from yaksok.rights.requests import extend, refuse, start
    from yaksok.rights.verify import verify_by_staff

    californian(vault, app)
    token = paired(yk, key, officer)
    access = drp.exercise(yk, token, request_body(key, "access"))["request_id"]
    [rq] = rights_of(yk, access)
    verify_by_staff(yk, rq.id, actor=officer, method="callback-registered-phone")
    start(yk, rq.id, actor=officer)
    before = drp.status(yk, access)
    assert (before["status"], before.get("reason")) == ("in_progress", None)
    extend(yk, rq.id, actor=officer, reason="complex")
    after = drp.status(yk, access)
    assert after["expected_by"] > before["expected_by"]
    assert "extended (the request is complex" in after["processing_details"]
    deletion = drp.exercise(yk, token, request_body(key, "deletion"))["request_id"]
    [rq] = rights_of(yk, deletion)
    refuse(yk, rq.id, actor=officer, reason="ccpa_1798_105_d_exemption")
    denied = drp.status(yk, deletion)
    assert (denied["status"], denied["reason"]) == ("denied", "claim_not_covered")
    assert "1798.105(d)" in denied["processing_details"]


def test_every_signed_message_is_good_once(yk, vault, app, officer, key):
    """A repeated exercise answered with the open request is used up; a revoke body revokes
    its own request only, and a bare signed ``{reason}`` (DRP 2.04) is a revoke."""
    californian(vault, app)
    token = paired(yk, key, officer)
    first = drp.exercise(yk, token, request_body(key, "access"))
    repeat = request_body(key, "access")
    assert drp.exercise(yk, token, repeat)["request_id"] == first["request_id"]
    with pytest.raises(Conflict, match="used already"):
        drp.exercise(yk, token, repeat)
    deletion = drp.exercise(yk, token, request_body(key, "deletion"))
    enveloped = signed(key, live_envelope(reason="user request"))
    assert drp.revoke(yk, token, first["request_id"], enveloped)["status"] == "revoked"
    assert drp.revoke(yk, token, first["request_id"], enveloped)["status"] == "revoked"  # same
    with pytest.raises(Conflict, match="used already"):  # not against another request
        drp.revoke(yk, token, deletion["request_id"], enveloped)
    assert drp.status(yk, deletion["request_id"])["status"] == "in_progress"
    # DRP 2.04's bare {reason}: an agent signs a fixed reason to the same bytes every time, so
    # it is good once per request (the reference agent revokes two requests this way).
    bare = signed(key, {"reason": "user request"})
    assert drp.revoke(yk, token, deletion["request_id"], bare)["status"] == "revoked"
    assert drp.revoke(yk, token, deletion["request_id"], bare)["status"] == "revoked"


def test_a_revoked_agent_leaves_nothing_open(yk, vault, app, officer, key):
    californian(vault, app)
    token = paired(yk, key, officer)
    rid = drp.exercise(yk, token, request_body(key, "access"))["request_id"]
    assert drp.verification_info(yk, rid)["text_en"]
    drp.revoke_agent(yk, AGENT, actor=officer)
    assert drp.status(yk, rid)["status"] == "revoked"
    assert {r.status for r in rights_of(yk, rid)} == {"cancelled"}
    with pytest.raises(Conflict):  # no code form, no code
        drp.verification_info(yk, rid)
    with pytest.raises(Conflict):
        drp.resend_code(yk, rid)


def test_revoking_an_agent_again_finishes_closing_its_requests(yk, vault, app, officer, key,
                                                               monkeypatch):
    """A revocation that failed half-way (its agent revoked, its requests not yet closed) is
    finished by running it again; once nothing is open, again is a Conflict."""
    from yaksok.rights.drp import agents

    californian(vault, app)
    token = paired(yk, key, officer)
    rid = drp.exercise(yk, token, request_body(key, "access"))["request_id"]
    with monkeypatch.context() as m:
        m.setattr(agents, "_close_open_requests", lambda *a, **k: (_ for _ in ()).throw(
            RuntimeError("killed")))
        with pytest.raises(RuntimeError):
            drp.revoke_agent(yk, AGENT, actor=officer)
    assert drp.status(yk, rid)["status"] != "revoked"
    drp.revoke_agent(yk, AGENT, actor=officer)
    assert drp.status(yk, rid)["status"] == "revoked"
    with pytest.raises(Conflict, match="revoked already"):
        drp.revoke_agent(yk, AGENT, actor=officer)
