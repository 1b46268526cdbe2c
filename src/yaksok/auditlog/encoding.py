"""The canonical encoding of an access-log entry: the bytes its leaf hash is computed over.

    entry bytes = UTF-8 of  "1" US seq US at US actor_id US actor_kind US actor_role US source_ip
                            US subject_ref US categories US operation US purpose US outcome
                            US reason US request_id US task US policy_version
    leaf hash   = SHA-256(0x00 || entry bytes)

where US is the ASCII unit separator U+001F, "1" the format version, ``seq`` in decimal, ``at``
the UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fraction digits), ``categories`` the
sorted keys joined by single spaces, and a missing (None) value is the single character U+001E
(record separator), so None and "" differ. No value may hold a control character (U+0000 to
U+001F, U+007F): that is what makes the separators unambiguous, and it also keeps log lines free
of injected line breaks. docs/auditlog.md shows how to recompute it by hand.

Why separators and not length prefixes: the same bytes can then be assembled by the database in
one string per row (``sql_expression``), and ``verify`` hashes a million entries in seconds.
The Python function and the SQL expression are tested against each other on both backends.
"""

from __future__ import annotations

import datetime as dt
import re

from yaksok.auditlog.events import AccessEvent
from yaksok.errors import ValidationError

__all__ = ["VERSION", "FIELDS", "NULL", "SEP", "encode_text", "at_text", "prepare", "Prepared",
           "leaf_input", "LEAF_FORMAT", "sql_expression", "sql_noncanonical", "bad_rows"]

VERSION = "1"
SEP = "\x1f"
NULL = "\x1e"
#: The entry's fields after version, seq and at, in encoding (and column) order.
FIELDS = ("actor_id", "actor_kind", "actor_role", "source_ip", "subject_ref", "categories",
          "operation", "purpose", "outcome", "reason", "request_id", "task", "policy_version")
NULLABLE = frozenset({"actor_role", "source_ip", "subject_ref", "purpose", "reason",
                      "request_id", "task", "policy_version"})
#: Column widths (tables.access_log); longer values are refused before the database sees them.
LIMITS = {"actor_id": 128, "actor_kind": 32, "actor_role": 64, "source_ip": 45,
          "subject_ref": 64, "categories": 4000, "operation": 16, "purpose": 64,
          "outcome": 16, "reason": 2000, "request_id": 128, "task": 64, "policy_version": 64}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In the joined values the separators are expected; any other control character is not.
_FOREIGN = re.compile(r"[\x00-\x1d\x7f]")
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_NULLS = {None: NULL}
_REQUIRED = tuple(name not in NULLABLE for name in FIELDS)
_UTC = dt.UTC

#: (UTF-8 of the encoding after the seq, starting with its separator; the at value for the
#: database; the 13 field values); see ``leaf_input``.
Prepared = tuple[bytes, object, tuple]


def at_text(at: dt.datetime) -> str:
    """The encoding's time: UTC, microseconds, ISO 8601 with a Z."""
    if at.tzinfo is not _UTC:
        at = at.astimezone(_UTC)
    return at.isoformat("T", "microseconds")[:26] + "Z"


def encode_text(seq: int, at_iso: str, values: tuple) -> str:
    """The entry as text (UTF-8 encode it for the leaf); ``values`` in ``FIELDS`` order."""
    return SEP.join((VERSION, str(seq), at_iso, *(NULL if v is None else v for v in values)))


#: What the leaf hash covers, from a Prepared: 0x00 || UTF-8 of ``encode_text``.
LEAF_FORMAT = b"\x00" + VERSION.encode() + b"\x1f%d%s"


def leaf_input(seq: int, prepared: Prepared) -> bytes:
    """The bytes the leaf hash covers: 0x00 || UTF-8 of ``encode_text`` (fast path)."""
    return LEAF_FORMAT % (seq, prepared[0])


