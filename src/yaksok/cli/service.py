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
    tls_cert: Annotated[Path | None, typer.Option(
        help="TLS certificate (PEM) [env YAKSOK_TLS_CERT].")] = None,
    tls_key: Annotated[Path | None, typer.Option(
        help="TLS private key (PEM) [env YAKSOK_TLS_KEY].")] = None,
    behind_proxy: Annotated[bool | None, typer.Option(
        "--behind-proxy", help="A proxy in front terminates TLS; requests it forwards must say "
        "X-Forwarded-Proto: https [env YAKSOK_BEHIND_PROXY].")] = None,
    demo: Annotated[bool | None, typer.Option(
        "--demo/--no-demo", help="Also serve the integration demo at /demo: a small app using "
        "yaksok over REST only, with an API key made at start-up; its members are demo data "
        "(addresses under @demo.yaksok.invalid) [env YAKSOK_DEMO].")] = None,
) -> None:
    """Run the REST API (and the policy page) until interrupted.

    On the SQLite default it also runs the retention worker on YAKSOK_WORKER_SCHEDULE; on
    PostgreSQL run `yaksok worker` processes instead (or pass --worker on). Off a loopback
    address it needs YAKSOK_PUBLIC_URL and TLS (--tls-cert/--tls-key) or --behind-proxy.

    \b
    Examples:  yaksok serve --port 8000   then open http://127.0.0.1:8000/policy
               yaksok serve --demo         the integration demo at http://127.0.0.1:8000/demo/
               YAKSOK_PUBLIC_URL=https://privacy.example.com/ yaksok serve --host 0.0.0.0 \\
                   --port 443 --tls-cert cert.pem --tls-key key.pem
    """
    import uvicorn

    from yaksok.api.app import create_app
    from yaksok.api.serving import uvicorn_options
    from yaksok.cli import demo_wiring
    from yaksok.retention.schedule import runs_in_serve
    from yaksok.schedule import parse_schedule

    changes = {k: v for k, v in {"host": host, "port": port, "tls_cert": tls_cert,
                                 "tls_key": tls_key, "behind_proxy": behind_proxy}.items()
               if v is not None}
    if worker is not None:
        changes["worker_in_serve"] = choice(worker, ("auto", "on", "off"), "--worker")
    options = uvicorn_options(settings().with_(**changes))  # refuse before opening anything
    with_demo = demo_wiring.demo_enabled(demo)
    demo_url = demo_wiring.demo_api_url(settings().with_(**changes)) if with_demo else ""
    yk = open_store(**changes)
    try:
        if runs_in_serve(yk):
            out(f"retention worker: in this process, {parse_schedule(yk.settings.worker_schedule)}")
        else:
            out("retention worker: off in this process; run `yaksok worker` beside it")
        api = create_app(yk, close_on_shutdown=True, background=True)
        if with_demo:
            demo_wiring.mount_demo(api, yk, demo_url)
        for line in demo_wiring.addresses(yk, yk.settings, demo=with_demo):
            out(line)
    except errors.YaksokError:
        yk.close()
        raise
    uvicorn.run(api, **options)


# -- promises ----------------------------------------------------------------------------------

@app.command()
def promises(
    report: Annotated[Path, typer.Option(help="The report `make test` writes.")] = Path(
        "build/promise-report.json"),
    summary: Annotated[bool, typer.Option(help="Print only the summary line.")] = False,
    verbose: Annotated[bool, typer.Option(help="List every test of a proven promise.")] = False,
) -> None:
    """Show each promise of the policy as proven (a test of its behaviour passed), recorded (an
    organisational measure the policy records, with current evidence in the measures register),
    overdue (its evidence is missing or past review: `yaksok measures status`), described (only
    tests of its wording passed), or open.

    Example:  make test && yaksok promises --verbose
    """
    from yaksok import promises as pr
    from yaksok.measures import evidenced_promises
    from yaksok.policy.loader import load_policy

    try:
        yk = open_store()
        recorded, overdue = evidenced_promises(yk.engine, yk.policy)
    except errors.YaksokError:  # no data directory: no evidence anywhere to count
        recorded, overdue = set(), load_policy(settings().policy_path).recorded_promises()
    data = pr.load_report(report) if report.exists() else None
    statuses = pr.status(pr.load_table(), data, recorded, overdue)
    out(pr.format_summary(statuses) if summary else pr.format_table(statuses, verbose=verbose))
