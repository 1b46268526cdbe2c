"""`yaksok policy new`: a company's first policy file, from options or a short questionnaire.

The questions are asked only in a terminal; a script (stdin not a TTY) must give every required
option, and a missing one is an error naming it. Everything else is ``yaksok.policy.starter``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from yaksok.cli.base import out
from yaksok.cli.policy import policy_app

_REQUIRED = (
    ("company_ko", "--company-ko", "Company name in Korean (주식회사 ...)"),
    ("company_en", "--company-en", "Company name in English"),
    ("service", "--service", "Service name"),
    ("officer_name", "--officer-name", "Privacy officer's name"),
    ("officer_email", "--officer-email", "Privacy officer's email"),
    ("officer_phone", "--officer-phone", "Privacy officer's phone"),
)
_QUESTIONS = (
    ("sns", "Can members sign in with an SNS account (Kakao, Naver, Google ...)?"),
    ("payments", "Does the service take payments?"),
    ("marketing", "Do you send marketing messages (with consent)?"),
    ("analytics_cookies", "Do you set analytics cookies?"),
    ("ad_cookies", "Do you set advertising cookies?"),
)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _split(value: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in value.split(",") if p.strip())
    return () if parts == ("none",) else parts


@policy_app.command("new")
def policy_new(
    output: Annotated[Path, typer.Option("--out", "-o", help="The policy file to write.")],
    company_ko: Annotated[str | None, typer.Option(help="Company name in Korean.")] = None,
    company_en: Annotated[str | None, typer.Option(help="Company name in English.")] = None,
    service: Annotated[str | None, typer.Option(help="Service name.")] = None,
    officer_name: Annotated[str | None, typer.Option(help="Privacy officer's name.")] = None,
    officer_email: Annotated[str | None, typer.Option(help="Privacy officer's email.")] = None,
    officer_phone: Annotated[str | None, typer.Option(help="Privacy officer's phone.")] = None,
    officer_title: Annotated[str, typer.Option(help="Privacy officer's position.")]
    = "개인정보 보호책임자",
    jurisdictions: Annotated[str | None, typer.Option(
        help="Where members live, comma-separated, the first the default: KR, EU, US-CA "
             "[default: KR].", show_default=False)] = None,
    signup: Annotated[str | None, typer.Option(
        help="Sign-up with a password by: email, phone, both (email,phone) or none "
             "[default: email].", show_default=False)] = None,
    sns: Annotated[bool | None, typer.Option(
        "--sns/--no-sns", help="Members may sign in with an SNS account.",
        show_default=False)] = None,
    payments: Annotated[bool | None, typer.Option(
        "--payments/--no-payments", help="The service takes payments.", show_default=False)]
    = None,
    marketing: Annotated[bool | None, typer.Option(
        "--marketing/--no-marketing", help="Marketing messages, with consent.",
        show_default=False)] = None,
    analytics_cookies: Annotated[bool | None, typer.Option(
        "--analytics-cookies/--no-analytics-cookies", help="Analytics cookies (with consent).",
        show_default=False)] = None,
    ad_cookies: Annotated[bool | None, typer.Option(
        "--ad-cookies/--no-ad-cookies", help="Advertising cookies (with consent).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option(help="Overwrite --out if it exists.")] = False,
) -> None:
    """Start your own policy file: a small file that passes `yaksok policy check`, with FILL IN
    comments where only you know the facts. Options left out are asked in a terminal; in a
    script the six names and contacts are required. The file is checked before it is written.

    \b
    Example:  yaksok policy new --out policies/acme.yaml --company-ko "주식회사 에이크미" \\
                --company-en "Acme Inc." --service Acme --officer-name 김보호 \\
                --officer-email privacy@acme.example --officer-phone 02-123-4567 \\
                --jurisdictions KR,EU --signup email --sns --no-payments --marketing \\
                --analytics-cookies --no-ad-cookies
    """
    from yaksok.errors import ValidationError
    from yaksok.policy.starter import Answers, write_starter

    given = {"company_ko": company_ko, "company_en": company_en, "service": service,
             "officer_name": officer_name, "officer_email": officer_email,
             "officer_phone": officer_phone}
    flags = {"sns": sns, "payments": payments, "marketing": marketing,
             "analytics_cookies": analytics_cookies, "ad_cookies": ad_cookies}
    asking = _interactive()
    for name, flag, question in _REQUIRED:
        if given[name] is None:
            if not asking:
                raise ValidationError("required when not run in a terminal",
                                      field=flag, fix=f"give {flag} VALUE (see yaksok policy "
                                      "new --help), or run it in a terminal to be asked")
            given[name] = typer.prompt(question)
    if jurisdictions is None:
        jurisdictions = typer.prompt("Where do members live (KR, EU, US-CA; comma-separated)",
                                     default="KR") if asking else "KR"
    if signup is None:
        signup = typer.prompt("Sign-up with a password by (email, phone, email,phone, none)",
                              default="email") if asking else "email"
    for name, question in _QUESTIONS:
        if flags[name] is None:
            flags[name] = typer.confirm(question, default=False) if asking else False
    answers = Answers(**given, officer_title=officer_title,
                      jurisdictions=_split(jurisdictions), signup=_split(signup), **flags)
    warnings = write_starter(answers, output, force=force)
    for problem in warnings:
        out(problem.format())
    out(f"wrote {output}: it passes `yaksok policy check` ({len(warnings)} warning(s)); "
        "fill in the lines marked FILL IN, then `yaksok policy render "
        f"{output} --lang ko` to read it")
