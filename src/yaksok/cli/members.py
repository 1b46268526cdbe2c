"""`yaksok member` and `yaksok demo`: members, their erasure, synthetic data."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from yaksok import errors
from yaksok.cli.base import (
    app,
    open_store,
    out,
    parse_day,
    read_password,
    staff_session,
)

# -- members and the demo ------------------------------------------------------------------

member_app = typer.Typer(help="Members: sign up, look up, erase.", no_args_is_help=True)
app.add_typer(member_app, name="member")


@member_app.command("signup")
def member_signup(
    email: Annotated[str, typer.Option(help="The login ID.")],
    phone: Annotated[str, typer.Option(help="A mobile number, e.g. 010-1234-5678.")],
    birth_date: Annotated[str | None, typer.Option(
        help="YYYY-MM-DD; checked against the minimum age, kept only with --consent "
             "sns_sign_in.")] = None,
    declared_age: Annotated[int | None, typer.Option(
        help="Age in years, when no birth date is given.")] = None,
    country: Annotated[str, typer.Option(help="Sign-up country (KR, DE, US-CA, ...).")] = "KR",
    sns: Annotated[list[str] | None, typer.Option(
        help="An SNS account as provider:uid:nickname (repeatable).")] = None,
    consent: Annotated[list[str] | None, typer.Option(
        help="A consent item the member gives (repeatable), e.g. sns_sign_in.")] = None,
    refuse: Annotated[list[str] | None, typer.Option(
        help="A consent item the form showed and the member left unticked (repeatable); "
             "without any, every item not given is recorded as refused.")] = None,
    value: Annotated[list[str] | None, typer.Option(
        help="Another value the form asked, category=value (repeatable), e.g. "
             "user.name=홍길동; only categories the policy declares for sign-up.")] = None,
    channel: Annotated[str, typer.Option(help="Collection channel of the policy.")] = "app",
    password_stdin: Annotated[bool, typer.Option(
        help="Read the password from standard input instead of a prompt "
             "[or env YAKSOK_MEMBER_PASSWORD].")] = False,
) -> None:
    """Sign a member up (age gate, password rules, uniqueness); prints the member id.

    \b
    Example:  yaksok member signup --email kim@example.com --phone 010-1234-5678 \\
                  --birth-date 2001-04-05 --sns kakao:12345:노래하는민준 --consent sns_sign_in \\
                  --value user.name=홍길동 --value user.demographic.gender=female
    """
    from yaksok.members.signup import sign_up

    accounts = []
    for i, text in enumerate(sns or ()):
        parts = text.split(":", 2)
        if len(parts) != 3:
            raise errors.ValidationError("an SNS account is written provider:uid:nickname",
                                         field=f"--sns[{i}]", fix="e.g. kakao:12345:민준")
        accounts.append(tuple(parts))
    values = {}
    for i, text in enumerate(value or ()):
        category, sep, given = text.partition("=")
        if not sep or not category:
            raise errors.ValidationError("a value is written category=value",
                                         field=f"--value[{i}]", fix="e.g. --value user.name=홍길동")
        values[category.strip()] = given
    born = parse_day(birth_date, "--birth-date") if birth_date else None
    password = read_password(password_stdin, env="YAKSOK_MEMBER_PASSWORD")
    member_id = sign_up(open_store(), email=email, password=password, phone=phone,
                        sns_accounts=accounts, birth_date=born, declared_age=declared_age,
                        country=country, consents=consent or (), channel=channel,
                        values=values, refused=refuse)
    out(member_id)


@member_app.command("lookup")
def member_lookup(
    email: Annotated[str | None, typer.Option(help="Find by login email.")] = None,
    phone: Annotated[str | None, typer.Option(help="Find by mobile number.")] = None,
    sns: Annotated[str | None, typer.Option(help="Find by SNS id, provider:uid.")] = None,
    purpose: Annotated[str, typer.Option(help="Why you look the member up (a purpose of the "
                                              "policy your role acts for).")
                       ] = "member_management",
    task: Annotated[str | None, typer.Option(
        help="Processor staff: the task you look the member up for; it must cover the "
             "identifier.")] = None,
) -> None:
    """Print the id of the active member holding an email, phone or SNS id (exit 3 if none).

    Acts as the signed-in staff account (YAKSOK_STAFF_TOKEN); the lookup goes through the blind
    index and is logged as a read for the purpose given (and the task, for processor staff).

    \b
    Examples:  yaksok member lookup --email kim@example.com
               yaksok member lookup --phone 010-1234-5678 --purpose legal_compliance
               yaksok member lookup --email kim@example.com --task counselling \\
                   --purpose contract_performance
    """
    from yaksok.members.lookups import EMAIL, PHONE, SNS_ID, lookup_member

    given = [(c, v) for c, v in ((EMAIL, email), (PHONE, phone), (SNS_ID, sns)) if v]
    if len(given) != 1:
        raise errors.ValidationError("name exactly one of --email, --phone, --sns",
                                     field="--email", fix="e.g. --email kim@example.com")
    category, value = given[0]
    yk = open_store()
    found = lookup_member(yk, category, value, actor=staff_session(yk), purpose=purpose,
                          task=task)
    if found is None:
        raise errors.NotFound("no member holds it", field=category,
                              fix="check the spelling; erased members are gone")
    out(found)


@member_app.command("view")
def member_view(
    member_id: Annotated[str, typer.Argument(help="The member id (m_...).")],
    purpose: Annotated[str | None, typer.Option(
        help="Why you look at the member (a purpose your role acts for).")] = None,
    task: Annotated[str | None, typer.Option(
        help="Processor staff: your task (its purposes, unless --purpose names one).")] = None,
) -> None:
    """Print, as JSON, what you may see of a member for a purpose: status, jurisdiction and
    every category the policy lets your role read for it, with the values. Acts as the
    signed-in staff account; every read is decided and logged under its purpose.

    \b
    Examples:  yaksok member view m_3f9c0a1b2c3d4e5f60718293 --purpose member_management
               yaksok member view m_3f9c0a1b2c3d4e5f60718293 --task counselling
    """
    import json

    from yaksok.members.lookups import view_member

    yk = open_store()
    view = view_member(yk, member_id, actor=staff_session(yk), purpose=purpose, task=task)
    out(json.dumps({
        "member_id": view.member_id, "status": view.status, "jurisdiction": view.jurisdiction,
        "purpose": view.purpose, "task": view.task,
        "sections": [{"purpose": key, "values": {
            cat: [{"id": v.id, "value": v.value, "channel": v.channel,
                   "collected_at": v.collected_at.isoformat()} for v in values]
            for cat, values in found.items()}} for key, found in view.sections]},
        ensure_ascii=False, indent=2))


@member_app.command("consent-proof")
def member_consent_proof(
    member_id: Annotated[str, typer.Argument(help="The member id (m_...).")],
) -> None:
    """Print the member's proof of consent as JSON: every answer, the notice shown (text and
    SHA-256), when, under which policy version, through which channel, and by whom. Acts as
    the signed-in staff account (the privacy officer).

    Example:  yaksok member consent-proof m_3f9c0a1b2c3d4e5f60718293 > proof.json
    """
    from yaksok.consent.proof import consent_proof_json

    yk = open_store()
    out(consent_proof_json(yk, member_id, actor=staff_session(yk)).rstrip("\n"))


@member_app.command("verify-email")
def member_verify_email(
    member_id: Annotated[str, typer.Argument(help="The member id (m_...).")],
    lang: Annotated[str | None, typer.Option(
        help="The language the email opens with: ko or en (default: the member's).")] = None,
) -> None:
    """Mail the member a new link that verifies their email address (support: the member says
    the first one never came). It replaces an earlier link; the link works once, for 24 hours,
    and goes only to the address on file. Acts as the signed-in staff account (a role with
    rights.decide); `yaksok outbox send` delivers it.

    \b
    Example:  yaksok member verify-email m_3f9c0a1b2c3d4e5f60718293
    """
    from yaksok.members.verify_email import send_email_verification

    if lang not in (None, "ko", "en"):
        raise errors.ValidationError("the language is ko or en", field="--lang",
                                     fix="use --lang ko or --lang en")
    yk = open_store()
    send_email_verification(yk, member_id, actor=staff_session(yk), lang=lang)
    out(f"verification email queued for {member_id}; deliver with `yaksok outbox send`")


@member_app.command("close")
def member_close(
    member_id: Annotated[str, typer.Argument(help="The member id (m_...).")],
    lang: Annotated[str, typer.Option(help="The farewell email's language: ko or en.")] = "ko",
    password_stdin: Annotated[bool, typer.Option(
        help="Read the member's password from standard input instead of a prompt "
             "[or env YAKSOK_MEMBER_PASSWORD].")] = False,
) -> None:
    """Close an account as its member (탈퇴): their password confirms it; prints the receipt.

    The same as `POST /me/close`: an erasure request verified by the password and, when the
    policy allows self-service closure, carried out at once (what was destroyed, what the law
    keeps and until when); otherwise it waits for the officer. A wrong password closes nothing.

    \b
    Example:  YAKSOK_MEMBER_PASSWORD=... yaksok member close m_3f9c0a1b2c3d4e5f60718293
    """
    import json

    from yaksok.actors import member_actor
    from yaksok.rights.selfservice import close_account

    if lang not in ("ko", "en"):
        raise errors.ValidationError("the language is ko or en", field="--lang",
                                     fix="use --lang ko or --lang en")
    password = read_password(password_stdin, env="YAKSOK_MEMBER_PASSWORD")
    done = close_account(open_store(), member_id, password, actor=member_actor(member_id),
                         lang=lang)
    out(json.dumps(done.to_dict(), ensure_ascii=False, indent=2))


@member_app.command("erase")
def member_erase(
    member_id: Annotated[str, typer.Argument(help="The member id (m_...).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a member by crypto-shredding their data key, then purge their rows.

    Acts as the signed-in staff account (the privacy officer). Cannot be undone.
    Example:  yaksok member erase m_3f9c0a1b2c3d4e5f60718293 --yes
    """

    yk = open_store()
    actor = staff_session(yk)
    if not yes and not typer.confirm(f"erase {member_id} for good?"):
        raise typer.Abort()
    vault = yk.vault
    done = vault.erase_member(member_id, actor=actor)
    purged = vault.purge_erased()
    out(f"erased {done.member_id} at {done.erased_at:%Y-%m-%d %H:%M:%S} UTC; "
        f"{purged} leftover rows purged")


