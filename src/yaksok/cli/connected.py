"""`yaksok connected`: members' connected Google accounts (P12.9) and their revocations.

`list` and `revoke` act on a member's data, so they act as the signed-in staff account
(`YAKSOK_STAFF_TOKEN`) and the core decides; `retry` and `status` run the revocation queue and
show it (operations, as the system). The tokens themselves are handed over by the app backend
over REST only: a token never goes on a command line, where shells and `ps` keep it.
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from yaksok.cli.base import app, open_store, out, staff_session

connected_app = typer.Typer(help="Members' connected Google accounts and their revocation.",
                            no_args_is_help=True)
app.add_typer(connected_app, name="connected")

_PROVIDER = typer.Option(help="The policy's integration key.")


def _line(c) -> str:
    when = c.revoked_at or c.updated_at
    tail = f"; last answer: {c.last_error}" if c.last_error else ""
    return (f"{c.provider}: {c.status} since {when:%Y-%m-%d %H:%M} UTC, "
            f"{c.attempts} revocation attempt(s){tail}")


@connected_app.command("list")
def connected_list(
    member_id: Annotated[str, typer.Argument(help="The member id (m_...).")],
) -> None:
    """A member's connected accounts and their revocations (never a token).

    Acts as the signed-in staff account (rights.decide: the privacy officer).
    Example:  yaksok connected list m_3f9c0a1b2c3d4e5f60718293
    """
    from yaksok import connected

    yk = open_store()
    try:
        found = connected.connections(yk, member_id, actor=staff_session(yk))
        for c in found:
            out(_line(c))
        if not found:
            out("no connected accounts")
    finally:
        yk.close()


@connected_app.command("revoke")
def connected_revoke(
    member_id: Annotated[str, typer.Argument(help="The member id (m_...).")],
    provider: Annotated[str, _PROVIDER] = "youtube_api",
) -> None:
    """Revoke a member's connected account, e.g. asked by letter or phone: the tokens are
    destroyed now and Google's revocation endpoint is called (retried while it is down).

    Acts as the signed-in staff account (rights.decide: the privacy officer).
    Example:  yaksok connected revoke m_3f9c0a1b2c3d4e5f60718293 --provider youtube_api
    """
    from yaksok import connected

    yk = open_store()
    try:
        out(_line(connected.revoke(yk, member_id, provider, actor=staff_session(yk))))
    finally:
        yk.close()


@connected_app.command("retry")
def connected_retry(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(min=1, help="Seconds between passes.")] = 60.0,
    dead: Annotated[bool, typer.Option(
        "--dead", help="First requeue the revocations given up whose copy is kept (a failing "
        "provider, or a refusal a configuration fix cures: 401, 403, 404, ...).")] = False,
) -> None:
    """Deliver the due revocations (the members' own, and those of closed or erased accounts)
    with the outbox's back-off; `yaksok worker` runs the same pass after each of its own.

    Example:  yaksok connected retry --once --dead
    """
    from yaksok import connected

    yk = open_store()
    try:
        if dead:
            out(f"requeued {connected.retry_dead(yk)} revocation(s) given up before")
        while True:
            done = connected.run_due(yk)
            out(f"queued {done.queued} after closure or erasure; revoked {done.revoked}, "
                f"retrying {done.retrying}, given up {done.dead}")
            if once:
                return
            time.sleep(interval)
    finally:
        yk.close()


@connected_app.command("status")
def connected_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Connections and revocations by provider and status, the next retry, the last errors.

    Example:  yaksok connected status --json
    """
    from yaksok import connected

    yk = open_store()
    try:
        got = connected.status(yk)
    finally:
        yk.close()
    if as_json:
        out(json.dumps(got, default=str, indent=2))
        return
    for key, n in sorted(got["counts"].items()):
        out(f"{key}: {n}")
    if got["next_due"] is not None:
        out(f"next revocation attempt: {got['next_due']:%Y-%m-%d %H:%M:%S} UTC")
    for e in got["errors"]:
        out(f"{e['id']} {e['provider']} {e['status']} after {e['attempts']}: {e['last_error']}")
