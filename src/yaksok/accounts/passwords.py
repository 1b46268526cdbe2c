"""Passwords: argon2id one-way hashes (P7.2) and the rules a new password must meet (P12.8).

Parameters: argon2id, m=19456 KiB (19 MiB), t=2, p=1. That is one of the equivalent settings the
OWASP Password Storage Cheat Sheet recommends as its minimum (the other is m=46 MiB, t=1). We
take the lower-memory one because the API verifies passwords inside a request thread pool: a few
concurrent logins should not need hundreds of MiB, and t=2 keeps the cost per guess the same.
Raising the parameters later is safe: ``verify_password`` returns a fresh hash whenever a stored
hash was made with other parameters, and the caller stores it (rehash on login).

Rules (the Korean personal-information safety-measures guidance, KISA's password guide): at
least 8 characters mixing 2 kinds (letters, digits, symbols; upper and lower case both count as
letters), or at least 10 characters of one kind; and never one of the most common passwords.
Error messages name the rule that failed and never contain the password.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from yaksok.accounts.common_passwords import COMMON_PASSWORDS
from yaksok.errors import ValidationError

__all__ = [
    "ARGON2_MEMORY_KIB",
    "ARGON2_TIME_COST",
    "ARGON2_PARALLELISM",
    "MAX_PASSWORD_LENGTH",
    "check_password_rules",
    "hash_password",
    "password_kinds",
    "verify_password",
]

ARGON2_MEMORY_KIB = 19456
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
# An upper bound keeps one request from making the server hash megabytes; 256 is far beyond any
# passphrase a person types.
MAX_PASSWORD_LENGTH = 256

_HASHER = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)

_RULE_HINT = (
    "use at least 8 characters mixing two of letters, digits and symbols, "
    "or at least 10 characters"
)


def hash_password(password: str) -> str:
    """The argon2id PHC string (``$argon2id$v=19$m=19456,t=2,p=1$salt$hash``) of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """Check ``password`` against a stored hash: ``(ok, new_hash_or_None)``.

    ``new_hash`` is set only when the password is right and the stored hash was made with other
    parameters than today's; the caller replaces the stored hash with it. A malformed stored hash
    counts as a mismatch, so a damaged row can never log anyone in.
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        return False, None
    try:
        _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if _HASHER.check_needs_rehash(password_hash):
        return True, _HASHER.hash(password)
    return True, None


def password_kinds(password: str) -> set[str]:
    """Which of ``letters``, ``digits`` and ``symbols`` occur in ``password``."""
    kinds: set[str] = set()
    for ch in password:
        if ch.isalpha():
            kinds.add("letters")  # any script, upper or lower: both count as letters
        elif ch.isdigit():
            kinds.add("digits")
        elif not ch.isspace():
            kinds.add("symbols")
    return kinds


def check_password_rules(password: str, field: str = "password") -> None:
    """Raise ``ValidationError`` naming the broken rule if ``password`` may not be used."""
    if not isinstance(password, str) or not password:
        raise ValidationError("a password is required", field=field, fix=_RULE_HINT)
    length = len(password)
    if length > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            f"the password is longer than {MAX_PASSWORD_LENGTH} characters",
            field=field, fix=f"use at most {MAX_PASSWORD_LENGTH} characters")
    if password != password.strip():
        raise ValidationError(
            "the password starts or ends with a space, which is easy to lose when typing",
            field=field, fix="remove the leading or trailing spaces")
    kinds = password_kinds(password)
    if length < 8:
        raise ValidationError(
            f"the password has {length} characters; the rule is at least 8 characters of two "
            "kinds, or 10 of one kind", field=field, fix=_RULE_HINT)
    if len(kinds) < 2 and length < 10:
        only = next(iter(kinds), "spaces")
        raise ValidationError(
            f"the password has {length} characters of one kind ({only}); the rule is at least "
            "10 characters of one kind, or 8 mixing two kinds (letters, digits, symbols)",
            field=field, fix=_RULE_HINT)
    if password.lower() in COMMON_PASSWORDS:
        raise ValidationError(
            "the password is on the list of the most common passwords, which are guessed first",
            field=field, fix="choose a password that is not a common word or keyboard pattern")
