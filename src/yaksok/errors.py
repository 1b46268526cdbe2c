"""The domain errors of yaksok, in one tree.

Every error a user or a caller can cause is one of these; the REST API and the CLI map them to a
status code and an exit code in one place each (``yaksok.api.problems`` and ``yaksok.cli``), so
no user mistake ever surfaces as a stack trace. Messages name the field, the rule and the fix,
and never carry a member's personal value.

    YaksokError
    ├── ConfigError                  settings, data directory, keyring file unusable
    ├── PolicyError                  the policy file is invalid (carries every Problem found)
    ├── NotInitialised               ``yaksok init`` has not run on this data directory
    ├── ValidationError              a request's input breaks a rule (field, rule, fix)
    ├── NotFound                     the thing named does not exist
    ├── Conflict                     it exists already, or the state forbids the change
    ├── AuthError
    │   ├── AuthenticationFailed     who you are could not be established
    │   └── PermissionDenied         you are known, but may not do this
    ├── RateLimited                  too many tries from this address or for this account (429)
    ├── Refused                      the policy forbids it (403); the rule is named
    │   ├── CollectionRefused        collect() may not store this value
    │   │   ├── UndeclaredCategory       the policy declares no such category
    │   │   ├── ConsentRequired          an optional item without the consent that covers it
    │   │   ├── OutsideFlow              a conditional item outside the flow that requires it
    │   │   ├── UnderMinimumAge          below the jurisdiction's minimum age (nothing stored)
    │   │   └── UndeclaredChannel        a collection channel the policy does not declare
    │   └── ProcessingRefused        read()/use for a purpose is not allowed
    │       ├── UnknownPurpose           a purpose not in the policy (P3.2)
    │       ├── CategoryNotForPurpose    the purpose does not list this category
    │       ├── NoLawfulBasis            none of the purpose's lawful bases holds for the member
    │       ├── ProcessingRestricted     the member restricted processing (P6.4)
    │       ├── ObjectedTo               the member objected to this purpose or decision (P6.6-7)
    │       └── ActorNotAllowed          the actor's role, scope or task does not cover it (P7.5)
    ├── StorageError                 the database, or a store or witness it relies on, refused or is unreachable
    └── IntegrityError               stored records fail verification (the access log)

A ``Refused`` carries ``rule``: a short stable slug of the rule (e.g. ``consent-required``) that
the access log records as the denial's reason.
"""

from __future__ import annotations


class YaksokError(Exception):
    """The root of every error yaksok raises on purpose."""

    #: A short machine-readable slug, used as the last part of the problem ``type`` URI.
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.fix = fix

    def __str__(self) -> str:
        parts = [f"{self.field}: {self.message}" if self.field else self.message]
        if self.fix:
            parts.append(f"({self.fix})")
        return " ".join(parts)


class ConfigError(YaksokError):
    code = "config"


class PolicyError(YaksokError):
    code = "policy-invalid"

    def __init__(self, problems: list, message: str | None = None):
        self.problems = list(problems)
        first = self.problems[0].format() if self.problems else "policy is invalid"
        super().__init__(message or f"{len(self.problems)} problem(s) in the policy; first: {first}")


class NotInitialised(YaksokError):
    code = "not-initialised"


class ValidationError(YaksokError):
    code = "validation"


class NotFound(YaksokError):
    code = "not-found"


class Conflict(YaksokError):
    code = "conflict"


class AuthError(YaksokError):
    code = "auth"


class AuthenticationFailed(AuthError):
    code = "authentication-failed"


class PermissionDenied(AuthError):
    code = "permission-denied"


class RateLimited(YaksokError):
    """Too many tries: ``retry_after`` says in how many seconds the next one is counted."""

    code = "rate-limited"

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))


class StorageError(YaksokError):
    code = "storage"


class IntegrityError(YaksokError):
    """Stored records do not verify: altered, missing, or inconsistent with what was signed."""

    code = "integrity"

    def __init__(self, message: str, *, first_bad_seq: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        #: The first access-log entry that differs, when one can be named.
        self.first_bad_seq = first_bad_seq


class Refused(YaksokError):
    """The policy forbids this; ``rule`` names which rule, for the access log and the caller."""

    code = "refused"
    rule = "refused"

    def __init__(self, message: str, *, rule: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        if rule:
            self.rule = rule


class CollectionRefused(Refused):
    code = "collection-refused"
    rule = "collection-refused"


class UndeclaredCategory(CollectionRefused):
    rule = "undeclared-category"


class ConsentRequired(CollectionRefused):
    rule = "consent-required"


class OutsideFlow(CollectionRefused):
    rule = "outside-flow"


class UnderMinimumAge(CollectionRefused):
    rule = "under-minimum-age"


class UndeclaredChannel(CollectionRefused):
    rule = "undeclared-channel"


class ProcessingRefused(Refused):
    code = "processing-refused"
    rule = "processing-refused"


class UnknownPurpose(ProcessingRefused):
    rule = "unknown-purpose"


class CategoryNotForPurpose(ProcessingRefused):
    rule = "category-not-for-purpose"


class NoLawfulBasis(ProcessingRefused):
    rule = "no-lawful-basis"


class ProcessingRestricted(ProcessingRefused):
    rule = "processing-restricted"


class ObjectedTo(ProcessingRefused):
    rule = "objected-to"


class ActorNotAllowed(ProcessingRefused):
    rule = "actor-not-allowed"
