"""One spelling per identifier: emails, mobile phone numbers and SNS accounts, normalised.

Exact lookups (login by email, "is this phone number taken?") go through blind indexes, which
match byte for byte; so every way a person may type the same identifier has to become the same
string before it is indexed or stored. The rules:

- **email**: surrounding spaces removed; exactly one ``@``; the local part lower-cased (SOMESING
  treats ``Kim@x`` and ``kim@x`` as one login ID, as every large mail provider does); the domain
  lower-cased and IDNA-encoded (``예시.한국`` becomes ``xn--vv4b11d.xn--3e0b707e``, Python's
  ``idna`` codec), so a domain typed in Hangul and its punycode are one address.
- **phone**: parsed with ``phonenumbers`` in the member's country (Korea unless told otherwise),
  required to be a valid mobile number, written as E.164 (``010-1234-5678`` → ``+821012345678``).
- **SNS account**: ``provider`` is one of ``SNS_PROVIDERS`` (lower-cased); the provider's user id
  is kept as given (providers' ids are case-sensitive) minus surrounding spaces; the nickname is
  NFC-normalised. Its lookup value is ``provider:uid``.

Every failure is a ``ValidationError`` naming the field, the rule and the fix. The value itself
is never echoed: it is personal data, and error messages end up in logs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from yaksok.errors import ValidationError

__all__ = [
    "DEFAULT_PHONE_REGION",
    "SNS_PROVIDERS",
    "SnsAccount",
    "normalise_email",
    "normalise_phone",
    "normalise_sns",
    "normalise_sns_id",
    "phone_region",
]

#: The providers SOMESING offers sign-in with. A fixed set, not any slug: a typo such as
#: ``kakoa`` would otherwise make a second, unconnected account that uniqueness cannot catch.
SNS_PROVIDERS: tuple[str, ...] = ("apple", "facebook", "google", "kakao", "line", "naver", "x")
DEFAULT_PHONE_REGION = "KR"

_EMAIL_MAX, _LOCAL_MAX, _DOMAIN_MAX = 254, 64, 253  # RFC 5321 4.5.3.1
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Characters that need quoting in a local part (RFC 5322 "specials"); quoted local parts are
# legal but no one signs up with one, and they would make two spellings of one address.
_LOCAL_FORBIDDEN = set('()<>[]:;,\\"')
_UID_MAX, _NICK_MAX = 128, 64
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE,
                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _email_error(rule: str) -> ValidationError:
    return ValidationError(f"the email address {rule}", field="email",
                           fix="write it like name@example.com")


def normalise_email(raw: str) -> str:
    """The one spelling of an email address (see the module docstring), or ``ValidationError``."""
    if not isinstance(raw, str):
        raise _email_error("is missing")
    value = raw.strip()
    if not value:
        raise _email_error("is missing")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise _email_error("contains a space or an invisible character")
    if value.count("@") != 1:
        raise _email_error("must contain exactly one @")
    local, domain = value.split("@")
    if not local or not domain:
        raise _email_error("needs a name before the @ and a domain after it")
    if len(local) > _LOCAL_MAX:
        raise _email_error(f"has more than {_LOCAL_MAX} characters before the @")
    if _LOCAL_FORBIDDEN & set(local) or local.startswith(".") or local.endswith(".") \
            or ".." in local:
        raise _email_error("has characters before the @ that an address cannot hold unquoted")
    domain = domain.lower()
    if domain.endswith("."):  # the root's dot of a fully qualified name: same domain
        domain = domain[:-1]
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise _email_error("has a domain that is not a valid (internationalised) domain name") \
            from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        raise _email_error("has a domain that is not a valid domain name with a dot")
    if len(ascii_domain) > _DOMAIN_MAX:
        raise _email_error(f"has a domain longer than {_DOMAIN_MAX} characters")
    address = f"{local.lower()}@{ascii_domain}"
    if len(address) > _EMAIL_MAX:
        raise _email_error(f"is longer than {_EMAIL_MAX} characters")
    return address


def phone_region(country: str | None) -> str:
    """The ``phonenumbers`` region for a sign-up country (``US-CA`` → ``US``; none → ``KR``)."""
    code = (country or "").strip().upper()[:2]
    if len(code) == 2 and code in phonenumbers.SUPPORTED_REGIONS:
        return code
    return DEFAULT_PHONE_REGION


def normalise_phone(raw: str, country: str | None = DEFAULT_PHONE_REGION) -> str:
    """A mobile number in E.164 (``+821012345678``); national numbers read in ``country``."""
    fix = "give a mobile number such as 010-1234-5678, or +82 10 1234 5678 from abroad"
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("the mobile phone number is missing", field="phone", fix=fix)
    if len(raw) > 64:
        raise ValidationError("the mobile phone number is too long", field="phone", fix=fix)
    try:
        number = phonenumbers.parse(raw.strip(), phone_region(country))
    except phonenumbers.NumberParseException:
        raise ValidationError("the mobile phone number cannot be read as a phone number",
                              field="phone", fix=fix) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("the mobile phone number is not a valid number", field="phone",
                              fix=fix)
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationError("the phone number is not a mobile number", field="phone", fix=fix)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class SnsAccount:
    """An SNS account a member signs in with (P1.2): provider, the provider's user id, nickname."""

    provider: str
    uid: str
    nickname: str

    @property
    def lookup_value(self) -> str:
        """The value stored and blind-indexed as ``user.social.account_id``: ``provider:uid``."""
        return f"{self.provider}:{self.uid}"

    def __repr__(self) -> str:  # the uid and nickname are personal data: keep them out of logs
        return f"SnsAccount(provider={self.provider!r}, uid=<hidden>, nickname=<hidden>)"


def normalise_sns(provider: str, uid: str, nickname: str, *,
                  field: str = "sns_accounts") -> SnsAccount:
    """A checked ``SnsAccount``; ``field`` names the input in errors (``sns_accounts[1]``)."""
    name = (provider or "").strip().lower() if isinstance(provider, str) else ""
    if name not in SNS_PROVIDERS:
        # The provider is not personal data; naming the allowed set is the fix.
        raise ValidationError("the SNS provider is not one SOMESING offers",
                              field=f"{field}.provider", fix="use one of " + ", ".join(SNS_PROVIDERS))
    user_id = uid.strip() if isinstance(uid, str) else ""
    if not user_id or len(user_id) > _UID_MAX or any(
            ch.isspace() or not ch.isprintable() for ch in user_id):
        raise ValidationError(
            f"the SNS user id must be 1 to {_UID_MAX} visible characters without spaces",
            field=f"{field}.uid", fix="give the id the provider returned at sign-in, unchanged")
    nick = unicodedata.normalize("NFC", nickname.strip()) if isinstance(nickname, str) else ""
    if not nick or len(nick) > _NICK_MAX or not nick.isprintable():
        raise ValidationError(
            f"the SNS nickname must be 1 to {_NICK_MAX} printable characters",
            field=f"{field}.nickname", fix="give the nickname the provider returned")
    return SnsAccount(name, user_id, nick)


def normalise_sns_id(value: str, *, field: str = "value") -> str:
    """An SNS id's lookup value ``provider:uid`` with the provider checked and lower-cased."""
    provider, sep, uid = value.partition(":") if isinstance(value, str) else ("", "", "")
    if not sep:
        raise ValidationError("an SNS id is written provider:uid", field=field,
                              fix="e.g. kakao:1234567890")
    return normalise_sns(provider, uid, "-", field=field).lookup_value
