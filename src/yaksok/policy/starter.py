"""A company's first policy file, from a few answers (``yaksok policy new``).

Writing a policy file from an empty page is slow, and copying SOMESING's means deleting most of
it (its provenance, its source text, another company's processors). The starter asks what
decides the shape of a policy — who the company is, who the officer is, where its members live,
how they sign up, whether it takes payments, sends marketing, sets analytics or ad cookies — and
writes a small file that passes ``yaksok policy check`` as written, with ``FILL IN`` comments
where only the company knows the facts (its processors, where data is kept, the tools behind
each cookie). The file has no ``provenance:``: a policy written from scratch has no source text.

It is written beside its destination, checked with the same checks as ``policy check``
(``lint.check_file``) and moved into place only if it passes, so a failed run leaves nothing.
The wording lives in ``templates/starter.yaml.j2``; every answer enters it as a YAML
double-quoted scalar, so no answer can add a key.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from yaksok.errors import Conflict, PolicyError, ValidationError
from yaksok.policy.file_schema import PACKAGED as FILE_SCHEMA
from yaksok.policy.lint import check_file
from yaksok.policy.problems import Problem

__all__ = ["JURISDICTIONS", "SIGNUP", "Answers", "starter_text", "write_starter"]

#: The jurisdictions the starter knows deadlines and minimum ages for.
JURISDICTIONS = ("KR", "EU", "US-CA")
#: How members may sign up with a password.
SIGNUP = ("email", "phone")
#: The option that sets each answer, named by errors.
FLAGS = {"company_ko": "--company-ko", "company_en": "--company-en", "service": "--service",
         "officer_name": "--officer-name", "officer_email": "--officer-email",
         "officer_phone": "--officer-phone", "officer_title": "--officer-title",
         "jurisdictions": "--jurisdictions", "signup": "--signup", "marketing": "--marketing"}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,30}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Answers:
    """What a company told ``yaksok policy new``."""

    company_ko: str
    company_en: str
    service: str
    officer_name: str
    officer_email: str
    officer_phone: str
    officer_title: str = "개인정보 보호책임자"
    #: Where members live, the first being the default jurisdiction.
    jurisdictions: tuple[str, ...] = ("KR",)
    #: Sign-up with a password by email and/or phone; empty: no accounts of our own.
    signup: tuple[str, ...] = ("email",)
    sns: bool = False
    payments: bool = False
    marketing: bool = False
    analytics_cookies: bool = False
    ad_cookies: bool = False
    #: Answers left out because they were not given (filled in by the caller or defaults).
    notes: tuple[str, ...] = field(default=(), compare=False)

    def check(self) -> None:
        """Raise ``ValidationError`` naming the option of the first answer that cannot be used."""
        for name in ("company_ko", "company_en", "service", "officer_name", "officer_email",
                     "officer_phone", "officer_title"):
            value = getattr(self, name)
            if not value.strip() or len(value) > 200 or _CONTROL.search(value):
                raise ValidationError(f"{name.replace('_', ' ')} must be 1 to 200 characters "
                                      "on one line", field=FLAGS[name],
                                      fix=f"give {FLAGS[name]} a value such as the published "
                                          "policy should show it")
        if not _EMAIL.match(self.officer_email):
            raise ValidationError("the officer's email is not an email address",
                                  field="--officer-email", fix="write it like privacy@example.com")
        if not _PHONE.match(self.officer_phone):
            raise ValidationError("the officer's phone is not a phone number",
                                  field="--officer-phone", fix="write it like 02-123-4567")
        _subset(self.jurisdictions, JURISDICTIONS, "--jurisdictions", need_one=True)
        _subset(self.signup, SIGNUP, "--signup", need_one=False)
        if self.marketing and not self.signup:
            raise ValidationError("marketing messages need an address to go to",
                                  field="--marketing",
                                  fix="sign members up by email or phone (--signup email), or "
                                      "drop --marketing")


def _subset(values: tuple[str, ...], allowed: tuple[str, ...], flag: str, *,
            need_one: bool) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown or len(set(values)) != len(values) or (need_one and not values):
        raise ValidationError(f"{', '.join(unknown) or 'the list'} is not a list of "
                              f"{', '.join(allowed)}", field=flag,
                              fix=f"give {flag} {','.join(allowed)} or a part of it, each once"
                              + ("" if need_one else ", or none"))


def _quoted(value: str) -> str:
    # JSON's string syntax is YAML's double-quoted scalar: quotes, backslashes, # and : are safe.
    return json.dumps(value, ensure_ascii=False)


def _schema_reference(out: Path) -> str:
    try:
        return Path(os.path.relpath(FILE_SCHEMA, out.resolve().parent)).as_posix()
    except ValueError:  # another drive: no relative path exists
        return FILE_SCHEMA.as_uri()


def starter_text(a: Answers, *, file_name: str = "policy.yaml", schema: str | None = None,
                 today: dt.date | None = None) -> str:
    """The policy file for ``a`` (checked answers), as text with its comments."""
    a.check()
    today = today or dt.date.today()
    signup = [k for k, s in (("user.contact.email", "email"), ("user.contact.phone_number",
                                                                "phone")) if s in a.signup]
    signup_categories = [*signup, "user.authorization.password"] if signup else []
    account = [*signup_categories, *(["user.social"] if a.sns else []), "user.device.device_id",
               "user.device.ip_address", "user.telemetry", "user.device.cookie"]
    env = jinja2.Environment(loader=jinja2.PackageLoader("yaksok.policy", "templates"),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)  # noqa: S701 - YAML; values pass q()
    return env.get_template("starter.yaml.j2").render(
        a=a, q=_quoted, today=today.isoformat(), file_name=file_name,
        schema=schema or FILE_SCHEMA.as_uri(),
        bases=["consent", "contract", "legal_obligation"] if a.marketing
        else ["contract", "legal_obligation"],
        notice_channels=["website_notice", *(["email"] if "email" in a.signup else []),
                         *(["sms"] if "phone" in a.signup else [])],
        signup_categories=signup_categories,
        account_categories=account,
        contact_categories=signup,
        compliance_categories=["user.device.ip_address", "user.telemetry",
                               *(["user.payment"] if a.payments else [])],
        contact_words={"ko": "이메일" if "email" in a.signup else "문자메시지",
                       "en": "email" if "email" in a.signup else "text message"},
        rights_channels=[*(["account_menu"] if a.signup or a.sns else []), "email", "written"],
        member_scope_purposes=["member_management", *(["change_notices"] if signup else []),
                               *(["contract_performance"] if a.payments else [])],
    )


def write_starter(a: Answers, out: Path, *, force: bool = False,
                  today: dt.date | None = None) -> list[Problem]:
    """Write the starter policy to ``out`` once it passes ``policy check``; returns its
    warnings. ``Conflict`` if ``out`` exists (unless ``force``); ``PolicyError`` if the file
    would not pass (then nothing is written)."""
    out = Path(out)
    if out.exists() and not force:
        raise Conflict(f"{out} exists already", field="--out",
                       fix="choose another --out, or add --force to overwrite it")
    if not out.parent.is_dir():
        raise ValidationError(f"the directory {out.parent} does not exist", field="--out",
                              fix="create it first, or write the file elsewhere")
    text = starter_text(a, file_name=out.name, schema=_schema_reference(out), today=today)
    draft = out.with_name(f".{out.name}.new")
    draft.write_text(text, encoding="utf-8")
    try:
        # Problems name the file the company gets, not the draft.
        problems = [Problem(str(out), p.line, p.column, p.severity, p.message, p.fix)
                    for p in check_file(draft, today)]
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise PolicyError(errors, "the new policy does not pass `yaksok policy check`")
        os.replace(draft, out)
    finally:
        draft.unlink(missing_ok=True)
    return problems
