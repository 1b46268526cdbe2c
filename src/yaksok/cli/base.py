"""Shared pieces of the CLI: the root app, settings from options, and small helpers."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yaksok import errors
from yaksok.settings import Settings

if TYPE_CHECKING:
    from yaksok.engine import Yaksok

EXIT_CODES: list[tuple[type[errors.YaksokError], int]] = [
    (errors.PolicyError, 1),
    (errors.ValidationError, 2),
    (errors.NotFound, 3),
    (errors.Conflict, 4),
    (errors.AuthError, 5),
    (errors.Refused, 5),
    (errors.RateLimited, 5),
    (errors.NotInitialised, 6),
    (errors.ConfigError, 6),
    (errors.StorageError, 7),
    (errors.IntegrityError, 1),
]

app = typer.Typer(help="yaksok: a privacy policy, executable.", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None)

_overrides: dict = {}
_session: dict = {}
#: Where a command that acts on personal data finds the staff session it acts as.
STAFF_TOKEN_ENV = "YAKSOK_STAFF_TOKEN"  # noqa: S105 - the variable's name, not a secret


@app.callback()
def _root(
    data_dir: Annotated[Path | None, typer.Option(help="Data directory [env YAKSOK_DATA_DIR].")] = None,
    database_url: Annotated[str | None, typer.Option(
        help="SQLAlchemy URL; default SQLite in the data directory [env YAKSOK_DATABASE_URL].")] = None,
    policy: Annotated[Path | None, typer.Option(
        help="Policy file for `init` [env YAKSOK_POLICY].")] = None,
    staff_token: Annotated[str | None, typer.Option(
        help="The staff session the command acts as, from `yaksok staff login` "
             "[env YAKSOK_STAFF_TOKEN].", show_default=False)] = None,
) -> None:
    _overrides.update(data_dir=data_dir, database_url=database_url, policy_path=policy)
    _session["token"] = staff_token


def settings() -> Settings:
    return Settings.from_env(**_overrides)


def open_store(**changes) -> Yaksok:
    """The running yaksok of the configured data directory (``changes``: settings that differ,
    given before the wiring so every part sees them)."""
    from yaksok.engine import open_yaksok

    s = settings()
    return open_yaksok(s.with_(**changes) if changes else s)


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


def staff_token() -> str:
    """The staff session token given to this command (option, else environment), or ""."""
    return (_session.get("token") or os.environ.get(STAFF_TOKEN_ENV) or "").strip()


def staff_session(yk: Yaksok):
    """The staff account this command acts as: the session of ``--staff-token`` or
    ``YAKSOK_STAFF_TOKEN`` (from ``yaksok staff login``), authenticated exactly as the REST API
    authenticates ``Authorization: Bearer ys_...``. What it may do is then decided by the core
    from its role (docs/access.md)."""
    from yaksok.accounts.staff import authenticate_staff_token

    token = staff_token()
    if not token:
        raise errors.AuthenticationFailed(
            "this command acts on personal data as a named staff account", field="--staff-token",
            fix="sign in with `yaksok staff login --username NAME` and set "
                f"{STAFF_TOKEN_ENV} to the token it prints")
    return authenticate_staff_token(yk.engine, yk.policy, token,
                                    idle_seconds=yk.settings.staff_idle_seconds or None)


def staff_store():
    """The store and the staff account this command acts as (``staff_session``): what every
    command of the registers starts with."""
    yk = open_store()
    return yk, staff_session(yk)


def acting_as(yk: Yaksok) -> str:
    """Who a command that changes access rights is recorded as having run it: the signed-in
    staff account when a session is given, else ``cli:operator`` (the server's own operator,
    e.g. creating the first officer)."""
    return staff_session(yk).id if staff_token() else "cli:operator"


def authorize(yk: Yaksok, actor, op: str, *, member_id: str | None = None) -> None:
    """Ask the core (``yaksok.access``) whether ``actor`` may do ``op``; a refusal is logged
    and raised. The CLI holds no rule of its own."""

    yk.vault.authorize(actor, op, member_id=member_id)


def choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise errors.ValidationError(f"{value!r} is not one of {', '.join(allowed)}",
                                     field=option, fix=f"use {' or '.join(allowed)}")
    return value
