"""`yaksok rights`: the privacy officer's desk for data-subject requests (docs/rights.md).

Requests received by letter, phone, email or fax are entered here (P6.8), verified by a staff
check, carried out, extended or refused; `yaksok rights due` lists what is due or overdue (for
cron: `--fail-on-overdue` exits 1 when anything is overdue).

Who acts: the signed-in staff account (``YAKSOK_STAFF_TOKEN``, from ``yaksok staff login``),
whose role the core checks like any other caller's (``yaksok.access``: a role with
``rights.decide``, the privacy officer). The access log and every request event name that
account.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from yaksok import errors
from yaksok.cli.base import app, authorize, choice, open_store, out, staff_session

rights_app = typer.Typer(help="Data-subject rights requests: enter, verify, carry out, due.",
                         no_args_is_help=True)
app.add_typer(rights_app, name="rights")

_STAFF_CHANNELS = ("written", "phone", "email", "fax")
_REQUESTERS = ("self", "legal_representative", "authorised_agent")
_DOCUMENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                   ".jpeg": "image/jpeg"}


def _run(fn, *, handle: bool = True):
    """Open the store, call ``fn(yk, actor)`` as the signed-in staff account, close the store.
    ``handle``: the command handles requests (``rights_handle``), asked of the core first."""
    yk = open_store()
    try:
        actor = staff_session(yk)
        if handle:
            authorize(yk, actor, "rights_handle")
        return fn(yk, actor)
    finally:
        yk.close()


def _details(pairs: list[str] | None) -> dict | None:
    """``key=value`` pairs; ``categories`` takes a comma-separated list."""
    if not pairs:
        return None
    found: dict = {}
    for i, pair in enumerate(pairs):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise errors.ValidationError("a detail is written key=value", field=f"--detail[{i}]",
                                         fix="e.g. --detail purpose=marketing")
        key, value = key.strip(), value.strip()
        found[key] = [v.strip() for v in value.split(",") if v.strip()] \
            if key == "categories" else value
    return found


def _personal_from_stdin() -> dict:
    """A JSON object of personal inputs from standard input (never from the command line,
    where the shell's history and the process list would keep it)."""
    try:
        data = json.loads(sys.stdin.read())
    except json.JSONDecodeError:
        raise errors.ValidationError("standard input is not a JSON object", field="--personal-stdin",
                                     fix='pipe e.g. {"category": "user.contact.email", '
                                         '"value": "..."}') from None
    if not isinstance(data, dict):
        raise errors.ValidationError("standard input is not a JSON object",
                                     field="--personal-stdin", fix="pipe one JSON object")
    return data


def _time(value: str | None, option: str) -> dt.datetime | None:
    """An ISO-8601 time with its UTC offset (the core refuses one without)."""
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise errors.ValidationError(f"{option} is not an ISO-8601 time", field=option,
                                     fix="e.g. 2026-03-02T14:30+09:00") from None


def _show(rq, as_json: bool) -> None:
    if as_json:
        out(json.dumps(rq.to_dict(), ensure_ascii=False, indent=2))
        return
    d = rq.to_dict()
    out(f"{d['id']}  {d['right']}  {d['status']}")
    for key in ("member_id", "channel", "requester", "jurisdiction", "received_at",
                "acknowledge_by", "due_at", "extensions", "verification", "agent_check",
                "refusal_reason", "verified_at", "closed_at"):
        if d.get(key) not in (None, ""):
            out(f"  {key:<15} {d[key]}")
    if d["details"]:
        out(f"  {'details':<15} {json.dumps(d['details'], ensure_ascii=False, sort_keys=True)}")
    if d.get("result"):
        out(f"  {'result':<15} {json.dumps(d['result'], ensure_ascii=False, sort_keys=True)}")


AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
RequestId = Annotated[str, typer.Argument(help="The request id (rq_...).")]


@rights_app.command("submit")
def rights_submit(
    member: Annotated[str, typer.Option(help="The member id (m_...); find it with "
                                             "`yaksok member lookup`.")],
    right: Annotated[str, typer.Option(help="access, rectification, erasure, restriction, "
                                            "portability, objection, automated_decision or "
                                            "consent_withdrawal.")],
    channel: Annotated[str, typer.Option(help="How it was received: written, phone, email "
                                              "or fax.")] = "written",
    requester: Annotated[str, typer.Option(help="self, legal_representative or "
                                                "authorised_agent.")] = "self",
    detail: Annotated[list[str] | None, typer.Option(
        help="A detail as key=value (repeatable; codes only), e.g. purpose=marketing, "
             "categories=user.contact.email,user.contact.phone_number.")] = None,
    personal_stdin: Annotated[bool, typer.Option(
        "--personal-stdin", help="Read personal inputs (a rectification's new value) as JSON from standard "
             "input.")] = False,
    lang: Annotated[str, typer.Option(help="The requester's language: ko or en.")] = "ko",
    received_at: Annotated[str | None, typer.Option(
        help="When the letter, call, email or fax reached you, with its UTC offset "
             "(default: now; at most a year back), e.g. 2026-03-02T14:30+09:00.")] = None,
    as_json: AsJson = False,
) -> None:
    """Enter a request received by letter, phone, email or fax (P6.8); prints the request.

    The deadline runs from --received-at (default now), under the member's jurisdiction.
    Verify the requester next (`yaksok rights verify`); an agent's request needs their power
    of attorney first. A note on the letter or call goes in the personal inputs as "note"
    (sealed; read back with `yaksok rights note`).

    \b
    Example:  yaksok rights submit --member m_3f9c0a1b2c3d4e5f60718293 --right erasure \\
                  --channel written --received-at 2026-03-02T14:30+09:00
              echo '{"category": "user.contact.email", "value": "new@example.com"}' | \\
                  yaksok rights submit --member m_3f9c... --right rectification \\
                  --channel phone --personal-stdin
    """
    from yaksok.rights.requests import submit

    choice(channel, _STAFF_CHANNELS, "--channel")
    choice(requester, _REQUESTERS, "--requester")
    choice(lang, ("ko", "en"), "--lang")
    received = _time(received_at, "--received-at")
    personal = _personal_from_stdin() if personal_stdin else None
    rq = _run(lambda yk, actor: submit(
        yk, member_id=member, right=right, channel=channel, actor=actor, requester=requester,
        details=_details(detail), personal=personal, lang=lang, received_at=received))
    _show(rq, as_json)


@rights_app.command("list")
def rights_list(
    status: Annotated[str | None, typer.Option(help="Only requests in this status.")] = None,
    member: Annotated[str | None, typer.Option(help="Only this member's requests.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 100,
    as_json: AsJson = False,
) -> None:
    """List requests, newest first.

    Example:  yaksok rights list --status received --json
    """
    from yaksok.rights.requests import list_requests

    found = _run(lambda yk, _actor: list_requests(yk, member_id=member, status=status,
                                                  limit=limit))
    if as_json:
        out(json.dumps([rq.to_dict() for rq in found], ensure_ascii=False, indent=2))
        return
    from yaksok.rights.deadlines import local_time

    for rq in found:
        due = local_time(rq.due_at, rq.jurisdiction)  # as /rights/due shows it
        out(f"{rq.id}  {rq.right:<18} {rq.status:<11} {rq.channel:<12} {rq.jurisdiction:<5} "
            f"due {due:%Y-%m-%d %H:%M %Z}  {rq.member_id or '-'}")
    if not found:
        out("no requests")


@rights_app.command("show")
def rights_show(request_id: RequestId, as_json: AsJson = False) -> None:
    """Show one request: status, deadlines, verification, details (codes only), result.

    Example:  yaksok rights show rq_0123456789abcdef01234567
    """
    from yaksok.rights.requests import get_request

    _show(_run(lambda yk, _actor: get_request(yk, request_id)), as_json)


@rights_app.command("events")
def rights_events(request_id: RequestId, as_json: AsJson = False) -> None:
    """Every transition of a request: when, who, from, to, the reason code.

    Example:  yaksok rights events rq_0123456789abcdef01234567
    """
    from yaksok.rights.requests import request_events

    events = _run(lambda yk, _actor: request_events(yk, request_id))
    if as_json:
        out(json.dumps([e.to_dict() for e in events], ensure_ascii=False, indent=2))
        return
    for e in events:
        out(f"{e.at:%Y-%m-%d %H:%M:%S} UTC  {e.from_status or '-':<11} -> {e.to_status:<11} "
            f"{e.reason or '':<28} {e.actor} ({e.actor_kind})")


@rights_app.command("verify")
def rights_verify(
    request_id: RequestId,
    method: Annotated[str, typer.Option(help="How identity was checked: id-card-seen, "
                                             "signed-letter-matched, callback-registered-phone, "
                                             "reply-from-registered-email, video-call, "
                                             "agent-documents-checked.")],
) -> None:
    """Record how the requester's identity was checked (P6.11): received -> verified.

    Example:  yaksok rights verify rq_0123456789abcdef01234567 --method id-card-seen
    """
    from yaksok.rights.verify import verify_by_staff

    rq = _run(lambda yk, actor: verify_by_staff(yk, request_id, actor=actor, method=method))
    out(f"{rq.id} verified ({rq.verification})")


@rights_app.command("power-of-attorney")
def rights_power_of_attorney(
    request_id: RequestId,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="The scanned document: PDF, PNG or JPEG.")],
) -> None:
    """Attach an agent's power of attorney, encrypted under the member's key (P6.10).

    Example:  yaksok rights power-of-attorney rq_0123456789abcdef01234567 mandate.pdf
    """
    from yaksok.rights.agents import attach_power_of_attorney

    content_type = _DOCUMENT_TYPES.get(file.suffix.lower())
    if content_type is None:
        raise errors.ValidationError("the file must be .pdf, .png or .jpg", field="FILE",
                                     fix="scan the document to PDF, PNG or JPEG")
    data = file.read_bytes()
    doc = _run(lambda yk, actor: attach_power_of_attorney(
        yk, request_id, data, content_type=content_type, actor=actor))
    out(f"attached {doc} ({content_type}, {len(data)} bytes) to {request_id}")


@rights_app.command("agent-check")
def rights_agent_check(
    request_id: RequestId,
    outcome: Annotated[str, typer.Option(help="accepted or rejected.")],
) -> None:
    """Record the check of an agent's power of attorney (P6.10).

    Example:  yaksok rights agent-check rq_0123456789abcdef01234567 --outcome accepted
    """
    from yaksok.rights.agents import check_agent

    choice(outcome, ("accepted", "rejected"), "--outcome")
    _run(lambda yk, actor: check_agent(yk, request_id, actor=actor, outcome=outcome))
    out(f"{request_id}: power of attorney {outcome}")


@rights_app.command("start")
def rights_start(request_id: RequestId) -> None:
    """Take a verified request on: verified -> in_progress.

    Example:  yaksok rights start rq_0123456789abcdef01234567
    """
    from yaksok.rights.requests import start

    rq = _run(lambda yk, actor: start(yk, request_id, actor=actor))
    out(f"{rq.id} {rq.status}; due {rq.due_at:%Y-%m-%d %H:%M} UTC")


@rights_app.command("extend")
def rights_extend(
    request_id: RequestId,
    reason: Annotated[str, typer.Option(help="complex, many_requests, justified_postponement "
                                             "or human_review (see `yaksok rights grounds`).")],
) -> None:
    """Extend the deadline as the member's law allows; the member is told why and until when.

    Example:  yaksok rights extend rq_0123456789abcdef01234567 --reason complex
    """
    from yaksok.rights.requests import extend

    rq = _run(lambda yk, actor: extend(yk, request_id, actor=actor, reason=reason))
    out(f"{rq.id} extended ({rq.extensions}); now due {rq.due_at:%Y-%m-%d %H:%M} UTC")


@rights_app.command("refuse")
def rights_refuse(
    request_id: RequestId,
    reason: Annotated[str, typer.Option(help="A refusal ground's code (`yaksok rights grounds "
                                             "--right R --jurisdiction J`).")],
) -> None:
    """Refuse on a ground the law recognises (P6.9); the member is told it and how to appeal.

    Example:  yaksok rights refuse rq_0123456789abcdef01234567 --reason pipa_36_1_other_law_requires
    """
    from yaksok.rights.requests import refuse

    rq = _run(lambda yk, actor: refuse(yk, request_id, actor=actor, reason=reason))
    out(f"{rq.id} refused ({rq.refusal_reason})")


@rights_app.command("cancel")
def rights_cancel(request_id: RequestId) -> None:
    """Cancel a request on the requester's word (e.g. withdrawn by phone).

    Example:  yaksok rights cancel rq_0123456789abcdef01234567
    """
    from yaksok.rights.requests import cancel

    rq = _run(lambda yk, actor: cancel(yk, request_id, actor=actor))
    out(f"{rq.id} {rq.status}")


@rights_app.command("carry-out")
def rights_carry_out(
    request_id: RequestId,
    lang: Annotated[str, typer.Option(help="Language of what the member receives: ko or "
                                           "en.")] = "ko",
    as_json: AsJson = False,
) -> None:
    """Do what the request asks and complete it (an export for access and portability).

    Safe to run again after a failure: it resumes and applies nothing twice.
    Example:  yaksok rights carry-out rq_0123456789abcdef01234567
    """
    from yaksok.rights.handle import carry_out

    choice(lang, ("ko", "en"), "--lang")
    done = _run(lambda yk, actor: carry_out(yk, request_id, actor=actor, lang=lang))
    if as_json:
        out(json.dumps({"request": done.request.to_dict(), "result": done.result,
                        "explanation": done.explanation}, ensure_ascii=False, indent=2))
        return
    out(f"{done.request.id} {done.request.status}: "
        f"{json.dumps(done.result, ensure_ascii=False, sort_keys=True)}")


@rights_app.command("due")
def rights_due(
    within_days: Annotated[int, typer.Option(min=0, help="Due within this many days (or "
                                                         "overdue).")] = 3,
    fail_on_overdue: Annotated[bool, typer.Option(
        "--fail-on-overdue", help="Exit 1 when a request (or its acknowledgement) is overdue, for cron "
             "alerts.")] = False,
    as_json: AsJson = False,
) -> None:
    """Open requests due within N days or overdue, soonest first (days left < 0: overdue).

    Exits 0 whatever it lists, unless --fail-on-overdue and something is overdue (exit 1).

    \b
    Example:  yaksok rights due --within-days 7
              yaksok rights due --fail-on-overdue --json   # from cron
    """
    from yaksok.rights.deadlines import due_requests

    due = _run(lambda yk, _actor: due_requests(yk, within_days=within_days))
    late = [d for d in due if d["overdue"] or d["acknowledge_overdue"]]
    if as_json:
        out(json.dumps(due, ensure_ascii=False, indent=2))
    else:
        for d in due:
            flag = "OVERDUE" if d["overdue"] else f"{d['days_left']:>3} day(s)"
            ack = "  acknowledgement overdue" if d["acknowledge_overdue"] else ""
            out(f"{flag:<10} {d['id']}  {d['right']:<18} {d['status']:<11} "
                f"{d['jurisdiction']:<5} due {d['due_at']}{ack}")
        out(f"{len(due)} request(s) due within {within_days} day(s), {len(late)} overdue")
    if fail_on_overdue and late:
        raise typer.Exit(1)


@rights_app.command("queue")
def rights_queue(
    status: Annotated[str | None, typer.Option(help="Only open requests in this status: "
                                                    "received, verified, in_progress or "
                                                    "extended.")] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="Only this jurisdiction's (KR, EU, "
                                                          "US-CA).")] = None,
    as_json: AsJson = False,
) -> None:
    """Every open request, soonest due first, with its deadline in its jurisdiction's time
    and the local days left (OVERDUE once past).

    \b
    Example:  yaksok rights queue
              yaksok rights queue --status received --jurisdiction KR --json
    """
    from yaksok.rights.queue import queue

    found = _run(lambda yk, _actor: queue(yk, status=status, jurisdiction=jurisdiction))
    if as_json:
        out(json.dumps([i.to_dict() for i in found], ensure_ascii=False, indent=2))
        return
    for i in found:
        flag = "OVERDUE" if i.overdue else f"{i.days_left:>3} day(s)"
        out(f"{flag:<10} {i.id}  {i.right:<18} {i.status:<11} {i.jurisdiction:<5} "
            f"{i.asked_by:<6} {i.channel:<12} due {i.due_at:%Y-%m-%d %H:%M %Z}")
    out(f"{len(found)} open request(s), {sum(i.overdue for i in found)} overdue")


