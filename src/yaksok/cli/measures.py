"""`yaksok measures`: evidence for the organisational measures, staff training, and the record of
changes of access rights (a thin shell over yaksok.measures). Acts as the signed-in staff
account; the core decides."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated

import typer

from yaksok import errors
from yaksok.cli.base import app, out, staff_store

measures_app = typer.Typer(help="Organisational measures: evidence, training, access changes.",
                           no_args_is_help=True)
app.add_typer(measures_app, name="measures")


@measures_app.command("status")
def measures_status(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every organisational measure of the policy: current, overdue or missing evidence.

    Example:  yaksok measures status
    """
    from yaksok.measures import measure_states

    yk, actor = staff_store()
    states = measure_states(yk, actor)
    if json_output:
        out(json.dumps([s.to_dict() for s in states], ensure_ascii=False, indent=2))
        return
    for s in states:
        review = s.next_review.isoformat() if s.next_review else "-"
        out(f"{s.state:<8} {s.key:<24} review {review}  {', '.join(s.promises)}  {s.owner or ''}")


@measures_app.command("evidence")
def measures_evidence(
    measure: Annotated[str, typer.Argument(help="The measure's key in the policy.")],
    document: Annotated[Path, typer.Option(help="The evidence document (its SHA-256 is kept).")],
    location: Annotated[str, typer.Option(help="Where the document lives.")],
    owner: Annotated[str, typer.Option(help="Who owns the measure.")],
    done_on: Annotated[str, typer.Option(help="Last done (YYYY-MM-DD).")],
    next_review: Annotated[str, typer.Option(help="Next review (YYYY-MM-DD).")],
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
) -> None:
    """Record evidence for a measure: the document is hashed here, never stored.

    \b
    Example:  yaksok measures evidence internal_management_plan --document plan-2026.pdf \\
                  --location "문서함 /보안/내부관리계획-2026.pdf" --owner "CISO" \\
                  --done-on 2026-12-01 --next-review 2027-12-01
    """
    from yaksok.measures import record_evidence

    try:
        sha = hashlib.sha256(document.read_bytes()).hexdigest()
    except OSError as exc:
        raise errors.ValidationError(f"cannot read {document} ({exc.strerror})",
                                     field="--document") from None
    yk, actor = staff_store()
    out(record_evidence(yk, actor, measure, owner=owner, document_sha256=sha, location=location,
                        done_on=done_on, next_review=next_review, note=note))


@measures_app.command("training")
def measures_training(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every active staff account and its latest training: current, overdue or missing.

    Example:  yaksok measures training
    """
    from yaksok.measures import training_states

    yk, actor = staff_store()
    states = training_states(yk, actor)
    if json_output:
        out(json.dumps([s.to_dict() for s in states], ensure_ascii=False, indent=2))
        return
    for s in states:
        due = s.next_due.isoformat() if s.next_due else "-"
        out(f"{s.state:<8} {s.username:<20} {s.role:<24} due {due}  {s.course or ''}")


@measures_app.command("train")
def measures_train(
    username: Annotated[str, typer.Argument(help="The staff account trained.")],
    course: Annotated[str, typer.Option(help="The course.")],
    completed_on: Annotated[str, typer.Option(help="Completed (YYYY-MM-DD).")],
    next_due: Annotated[str, typer.Option(help="Next due (YYYY-MM-DD).")],
) -> None:
    """Record a completed training.

    Example:  yaksok measures train yoon --course "개인정보보호 교육 2026" \\
                  --completed-on 2026-11-20 --next-due 2027-11-20
    """
    from yaksok.measures import record_training

    yk, actor = staff_store()
    out(record_training(yk, actor, username, course=course, completed_on=completed_on,
                        next_due=next_due))


@measures_app.command("access-changes")
def measures_access_changes(
    since: Annotated[str | None, typer.Option(help="From (ISO time with zone).")] = None,
) -> None:
    """Every grant and revocation of access rights (staff roles, API key scopes), oldest first.

    Example:  yaksok measures access-changes --since 2026-01-01T00:00+09:00
    """
    import datetime as dt

    from yaksok.measures import access_changes

    start = None
    if since:
        try:
            start = dt.datetime.fromisoformat(since)
        except ValueError:
            raise errors.ValidationError("--since is not an ISO time", field="--since",
                                         fix="e.g. 2026-01-01T00:00+09:00") from None
    yk, actor = staff_store()
    for c in access_changes(yk, actor, since=start):
        out(f"{c.at.isoformat()}\t{c.change}\t{c.subject_kind}:{c.subject}\t{c.rights}\tby {c.by}")
