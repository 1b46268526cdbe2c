"""`yaksok drp`: the privacy officer registers, lists and revokes Data Rights Protocol agents,
and sees the DRP requests they sent (docs/rights.md, "Data Rights Protocol")."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from yaksok.cli.base import app, authorize, open_store, out, staff_session

drp_app = typer.Typer(help="Data Rights Protocol: authorised agents and their requests.",
                      no_args_is_help=True)
app.add_typer(drp_app, name="drp")


@drp_app.command("register")
def drp_register(
    agent_id: str,
    name: Annotated[str, typer.Option(help="The agent's consumer-legible name.")],
    verify_key: Annotated[str, typer.Option(
        help="The agent's Ed25519 verify key, base64 (its DRP directory entry's verify_key).")],
    web_url: Annotated[str | None, typer.Option(help="The agent's https homepage.")] = None,
    identity_assurance_url: Annotated[str | None, typer.Option(
        help="https link to how the agent verifies a consumer's identity.")] = None,
) -> None:
    """Register an authorised agent, so it may fetch a token and send signed requests.

    Example:  yaksok drp register CR_SLIP --name "Permission Slip" --verify-key 3q2+7w...=
    """
    from yaksok.rights.drp import register_agent

    yk = open_store()
    try:
        agent = register_agent(yk, agent_id=agent_id, name=name, verify_key=verify_key,
                               web_url=web_url, identity_assurance_url=identity_assurance_url,
                               actor=staff_session(yk))
    finally:
        yk.close()
    out(f"registered {agent.id} ({agent.name}); it fetches its token with "
        f"POST /v1/agent/{agent.id}")


@drp_app.command("agents")
def drp_agents(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the registered agents (id, name, status, when their token was issued).

    Example:  yaksok drp agents --json
    """
    from yaksok.rights.drp import list_agents

    yk = open_store()
    try:
        authorize(yk, staff_session(yk), "drp_agents")
        agents = list_agents(yk)
    finally:
        yk.close()
    if as_json:
        out(json.dumps([a.to_dict() for a in agents], ensure_ascii=False, indent=2))
        return
    for a in agents:
        token = f"token {a.token_issued_at:%Y-%m-%d %H:%M}" if a.token_issued_at else "no token"
        out(f"{a.id}\t{a.name}\t{a.status}\t{token}")
    if not agents:
        out("no agents registered")


@drp_app.command("revoke")
def drp_revoke(agent_id: str) -> None:
    """Revoke an agent: its token stops working at once and it cannot fetch another.

    Example:  yaksok drp revoke CR_PERMISSION_SLIP
    """
    from yaksok.rights.drp import revoke_agent

    yk = open_store()
    try:
        revoke_agent(yk, agent_id, actor=staff_session(yk))
    finally:
        yk.close()
    out(f"revoked {agent_id}")


@drp_app.command("requests")
def drp_requests(
    agent: Annotated[str | None, typer.Option(help="Only this agent's requests.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The DRP requests received, newest first, with the status their agent sees.

    Example:  yaksok drp requests --agent CR_PERMISSION_SLIP --limit 20
    """
    from yaksok.rights.drp import list_requests

    yk = open_store()
    try:
        authorize(yk, staff_session(yk), "rights_handle")
        rows = list_requests(yk, agent_id=agent, limit=limit)
    finally:
        yk.close()
    if as_json:
        out(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        reason = f"/{r['reason']}" if r.get("reason") else ""
        out(f"{r['request_id']}\t{r['agent_id']}\t{r['exercise']}\t{r['status']}{reason}\t"
            f"{' '.join(r['rights_requests'])}")
    if not rows:
        out("no DRP requests")


@drp_app.command("sweep")
def drp_sweep() -> None:
    """Deny the requests whose member did not confirm them in time (insuf_verification).

    Example:  yaksok drp sweep
    """
    from yaksok.rights.drp import expire_unverified

    yk = open_store()
    try:
        n = expire_unverified(yk)
    finally:
        yk.close()
    out(f"{n} request(s) denied for want of verification")


@drp_app.command("callbacks")
def drp_callbacks(
    base_url: Annotated[str, typer.Option(
        help="The API's public base URL, for the user_verification_url in the statuses.")],
) -> None:
    """Push changed statuses to the agents' status_callback URLs (run it every few minutes).

    Example:  yaksok drp callbacks --base-url https://privacy.somesing.io/
    """
    from yaksok.rights.drp import deliver_callbacks

    yk = open_store()
    try:
        n = deliver_callbacks(yk, base_url=base_url if base_url.endswith("/") else base_url + "/")
    finally:
        yk.close()
    out(f"{n} status update(s) delivered")
