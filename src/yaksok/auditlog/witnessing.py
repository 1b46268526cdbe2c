"""Asking a witness to cosign the access log's checkpoints (the log's side of C2SP tlog-witness).

After a seal commits, ``submit`` sends the latest checkpoint with a consistency proof from the
size the witness last cosigned; a 409 tells that size (another yaksok process got there first,
or our record is behind) and the request is made once more from it. A witness that cosigned a
*larger* tree than this database holds is proof of a rollback: ``IntegrityError``. The
cosignature is checked against the witness's key before it is stored.

``latest`` reads the witness's latest cosigned checkpoint for ``verify``, which then demands that
the database reproduce it: a database and checkpoint file rolled back together, or checkpoints
wiped and re-signed, cannot reproduce a tree the witness saw.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.auditlog.checkpoint import SIG_PREFIX, InvalidCheckpoint, parse_checkpoint
from yaksok.auditlog.cosign import (
    COSIGNATURE,
    VerifierKey,
    add_checkpoint_body,
    cosignatures,
    parse_vkey,
)
from yaksok.errors import ConfigError, IntegrityError, StorageError

__all__ = ["WitnessLink", "submit", "fetch_latest", "witnessed_size"]

_SIZE_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class WitnessLink:
    """Where a witness listens (its URL prefix) and the key its cosignatures verify with."""

    url: str
    key: VerifierKey
    timeout: float = 5.0

    @classmethod
    def configured(cls, url: str, key: str) -> WitnessLink | None:
        if not url and not key:
            return None
        if not (url and key):
            raise ConfigError("a witness needs both its URL and its key",
                              field="YAKSOK_WITNESS_URL" if not url else "YAKSOK_WITNESS_KEY",
                              fix="set YAKSOK_WITNESS_URL and YAKSOK_WITNESS_KEY (the line "
                                  "`yaksok witness init` printed)")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError("the witness URL is not an http(s) URL", field="YAKSOK_WITNESS_URL",
                              fix="e.g. https://witness.example.com/")
        try:
            vkey = parse_vkey(key, COSIGNATURE)
        except InvalidCheckpoint as exc:
            raise ConfigError(str(exc), field="YAKSOK_WITNESS_KEY",
                              fix="paste the line `yaksok witness init` printed") from None
        return cls(url.rstrip("/"), vkey)

    def _call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str, str]:
        request = urllib.request.Request(self.url + path, data=body, method=method)  # noqa: S310 - the scheme is checked in configured()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310 - the scheme is checked in configured()
                return answer.status, answer.headers.get_content_type(), _text(answer.read())
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get_content_type(), _text(exc.read())
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StorageError(f"the witness at {self.url} cannot be reached ({reason})",
                              fix="start it (`yaksok witness serve`) or check "
                                  "YAKSOK_WITNESS_URL") from None


def _text(data: bytes) -> str:
    return data[:4096].decode("utf-8", "replace")


def witnessed_size(conn: sa.Connection, witness: str) -> int:
    """The largest size ``witness`` has cosigned, as far as this database knows (0: none)."""
    from yaksok.store.tables import access_log_cosignatures as t

    return conn.execute(sa.select(sa.func.max(t.c.size)).where(t.c.witness == witness)
                        ).scalar() or 0


def submit(engine: sa.Engine, link: WitnessLink, prove, *, now: dt.datetime) -> int | None:
    """Have the witness cosign the latest checkpoint; returns its size (None: no checkpoint).

    ``prove(old, new)`` gives the consistency path between two sizes (``AuditLog``'s).
    """
    from yaksok.auditlog.seal import latest_checkpoint
    from yaksok.store.tables import access_log_cosignatures as t

    with engine.connect() as conn:
        latest = latest_checkpoint(conn)
        old = witnessed_size(conn, link.key.name)
    if latest is None or old == latest.size:
        return None if latest is None else latest.size
    if old > latest.size:
        # Only the witness's own answer (a 409 with its size) proves a rollback: this record is
        # the database's, which its writer may have forged to stop the submissions.
        old = 0
    for _ in range(2):
        if old > latest.size:
            break
        path = prove(old, latest.size) if 0 < old < latest.size else ()
        status, kind, text = link._call("POST", "/add-checkpoint",
                                        add_checkpoint_body(old, path, latest.note))
        if status == 409 and kind == _SIZE_TYPE and text.strip().isdigit():
            old = int(text.strip())
            continue
        if status != 200:
            raise IntegrityError(f"the witness refused checkpoint {latest.size} ({status}: "
                                 f"{text.strip()[:200]})", fix="run `yaksok audit verify`")
        try:
            stamps = cosignatures(latest.note.rstrip("\n") + "\n" + text, link.key)
        except InvalidCheckpoint as exc:
            raise IntegrityError(f"the witness's answer is not a valid cosignature: {exc}"
                                 ) from None
        if not stamps:
            raise IntegrityError("the witness answered without a cosignature by its key",
                                 fix="check YAKSOK_WITNESS_KEY")
        line = _own_line(text, link.key)
        with engine.begin() as conn:
            conn.execute(t.delete().where(t.c.witness == link.key.name,
                                          t.c.size == latest.size))
            conn.execute(t.insert().values(witness=link.key.name, size=latest.size,
                                           cosigned_at=now, line=line + "\n"))
        return latest.size
    raise IntegrityError(
        f"the witness has cosigned a tree of {old} entries but this database's latest "
        f"checkpoint is {latest.size}: the database was rolled back", first_bad_seq=latest.size,
        fix="restore the database that matches the witness and run `yaksok audit verify`")


def _own_line(text: str, key: VerifierKey) -> str:
    """The answer's signature line by ``key``: its name *and* key ID (tlog-witness: lines by
    other keys, even under the same name, are ignored)."""
    for line in text.splitlines():
        name, _, blob = line.removeprefix(SIG_PREFIX).rpartition(" ")
        if not line.startswith(SIG_PREFIX) or name != key.name:
            continue
        try:
            if base64.b64decode(blob, validate=True)[:4] == key.key_id:
                return line
        except (binascii.Error, ValueError):
            continue
    raise IntegrityError("the witness answered without a cosignature by its key",
                         fix="check YAKSOK_WITNESS_KEY")


def fetch_latest(link: WitnessLink, origin: str) -> tuple[int, bytes, str] | None:
    """(size, root, note) of the witness's latest cosigned checkpoint; None if it has none.

    The cosignature is checked here; the log's signature is checked by ``verify`` with the
    keys it trusts.
    """
    status, _, text = link._call("GET", "/latest?" + urllib.parse.urlencode({"origin": origin}))
    if status == 404:
        return None
    if status != 200:
        raise StorageError(f"the witness answered {status} for its latest checkpoint")
    try:
        cp = parse_checkpoint(text)
        if not cosignatures(text, link.key):
            raise InvalidCheckpoint("no cosignature by the witness's key")
    except InvalidCheckpoint as exc:
        raise IntegrityError(f"the witness's latest checkpoint is not valid: {exc}") from None
    if cp.origin != origin:
        raise IntegrityError(f"the witness answered for origin {cp.origin!r}, not {origin!r}")
    return cp.size, cp.root, text
