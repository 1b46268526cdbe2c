"""Idempotency keys: a retried write answers as the first one did and writes nothing twice.

A client that lost an answer (a timeout, a dropped connection, a server killed after its commit)
sends the same request again with the same ``Idempotency-Key`` header. ``begin`` looks the key up
for that caller and operation:

- unknown: a ``Claim``; the write records it *in its own transaction* (``Claim.record``), so
  the write and the memory of it commit together or not at all;
- known with the same body: a ``Replay`` of the first answer (its status and result);
- known with another body: ``ValidationError`` (422) — a key names one request, not a slot.

Only what the first write answered is kept: ids and codes, never a personal value (the result
is written by the core, not copied from a response). The key is kept as an HMAC of the caller,
the operation and the key, under a key derived from the keyring's never-rotated ``edge`` key
(HKDF, info ``yaksok-idempotency|1``). The body holds personal values (a phone number is a
guess among 10^8), so its HMAC is made under a key derived from the active *index* key (info
``yaksok-idempotency-body|1``) and the row keeps that version: the documented erasure procedure
(``keys rotate --retire``) destroys it, and a backup's body MACs then match no candidate anyone
can hash. A row whose version is gone replays its answer without the body check. Rows live
``KEEP_HOURS`` (24) — as long as a client sensibly retries — and then expire
(``yaksok.retention``).

Two twins racing: both find nothing and both write; the second one's ``record`` collides on the
primary key, so its whole transaction — the write included — rolls back, and ``settled`` then
finds the first one's answer to replay.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.errors import ValidationError
from yaksok.store.sql import sql, to_db
from yaksok.store.tables import idempotency_keys, utcnow

__all__ = ["HEADER", "KEEP_HOURS", "Claim", "IdempotencyKeys", "Replay"]

HEADER = "Idempotency-Key"
KEEP_HOURS = 24
# Printable ASCII without spaces, as the IETF draft's examples and every client library send.
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True, slots=True)
class Replay:
    """The first answer to a key: the HTTP status and the result the write recorded."""

    status: int
    result: dict


@dataclass(frozen=True, slots=True)
class Claim:
    """A key seen for the first time; the write records its answer with ``record``."""

    key_hash: str
    body_mac: str
    operation: str
    expires_at: dt.datetime
    #: The index-key version the body MAC was made under.
    mac_version: int | None = None

    def record(self, conn, result: dict, *, member_id: str | None, status: int = 201) -> None:
        """Keep ``result`` (ids only) as the answer to this key, in the caller's transaction
        (``conn``: a SQLAlchemy connection or the vault's raw one; both speak driver SQL)."""
        sqlite = conn.dialect.name == "sqlite"
        conn.exec_driver_sql(sql(conn, _INSERT), (
            self.key_hash, member_id, self.operation, self.body_mac, self.mac_version, status,
            json.dumps(result, sort_keys=True, separators=(",", ":")),
            to_db(sqlite, utcnow()), to_db(sqlite, self.expires_at)))


_INSERT = ("INSERT INTO idempotency_keys (key_hash, member_id, operation, body_mac, mac_version, "
           "status, result, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_BODY_INFO = b"yaksok-idempotency-body|1"


def _derive(secret: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def _canonical(body) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8", "surrogatepass")


class IdempotencyKeys:
    """The idempotency keys of one database."""

    def __init__(self, engine: sa.Engine, key: bytes, keyring):
        self.engine = engine
        self._key = key
        self._keyring = keyring
        self._body_keys: dict[int, bytes] = {}

    @classmethod
    def configured(cls, engine: sa.Engine, secret: bytes, keyring) -> IdempotencyKeys:
        """Over ``engine``: keys looked up under a key derived from ``secret`` (the wiring hands
        it the keyring's never-rotated ``edge`` key, so every process derives the same); bodies
        under the ``keyring``'s index keys."""
        return cls(engine, _derive(secret, b"yaksok-idempotency|1"), keyring)

    def _mac(self, *parts: bytes, key: bytes | None = None) -> str:
        return hmac.new(key or self._key, b"\x1f".join(parts), hashlib.sha256).hexdigest()

    def _body_key(self, version: int) -> bytes | None:
        """The body-MAC key of index version ``version``; None once that version is destroyed."""
        key = self._body_keys.get(version)
        if key is None:
            from yaksok.errors import ConfigError

            try:
                key = _derive(self._keyring.get("index", version), _BODY_INFO)
            except ConfigError:
                return None
            self._body_keys[version] = key
        return key

    def _body_mac(self, version: int | None, operation: str, body) -> str | None:
        key = self._body_key(version) if version is not None else None
        return None if key is None else self._mac(b"body", operation.encode(), _canonical(body),
                                                   key=key)

    def begin(self, caller: str, operation: str, key: str | None, body,
              *, now: dt.datetime | None = None) -> Claim | Replay | None:
        """Look ``key`` up (None: the client sent none, so nothing is kept)."""
        if key is None:
            return None
        if not _KEY_RE.match(key):
            raise ValidationError("an idempotency key is 1 to 255 printable ASCII characters "
                                  "without spaces", field=HEADER,
                                  fix="send a fresh UUID for each new request, and the same one "
                                      "when you retry it")
        now = now or utcnow()
        key_hash = self._mac(b"key", caller.encode(), operation.encode(), key.encode())
        version = self._keyring.active("index")[0]
        claim = Claim(key_hash, self._body_mac(version, operation, body), operation,
                      now + dt.timedelta(hours=KEEP_HOURS), version)
        found = self._found(claim, now, body)
        return claim if found is None else found

    def settled(self, claim: Claim, body) -> Replay | None:
        """After a write failed: the answer a twin with the same key committed meanwhile."""
        return self._found(claim, utcnow(), body)

    def forget(self, claim: Claim) -> None:
        """Drop the answer kept for ``claim`` (the write it answered was undone)."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(idempotency_keys)
                         .where(idempotency_keys.c.key_hash == claim.key_hash))

    def _found(self, claim: Claim, now: dt.datetime, body) -> Replay | None:
        t = idempotency_keys
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.c.body_mac, t.c.mac_version, t.c.status, t.c.result,
                                         t.c.expires_at)
                               .where(t.c.key_hash == claim.key_hash)).first()
        if row is None:
            return None
        if row.expires_at <= now:  # kept past its time, not purged yet: as good as gone
            self.forget(claim)
            return None
        # Made under an older index key (rotated since): recompute under that one, if it is
        # still there; a destroyed one leaves the key alone to name the request.
        expected = claim.body_mac if row.mac_version == claim.mac_version else \
            self._body_mac(row.mac_version, claim.operation, body)
        if expected is not None and not hmac.compare_digest(row.body_mac, expected):
            raise ValidationError("this idempotency key was used with another request body",
                                  field=HEADER,
                                  fix="use a new key for a new request; retry a request with its "
                                      "own key and exactly its body")
        return Replay(row.status, json.loads(row.result))
