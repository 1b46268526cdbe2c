"""`yaksok incidents`: the breach register from a terminal (a thin shell over yaksok.incidents).

Every command acts as the signed-in staff account (`yaksok staff login`); the core decides
(`registers.manage`), and refusals are logged like any other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from yaksok import errors
from yaksok.cli.base import app, out, staff_store

incidents_app = typer.Typer(help="The breach register: record, fix the affected members, "
                                 "notify stage by stage, report, follow the clocks.",
                            no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")


@incidents_app.command("open")
def incidents_open(
    title: Annotated[str, typer.Option(help="A short title (no personal data).")],
    nature: Annotated[str, typer.Option(help="What happened.")],
    cause: Annotated[str, typer.Option(help="Why it happened.")],
    category: Annotated[list[str], typer.Option(help="A category involved (repeat).")],
    measures: Annotated[str, typer.Option(help="What was done about it.")],
    discovered_at: Annotated[str, typer.Option(help="ISO time with zone.")],
    aware_at: Annotated[str | None, typer.Option(help="Default: --discovered-at.")] = None,
    possible: Annotated[bool, typer.Option(help="A possible breach, not yet confirmed.")] = False,
    sensitive: Annotated[bool, typer.Option(help="Sensitive data involved.")] = False,
    unique_ids: Annotated[bool, typer.Option(help="Unique identifiers involved.")] = False,
    outside_access: Annotated[bool, typer.Option(help="Unlawful access from outside.")] = False,
    high_risk: Annotated[bool, typer.Option(help="GDPR 34: a high risk to members.")] = False,
) -> None:
    """Record an incident; prints its id. Every incident is kept, notified or not.

    \b
    Example:  yaksok incidents open --title "관리자 계정 도용" --nature "..." --cause "..." \\
                  --category user.contact.email --measures "..." \\
                  --discovered-at 2026-12-07T09:00+09:00 --outside-access
    """
    from yaksok.incidents import open_incident

    yk, actor = staff_store()
    out(open_incident(yk, actor, title=title, nature=nature, cause=cause, categories=category,
                      measures=measures, discovered_at=discovered_at, aware_at=aware_at,
                      possible=possible, sensitive=sensitive, unique_ids=unique_ids,
                      outside_access=outside_access, high_risk=high_risk))


def _clock_line(c: dict) -> str:
    due = c["due_at"] or "without undue delay"
    return f"  {c['state']:<12} {c['key']:<11} due {due}  ({c['law']})"


@incidents_app.command("list")
def incidents_list(
    fail_on_overdue: Annotated[bool, typer.Option(
        "--fail-on-overdue", help="Exit 1 when a clock is overdue, for cron alerts.")] = False,
) -> None:
    """Every incident, newest first, with its affected count and open clocks.

    \b
    Examples:  yaksok incidents list
               yaksok incidents list --fail-on-overdue     # from cron: exit 1 on a late duty
    """
    from yaksok.incidents import list_incidents

    yk, actor = staff_store()
    overdue = False
    for view in list_incidents(yk, actor):
        d = view.to_dict()
        out(f"{d['id']}\t{d['discovered_at']}\t{d['affected_total']} affected\t{d['title']}")
        for c in d["clocks"]:
            if c["state"] in ("due", "overdue"):
                out(_clock_line(c))
            overdue = overdue or c["state"] == "overdue"
    if fail_on_overdue and overdue:
        raise typer.Exit(1)


@incidents_app.command("show")
def incidents_show(
    incident_id: Annotated[str, typer.Argument(help="The incident's id (inc_...).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One incident: the record, affected counts, stages, reports and every clock.

    Example:  yaksok incidents show inc_1a2b3c4d5e6f --json
    """
    from yaksok.incidents import get_incident

    yk, actor = staff_store()
    d = get_incident(yk, actor, incident_id).to_dict()
    if json_output:
        out(json.dumps(d, ensure_ascii=False, indent=2))
        return
    out(f"{d['id']}  {d['title']}  ({d['affected_total']} affected: {d['affected']})")
    for c in d["clocks"]:
        out(_clock_line(c))
    for s in d["stages"]:
        out(f"  stage {s['seq']} {s['kind']} {s['issued_at']} to {s['recipients']} members")


