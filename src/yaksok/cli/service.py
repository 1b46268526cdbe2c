"""Set-up and service: init, serve, promises."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yaksok import errors
from yaksok.cli.base import app, choice, open_store, out, settings

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
    worker: Annotated[str | None, typer.Option(
        help="Run the retention worker in this process: auto (on for SQLite), on or off "
             "[env YAKSOK_WORKER_IN_SERVE].")] = None,
) -> None:
    """Run the REST API (and the policy page) until interrupted.

    On the SQLite default it also runs the retention worker on YAKSOK_WORKER_SCHEDULE; on
    PostgreSQL run `yaksok worker` processes instead (or pass --worker on).

    Example:  yaksok serve --port 8000   then open http://127.0.0.1:8000/policy
    """
    import uvicorn

    from yaksok.api.app import create_app
    from yaksok.retention.schedule import runs_in_serve
    from yaksok.schedule import parse_schedule

    s = settings()
    changes = {} if worker is None else {
        "worker_in_serve": choice(worker, ("auto", "on", "off"), "--worker")}
    yk = open_store(**changes)
    try:
        if runs_in_serve(yk):
            out(f"retention worker: in this process, {parse_schedule(yk.settings.worker_schedule)}")
        else:
            out("retention worker: off in this process; run `yaksok worker` beside it")
    except errors.YaksokError:
        yk.close()
        raise
    # No uvicorn access log: its lines carry members' IP addresses, personal data that belongs
    # only in the access log (yaksok.auditlog), where the law requires it.
    uvicorn.run(create_app(yk, close_on_shutdown=True, background=True), host=host or s.host,
                port=port or s.port, log_level="info", access_log=False)


# -- promises ----------------------------------------------------------------------------------

@app.command()
def promises(
    report: Annotated[Path, typer.Option(help="The report `make test` writes.")] = Path(
        "build/promise-report.json"),
    summary: Annotated[bool, typer.Option(help="Print only the summary line.")] = False,
    verbose: Annotated[bool, typer.Option(help="List every test of a proven promise.")] = False,
) -> None:
    """Show each promise of the policy as proven (a test of its behaviour passed), recorded (an
    organisational measure the policy records), described (only tests of its wording passed), or
    open.

    Example:  make test && yaksok promises --verbose
    """
    from yaksok import promises as pr
    from yaksok.policy.loader import load_policy

    try:
        recorded = open_store().policy.recorded_promises()
    except errors.YaksokError:
        recorded = load_policy(settings().policy_path).recorded_promises()
    data = pr.load_report(report) if report.exists() else None
    statuses = pr.status(pr.load_table(), data, recorded)
    out(pr.format_summary(statuses) if summary else pr.format_table(statuses, verbose=verbose))
