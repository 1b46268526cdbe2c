"""DRP conformance, played over HTTP by an authorised agent with a real Ed25519 key, on SQLite
and PostgreSQL: the officer registers the agent (CLI), the agent fetches its token, sends
signed access, deletion and sale:opt-out requests (1.0 and 0.9.4), polls their status, the
member confirms with the code mailed over real SMTP, one request is revoked, and replayed,
expired, foreign and badly signed requests are refused in the spec's error shape."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from nacl.signing import SigningKey

from tests.support.drp import JANE, californian, mailed_code, signed, verify_key_b64
from yaksok.api import create_app
from yaksok.rights import drp

UTC = dt.UTC
AGENT = "PERMISSION_SLIP"
SITE = "https://permissionslipcr.com"


class Agent:
    """The authorised agent's side of DRP: its key, its token, its signed messages."""

    def __init__(self, client: TestClient, agent_id: str = AGENT):
        self.client, self.id = client, agent_id
        self.key = SigningKey.generate()
        self.token: str | None = None

    def envelope(self, *, version: str = "1.0", at: dt.datetime | None = None,
                 minutes: int = 10, **extra) -> dict:
        at = at or dt.datetime.now(UTC)
        return {"agent-id": self.id, "business-id": "SOMESING", "issued-at": at.isoformat(),
                "expires-at": (at + dt.timedelta(minutes=minutes)).isoformat(),
                "drp.version": version, **extra}

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "text/plain"}

    def pair(self):
        r = self.client.post(f"/v1/agent/{self.id}", content=signed(self.key, self.envelope()),
                             headers={"Content-Type": "text/plain"})
        if r.status_code == 200:
            self.token = r.json()["token"]
        return r

    def exercise(self, action: str, *, version: str = "1.0", body: bytes | None = None,
                 **claims):
        claims = claims or {"email": JANE["user.contact.email"], "email_verified": True}
        body = body or signed(self.key, self.envelope(version=version, exercise=action,
                                                      regime="ccpa", **claims))
        return self.client.post("/v1/data-rights-request", content=body,
                                headers=self.headers())

    def status(self, request_id: str):
        return self.client.get(f"/v1/data-rights-request/{request_id}",
                               headers={"Authorization": f"Bearer {self.token}"})

    def revoke(self, request_id: str, reason: str = "I changed my mind"):
        return self.client.request("DELETE", f"/v1/data-rights-request/{request_id}",
                                   content=signed(self.key, self.envelope(reason=reason)),
                                   headers=self.headers())


def register_with_cli(yk, agent: Agent, monkeypatch, capsys, cli_staff) -> None:
    """The privacy officer's step: `yaksok drp register` against the same store, signed in."""
    from yaksok.cli import main

    monkeypatch.setenv("YAKSOK_DATA_DIR", str(yk.settings.data_dir))
    monkeypatch.setenv("YAKSOK_DATABASE_URL", str(yk.settings.database_url))
    monkeypatch.setenv("YAKSOK_KEYRING", str(yk.settings.keyring_path))
    monkeypatch.setenv("YAKSOK_POLICY", str(yk.settings.policy_path))
    cli_staff(yk)
    code = main(["drp", "register", agent.id, "--name", "Permission Slip",
                 "--verify-key", verify_key_b64(agent.key), "--web-url", SITE])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert main(["drp", "agents"]) == 0
    assert f"{agent.id}\tPermission Slip\tactive" in capsys.readouterr().out


