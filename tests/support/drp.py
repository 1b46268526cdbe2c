"""The Data Rights Protocol's side of an authorised agent, shared by the tests in
``tests/rights/drp``: signed messages (DRP 3.07.1), envelopes, an agent paired with yaksok, a
Californian member (JANE), and the one-time code mailed to her. The agent's ``key`` fixture is
in ``tests/rights/drp/conftest.py``."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

from nacl.signing import SigningKey

from tests.support.vault import consent
from yaksok.notify import OutboxSender, SmtpTransport
from yaksok.rights import drp

UTC = dt.UTC
NOW = dt.datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
AGENT = "CONSUMER_REPORTS_PERMISSION_SLIP"


def signed(key: SigningKey, message: dict) -> bytes:
    """base64(signature || JSON): libsodium's combined mode, as DRP 3.07.1 prescribes."""
    return base64.b64encode(key.sign(json.dumps(message).encode("utf-8")))


def verify_key_b64(key: SigningKey) -> str:
    return base64.b64encode(bytes(key.verify_key)).decode("ascii")


def envelope(agent_id: str = AGENT, *, business: str = "SOMESING", at: dt.datetime = NOW,
             minutes: int = 10, version: str = "1.0") -> dict:
    return {"agent-id": agent_id, "business-id": business, "issued-at": at.isoformat(),
            "expires-at": (at + dt.timedelta(minutes=minutes)).isoformat(),
            "drp.version": version}


JANE = {"user.contact.email": "jane.doe@example.com", "user.contact.phone_number": "+14155550123"}
FROM = "SOMESING <privacy@somesing.io>"


def californian(vault, app, values: dict = JANE, jurisdiction: str = "US-CA") -> str:
    m = vault.create_member(jurisdiction=jurisdiction)
    for category, value in values.items():
        vault.collect(m, category, value, channel="app", actor=app)
    consent(vault, m, "customised_ads")
    return m


def paired(yk, key, officer, agent_id: str = AGENT, web_url: str = "https://permissionslipcr.com"
           ) -> str:
    """Register ``agent_id`` and return its bearer token."""
    drp.register_agent(yk, agent_id=agent_id, name="Permission Slip",
                       verify_key=verify_key_b64(key), actor=officer, web_url=web_url)
    return drp.setup_agent(yk, agent_id, signed(key, live_envelope(agent_id)))[1]


def live_envelope(agent_id: str = AGENT, **extra) -> dict:
    return {**envelope(agent_id, at=dt.datetime.now(UTC)), **extra}


def request_body(key, action: str, agent_id: str = AGENT, **claims) -> bytes:
    claims = claims or {"email": JANE["user.contact.email"], "email_verified": True}
    return signed(key, live_envelope(agent_id, exercise=action, regime="ccpa", **claims))


def mailed_code(yk, smtp) -> str:
    """Deliver the outbox over real SMTP and read the last one-time code mailed."""
    with SmtpTransport(smtp.config()) as transport:
        OutboxSender(yk.engine, yk.outbox.templates, transport=transport, resolve_email=yk.outbox.resolver(),
                     from_addr=FROM).deliver_once()
    codes = [re.search(r"code: (\d{6})", m.get_body(("plain",)).get_content())
             for m in smtp.mailbox.messages]
    return [c.group(1) for c in codes if c][-1]


def rights_of(yk, drp_id: str) -> list:
    return drp._rights(yk, drp_id)
