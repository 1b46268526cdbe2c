"""`yaksok registers`: processors' contracts and supervision, transfers, and the record of
processing from a terminal (a thin shell over yaksok.processors).

Every command acts as the signed-in staff account (`yaksok staff login`); the core decides
(`registers.manage`), and refusals are logged like any other.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated

import typer

from yaksok import errors
from yaksok.cli.base import app, out, staff_store

registers_app = typer.Typer(help="Processors' contracts and supervision, transfer records, the "
                                 "record of processing (GDPR 30).", no_args_is_help=True)
app.add_typer(registers_app, name="registers")


def _sha256(path: Path) -> str:
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as exc:
        raise errors.ValidationError(f"cannot read {path} ({exc.__class__.__name__})",
                                     field="--document", fix="give the signed contract's "
                                     "file") from None


@registers_app.command("processors")
def registers_processors(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every processor: contract in force, missing clauses, supervision, warnings.

    Example:  yaksok registers processors
    """
    from yaksok.processors import processor_status

    yk, actor = staff_store()
    rows = processor_status(yk, actor)
    if json_output:
        out(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        contract = r["contract"]["signed_on"] if r["contract"] else "no contract"
        out(f"{r['processor']}\t{r['country'] or '-'}\tcontract {contract}\t"
            f"next check {r['next_due'] or '-'}")
        for w in r["warnings"]:
            out(f"  warning: {w}")


@registers_app.command("history")
def registers_history(
    processor: Annotated[str, typer.Argument(help="The processor's key in the policy.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One processor's contracts and supervision checks, newest first.

    Example:  yaksok registers history btc_korea_service
    """
    from yaksok.processors import processor_records

    yk, actor = staff_store()
    found = processor_records(yk, actor, processor)
    if json_output:
        out(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for c in found["contracts"]:
        out(f"contract {c['id']}\tsigned {c['signed_on']}\tends {c['ends_on'] or '-'}\t"
            f"{'complete' if not c['missing'] else 'misses ' + ', '.join(c['missing'])}")
    for c in found["checks"]:
        out(f"check {c['id']}\t{c['checked_on']}\tby {c['checked_by']}\t"
            f"next due {c['next_due']}\t{c['findings']}")


@registers_app.command("contract")
def registers_contract(
    processor: Annotated[str, typer.Argument(help="The processor's key in the policy.")],
    signed_on: Annotated[str, typer.Option(help="The day it was signed (YYYY-MM-DD).")],
    clause: Annotated[list[str], typer.Option(
        help="CLAUSE=ARTICLE, e.g. purpose_limitation='art. 3' (repeat).")],
    document: Annotated[Path, typer.Option(help="The signed contract's file: only its "
                                                "SHA-256 is recorded.")],
    ends_on: Annotated[str | None, typer.Option(help="The day it ends.")] = None,
) -> None:
    """Record an entrustment contract; prints the required clauses it misses.

    \b
    Example:  yaksok registers contract btc_korea_service --signed-on 2026-12-01 \\
                  --clause purpose_limitation="제3조" --clause purpose_and_scope="제2조" \\
                  --document contracts/btc-2026.pdf
    """
    from yaksok.processors import record_contract

    pairs = {}
    for c in clause:
        key, sep, article = c.partition("=")
        if not sep:
            raise errors.ValidationError(f"--clause {c!r} is not CLAUSE=ARTICLE",
                                         field="--clause", fix="e.g. --clause liability='art. 9'")
        pairs[key.strip()] = article
    digest = _sha256(document)
    yk, actor = staff_store()
    done = record_contract(yk, actor, processor, signed_on=signed_on, ends_on=ends_on,
                           clauses=pairs, document_sha256=digest)
    out(f"{done['id']} recorded (sha256 {digest})")
    for m in done["missing"]:
        out(f"  missing: {m}")


@registers_app.command("check")
def registers_check(
    processor: Annotated[str, typer.Argument(help="The processor's key in the policy.")],
    checked_on: Annotated[str, typer.Option(help="The day of the check (YYYY-MM-DD).")],
    checked_by: Annotated[str, typer.Option(help="Who checked.")],
    findings: Annotated[str, typer.Option(help="What was found.")],
    next_due: Annotated[str, typer.Option(help="When the next check is due.")],
) -> None:
    """Record a supervision check of a processor.

    \b
    Example:  yaksok registers check btc_korea_service --checked-on 2026-12-10 \\
                  --checked-by "윤현근" --findings "접근권한 점검, 이상 없음" --next-due 2027-06-10
    """
    from yaksok.processors import record_check

    yk, actor = staff_store()
    done = record_check(yk, actor, processor, checked_on=checked_on, checked_by=checked_by,
                        findings=findings, next_due=next_due)
    out(f"{done['id']} recorded; next check due {done['next_due']}")


@registers_app.command("transfer")
def registers_transfer(
    origin: Annotated[str, typer.Option(help="EU or CH.")],
    recipient: Annotated[str, typer.Option(help="A processor or third-party recipient key.")],
    category: Annotated[list[str], typer.Option(help="A category transferred (repeat).")],
    on: Annotated[str, typer.Option(help="The day of the transfer (YYYY-MM-DD).")],
    destination: Annotated[str | None, typer.Option(
        help="The recipient's country (default: the processor's).")] = None,
) -> None:
    """Record a transfer; refused (exit 5) when no mechanism covers the route that day.

    \b
    Example:  yaksok registers transfer --origin EU --recipient btc_korea_service \\
                  --category user.contact.email --on 2026-12-20
    """
    from yaksok.processors import record_transfer

    yk, actor = staff_store()
    done = record_transfer(yk, actor, origin=origin, recipient=recipient, categories=category,
                           transferred_on=on, destination=destination)
    out(f"{done['id']} recorded under {done['mechanism']}")


@registers_app.command("transfers")
def registers_transfers(
    since: Annotated[str | None, typer.Option(help="Only from this day.")] = None,
) -> None:
    """Transfer records, newest first.

    Example:  yaksok registers transfers --since 2026-01-01
    """
    from yaksok.processors import list_transfers

    yk, actor = staff_store()
    for t in list_transfers(yk, actor, since=since):
        out(f"{t['id']}\t{t['transferred_on']}\t{t['origin']}→{t['destination']}\t"
            f"{t['recipient']}\t{t['mechanism']}\t{','.join(t['categories'])}")


@registers_app.command("gate")
def registers_gate(
    origin: Annotated[str, typer.Option(help="EU or CH.")],
    recipient: Annotated[str, typer.Option(help="A processor or third-party recipient key.")],
    destination: Annotated[str | None, typer.Option(help="The recipient's country.")] = None,
    on: Annotated[str | None, typer.Option(help="The day (default today).")] = None,
) -> None:
    """Ask the transfer gate about a route, recording nothing; exit 5 when refused.

    Example:  yaksok registers gate --origin CH --recipient btc_korea_service
    """
    from yaksok.processors import check_route

    yk, actor = staff_store()
    d = check_route(yk, actor, origin=origin, recipient=recipient, destination=destination,
                    on=on)
    out(json.dumps(d.to_dict(), ensure_ascii=False, indent=2))
    if not d.allowed:
        raise errors.Refused(d.message, rule=d.rule, field="recipient", fix=d.fix)


@registers_app.command("ropa")
def registers_ropa(
    lang: Annotated[str, typer.Option(help="ko or en.")] = "ko",
    format: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to a file.")
                      ] = None,
) -> None:
    """The record of processing activities (GDPR 30), from the policy and the registers.

    Example:  yaksok registers ropa --lang en --format md -o ropa-en.md
    """
    from yaksok.processors import ropa, ropa_markdown

    if lang not in ("ko", "en") or format not in ("md", "json"):
        raise errors.ValidationError("--lang is ko or en, --format md or json",
                                     field="--lang" if lang not in ("ko", "en") else "--format")
    yk, actor = staff_store()
    record = ropa(yk, actor, lang=lang)
    text = (ropa_markdown(record) if format == "md"
            else json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    if output is None:
        out(text.rstrip("\n"))
    else:
        output.write_text(text, encoding="utf-8")
        out(f"written to {output}")