def assert_drp_error(r, status: int, *, fatal: bool = False) -> dict:
    """DRP 3.06: a JSON body with the status as a string, a message, and ``fatal``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["code"] == str(status) and body["message"]
    assert body["fatal"] is fatal
    # Our trace id is not called request_id: that is the status object's field (DRP 3.03).
    assert "request_id" not in body and body["trace_id"] == r.headers["x-request-id"]
    return body


def confirm(client: TestClient, yk, smtp, status: dict) -> None:
    """The member follows the user_verification_url the agent relays, as DRP 3.02.1 says."""
    url = status["user_verification_url"]
    query = urlencode({"redirect_to": f"{SITE}/done", "request_id": status["request_id"]})
    page = client.get(f"{url}?{query}")
    assert page.status_code == 200 and "Permission Slip" in page.text
    path = urlsplit(url).path
    assert client.post(f"{path}/code").status_code == 200
    r = client.post(path, data={"code": mailed_code(yk, smtp), "redirect_to": f"{SITE}/done"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{SITE}/done"


@pytest.mark.promise("P6.10")
@pytest.mark.promise("P6.11")
@pytest.mark.promise("P6.1")
@pytest.mark.promise("P6.3")
def test_an_authorised_agent_end_to_end(yk, vault, app, smtp, monkeypatch, capsys, cli_staff):
    member = californian(vault, app)
    bystander = californian(vault, app, {"user.contact.email": "sam.lee@example.com"})
    client = TestClient(create_app(yk))
    agent = Agent(client)

    # Discovery, then the officer's registration; before it the agent gets a bare 403.
    doc = client.get("/.well-known/data-rights.json").json()
    # Links start with the configured public address (here the loopback default), never with
    # the request's Host header: a forged Host cannot point an agent elsewhere.
    base = yk.settings.effective_public_url
    # Published without its trailing slash: an agent appends "/v1/..." to it (DRP 3.05.2).
    assert doc["id"] == "SOMESING" and doc["api_base"] + "/" == base == "http://127.0.0.1:8000/"
    forged = client.get("/.well-known/data-rights.json", headers={"Host": "evil.example"})
    assert forged.json()["api_base"] == doc["api_base"]
    assert doc["supported_actions"] == ["access", "deletion", "sale:opt-out"]
    assert doc["supported_verifications"] == ["email", "phone_number"]
    assert doc["version"] == "1.0"
    refused = agent.pair()
    assert refused.status_code == 403 and refused.content == b""
    register_with_cli(yk, agent, monkeypatch, capsys, cli_staff)
    paired = agent.pair()
    assert paired.status_code == 200 and paired.json()["agent-id"] == AGENT
    assert paired.headers["cache-control"] == "no-store"
    assert client.get(f"/v1/agent/{AGENT}", headers=agent.headers()).json() == {}

    # sale:opt-out (1.0 spelling): done at once, SOMESING selling nothing says so.
    r = agent.exercise("sale:opt-out")
    assert r.status_code == 200, r.text
    opt_out = r.json()
    assert opt_out["status"] == "fulfilled" and "does not sell" in opt_out["processing_details"]
    assert "customised_ads" not in vault.effective_consents(member)

    # access (a 0.9.4 request): the member must confirm; then the agent polls `fulfilled`.
    access = agent.exercise("access", version="0.9.4").json()
    assert (access["status"], access["reason"]) == ("in_progress", "need_user_verification")
    assert access["user_verification_url"].startswith(f"{base}drp/verify/")
    assert agent.status(access["request_id"]).json()["reason"] == "need_user_verification"
    confirm(client, yk, smtp, access)
    polled = agent.status(access["request_id"]).json()
    assert polled["status"] == "fulfilled" and "privacy center" in polled["processing_details"]

    # deletion: confirmed the same way; the account is closed and its values are gone.
    deletion = agent.exercise("deletion", **{"email": JANE["user.contact.email"],
                                             "agent-request-id": "ps-del-1"}).json()
    assert deletion["agent_request_id"] == "ps-del-1"
    confirm(client, yk, smtp, deletion)
    assert agent.status(deletion["request_id"]).json()["status"] == "fulfilled"
    with yk.engine.connect() as conn:
        state = conn.execute(sa.text("SELECT status FROM members WHERE id = :m"),
                             {"m": member}).scalar()
        readable = conn.execute(sa.text(
            "SELECT COUNT(*) FROM vault_values v JOIN data_keys k ON k.id = v.key_id "
            "WHERE v.member_id = :m AND k.wrapped IS NOT NULL"), {"m": member}).scalar()
    assert state in ("closed", "erased") and readable == 0

    # The same for the bystander, revoked by the agent before the member confirms.
    pending = agent.exercise("access", email="sam.lee@example.com").json()
    revoked = agent.revoke(pending["request_id"])
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert agent.status(pending["request_id"]).json()["status"] == "revoked"
    assert_drp_error(agent.revoke(opt_out["request_id"]), 409)  # final: cannot be revoked
    assert bystander

    # No account for these claims: denied with the spec's reason.
    nobody = agent.exercise("access", email="nobody@example.com").json()
    assert (nobody["status"], nobody["reason"]) == ("denied", "no_match")


def test_what_the_agent_gets_wrong_is_refused_in_the_spec_shape(yk, vault, app, officer,
                                                                 monkeypatch, capsys,
                                                                 cli_staff):
    californian(vault, app)
    client = TestClient(create_app(yk))
    agent, stranger = Agent(client), Agent(client, "STRANGER")
    register_with_cli(yk, agent, monkeypatch, capsys, cli_staff)
    agent.pair()
    drp.register_agent(yk, agent_id="STRANGER", name="Another agent",
                       verify_key=verify_key_b64(stranger.key), actor=officer)
    stranger.pair()

    body = signed(agent.key, agent.envelope(exercise="access", email=JANE["user.contact.email"]))
    first = agent.exercise("access", body=body)
    assert first.status_code == 200
    replay = assert_drp_error(agent.exercise("access", body=body), 409)
    assert replay["type"] == "/problems/conflict" and replay["field"] == "body"

    old = dt.datetime.now(UTC) - dt.timedelta(minutes=30)
    expired = signed(agent.key, agent.envelope(at=old, exercise="access"))
    assert assert_drp_error(agent.exercise("access", body=expired), 422,
                            fatal=True)["field"] == "expires-at"
    forged = signed(SigningKey.generate(), agent.envelope(exercise="access"))
    assert_drp_error(agent.exercise("access", body=forged), 401)
    assert_drp_error(agent.exercise("access", body=b"not base64 !"), 422)
    unsupported = signed(agent.key, agent.envelope(exercise="sale:opt-in"))
    assert assert_drp_error(agent.exercise("x", body=unsupported), 422,
                            fatal=True)["message"].startswith("exercise: Unsupported")
    elsewhere = signed(agent.key, {**agent.envelope(exercise="access"),
                                   "business-id": "OTHER_SHOP"})
    assert_drp_error(agent.exercise("access", body=elsewhere), 403)
    # Signed by the agent but presented with another agent's token.
    as_other = client.post("/v1/data-rights-request", content=body,
                           headers=stranger.headers())
    assert_drp_error(as_other, 401)
    assert_drp_error(client.post("/v1/data-rights-request", content=body), 401)

    # Status and revocation belong to the agent that sent the request.
    rid = first.json()["request_id"]
    assert_drp_error(stranger.status(rid), 403)
    assert_drp_error(client.get(f"/v1/agent/{AGENT}", headers=stranger.headers()), 403)
    assert_drp_error(agent.status("00000000-0000-4000-8000-000000000000"), 404)

    # The confirmation page refuses a request_id of another request, as an HTML page.
    wrong = client.get(f"/drp/verify/{rid}?request_id=someone-else")
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("text/html")

    # The officer's view: the requests with the status their agent sees, and the sweep.
    from yaksok.cli import main

    assert main(["drp", "requests", "--json", "--agent", AGENT]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["request_id"], listed["status"]) == (rid, "in_progress")
    assert listed["rights_requests"][0].startswith("rq_")
    assert main(["drp", "sweep"]) == 0
    assert capsys.readouterr().out.startswith("0 request(s) denied")

    # A revoked agent's token stops working at once.
    assert main(["drp", "revoke", AGENT]) == 0
    assert_drp_error(agent.status(rid), 401)
    assert main(["drp", "revoke", AGENT]) == 4  # Conflict: revoked already
    capsys.readouterr()


def test_every_drp_command_has_an_example():
    from typer.testing import CliRunner

    from yaksok.cli import app

    for command in ("register", "agents", "revoke", "requests", "sweep"):
        result = CliRunner().invoke(app, ["drp", command, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output