@member_app.command("purge")
def member_purge() -> None:
    """Delete the rows erased members left behind (their keys are already destroyed).

    Safe to run at any time, e.g. from cron.  Example:  yaksok member purge
    """

    out(f"{open_store().vault.purge_erased()} leftover rows purged")


@member_app.command("reapply-erasures")
def member_reapply_erasures() -> None:
    """After restoring a database backup: erase again every member in the erasures file.

    Run it before serving a restored database (see docs/operations.md).
    Example:  yaksok member reapply-erasures
    """
    out(f"{open_store().vault.reapply_erasures()} member(s) erased again")


@app.command()
def demo(
    members: Annotated[int, typer.Option(min=1, help="How many synthetic members.")] = 1000,
    seed: Annotated[int, typer.Option(help="The same seed makes the same members.")] = 0,
    reads: Annotated[bool, typer.Option(help="Also make access events (reads).")] = True,
    batch: Annotated[int, typer.Option(min=1, help="Members per transaction.")] = 250,
) -> None:
    """Fill the store with synthetic members (Korean names, phones, emails, SNS accounts),
    consents, values and access events. Demo and benchmark data only.

    \b
    Example:  yaksok init && yaksok demo --members 10000 --seed 7
    """
    from yaksok.demo import run_demo

    yk = open_store()
    with typer.progressbar(length=members, label="members", file=sys.stderr) as bar:
        last = [0]

        def progress(done: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        summary = run_demo(yk, members, seed, batch=batch, reads=reads, progress=progress)
    for line in summary.lines():
        out(line)
