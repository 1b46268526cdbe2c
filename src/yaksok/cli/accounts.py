"""`yaksok apikey` and `yaksok staff`: API keys for app backends, staff accounts."""

from __future__ import annotations

from pathlib import Path
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
    totp_secret_file: Annotated[Path | None, typer.Option(
        help="Write the TOTP secret to this new file (mode 0600) instead of printing it: "
             "for a server without a phone, or a terminal whose output is logged.",
        show_default=False)] = None,
    enrol_on_console: Annotated[bool, typer.Option(
        help="Make no TOTP secret now: the person enrols an authenticator at their first "
             "sign-in on the console (/console/login).")] = False,
    temporary_password: Annotated[bool, typer.Option(
        help="Let yaksok choose a temporary password (printed once, to hand over in person; "
             "no prompt): the person replaces it at their first sign-in.")] = False,
) -> None:
    """Add a staff account; prints the TOTP secret and provisioning URI once (or writes the
    secret to --totp-secret-file), or with --enrol-on-console leaves the enrolment to the
    person's first sign-in on the console. docs/staff.md: enrolling, and codes on a headless
    server.

    \b
    Example:  yaksok staff add alice --role privacy_officer
              yaksok staff add alice --role privacy_officer --totp-secret-file ~/alice.totp
              yaksok staff add bora --role engineer --enrol-on-console --temporary-password
    """
    from yaksok import errors
    from yaksok.accounts.staff import add_staff, totp_uri

    if enrol_on_console and totp_secret_file:
        raise errors.ValidationError(
            "--totp-secret-file writes a secret that --enrol-on-console does not make",
            field="--totp-secret-file", fix="give one of the two options")
    password = None if temporary_password else read_password(password_stdin)
    target = _reserve_secret_file(totp_secret_file) if totp_secret_file else None
    try:
        yk = open_store()
        new = add_staff(yk.engine, yk.keyring, yk.policy, username, role, password,
                        by=acting_as(yk), enrol_on_console=enrol_on_console,
                        temporary_password=temporary_password)
    except BaseException:
        if target is not None:
            target.unlink(missing_ok=True)
        raise
    info, secret = new.info, new.totp_secret
    out(f"staff {info.username} ({info.role}) added")
    if new.temporary_password:
        out(f"temporary password (shown once; hand it over in person): {new.temporary_password}")
    if secret is None:
        out("open /console/login and enrol the authenticator there (first sign-in): type the "
            "username and password, leave the code empty, scan the QR code (docs/console.md)")
        return
    if target is None:
        out(f"TOTP secret (shown once): {secret}")
        out(f"provisioning URI: {totp_uri(secret, info.username)}")
        return
    from yaksok.crypto.secretfiles import atomic_write

    atomic_write(target, (secret + "\n").encode("ascii"), exclusive=False)
    out(f"TOTP secret written to {target} (mode 0600; not shown)")


@staff_app.command("reset")
def staff_reset(
    username: str,
    totp: Annotated[bool, typer.Option(
        "--totp", help="Remove the enrolled authenticator: the person enrols a new one at "
                       "their next sign-in on the console.")] = False,
    password: Annotated[bool, typer.Option(
        "--password", help="Set a temporary password (printed once) the person must replace "
                           "at their next sign-in.")] = False,
) -> None:
    """Reset another staff member's TOTP, password or both (a lost phone, a forgotten
    password): every session of the account ends, and the reset is recorded as a change of
    access rights. Confirm who is asking before you run it.

    \b
    Example:  yaksok staff reset alice --totp
              yaksok staff reset alice --totp --password
    """
    from yaksok.accounts.enrolment import reset_staff

    yk = open_store()
    temporary = reset_staff(yk.engine, yk.keyring, username, totp=totp, password=password,
                            by=acting_as(yk))
    what = " and ".join(w for w, on in (("TOTP", totp), ("password", password)) if on)
    out(f"{what} reset: {username}; its sessions have ended")
    if temporary:
        out(f"temporary password (shown once; hand it over in person): {temporary}")
    if totp:
        out("they enrol the authenticator again at /console/login")


def _reserve_secret_file(path: Path) -> Path:
    """Create the secret's file empty (0600) before the account is made: a path that cannot
    be written never leaves an account whose secret nobody has, and no file is overwritten."""
    import os

    from yaksok import errors

    path = path.expanduser()
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise errors.Conflict(f"{path} exists already; a TOTP secret never overwrites a file",
                              field="--totp-secret-file",
                              fix="name a file that does not exist") from None
    except OSError as exc:
        raise errors.ValidationError(f"cannot create {path}: {exc.strerror}",
                                     field="--totp-secret-file",
                                     fix="name a file in an existing folder you may write, "
                                         "readable only by you") from None
    return path


@staff_app.command("totp-code")
def staff_totp_code(
    secret_file: Annotated[Path, typer.Option(
        help="The file holding the TOTP secret (from `staff add --totp-secret-file`, or the "
             "base32 secret or otpauth URI saved by hand); it must be mode 0600.")],
) -> None:
    """Print the current 6-digit TOTP code of a secret file, as an authenticator app would:
    for signing in on a server without a phone. Prints the code only, never the secret; a
    code works for one login.

    \b
    Example:  yaksok staff login --username alice \\
                --totp "$(yaksok staff totp-code --secret-file ~/alice.totp)"
    """
    from yaksok.accounts.staff import read_totp_secret, totp_code

    out(totp_code(read_totp_secret(secret_file.expanduser())))


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
