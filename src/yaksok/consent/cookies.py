"""Cookie consent (policy section 5, P5.1-P5.5) with Global Privacy Control.

The categories are the policy's ``cookies``: a ``not_needed`` category (strictly necessary
cookies) is always on and cannot be refused; an ``opt_in`` category is off until the user turns
it on. A browser is known only by a random *device id* that the banner creates and keeps in a
first-party cookie (``yaksok_device``); it is not a fingerprint, and nothing here stores an IP
address or a user agent. When the request carries a member's session, the choice is also linked
to the member.

The choices are an append-only history (``cookie_choices``): every decision is a new row, the
latest row of a device is its choice, and the older rows stay as the record of what was chosen
when, under which policy version and in which banner language.

Global Privacy Control (w3c/gpc): a request carries the signal when one of its ``Sec-GPC``
header fields is exactly ``"1"`` (``gpc_signal``), or the page sees
``navigator.globalPrivacyControl === true``. How yaksok treats it:

- no choice recorded yet: every category except the strictly necessary one is off by default
  and the banner says the signal was honoured;
- the user then turns a category on in that banner: the explicit choice is recorded (with
  ``gpc=True``) and honoured. GPC is a general preference; a specific choice the user makes on
  this site, after being told the signal was honoured, is the more specific instruction;
- a choice recorded *without* the signal, when the signal arrives later: the signal wins (every
  optional category is off again) and the banner asks once more, so an old "accept all" never
  overrides a newer GPC preference (``effective_choice``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import queue
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa

from yaksok.errors import StorageError, ValidationError
from yaksok.store.tables import cookie_choices, utcnow

if TYPE_CHECKING:
    from yaksok.policy.model import Cookie, Policy
    from yaksok.services import Services

__all__ = [
    "DEVICE_COOKIE",
    "DEVICE_ID_RE",
    "LANGUAGES",
    "ChoiceWriter",
    "CookieChoice",
    "EffectiveChoice",
    "GPC_SUPPORTED_SINCE",
    "banner_config",
    "current_choice",
    "defaults",
    "effective_choice",
    "gpc_signal",
    "gpc_support",
    "history",
    "prepare_choice",
    "record_choice",
]

#: The first-party, strictly necessary cookie in which the banner keeps the device id.
DEVICE_COOKIE = "yaksok_device"
#: What a device id looks like: the banner makes 32 hex digits; 16-64 URL-safe characters pass.
DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
LANGUAGES = ("ko", "en")

#: The day this version of yaksok started to honour GPC: the earliest ``lastUpdate`` it states.
GPC_SUPPORTED_SINCE = dt.date(2026, 11, 29)

_DEVICE_FIX = "use the random id the banner creates (16-64 characters of A-Z, a-z, 0-9, _ and -)"


@dataclass(frozen=True)
class CookieChoice:
    """One recorded decision of one device."""

    device_id: str
    choices: dict[str, bool]
    gpc: bool
    policy_version: str
    banner_language: str
    at: dt.datetime
    member_id: str | None = None

    def allows(self, category: str) -> bool:
        return bool(self.choices.get(category, False))


@dataclass(frozen=True)
class EffectiveChoice:
    """What applies to a device right now, and whether the banner must ask (``decided``)."""

    choices: dict[str, bool]
    #: ``True`` when a recorded choice applies as it is; ``False``: show the banner.
    decided: bool
    #: ``none`` (nothing recorded), ``recorded``, ``gpc`` (a choice made without GPC, overridden
    #: by the signal now present) or ``policy_changed`` (the policy has a category the recorded
    #: choice never answered: it is off until the user decides).
    reason: Literal["none", "recorded", "gpc", "policy_changed"]
    recorded: CookieChoice | None


# -- GPC -----------------------------------------------------------------------------------------


def gpc_signal(header_values: Iterable[str] | str | None) -> bool:
    """Whether ``Sec-GPC`` field values carry the signal: exactly ``"1"``, any of several.

    A field value that is not exactly ``"1"`` (``"1 "`` as received, ``"true"``, ``"1, 1"``) is
    ignored as if the header were absent, as the GPC specification requires of servers.
    """
    if header_values is None:
        return False
    if isinstance(header_values, str):
        header_values = (header_values,)
    return any(value == "1" for value in header_values)


def gpc_support(effective_date: dt.date) -> dict:
    """The ``/.well-known/gpc.json`` document for the policy version in force.

    ``lastUpdate`` is when the statement of support was made: the effective date of the policy
    version in force (a new version restates how the signal is treated), but never before
    ``GPC_SUPPORTED_SINCE``, since no earlier version was served by a yaksok that honoured GPC.
    """
    return {"gpc": True, "lastUpdate": max(effective_date, GPC_SUPPORTED_SINCE).isoformat()}


# -- categories ----------------------------------------------------------------------------------


def _categories(policy: Policy) -> list[Cookie]:
    return list(policy.cookies)


def defaults(policy: Policy, gpc: bool) -> dict[str, bool]:
    """The choices that apply before the user decides.

    Strictly necessary (``not_needed``) categories are on; every ``opt_in`` category is off,
    with or without GPC. With GPC every category except the strictly necessary one is off, which
    the opt-in defaults already give: the signal changes what the banner says, and it overrides
    a choice recorded before the signal was sent (``effective_choice``).
    """
    # The policy model knows only ``not_needed`` and ``opt_in``, so both cases give the same
    # map; were an on-by-default kind ever added, it would be on only ``if not gpc``.
    return {c.key: c.consent == "not_needed" for c in _categories(policy)}


def _validate(policy: Policy, choices: Mapping) -> dict[str, bool]:
    cats = {c.key: c for c in _categories(policy)}
    if not cats:
        raise ValidationError("the policy declares no cookie categories", field="choices",
                              fix="add a `cookies:` section to the policy and publish it")
    if not isinstance(choices, Mapping):
        raise ValidationError("choices must be an object of category keys to true/false",
                              field="choices", fix=f"send e.g. {json.dumps(defaults(policy, False))}")
    known = ", ".join(cats)
    unknown = sorted(str(k) for k in choices if k not in cats)
    if unknown:
        # Echo what was sent only as far as it can be a category key: a short name, a few.
        shown = [repr(k) if len(k) <= 40 else repr(k[:40]) + "…" for k in unknown[:5]]
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ValidationError(
            f"unknown cookie categor{'y' if len(unknown) == 1 else 'ies'} "
            f"{', '.join(shown)}{more}; the policy knows: {known}",
            field="choices", fix=f"use only these category keys: {known}")
    out: dict[str, bool] = {}
    for key, cookie in cats.items():
        value = choices.get(key)
        if value is not None and not isinstance(value, bool):
            raise ValidationError(f"the choice for {key!r} must be true or false",
                                  field=f"choices.{key}", fix="send a JSON boolean")
        if cookie.consent == "not_needed":
            if value is False:
                raise ValidationError(
                    f"{cookie.label.en.lower()} ({key!r}) need no consent and cannot be turned "
                    "off: the service cannot work without them, and they are never used for "
                    "marketing",
                    field=f"choices.{key}", fix=f"send `{key}: true` or leave it out")
            out[key] = True
        else:
            # An opt-in category the request does not mention is refused, never assumed.
            out[key] = value is True
    return out


# -- recording and reading -----------------------------------------------------------------------


def _check_device(device_id: str) -> str:
    if not isinstance(device_id, str) or not DEVICE_ID_RE.match(device_id):
        raise ValidationError("the device id is not valid", field="device_id", fix=_DEVICE_FIX)
    return device_id


def prepare_choice(yk: Services, device_id: str, choices: Mapping[str, bool], *, gpc: bool,
                   member_id: str | None = None, lang: str,
                   now: dt.datetime | None = None) -> CookieChoice:
    """Validate and normalise a decision without storing it (``record_choice`` stores it)."""
    _check_device(device_id)
    if lang not in LANGUAGES:
        raise ValidationError(f"the banner language must be one of {', '.join(LANGUAGES)}",
                              field="lang", fix="send `ko` or `en`")
    if member_id is not None and (not isinstance(member_id, str) or not 0 < len(member_id) <= 32):
        raise ValidationError("the member id is not valid", field="member_id")
    published = yk.published
    return CookieChoice(device_id=device_id, choices=_validate(published.policy, choices),
                        gpc=bool(gpc), policy_version=published.version, banner_language=lang,
                        at=now or utcnow(), member_id=member_id)


_COLUMNS = ("device_id", "member_id", "choices", "gpc", "policy_version", "banner_language", "at")


def _values(choice: CookieChoice) -> tuple:
    return (choice.device_id, choice.member_id,
            json.dumps(choice.choices, sort_keys=True, separators=(",", ":")),
            choice.gpc, choice.policy_version, choice.banner_language, choice.at)


_INSERT_SQL = ("INSERT INTO cookie_choices (device_id, member_id, choices, gpc, policy_version, "
               "banner_language, at) VALUES (?, ?, ?, ?, ?, ?, ?)")
_inserts: dict[tuple[str, str], tuple[str, tuple]] = {}


def _insert_for(dialect: sa.Dialect) -> tuple[str, tuple]:
    """The INSERT in the driver's own parameter style, and each column's bind processor."""
    key = (dialect.name, dialect.paramstyle)
    found = _inserts.get(key)
    if found is None:
        sql = _INSERT_SQL if dialect.paramstyle == "qmark" else _INSERT_SQL.replace("?", "%s")
        # SQLAlchemy's own conversions of these types on this backend (UTCDateTime included).
        procs = tuple(cookie_choices.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                      for name in _COLUMNS)
        found = _inserts[key] = (sql, procs)
    return found


def _params(procs: tuple, choice: CookieChoice) -> tuple:
    return tuple(v if p is None else p(v) for p, v in zip(procs, _values(choice), strict=True))


def _insert(conn: sa.Connection, choices: list[CookieChoice]) -> None:
    # A driver-level executemany through SQLAlchemy's connection (its transaction and error
    # wrapping), with SQLAlchemy's type conversions applied: measured at about half the cost of
    # the Core ``insert()`` per call, which the REST benchmark feels (docs/performance.md).
    sql, procs = _insert_for(conn.dialect)
    conn.exec_driver_sql(sql, [_params(procs, c) for c in choices])


def record_choice(yk: Services, device_id: str, choices: Mapping[str, bool], *, gpc: bool,
                  member_id: str | None = None, lang: str,
                  now: dt.datetime | None = None) -> CookieChoice:
    """Record a device's decision (a new history row) and return it, normalised.

    ``choices`` maps category keys to booleans. Keys the policy does not know are refused
    (``ValidationError`` listing the known ones); an opt-in category left out is recorded as
    refused; a strictly necessary category is always recorded as on, and ``false`` for it is
    refused. ``gpc`` says whether a GPC signal was present when the user chose.
    """
    choice = prepare_choice(yk, device_id, choices, gpc=gpc, member_id=member_id, lang=lang,
                            now=now)
    with yk.engine.begin() as conn:
        _insert(conn, [choice])
    return choice


class ChoiceWriter:
    """How the API stores choices without making its event loop wait on the database.

    ``await writer.write(choice)`` returns once the choice is committed (or raises the error of
    its transaction), so the caller still answers only after its row is stored. Two paths:

    - SQLite, write lock free: the row is committed at once on the caller's thread, on a
      connection of its own whose ``busy_timeout`` is 0, so it never *waits* for the lock: a
      local append to the WAL costs less than handing the row to another thread (measured,
      docs/performance.md). The one pause it can cause is an automatic WAL checkpoint, every
      ~1000 pages written.
    - otherwise (PostgreSQL, whose round trip must not block a loop, or SQLite's lock held by
      another writer): one writer thread takes everything queued at that moment (up to
      ``max_batch``) into one INSERT and one commit on a connection it keeps, and wakes each
      event loop once per batch. It stops after ``idle_seconds`` without work (returning its
      connection) and starts again when needed.
    """

    def __init__(self, engine: sa.Engine, *, max_batch: int = 500, idle_seconds: float = 2.0):
        self.engine = engine
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self._queue: queue.SimpleQueue[tuple[CookieChoice, asyncio.Future]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._here = engine.dialect.name == "sqlite"
        self._local = threading.local()  # the no-wait SQLite connection of each loop thread

    async def write(self, choice: CookieChoice) -> CookieChoice:
        if self._here and self._write_here(choice):
            return choice
        done = asyncio.get_running_loop().create_future()
        self._queue.put((choice, done))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="yaksok-cookie-writer",
                                                daemon=True)
                self._thread.start()
        return await done

    def _write_here(self, choice: CookieChoice) -> bool:
        """Commit on this thread if SQLite's write lock is free now; False if it is not.

        Straight on the sqlite3 connection (SQLAlchemy's conversions still applied): this path
        is SQLite only, and each SQLAlchemy ``execute`` around BEGIN, INSERT and COMMIT cost
        more than the database work itself (docs/performance.md).
        """
        db = getattr(self._local, "db", None)
        dbapi = self.engine.dialect.dbapi
        try:
            if db is None:
                fairy = self.engine.raw_connection()  # the engine's pragmas are set on connect
                fairy.detach()  # never handed back to the pool with the setting below
                db = fairy.dbapi_connection
                db.execute("PRAGMA busy_timeout = 0")
                self._local.db = db
            sql, procs = _insert_for(self.engine.dialect)
            db.execute("BEGIN")
            try:
                db.execute(sql, _params(procs, choice))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except dbapi.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF in (5, 6):  # SQLITE_BUSY, _LOCKED
                return False  # another writer holds the lock: queue it for the thread
            raise _storage_error() from None
        except dbapi.Error:
            raise _storage_error() from None
        return True

    def _next_batch(self) -> list[tuple[CookieChoice, asyncio.Future]] | None:
        """What is queued now (waiting for the first item), or None to stop when idle."""
        try:
            batch = [self._queue.get(timeout=self.idle_seconds)]
        except queue.Empty:
            with self._lock:
                if self._queue.empty():  # nothing slipped in after the timeout
                    self._thread = None
                    return None
            return []
        while len(batch) < self.max_batch:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        conn: sa.Connection | None = None
        try:
            while (batch := self._next_batch()) is not None:
                if not batch:
                    continue
                error: BaseException | None = None
                try:
                    if conn is None or conn.closed or conn.invalidated:
                        conn = self.engine.connect()
                    with conn.begin():
                        _insert(conn, [choice for choice, _ in batch])
                except sa.exc.SQLAlchemyError:
                    error = _storage_error()
                    if conn is not None:
                        conn.close()
                        conn = None
                except Exception as exc:  # pragma: no cover - a bug; the callers must not hang
                    error = exc
                _settle(batch, error)
        finally:
            if conn is not None:
                conn.close()


def _storage_error() -> StorageError:
    # The driver's text can carry the URL; every caller gets this instead.
    return StorageError("the database did not store the cookie choice",
                        fix="check the database server and YAKSOK_DATABASE_URL")


def _settle(batch: list[tuple[CookieChoice, asyncio.Future]], error: BaseException | None) -> None:
    """Complete the batch's futures, with one wake-up per event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list] = {}
    for choice, done in batch:
        by_loop.setdefault(done.get_loop(), []).append((choice, done))

    def complete(items: list) -> None:
        for choice, done in items:
            if done.done():  # the caller went away (a cancelled request)
                continue
            if error is None:
                done.set_result(choice)
            else:
                done.set_exception(error)

    for loop, items in by_loop.items():
        try:
            loop.call_soon_threadsafe(complete, items)
        except RuntimeError:  # pragma: no cover - that loop is closed: nobody is waiting
            pass


def _row(row) -> CookieChoice:
    return CookieChoice(device_id=row.device_id, choices=json.loads(row.choices),
                        gpc=bool(row.gpc), policy_version=row.policy_version,
                        banner_language=row.banner_language, at=row.at, member_id=row.member_id)


_NEWEST = (cookie_choices.c.at.desc(), cookie_choices.c.id.desc())


def current_choice(yk: Services, device_id: str) -> CookieChoice | None:
    """The latest choice recorded for ``device_id``, or None if it never chose."""
    _check_device(device_id)
    with yk.engine.connect() as conn:
        row = conn.execute(sa.select(cookie_choices)
                           .where(cookie_choices.c.device_id == device_id)
                           .order_by(*_NEWEST).limit(1)).first()
    return None if row is None else _row(row)


def history(yk: Services, *, device_id: str | None = None,
            member_id: str | None = None) -> list[CookieChoice]:
    """Every choice of a device or of a member, oldest first (the proof of what was chosen)."""
    if (device_id is None) == (member_id is None):
        raise ValueError("give exactly one of device_id and member_id")
    where = (cookie_choices.c.device_id == _check_device(device_id) if device_id is not None
             else cookie_choices.c.member_id == member_id)
    with yk.engine.connect() as conn:
        rows = conn.execute(sa.select(cookie_choices).where(where)
                            .order_by(cookie_choices.c.at, cookie_choices.c.id)).all()
    return [_row(r) for r in rows]


def effective_choice(policy: Policy, recorded: CookieChoice | None, gpc: bool) -> EffectiveChoice:
    """What applies now to a device whose latest record is ``recorded``, given the GPC signal."""
    if recorded is None:
        return EffectiveChoice(defaults(policy, gpc), False, "none", None)
    if gpc and not recorded.gpc:
        # The signal arrived after the choice: it wins until the user confirms a choice while
        # the banner shows that the signal is honoured.
        return EffectiveChoice(defaults(policy, True), False, "gpc", recorded)
    choices = {c.key: (c.consent == "not_needed" or recorded.allows(c.key))
               for c in _categories(policy)}
    if any(c.key not in recorded.choices for c in _categories(policy)):
        return EffectiveChoice(choices, False, "policy_changed", recorded)
    return EffectiveChoice(choices, True, "recorded", recorded)


# -- what the banner needs -----------------------------------------------------------------------


def banner_config(policy: Policy, *, version: str, gpc: bool) -> dict:
    """The categories and defaults for the banner (both languages; the banner picks one)."""
    return {
        "policy_version": version,
        "gpc": gpc,
        "service": policy.controller.service.model_dump(),
        "categories": [
            {"key": c.key, "label": c.label.model_dump(), "description": c.description.model_dump(),
             "uses": [u.model_dump() for u in c.uses], "consent": c.consent,
             "needs_consent": c.consent != "not_needed"}
            for c in _categories(policy)
        ],
        "choices": list(policy.cookie_choices),
        "defaults": defaults(policy, gpc),
    }
