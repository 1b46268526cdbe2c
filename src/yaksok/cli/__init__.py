"""The ``yaksok`` command: a thin shell over the library.

Each command parses its options, calls one library function and prints the result. Domain errors
are turned into one clear line on stderr and an exit code here, in ``main`` and nowhere else:

    0 ok                       4 conflict (it exists already)
    1 policy invalid / failed  5 authentication or permission
      / records fail verification
    2 bad input (usage)        6 not initialised or misconfigured
    3 not found                7 storage unreachable
"""

from __future__ import annotations

import importlib

import typer

import yaksok.cli.rights  # noqa: F401 - registers commands
from yaksok import errors
from yaksok.cli import (  # noqa: F401 - registers commands
    accounts,
    audit,
    connected,
    disclosures,
    drp,
    incidents,
    keys,
    measures,
    members,
    outbox,
    policy,
    registers,
    retention,
    service,
    witness,
)
from yaksok.cli.base import EXIT_CODES, app

__all__ = ["EXIT_CODES", "app", "exit_code", "main"]


def exit_code(exc: errors.YaksokError) -> int:
    return next((code for kind, code in EXIT_CODES if isinstance(exc, kind)), 1)


def _is_click_exception(exc: BaseException) -> bool:
    kinds = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            kinds.append(importlib.import_module(module).ClickException)
        except (ImportError, AttributeError):
            continue
    return isinstance(exc, tuple(kinds))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every domain error becomes one line on stderr and its exit code."""
    try:
        # Without standalone mode click returns an Exit's code instead of calling sys.exit.
        rv = app(args=argv, standalone_mode=False)
    except errors.PolicyError as exc:
        for p in exc.problems:
            typer.echo(p.format(), err=True)
        return exit_code(exc)
    except errors.YaksokError as exc:
        typer.echo(f"error: {exc}", err=True)
        return exit_code(exc)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except Exception as exc:
        # Usage errors carry their own exit code and message. Typer may bundle its own copy of
        # click, so match both the bundled and the installed ClickException.
        if _is_click_exception(exc):
            exc.show()
            return exc.exit_code
        raise
    return rv if isinstance(rv, int) else 0

