"""`yaksok apikey` and `yaksok staff`: API keys for app backends, staff accounts."""

from __future__ import annotations

from typing import Annotated

import typer

from yaksok.cli.base import acting_as, app, open_store, out, read_password

apikey_app = typer.Typer(help="API keys for app backends.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
staff_app = typer.Typer(help="Staff accounts with roles and a TOTP second factor.",
                        no_args_is_help=True)
app.add_typer(staff_app, name="staff")


# -- API keys and staff ------------------------------------------------------------------------

@apikey_app.command("create")
def apikey_create(
    name: str,
    scopes: Annotated[str, typer.Option(help="Comma-separated scopes from the policy's api_scopes.")],
) -> None:
    """Create an API key; the secret is printed once and stored only hashed.

    Example:  yaksok apikey create app-backend --scopes members,analytics
    """
    from yaksok.accounts.apikeys import create_api_key

    yk = open_store()
    info, secret = create_api_key(yk.engine, yk.policy, name,
                                  [s.strip() for s in scopes.split(",") if s.strip()],
                                  by=acting_as(yk))
    out(f"id: {info.id}\nscopes: {' '.join(info.scopes)}\nsecret (shown once): {secret}")


@apikey_app.command("list")
def apikey_list() -> None:
    """List API keys (never their secrets).  Example:  yaksok apikey list"""
    from yaksok.accounts.apikeys import list_api_keys

    for k in list_api_keys(open_store().engine):
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        out(f"{k.id}\t{k.name}\t{' '.join(k.scopes)}\t{state}")


@apikey_app.command("revoke")
def apikey_revoke(key_id: str) -> None:
    """Revoke an API key at once.  Example:  yaksok apikey revoke ak_3f9c"""
    from yaksok.accounts.apikeys import revoke_api_key

    yk = open_store()
    revoke_api_key(yk.engine, key_id, by=acting_as(yk))
    out(f"revoked {key_id}")


@staff_app.command("add")
def staff_add(
    username: str,
    role: Annotated[str, typer.Option(help="A staff role key from the policy's staff_roles.")],
    password_stdin: Annotated[bool, typer.Option(
        help="Read the password from standard input instead of a prompt.")] = False,
) -> None:
    """Add a staff account; prints the TOTP secret and provisioning URI once.

    Example:  yaksok staff add alice --role privacy_officer
    """
    from yaksok.accounts.staff import add_staff, totp_uri

    password = read_password(password_stdin)
    yk = open_store()
    info, secret = add_staff(yk.engine, yk.keyring, yk.policy, username, role, password,
                             by=acting_as(yk))
    out(f"staff {info.username} ({info.role}) added")
    out(f"TOTP secret (shown once): {secret}")
    out(f"provisioning URI: {totp_uri(secret, info.username)}")


@staff_app.command("list")
def staff_list() -> None:
    """List staff accounts and their roles.  Example:  yaksok staff list"""
    from yaksok.accounts.staff import list_staff

    for s in list_staff(open_store().engine):
        state = "disabled" if s.disabled_at else "restricted" if s.restricted_at else "active"
        out(f"{s.username}\t{s.role}\t{state}")


@staff_app.command("disable")
def staff_disable(username: str) -> None:
    """Disable a staff account and end its sessions.  Example:  yaksok staff disable alice"""
    from yaksok.accounts.staff import disable_staff

    yk = open_store()
    disable_staff(yk.engine, username, by=acting_as(yk))
    out(f"disabled {username}")


@staff_app.command("lift-restriction")
def staff_lift_restriction(username: str) -> None:
    """Lift the restriction repeated failed logins put on a staff account (the privacy
    officer's act).  Example:  yaksok staff lift-restriction alice"""
    from yaksok.accounts.staff import lift_restriction

    yk = open_store()
    lift_restriction(yk.engine, username, by=acting_as(yk))
    out(f"restriction lifted: {username}")


@staff_app.command("login")
def staff_login(
    username: Annotated[str, typer.Option(help="The staff account's username.")],
    totp: Annotated[str | None, typer.Option(
        help="The 6-digit code the authenticator app shows now (asked for if left out).")] = None,
    password_stdin: Annotated[bool, typer.Option(
        help="Read the password from standard input instead of a prompt "
             "[or env YAKSOK_STAFF_PASSWORD].")] = False,
) -> None:
    """Sign in with password and TOTP; prints a session token for YAKSOK_STAFF_TOKEN.

    Commands that act on personal data (member lookup and erasure, rights, audit report and
    history, DRP agents) act as this staff account, and the core decides what its role may do.

    \b
    Example:  export YAKSOK_STAFF_TOKEN=$(yaksok staff login --username yoon)
              yaksok rights due
    """
    import datetime as dt
    import getpass
    import os
    import sys

    from yaksok.accounts.staff import login_staff

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = os.environ.get("YAKSOK_STAFF_PASSWORD") or getpass.getpass("password: ")
    code = totp or typer.prompt("TOTP code", err=True)
    yk = open_store()
    now = dt.datetime.now(dt.UTC)
    seconds = yk.settings.staff_session_seconds
    actor, token = login_staff(yk.engine, yk.keyring, yk.policy, username, password, code,
                               throttle=yk.throttle, now=now, session_seconds=seconds)
    typer.echo(f"signed in as {actor.display} until "
               f"{now + dt.timedelta(seconds=seconds):%Y-%m-%d %H:%M} UTC", err=True)
    out(token)


@staff_app.command("logout")
def staff_logout() -> None:
    """End the staff session of YAKSOK_STAFF_TOKEN.  Example:  yaksok staff logout"""
    from yaksok.accounts.staff import logout_staff
    from yaksok.cli.base import staff_session, staff_token

    yk = open_store()
    staff_session(yk)  # a token that is not a live session is an error, not a silent no-op
    logout_staff(yk.engine, staff_token())
    out("signed out")