def prepare(event: AccessEvent, sqlite: bool) -> Prepared:
    """Check an event's values for the log and convert it once, before a seq is known.

    The hot path of every append (it sets the batched append rate), hence terse: one join and
    a few C-level scans over it; ``_diagnose`` names the bad field only when one is wrong.
    """
    e, N = event, NULL
    cats = _CATEGORY_CACHE.get(e.categories)
    if cats is None:
        cats = _categories(e.categories)
    values = (e.actor_id, e.actor_kind, e.actor_role, e.source_ip, e.subject_ref, cats,
              e.operation, e.purpose, e.outcome, e.reason, e.request_id, e.task,
              e.policy_version)
    try:
        # _NULLS.get(v, v) is NULL for None and v itself otherwise, all in C.
        tail = SEP.join(map(_NULLS.get, values, values))
    except TypeError:
        _diagnose(values)
        raise
    # Counting the separators catches one inside a value. 64 characters is the narrowest limit
    # of a free-form field (source_ip is at most 45 once ipaddress accepted it); a longer value
    # gets the exact per-field check.
    if (_FOREIGN.search(tail) or tail.count(SEP) != 12 or tail.count(N) != values.count(None)
            or not e.actor_id or max(map(len, filter(None, values))) > 64):
        _diagnose(values, strict=False)
    at = e.at if e.at.tzinfo is _UTC else e.at.astimezone(_UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff+00:00": its first 26 characters are exactly what UTCDateTime
    # stores on SQLite, so SQL comparisons keep working; the encoding's form is sliced from it.
    text = at.isoformat(" ", "microseconds")
    try:
        suffix = f"{SEP}{text[:10]}T{text[11:26]}Z{SEP}{tail}".encode()
    except UnicodeEncodeError:
        _diagnose(values)
        raise
    return suffix, (text[:26] if sqlite else at), values


_CATEGORY_CACHE: dict[tuple, str] = {}


def _categories(cats: tuple) -> str:
    """The categories as stored (sorted keys joined by spaces), checked; cached per tuple."""
    for c in cats:
        if not isinstance(c, str) or not _CATEGORY.match(c):
            raise ValidationError(f"category {str(c)[:40]!r} is not a category key",
                                  field="categories", fix="use keys like user.contact.email")
    text = " ".join(cats)
    if len(_CATEGORY_CACHE) < 10_000:  # distinct category sets are few; bound it anyway
        _CATEGORY_CACHE[cats] = text
    return text


def _diagnose(values: tuple, strict: bool = True) -> None:
    """Raise the ValidationError that names the first bad value (the slow path).

    With ``strict=False`` (the fast check was only unsure, e.g. a long but legal value) it
    returns when every value is in fact fine.
    """
    for name, v, required in zip(FIELDS, values, _REQUIRED, strict=True):
        if v is None:
            if required:
                raise ValidationError("a value is required", field=name)
            continue
        if not isinstance(v, str):
            raise ValidationError(f"must be text, not {type(v).__name__}", field=name)
        if len(v) > LIMITS[name] or _CONTROL.search(v):
            raise ValidationError(
                f"at most {LIMITS[name]} characters and no control characters", field=name,
                fix="shorten it and keep it on one line")
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("not valid Unicode text (a lone surrogate)", field=name) from None
        if name == "actor_id" and not v:
            raise ValidationError("the actor id must not be empty", field=name)
    if strict:  # pragma: no cover - every failure of the fast path is named above
        raise ValidationError("the entry cannot be encoded")


def sql_noncanonical(dialect: str) -> tuple[str, str]:
    """Two SQL expressions beside ``sql_expression`` for what the leaf hash cannot see: 1 for a
    second spelling of the stored time (SQLite keeps it as text; PostgreSQL has one form), and
    the number of NULL fields — ``verify`` compares it with the NULL markers in the entry's
    bytes, so a column set to the marker U+001E does not pass for NULL (``bad_rows`` checks the
    rest: any other control character)."""
    nulls = " + ".join(f"({name} IS NULL)" if dialect == "sqlite" else f"({name} IS NULL)::int"
                       for name in FIELDS if name in NULLABLE)
    if dialect != "sqlite":
        return "0", f"({nulls})"
    at_glob = ("'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:"
               "[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]'")
    return (f"CASE WHEN typeof(at) <> 'text' OR at NOT GLOB {at_glob} THEN 1 ELSE 0 END",
            f"({nulls})")


_SEPARATORS = 2 + len(FIELDS)  # after the version, the seq, the time and each field but the last
_FOREIGN_BYTES = re.compile(rb"[\x00-\x1d\x7f]")


def bad_rows(rows: list, text: int, odd_time: int, nulls: int) -> int | None:
    """The index of the first row (of ``verify``'s batch) not stored in canonical form, or None.

    The whole batch is checked at C speed first (one regex over the joined bytes, two counts);
    only a batch that fails is searched row by row."""
    joined = b"".join([r[text] for r in rows])
    if (not _FOREIGN_BYTES.search(joined) and joined.count(b"\x1f") == _SEPARATORS * len(rows)
            and joined.count(b"\x1e") == sum([r[nulls] for r in rows])
            and not any([r[odd_time] for r in rows])):
        return None
    for i, r in enumerate(rows):
        b = bytes(r[text])
        if (r[odd_time] or _FOREIGN_BYTES.search(b) or b.count(b"\x1f") != _SEPARATORS
                or b.count(b"\x1e") != r[nulls]):
            return i
    return None


def sql_expression(dialect: str, as_bytes: bool = False) -> str:
    """SQL that assembles ``encode_text`` from the columns of ``access_log`` in the database.

    ``as_bytes`` gives its UTF-8 bytes instead (what ``verify`` hashes: no decoding in Python).
    """
    if dialect == "sqlite":
        # One format() call instead of thirty || and char() operations: reading a million
        # entries this way takes a third of the time. UTCDateTime keeps SQLite times as
        # 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC); the separators are literal characters.
        args = ", ".join(f"coalesce({name}, '{NULL}')" if name in NULLABLE else name
                         for name in FIELDS)
        expr = (f"format('{VERSION}{SEP}%s{SEP}%sZ" + f"{SEP}%s" * len(FIELDS)
                + f"', seq, replace(at, ' ', 'T'), {args})")
        return f"CAST({expr} AS BLOB)" if as_bytes else expr
    # PostgreSQL: || and to_char; format() would clash with psycopg's %s placeholders.
    sep, null = "chr(31)", "chr(30)"
    at = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    parts = ["'1'", "seq::text", at] + [
        f"coalesce({name}, {null})" if name in NULLABLE else name for name in FIELDS]
    expr = f" || {sep} || ".join(parts)
    return f"convert_to({expr}, 'UTF8')" if as_bytes else expr
