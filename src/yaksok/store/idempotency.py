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
the operation and the key; the body as an HMAC of its canonical JSON; both under a key derived
from the keyring's ``edge`` key (HKDF, info ``yaksok-idempotency|1``). Rows live ``KEEP_HOURS`` (24) — as long
as a client sensibly retries — and then expire (``yaksok.retention``).

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

    def record(self, conn, result: dict, *, member_id: str | None, status: int = 201) -> None:
        """Keep ``result`` (ids only) as the answer to this key, in the caller's transaction
        (``conn``: a SQLAlchemy connection or the vault's raw one; both speak driver SQL)."""
        sqlite = conn.dialect.name == "sqlite"
        conn.exec_driver_sql(sql(conn, _INSERT), (
            self.key_hash, member_id, self.operation, self.body_mac, status,
            json.dumps(result, sort_keys=True, separators=(",", ":")),
            to_db(sqlite, utcnow()), to_db(sqlite, self.expires_at)))


_INSERT = ("INSERT INTO idempotency_keys (key_hash, member_id, operation, body_mac, status, "
           "result, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def _canonical(body) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8", "surrogatepass")


class IdempotencyKeys:
    """The idempotency keys of one database."""

    def __init__(self, engine: sa.Engine, key: bytes):
        self.engine = engine
        self._key = key

    @classmethod
    def configured(cls, engine: sa.Engine, secret: bytes) -> IdempotencyKeys:
        """Over ``engine``, with a key derived from ``secret`` (the wiring hands it the
        keyring's never-rotated ``edge`` key, so every process derives the same)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        return cls(engine, HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                info=b"yaksok-idempotency|1").derive(secret))

    def _mac(self, *parts: bytes) -> str:
        return hmac.new(self._key, b"\x1f".join(parts), hashlib.sha256).hexdigest()

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
        claim = Claim(key_hash, self._mac(b"body", operation.encode(), _canonical(body)),
                      operation, now + dt.timedelta(hours=KEEP_HOURS))
        found = self._found(claim, now)
        return claim if found is None else found

    def settled(self, claim: Claim) -> Replay | None:
        """After a write failed: the answer a twin with the same key committed meanwhile."""
        return self._found(claim, utcnow())

    def forget(self, claim: Claim) -> None:
        """Drop the answer kept for ``claim`` (the write it answered was undone)."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(idempotency_keys)
                         .where(idempotency_keys.c.key_hash == claim.key_hash))

    def _found(self, claim: Claim, now: dt.datetime) -> Replay | None:
        t = idempotency_keys
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.c.body_mac, t.c.status, t.c.result, t.c.expires_at)
                               .where(t.c.key_hash == claim.key_hash)).first()
        if row is None:
            return None
        if row.expires_at <= now:  # kept past its time, not purged yet: as good as gone
            self.forget(claim)
            return None
        if not hmac.compare_digest(row.body_mac, claim.body_mac):
            raise ValidationError("this idempotency key was used with another request body",
                                  field=HEADER,
                                  fix="use a new key for a new request; retry a request with its "
                                      "own key and exactly its body")
        return Replay(row.status, json.loads(row.result))