@rights_app.command("due-per-week")
def rights_due_per_week(
    weeks: Annotated[int, typer.Option(min=1, max=52, help="How many weeks.")] = 8,
    past: Annotated[int, typer.Option(min=0, max=51, help="How many of them before the "
                                                          "current week.")] = 3,
    as_json: AsJson = False,
) -> None:
    """Open requests due and overdue per week (Monday first) of their last day; the first
    week also counts every open request due before it.

    Example:  yaksok rights due-per-week --weeks 8 --past 3
    """
    from yaksok.rights.queue import due_per_week

    load = _run(lambda yk, _actor: due_per_week(yk, weeks=weeks, past=past))
    if as_json:
        out(json.dumps([w.to_dict() for w in load], indent=2))
        return
    out(f"{'week of':<12} {'due':>5} {'overdue':>8}")
    for w in load:
        out(f"{w.week_start.isoformat():<12} {w.due:>5} {w.overdue:>8}")


@rights_app.command("erasure-preview")
def rights_erasure_preview(request_id: RequestId, as_json: AsJson = False) -> None:
    """What carrying out an erasure request would destroy (values per category) and what the
    law keeps (held records, until when, under which law), before it is done.

    Example:  yaksok rights erasure-preview rq_0123456789abcdef01234567
    """
    from yaksok.rights.handle import erasure_preview

    p = _run(lambda yk, actor: erasure_preview(yk, request_id, actor=actor))
    if as_json:
        out(json.dumps(p.to_dict(), ensure_ascii=False, indent=2))
        return
    out(f"{p.request_id}: erasure of {'the whole account' if p.scope == 'account' else 'categories'}")
    for cat, n in sorted(p.destroyed.items()):
        out(f"  destroyed  {cat:<40} {n} value(s)")
    for h in p.held:
        law = f"{h['law']['en']} {h['law']['article'] or ''}".strip() if h["law"] else ""
        out(f"  held       {h['record_kind']:<40} {h['count']} until {h['last_expiry']}  {law}")
    for e in p.external:
        out(f"  external   {e['dataset']}.{e['table']:<30} {e['strategy']}")


