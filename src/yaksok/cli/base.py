"""Shared pieces of the CLI: the root app, settings from options, and small helpers."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from yaksok import errors
from yaksok.settings import Settings

EXIT_CODES: list[tuple[type[errors.YaksokError], int]] = [
    (errors.PolicyError, 1),
    (errors.ValidationError, 2),
    (errors.NotFound, 3),
    (errors.Conflict, 4),
    (errors.AuthError, 5),
    (errors.Refused, 5),
    (errors.NotInitialised, 6),
    (errors.ConfigError, 6),
    (errors.StorageError, 7),
    (errors.IntegrityError, 1),
]

app = typer.Typer(help="yaksok: a privacy policy, executable.", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None)

_overrides: dict = {}


@app.callback()
def _root(
    data_dir: Annotated[Path | None, typer.Option(help="Data directory [env YAKSOK_DATA_DIR].")] = None,
    database_url: Annotated[str | None, typer.Option(
        help="SQLAlchemy URL; default SQLite in the data directory [env YAKSOK_DATABASE_URL].")] = None,
    policy: Annotated[Path | None, typer.Option(
        help="Policy file for `init` [env YAKSOK_POLICY].")] = None,
) -> None:
    _overrides.update(data_dir=data_dir, database_url=database_url, policy_path=policy)


def settings() -> Settings:
    return Settings.from_env(**_overrides)


def open_store():
    from yaksok.engine import open_yaksok

    return open_yaksok(settings())


def out(text: str) -> None:
    typer.echo(text)


# -- helpers -----------------------------------------------------------------------------------

def parse_day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise errors.ValidationError(f"{value!r} is not a calendar date", field=option,
                                     fix="write it as YYYY-MM-DD") from None


def read_password(from_stdin: bool, env: str = "YAKSOK_STAFF_PASSWORD") -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get(env):
        return os.environ[env]
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise errors.ValidationError("the two passwords differ", field="password",
                                     fix="type the same password twice")
    return first


def cli_actor():
    """Who reads access records from the shell: the OS account running the command.

    A person, so kind "staff" (with no role: the shell has none): the inspection then treats
    it like any staff access (working hours included), and a member's history says staff of
    the controller looked, not "the system".
    """
    from yaksok.actors import Actor

    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        who = "unknown"
    return Actor(id=f"cli:{who}"[:100], kind="staff", display=f"cli:{who}")


def choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise errors.ValidationError(f"{value!r} is not one of {', '.join(allowed)}",
                                     field=option, fix=f"use {' or '.join(allowed)}")
    return value
