"""`yaksok disclosures` and `yaksok third-parties`: the disclosure register and provisions to
third parties from a terminal (a thin shell over yaksok.disclosures).

Every command acts as the signed-in staff account (`yaksok staff login`); the core decides
(`disclosures_keep`, `disclosure_approve`, `disclose`, `provide`) and refusals are logged.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from yaksok import errors
from yaksok.cli.base import app, out, staff_store

disclosures_app = typer.Typer(help="Disclosures to authorities: record under an exception, "
                                   "approve, produce within the scope (P4.1).",
                              no_args_is_help=True)
third_app = typer.Typer(help="Provision to third parties the policy names (P9.1).",
                        no_args_is_help=True)
app.add_typer(disclosures_app, name="disclosures")
app.add_typer(third_app, name="third-parties")


def _time(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        raise errors.ValidationError(f"{option} is not an ISO time", field=option,
                                     fix="e.g. 2026-03-01T00:00+09:00") from None
    if t.tzinfo is None:
        raise errors.ValidationError(f"{option} needs a time zone", field=option,
                                     fix="e.g. 2026-03-01T00:00+09:00")
    return t


def _json(d: dict) -> None:
    out(json.dumps(d, ensure_ascii=False, indent=2))


@disclosures_app.command("record")
def record(
    exception: Annotated[str, typer.Option(help="The policy's exception: statute, "
                                                "investigation.")],
    authority: Annotated[str, typer.Option(help="Who asks (e.g. 서울중앙지방검찰청).")],
    reference: Annotated[str, typer.Option(help="The authority's reference.")],
    citation: Annotated[str, typer.Option(help="The legal citation it rests on.")],
    country: Annotated[str, typer.Option(help="The authority's country (ISO 3166 alpha-2, "
                                              "e.g. KR).")],
    member: Annotated[list[str], typer.Option(help="A member's internal id (repeat).")],
    category: Annotated[list[str], typer.Option(help="A category asked for (repeat).")],
    document: Annotated[Path | None, typer.Option(help="The request document (warrant, "
                                                       "letter); stored sealed.")] = None,
    document_type: Annotated[str | None, typer.Option(help="e.g. application/pdf.")] = None,
    period_from: Annotated[str | None, typer.Option(help="Values collected from (ISO).")] = None,
    period_until: Annotated[str | None, typer.Option(help="... until (ISO).")] = None,
    defer_until: Annotated[str | None, typer.Option(help="The law defers telling the member "
                                                         "until (ISO).")] = None,
    defer_ground: Annotated[str | None, typer.Option(help="The deferral's legal ground.")] = None,
) -> None:
    """Record what an authority asked for; prints the record. Nothing leaves before approval.

    \b
    Example:  yaksok disclosures record --exception investigation \\
                  --authority 서울중앙지방검찰청 --reference 2026형제1234 --country KR \\
                  --citation "형사소송법 제215조" --member m_8c1f2a --category user.contact.email \\
                  --document warrant.pdf --document-type application/pdf
    """
    from yaksok.disclosures import record_disclosure

    try:
        data = document.read_bytes() if document is not None else None
    except OSError as exc:
        raise errors.ValidationError(f"cannot read the document: {exc.strerror}",
                                     field="document", fix="give a readable file") from None
    yk, actor = staff_store()
    _json(record_disclosure(
        yk, actor, exception=exception, authority=authority, authority_ref=reference,
        recipient_country=country, legal_citation=citation, members=member, categories=category, request_document=data,
        document_type=document_type, period_from=_time(period_from, "period_from"),
        period_until=_time(period_until, "period_until"),
        notice_deferred_until=_time(defer_until, "defer_until"),
        deferral_ground=defer_ground).to_dict())


@disclosures_app.command("list")
def list_(status: Annotated[str | None, typer.Option(help="recorded, approved or "
                                                          "rejected.")] = None) -> None:
    """The register, newest first.

    Example:  yaksok disclosures list --status recorded
    """
    from yaksok.disclosures import list_disclosures

    yk, actor = staff_store()
    for v in list_disclosures(yk, actor, status=status):
        out(f"{v.id}\t{v.status}\t{v.exception}\t{v.authority}\t{v.authority_ref}\t"
            f"{len(v.members)} members")


@disclosures_app.command("show")
def show(disclosure_id: str) -> None:
    """One disclosure, as JSON.

    Example:  yaksok disclosures show dsc_1a2b3c4d5e6f
    """
    from yaksok.disclosures import get_disclosure

    yk, actor = staff_store()
    _json(get_disclosure(yk, actor, disclosure_id).to_dict())


def _new_file(output: Path, data: bytes) -> None:
    try:
        output.touch(mode=0o600, exist_ok=False)
        output.chmod(0o600)
        output.write_bytes(data)
    except OSError as exc:
        raise errors.ValidationError(f"cannot write {output}: {exc.strerror}", field="output",
                                     fix="name a new file in a writable directory") from None


@disclosures_app.command("document")
def document_(
    disclosure_id: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="A new file to write it to "
                                         "(mode 0600); never the terminal.")],
) -> None:
    """The sealed request document, unsealed for the officer (the opening is logged).

    Example:  yaksok disclosures document dsc_1a2b3c4d5e6f -o warrant.pdf
    """
    from yaksok.disclosures import request_document

    yk, actor = staff_store()
    data, kind = request_document(yk, actor, disclosure_id)
    _new_file(output, data)
    out(f"written to {output}" + (f" ({kind})" if kind else ""))


@disclosures_app.command("approve")
def approve(disclosure_id: str,
            note: Annotated[str | None, typer.Option(help="Why (one line).")] = None) -> None:
    """The officer approves a recorded disclosure.

    Example:  yaksok disclosures approve dsc_1a2b3c4d5e6f --note "영장 원본 확인"
    """
    from yaksok.disclosures import approve_disclosure

    yk, actor = staff_store()
    out(approve_disclosure(yk, actor, disclosure_id, note=note).status)


@disclosures_app.command("reject")
def reject(disclosure_id: str, note: Annotated[str, typer.Option(help="Why (one line).")]
           ) -> None:
    """The officer rejects a recorded disclosure.

    Example:  yaksok disclosures reject dsc_1a2b3c4d5e6f --note "no exception applies"
    """
    from yaksok.disclosures import reject_disclosure

    yk, actor = staff_store()
    out(reject_disclosure(yk, actor, disclosure_id, note=note).status)


@disclosures_app.command("produce")
def produce_(
    disclosure_id: str,
    member: Annotated[str, typer.Option(help="The member's internal id.")],
    category: Annotated[list[str] | None, typer.Option(help="Default: all approved.")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the JSON "
                                         "(mode 0600); never the terminal.")] = Path("out.json"),
) -> None:
    """Produce one member's data under an approved disclosure, within its scope, to a file.

    \b
    Example:  yaksok disclosures produce dsc_1a2b3c4d5e6f --member m_8c1f2a -o dsc.json
    """
    from yaksok.disclosures import produce

    yk, actor = staff_store()
    result = produce(yk, actor, disclosure_id, member, category or None)
    try:
        output.touch(mode=0o600, exist_ok=False)
        output.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2),
                          encoding="utf-8")
    except OSError as exc:
        raise errors.ValidationError(f"cannot write {output}: {exc.strerror}", field="output",
                                     fix="name a new file in a writable directory") from None
    out(f"written to {output}")


@third_app.command("provide")
def provide_(
    member: Annotated[str, typer.Option(help="The member's internal id.")],
    recipient: Annotated[str, typer.Option(help="A recipient the policy names.")],
    category: Annotated[list[str], typer.Option(help="A category (repeat).")],
    basis: Annotated[str, typer.Option(help="consent or law.")],
    consent_item: Annotated[str | None, typer.Option(help="The item naming the "
                                                          "recipient.")] = None,
    citation: Annotated[str | None, typer.Option(help="The law (basis law).")] = None,
) -> None:
    """Provide a member's data to a named third party; prints the record (not the values).

    \b
    Example:  yaksok third-parties provide --member m_8c1f2a --recipient karaoke_partner \\
                  --category user.name --basis consent --consent-item sns_sign_in
    """
    from yaksok.disclosures import provide

    yk, actor = staff_store()
    _json(provide(yk, actor, member_id=member, recipient=recipient, categories=category,
                  basis=basis, consent_item=consent_item, legal_citation=citation).to_dict())


@third_app.command("list")
def provisions(member: Annotated[str | None, typer.Option(help="One member only.")] = None
               ) -> None:
    """Provisions recorded, newest first.

    Example:  yaksok third-parties list
    """
    from yaksok.disclosures import list_provisions

    yk, actor = staff_store()
    for p in list_provisions(yk, actor, member_id=member):
        out(f"{p.id}\t{p.provided_at.isoformat()}\t{p.recipient}\t{p.basis}\t{p.member_id}")
