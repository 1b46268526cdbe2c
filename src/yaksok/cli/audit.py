"""`yaksok audit`: verify, prove, checkpoint, expire, inspect, member history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from yaksok import errors
from yaksok.cli.base import (
    app,
    authorize,
    choice,
    open_store,
    out,
    staff_session,
)

audit_app = typer.Typer(help="The tamper-evident access log: verify, prove, checkpoint.",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")


# -- audit (the access log) -------------------------------------------------------------------

def _audit_log():

    return open_store().audit


@audit_app.command("verify")
def audit_verify(
    checkpoints: Annotated[Path | None, typer.Option(
        help="The external checkpoint file to check against (default: the configured one, "
             "<data-dir>/access-log-checkpoints.txt) [env YAKSOK_AUDIT_CHECKPOINTS].")] = None,
    key: Annotated[str | None, typer.Option(
        help="The pinned log key: the line `yaksok audit key` printed, or a file holding it; "
             "only it and the keys it handed over to may sign [env YAKSOK_AUDIT_KEY].")] = None,
    witness: Annotated[bool, typer.Option(
        help="Check against the witness's latest cosigned checkpoint (when one is "
             "configured: YAKSOK_WITNESS_URL).")] = True,
) -> None:
    """Recompute the access log and check it against every signed checkpoint.

    Prints one OK line and exits 0, or lists the problems, names the first entry that differs
    and exits 1. The OK line says whether a pinned key and a witness were used.

    \b
    Examples:  yaksok audit verify --checkpoints /mnt/offsite/checkpoints.txt
               yaksok audit verify --key /etc/yaksok/log-key.txt
    """
    from yaksok.auditlog.trust import load_pin

    pin = load_pin(key) if key else None
    result = _audit_log().verify(checkpoints, pin=pin, use_witness=witness)
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
    else:
        out(f"checkpoint {info.size} root {info.root.hex()} (key version {info.key_version})")
    witnessed = log.submit_to_witness()
    if witnessed is not None:
        out(f"the witness {log.witness.key.name} cosigned checkpoint {witnessed}")


@audit_app.command("key")
def audit_key() -> None:
    """Print the log's signing key as a verifier key: pin it (`audit verify --key`,
    YAKSOK_AUDIT_KEY) somewhere the data directory is not, and give it to the witness.

    Example:  yaksok audit key > /etc/yaksok/log-key.txt
    """
    out(_audit_log().verifier_key())


@audit_app.command("rotate-key")
def audit_rotate_key() -> None:
    """A new signing key for the access log, handed over at once: the next checkpoint is
    signed by the old key and the new, so a pinned key and the witness follow the change.

    Example:  yaksok audit rotate-key
    """
    log = _audit_log()
    version, info = log.rotate_signing_key()
    size = f"checkpoint {info.size}" if info else "the next checkpoint"
    out(f"signing key version {version} active; {size} hands over to it")
    out(log.verifier_key())


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


@audit_app.command("report")
def audit_report(
    month: Annotated[str, typer.Option(help="The month to inspect, YYYY-MM.")],
    fmt: Annotated[str, typer.Option("--format", help="html or json.")] = "html",
    lang: Annotated[str, typer.Option(help="ko or en (the HTML report's language).")] = "ko",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
) -> None:
    """The monthly inspection report: counts per actor, operation and purpose, and flags.

    Each flag lists its entries' seqs; prove one with `yaksok audit prove SEQ`. Acts as the
    signed-in staff account (a role with audit.read); taking the report is itself logged (a
    download with the reason "monthly inspection YYYY-MM").

    \b
    Examples:  yaksok audit report --month 2026-11 -o access-2026-11.html
               yaksok audit report --month 2026-11 --format json --lang en
    """
    from yaksok.auditlog.history import report_event
    from yaksok.auditlog.inspect import monthly_report, parse_month, report_html, report_json

    parse_month(month, field="--month")
    choice(fmt, ("html", "json"), "--format")
    choice(lang, ("ko", "en"), "--lang")
    yk = open_store()
    actor = staff_session(yk)
    authorize(yk, actor, "audit_report")
    yk.audit.record(report_event(
        actor, month, policy_version=yk.published.version))
    report = monthly_report(yk.engine, yk.policy, month)
    text = (report_html(report, lang) if fmt == "html"
            else json.dumps(report_json(report), ensure_ascii=False, indent=2))
    if output:
        output.write_text(text, encoding="utf-8")
        out(f"wrote {output}: {report.total} entries, {len(report.flags)} flag(s)")
    else:
        out(text)


@audit_app.command("history")
def audit_history(
    subject_ref: Annotated[str, typer.Argument(help="The member's internal id.")],
    lang: Annotated[str, typer.Option(help="ko or en.")] = "ko",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the newest this many.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who saw a member's data, newest first: when, who, what, which data, purpose, outcome.

    Acts as the signed-in staff account (a role with audit.read); reading it is logged as a
    read of that member's records.

    \b
    Examples:  yaksok audit history m_8c1f2a --lang en
               yaksok audit history m_8c1f2a --json --limit 20
    """
    from yaksok.auditlog.history import history_event, subject_history

    choice(lang, ("ko", "en"), "--lang")
    yk = open_store()
    actor = staff_session(yk)
    authorize(yk, actor, "access_history", member_id=subject_ref)
    yk.audit.record(history_event(
        actor, subject_ref, policy_version=yk.published.version))
    items = subject_history(yk.engine, yk.policy, subject_ref, lang=lang, limit=limit)
    if json_output:
        out(json.dumps([i.to_dict() for i in items], ensure_ascii=False, indent=2))
        return
    for i in items:
        out("\t".join((i.when, i.who, i.what, ", ".join(i.categories) or "-",
                       i.purpose or "-", i.outcome_label)))
