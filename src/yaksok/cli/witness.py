"""`yaksok witness`: run a witness that cosigns the access log's checkpoints (C2SP tlog-witness).

The witness is a separate process with its own state directory and key, best on another machine:
a rollback of yaksok's data directory cannot reach it. See docs/auditlog.md, "The witness".
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yaksok.cli.base import app, out

witness_app = typer.Typer(help="A witness for the access log: init, trust a log, serve.",
                          no_args_is_help=True)
app.add_typer(witness_app, name="witness")

_DIR = typer.Option("--dir", help="The witness's state directory (its key and what it saw).")


@witness_app.command("init")
def witness_init(
    state_dir: Annotated[Path, _DIR],
    name: Annotated[str, typer.Option(help="The witness's name, a schema-less URL.")],
    log_key: Annotated[str | None, typer.Option(
        help="Trust this log key at once (the line `yaksok audit key` prints).")] = None,
) -> None:
    """Create a witness: a new key in a new state directory. Prints its verifier key, which
    yaksok needs as YAKSOK_WITNESS_KEY.

    Example:  yaksok witness init --dir /srv/witness --name witness.example.com/w1 \\
                  --log-key "$(yaksok audit key)"
    """
    from yaksok.witness import init_witness

    witness = init_witness(state_dir, name)
    if log_key:
        witness.trust(log_key)
    out(str(witness.key))


@witness_app.command("trust")
def witness_trust(
    state_dir: Annotated[Path, _DIR],
    log_key: Annotated[str, typer.Argument(help="The log's verifier key.")],
) -> None:
    """Trust a log's signing key (a new log, or after a hand-over this witness did not see).

    Example:  yaksok witness trust --dir /srv/witness "$(yaksok audit key)"
    """
    from yaksok.witness import Witness

    key = Witness(state_dir).trust(log_key)
    out(f"trusting {key.name} key {key.key_id.hex()}")


@witness_app.command("status")
def witness_status(state_dir: Annotated[Path, _DIR]) -> None:
    """The witness's key, and per log: its trusted keys and the latest size it cosigned.

    Example:  yaksok witness status --dir /srv/witness
    """
    from yaksok.witness import Witness

    witness = Witness(state_dir)
    out(f"witness {witness.key}")
    for origin, entry in sorted(witness.logs().items()):
        out(f"{origin}\tcosigned up to {entry['size']}\t{len(entry['keys'])} key(s)")


@witness_app.command("serve")
def witness_serve(
    state_dir: Annotated[Path, _DIR],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8700,
) -> None:
    """Serve POST /add-checkpoint (and GET /latest?origin=...) until stopped.

    Example:  yaksok witness serve --dir /srv/witness --port 8700
    """
    import uvicorn

    from yaksok.api.witness_app import create_witness_app
    from yaksok.witness import Witness

    witness = Witness(state_dir)
    out(f"witness {witness.key.name} on http://{host}:{port}/")
    uvicorn.run(create_witness_app(witness), host=host, port=port, log_level="warning",
                server_header=False)