@rights_app.command("note")
def rights_note(request_id: RequestId) -> None:
    """Print the handler's note on a request (sealed under the member's key; the read is
    logged). Prints nothing when the request has none.

    Example:  yaksok rights note rq_0123456789abcdef01234567
    """
    from yaksok.rights.inputs import read_note

    note = _run(lambda yk, actor: read_note(yk, request_id, actor=actor))
    if note is not None:
        out(note)


@rights_app.command("grounds")
def rights_grounds(
    right: Annotated[str | None, typer.Option(help="Only grounds that may refuse this "
                                                   "right.")] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="Only this jurisdiction's grounds "
                                                          "(KR, EU, US-CA).")] = None,
    lang: Annotated[str, typer.Option(help="ko or en.")] = "en",
    as_json: AsJson = False,
) -> None:
    """The grounds a request may be refused on (P6.9), with their law; and extension reasons.

    Example:  yaksok rights grounds --right erasure --jurisdiction KR
    """
    from yaksok.rights.grounds import EXTENSION_REASONS, REFUSAL_GROUNDS

    choice(lang, ("ko", "en"), "--lang")
    grounds = {code: g for code, g in REFUSAL_GROUNDS.items()
               if (right is None or right in g["rights"])
               and (jurisdiction is None or jurisdiction in g["jurisdictions"])}
    if as_json:
        out(json.dumps({"refusal_grounds": {c: {**g, "rights": list(g["rights"]),
                                                "jurisdictions": list(g["jurisdictions"])}
                                            for c, g in grounds.items()},
                        "extension_reasons": EXTENSION_REASONS}, ensure_ascii=False, indent=2))
        return
    for code, g in grounds.items():
        out(f"{code:<34} {'/'.join(g['jurisdictions']):<6} {g['law']}: {g[lang]}")
    if not grounds:
        out("no refusal ground matches")
    out("extension reasons: " + ", ".join(EXTENSION_REASONS))


@rights_app.command("explain")
def rights_explain(
    member: Annotated[str, typer.Argument(help="The member id (m_...).")],
    decision: Annotated[str, typer.Argument(help="The automated decision's key in the "
                                                 "policy.")],
    as_json: AsJson = False,
) -> None:
    """How an automated decision is made about a member: its criteria and the categories of
    the member's data it uses (counts, never values) (P6.7). The look is logged.

    Example:  yaksok rights explain m_3f9c0a1b2c3d4e5f60718293 song_recommendation
    """
    from yaksok.rights.handle import explain_decision

    found = _run(lambda yk, actor: explain_decision(yk, member, decision, actor=actor))
    if as_json:
        out(json.dumps(found, ensure_ascii=False, indent=2))
        return
    out(f"{found['decision']}: {found['label']['en']} (purpose {found['purpose']})")
    out(f"  criteria: {found['criteria']['en']}")
    for cat in found["categories"]:
        out(f"  {cat:<40} {found['categories_used'].get(cat, 0)} value(s)")
