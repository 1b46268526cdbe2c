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

import datetime as dt
import getpass
import json
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
    (errors.NotInitialised, 6),
    (errors.ConfigError, 6),
    (errors.StorageError, 7),
    (errors.IntegrityError, 1),
]

app = typer.Typer(help="yaksok: a privacy policy, executable.", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None)
policy_app = typer.Typer(help="Check, render and publish policy files.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for app backends.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts with roles and a TOTP second factor.",
                        no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident access log: verify, prove, checkpoint.",
                        no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(apikey_app, name="apikey")
app.add_typer(staff_app, name="staff")
app.add_typer(audit_app, name="audit")

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


def _open():
    from yaksok.engine import open_yaksok

    return open_yaksok(settings())


def out(text: str) -> None:
    typer.echo(text)


# -- set-up and service ------------------------------------------------------------------------

@app.command()
def init() -> None:
    """Create the data directory, migrate the database, create the keyring, publish the policy.

    Safe to repeat. Example:  yaksok --data-dir ./yaksok-data init
    """
    from yaksok.engine import init_yaksok

    yk = init_yaksok(settings())
    pub = yk.published
    out(f"data directory: {yk.settings.data_dir}")
    out(f"policy in force: {pub.version} (effective {pub.effective_date}, sha256 "
        f"{pub.content_sha256[:12]})")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [env YAKSOK_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [env YAKSOK_PORT].")] = None,
) -> None:
    """Run the REST API (and the policy page) until interrupted.

    Example:  yaksok serve --port 8000   then open http://127.0.0.1:8000/policy
    """
    import uvicorn

    from yaksok.api.app import create_app

    s = settings()
    yk = _open()
    # No uvicorn access log: its lines carry members' IP addresses, personal data that belongs
    # only in the access log (yaksok.auditlog), where the law requires it.
    uvicorn.run(create_app(yk, close_on_shutdown=True), host=host or s.host, port=port or s.port,
                log_level="info", access_log=False)


# -- policy ------------------------------------------------------------------------------------

@policy_app.command("check")
def policy_check(
    file: Path,
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
    as_of: Annotated[str | None, typer.Option(
        help="Judge legal staleness as of this day (YYYY-MM-DD); default today.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Validate a policy file: one line per problem, FILE:LINE:COLUMN: error: ... (fix).

    Exit 0 when valid (warnings allowed unless --strict), 1 otherwise.
    Example:  yaksok policy check policies/somesing.yaml --as-of 2026-01-01
    """
    from yaksok.policy.lint import check_file

    day = _parse_day(as_of, "--as-of") if as_of else None
    problems = check_file(file, day)
    if json_output:
        out(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            out(p.format())
    failed = any(p.severity == "error" or strict for p in problems)
    if not json_output:
        errs = sum(p.severity == "error" for p in problems)
        warns = len(problems) - errs
        typer.echo(f"{file}: {errs} error(s), {warns} warning(s)", err=True)
    raise typer.Exit(1 if failed else 0)


@policy_app.command("render")
def policy_render(
    file: Path,
    lang: Annotated[str, typer.Option(help="ko or en.")] = "ko",
    fmt: Annotated[str, typer.Option("--format", help="md or html.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
) -> None:
    """Render the human-readable privacy policy from a policy file.

    Example:  yaksok policy render policies/somesing.yaml --lang en --format html -o policy.html
    """
    from yaksok.policy.loader import load_policy
    from yaksok.policy.render import render_policy

    text = render_policy(load_policy(file), lang=lang, fmt=fmt)
    if output:
        output.write_text(text, encoding="utf-8")
        out(f"wrote {output}")
    else:
        out(text)


@policy_app.command("publish")
def policy_publish(
    file: Path,
    by: Annotated[str, typer.Option(help="Who publishes (recorded).")] = "cli",
) -> None:
    """Publish a policy file as the version in force (its newest `versions` entry).

    Example:  yaksok policy publish policies/somesing.yaml --by privacy-officer
    """
    from yaksok.policy.loader import load_file
    from yaksok.policy.versions import publish_policy

    yk = _open()
    pub = publish_policy(yk.engine, load_file(file), published_by=by)
    out(f"policy in force: {pub.version} (effective {pub.effective_date}, published "
        f"{pub.published_at:%Y-%m-%d %H:%M} UTC by {pub.published_by})")


@policy_app.command("versions")
def policy_versions() -> None:
    """List the published policy versions, oldest first.  Example:  yaksok policy versions"""
    from yaksok.policy.versions import list_versions

    for v in list_versions(_open().engine):
        out(f"{v['version']}\teffective {v['effective_date']}\tpublished "
            f"{v['published_at']:%Y-%m-%d %H:%M}\tby {v['published_by']}\t{v['content_sha256'][:12]}")


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

    yk = _open()
    info, secret = create_api_key(yk.engine, yk.policy, name,
                                  [s.strip() for s in scopes.split(",") if s.strip()])
    out(f"id: {info.id}\nscopes: {' '.join(info.scopes)}\nsecret (shown once): {secret}")


@apikey_app.command("list")
def apikey_list() -> None:
    """List API keys (never their secrets).  Example:  yaksok apikey list"""
    from yaksok.accounts.apikeys import list_api_keys

    for k in list_api_keys(_open().engine):
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        out(f"{k.id}\t{k.name}\t{' '.join(k.scopes)}\t{state}")


@apikey_app.command("revoke")
def apikey_revoke(key_id: str) -> None:
    """Revoke an API key at once.  Example:  yaksok apikey revoke ak_3f9c"""
    from yaksok.accounts.apikeys import revoke_api_key

    revoke_api_key(_open().engine, key_id)
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

    password = _read_password(password_stdin)
    yk = _open()
    info, secret = add_staff(yk.engine, yk.keyring, yk.policy, username, role, password)
    out(f"staff {info.username} ({info.role}) added")
    out(f"TOTP secret (shown once): {secret}")
    out(f"provisioning URI: {totp_uri(secret, info.username)}")


@staff_app.command("list")
def staff_list() -> None:
    """List staff accounts and their roles.  Example:  yaksok staff list"""
    from yaksok.accounts.staff import list_staff

    for s in list_staff(_open().engine):
        out(f"{s.username}\t{s.role}\t{'disabled' if s.disabled_at else 'active'}")


@staff_app.command("disable")
def staff_disable(username: str) -> None:
    """Disable a staff account and end its sessions.  Example:  yaksok staff disable alice"""
    from yaksok.accounts.staff import disable_staff

    disable_staff(_open().engine, username)
    out(f"disabled {username}")


@staff_app.command("unlock")
def staff_unlock(username: str) -> None:
    """Lift a lockout after repeated failed logins.  Example:  yaksok staff unlock alice"""
    from yaksok.accounts.staff import unlock_staff

    unlock_staff(_open().engine, username)
    out(f"unlocked {username}")


# -- audit (the access log) -------------------------------------------------------------------

def _audit_log():
    from yaksok.auditlog import AuditLog

    return AuditLog.for_yaksok(_open())


@audit_app.command("verify")
def audit_verify(
    checkpoints: Annotated[Path | None, typer.Option(
        help="The external checkpoint file to check against (default: the configured one, "
             "<data-dir>/access-log-checkpoints.txt) [env YAKSOK_AUDIT_CHECKPOINTS].")] = None,
) -> None:
    """Recompute the access log and check it against every signed checkpoint.

    Prints one OK line and exits 0, or lists the problems, names the first entry that differs
    and exits 1.  Example:  yaksok audit verify --checkpoints /mnt/offsite/checkpoints.txt
    """
    result = _audit_log().verify(checkpoints)
    if result.ok:
        out(result.summary())
        return
    for problem in result.problems[:20]:
        out(f"problem: {problem}")
    result.raise_for_failure()


@audit_app.command("prove")
def audit_prove(
    seq: Annotated[int | None, typer.Argument(help="The entry (seq) to prove.")] = None,
    size: Annotated[int | None, typer.Option(
        help="Prove against this tree size (default: the latest checkpoint).")] = None,
    consistency: Annotated[tuple[int, int] | None, typer.Option(
        help="Instead, prove that tree OLD is a prefix of tree NEW.", metavar="OLD NEW")] = None,
) -> None:
    """Print an inclusion proof (or a consistency proof) as JSON, with the checkpoint note.

    \b
    Examples:  yaksok audit prove 41
               yaksok audit prove 41 --size 1000
               yaksok audit prove --consistency 1000 2000
    """
    log = _audit_log()
    if consistency is not None:
        proof = log.prove_consistency(*consistency).as_dict()
    elif seq is not None:
        proof = log.prove_inclusion(seq, size).as_dict()
    else:
        raise errors.ValidationError("name an entry, or --consistency OLD NEW", field="SEQ",
                                     fix="e.g. yaksok audit prove 41")
    out(json.dumps(proof, ensure_ascii=False, indent=2))


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Seal now: hash new entries into the tree and sign a checkpoint of the new size.

    Example:  yaksok audit checkpoint      (run it from cron if no server runs a sealer)
    """
    log = _audit_log()
    info = log.seal(force=True)
    if info is None:
        latest = log.latest_checkpoint()
        out("nothing new to sign" + (f"; latest checkpoint {latest.size}" if latest else ""))
        return
    out(f"checkpoint {info.size} root {info.root.hex()} (key version {info.key_version})")


@audit_app.command("expire")
def audit_expire() -> None:
    """Drop whole epochs of entries older than the policy's access_log.retention (P2Y).

    Example:  yaksok audit expire      (run it daily from cron)
    """
    result = _audit_log().expire()
    if not result.dropped:
        out(f"nothing to expire (entries before {result.expired_before} are gone; cutoff "
            f"{result.cutoff:%Y-%m-%d %H:%M} UTC)")
        return
    out(f"dropped {result.dropped} entries; the log now starts at {result.expired_before} "
        f"(cutoff {result.cutoff:%Y-%m-%d %H:%M} UTC, recorded as entry {result.record_seq})")


# -- promises ----------------------------------------------------------------------------------

@app.command()
def promises(
    report: Annotated[Path, typer.Option(help="The report `make test` writes.")] = Path(
        "build/promise-report.json"),
    summary: Annotated[bool, typer.Option(help="Print only the summary line.")] = False,
    verbose: Annotated[bool, typer.Option(help="List every test of a proven promise.")] = False,
) -> None:
    """Show each promise of the policy as proven (with its tests), recorded, or open.

    Example:  make test && yaksok promises --verbose
    """
    from yaksok import promises as pr
    from yaksok.policy.loader import load_policy

    try:
        recorded = _open().policy.recorded_promises()
    except errors.YaksokError:
        recorded = load_policy(settings().policy_path).recorded_promises()
    data = pr.load_report(report) if report.exists() else None
    statuses = pr.status(pr.load_table(), data, recorded)
    out(pr.format_summary(statuses) if summary else pr.format_table(statuses, verbose=verbose))


# -- helpers -----------------------------------------------------------------------------------

def _parse_day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise errors.ValidationError(f"{value!r} is not a calendar date", field=option,
                                     fix="write it as YYYY-MM-DD") from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get("YAKSOK_STAFF_PASSWORD"):
        return os.environ["YAKSOK_STAFF_PASSWORD"]
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise errors.ValidationError("the two passwords differ", field="password",
                                     fix="type the same password twice")
    return first


def exit_code(exc: errors.YaksokError) -> int:
    return next((code for kind, code in EXIT_CODES if isinstance(exc, kind)), 1)


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
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