@incidents_app.command("affected")
def incidents_affected(
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    member: Annotated[list[str] | None, typer.Option(help="An affected member id (repeat).")
                      ] = None,
    since: Annotated[str | None, typer.Option(help="From the access log: from (ISO).")] = None,
    until: Annotated[str | None, typer.Option(help="... until (ISO, exclusive).")] = None,
    actor_id: Annotated[str | None, typer.Option(help="... only what this actor reached.")
                        ] = None,
    category: Annotated[list[str] | None, typer.Option(
        help="... only these categories (default: the incident's).")] = None,
) -> None:
    """Fix the affected members, once: listed, or computed from the access log.

    \b
    Examples:  yaksok incidents affected inc_1a2b3c4d5e6f --since 2026-12-01T00:00+09:00 \\
                   --until 2026-12-07T00:00+09:00 --actor-id st_3f...
               yaksok incidents affected inc_1a2b3c4d5e6f --member m_8c1f... --member m_02ab...
    """
    from yaksok.incidents import freeze_affected

    yk, actor = staff_store()
    n = freeze_affected(yk, actor, incident_id, member_ids=member or None, actor_id=actor_id,
                        since=since, until=until, categories=category)
    out(f"{n} affected members fixed")


@incidents_app.command("notify")
def incidents_notify(
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    kind: Annotated[str, typer.Option(help="preliminary, supplement or final.")],
    texts: Annotated[Path, typer.Option(help='A JSON file: {"ko": {item: text}, "en": {...}}.')],
    board: Annotated[bool, typer.Option(help="Also post it on the board for 30 days.")] = False,
) -> None:
    """Issue the next notice: one email per affected member (items: what, when_how,
    member_can_do, company_does, contact, remedies; a final notice says all six).

    Example:  yaksok incidents notify inc_1a2b3c4d5e6f --kind final --texts notice.json --board
    """
    from yaksok.incidents import issue_stage

    try:
        data = json.loads(texts.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise errors.ValidationError(f"cannot read {texts} as JSON ({exc.__class__.__name__})",
                                     field="--texts") from None
    yk, actor = staff_store()
    done = issue_stage(yk, actor, incident_id, kind, data, post_on_board=board)
    out(f"stage {done['seq']} ({done['kind']}) queued for {done['recipients']} members"
        + (f"; on the board until {done['board_until']}" if done["board_until"] else ""))


@incidents_app.command("report")
def incidents_report(
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    authority: Annotated[str, typer.Option(help="pipc, eu_sa or ca_ag.")],
    reference: Annotated[str | None, typer.Option(help="The authority's reference.")] = None,
    at: Annotated[str | None, typer.Option(help="When (ISO; default now).")] = None,
) -> None:
    """Record a report to an authority.

    Example:  yaksok incidents report inc_1a2b3c4d5e6f --authority pipc --reference 2026-0042
    """
    from yaksok.incidents import record_report

    yk, actor = staff_store()
    record_report(yk, actor, incident_id, authority, reported_at=at, reference=reference)
    out(f"reported to {authority}")


@incidents_app.command("exempt")
def incidents_exempt(
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    authority: Annotated[str, typer.Option(
        help="pipc (retrieval or deletion lowered the risk significantly) or eu_sa "
             "(unlikely to result in a risk).")],
    ground: Annotated[str, typer.Option(help="Why no report is owed.")],
) -> None:
    """Record why no report is owed to one authority (kept beside the reports).

    Example:  yaksok incidents exempt inc_1a2b3c4d5e6f --authority pipc \
                  --ground "유출 파일 회수 및 삭제 확인"
    """
    from yaksok.incidents import record_exemption

    yk, actor = staff_store()
    record_exemption(yk, actor, incident_id, authority, ground)
    out("exemption recorded")


@incidents_app.command("member")
def incidents_member(
    member_id: Annotated[str, typer.Argument(help="The member's internal id.")],
    lang: Annotated[str, typer.Option(help="ko or en.")] = "ko",
) -> None:
    """Answer a member who asks "was my data part of a breach?" (by phone or letter).

    Example:  yaksok incidents member m_8c1f2a...
    """
    from yaksok.incidents import my_incidents

    yk, actor = staff_store()
    out(json.dumps(my_incidents(yk, actor, member_id, lang=lang), ensure_ascii=False,
                   indent=2))
