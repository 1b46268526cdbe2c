"""`yaksok audit`: verify, status, prove, entry, checkpoint, expire, inspect, member history."""

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
    staff_token,
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
    and exits 1. The OK line says whether a pinned key and a witness were used. Signed in as
    staff (YAKSOK_STAFF_TOKEN), the outcome is recorded in the log under your name (`yaksok
    audit status` shows the latest); without a session nothing is written.

    \b
    Examples:  yaksok audit verify --checkpoints /mnt/offsite/checkpoints.txt
               yaksok audit verify --key /etc/yaksok/log-key.txt
    """
    from yaksok.auditlog.status import verify_recorded
    from yaksok.auditlog.trust import load_pin

    pin = load_pin(key) if key else None
    yk = open_store()
    options = dict(checkpoint_path=checkpoints, pin=pin, use_witness=witness)
    if staff_token():  # a named staff account's check goes on record, as on REST and the console
        result = verify_recorded(yk.audit, actor=staff_session(yk),
                                 policy_version=yk.published.version, **options)
    else:  # the server's operator (cron, an offsite copy): checks, writes nothing
        result = yk.audit.verify(**options)
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


@audit_app.command("status")
def audit_status(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The log at a glance: entries kept, the latest signed checkpoint (size, root, when) with
    the witnesses' cosignatures, and the latest verification on record.

    \b
    Examples:  yaksok audit status
               yaksok audit status --json
    """
    from yaksok.auditlog.status import log_status

    st = log_status(_audit_log())
    cp, v = st.checkpoint, st.verification
    data = {
        "entries": st.entries, "next_seq": st.next_seq, "unsealed": st.unsealed,
        "checkpoint": {"size": cp.size, "root": cp.root.hex(), "at": cp.created_at.isoformat(),
                       "note": cp.note} if cp else None,
        "cosignatures": [{"witness": c.witness, "cosigned_at": c.cosigned_at.isoformat()}
                         for c in st.cosignatures],
        "verification": {"seq": v.seq, "at": v.at.isoformat(), "by": v.actor_id, "ok": v.ok,
                         "summary": v.summary} if v else None}
    if json_output:
        out(json.dumps(data, ensure_ascii=False, indent=2))
        return
    out(f"entries: {st.entries} (seq {st.expired_before}..{st.next_seq - 1}), "
        f"{st.unsealed} not yet signed")
    out(f"latest checkpoint: {cp.size} root {cp.root.hex()} at {cp.created_at:%Y-%m-%d %H:%M} "
        "UTC" if cp else "latest checkpoint: none yet")
    for c in st.cosignatures:
        out(f"cosigned by {c.witness} at {c.cosigned_at:%Y-%m-%d %H:%M} UTC")
    out(f"latest verification: {v.at:%Y-%m-%d %H:%M} UTC by {v.actor_id}: {v.summary}" if v
        else "latest verification: none on record (run `yaksok audit verify`)")


@audit_app.command("entry")
def audit_entry(
    seq: Annotated[int, typer.Argument(min=0, help="The entry (seq).")],
) -> None:
    """Print one entry with its inclusion proof against the latest checkpoint and whether each
    link verifies (leaf hash, path to the root, the checkpoint's signature), as JSON; exits 1
    if it does not verify.

    Example:  yaksok audit entry 41
    """
    from yaksok.auditlog.status import prove_entry

    p = prove_entry(_audit_log(), seq)
    e = p.entry
    out(json.dumps({
        "entry": {"seq": e.seq, "at": e.at.isoformat(), "actor_id": e.actor_id,
                  "actor_kind": e.actor_kind, "operation": e.operation,
                  "subject_ref": e.subject_ref, "purpose": e.purpose, "outcome": e.outcome},
        "verified": p.verified, "checks": dict(p.checks), "problem": p.problem,
        "proof": p.proof.as_dict() if p.proof else None}, ensure_ascii=False, indent=2))
    if not p.verified:
        raise errors.IntegrityError(f"entry {seq} does not verify"
                                    + (f": {p.problem}" if p.problem else ""),
                                    first_bad_seq=seq)


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
    staff_view: Annotated[bool, typer.Option(
        "--staff", help="Every entry as staff inspect it: actor ids, denial reasons, seqs, "
                        "nothing withheld.")] = False,
) -> None:
    """Who saw a member's data, newest first: when, who, what, which data, purpose, outcome.

    Acts as the signed-in staff account (a role with audit.read); reading it is logged as a
    read of that member's records. With --staff: each entry's seq, actor id and reason.

    \b
    Examples:  yaksok audit history m_8c1f2a --lang en
               yaksok audit history m_8c1f2a --json --limit 20
               yaksok audit history m_8c1f2a --staff --limit 50
    """
    from yaksok.auditlog.history import history_event, staff_history, subject_history

    choice(lang, ("ko", "en"), "--lang")
    yk = open_store()
    actor = staff_session(yk)
    authorize(yk, actor, "access_history", member_id=subject_ref)
    yk.audit.record(history_event(
        actor, subject_ref, policy_version=yk.published.version))
    if staff_view:
        entries = staff_history(yk.engine, yk.policy, subject_ref, lang=lang, limit=limit)
        if json_output:
            out(json.dumps([i.to_dict() for i in entries], ensure_ascii=False, indent=2))
            return
        for e in entries:
            out("\t".join((str(e.seq), e.when, e.actor_id, e.what,
                           ", ".join(e.categories) or "-", e.purpose or "-", e.outcome,
                           e.reason or "-")))
        return
    items = subject_history(yk.engine, yk.policy, subject_ref, lang=lang, limit=limit)
    if json_output:
        out(json.dumps([i.to_dict() for i in items], ensure_ascii=False, indent=2))
        return
    for i in items:
        out("\t".join((i.when, i.who, i.what, ", ".join(i.categories) or "-",
                       i.purpose or "-", i.outcome_label)))
