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
import contextlib
import datetime as dt
import http.client
import socket
import threading
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
    #: Seconds one whole call may take: connecting, sending and the whole answer.
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
        """(status, content type, text) of one request, all within ``timeout`` seconds: the
        socket timeout bounds each read, not the answer (one byte every few seconds)."""
        request = urllib.request.Request(self.url + path, data=body, method=method)  # noqa: S310 - the scheme is checked in configured()
        deadline = _Deadline(self.timeout)
        opener = urllib.request.build_opener(_Handler(deadline), _TLSHandler(deadline))
        try:
            with deadline:
                try:
                    answer = opener.open(request, timeout=self.timeout)
                except urllib.error.HTTPError as exc:
                    answer = exc
                with answer:
                    data = answer.read(_MAX_ANSWER)
                    result = answer.getcode(), answer.headers.get_content_type(), _text(data)
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            # ValueError: a port that is not a number, a host name IDNA cannot encode. What a
            # bad answer said (http.client quotes it) is the remote's text: name the kind only.
            reason = exc.__class__.__name__ if isinstance(exc, http.client.HTTPException) \
                else getattr(exc, "reason", exc)
        else:
            reason = None
        if deadline.fired:  # a cut answer can look whole (headers ended by the cut)
            reason = f"no whole answer within {self.timeout:g} s"
        if reason is not None:
            raise StorageError(f"the witness at {self.url} cannot be reached ({reason})",
                               fix="start it (`yaksok witness serve`) or check "
                                   "YAKSOK_WITNESS_URL")
        return result


#: What is read of an answer: a cosignature line, or a note with a few signatures.
_MAX_ANSWER = 4096


def _text(data: bytes) -> str:
    return data[:_MAX_ANSWER].decode("utf-8", "replace")


class _Deadline:
    """Shuts a call's sockets down once ``seconds`` have passed, whatever they are waiting for."""

    def __init__(self, seconds: float):
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shut(sock)
        return sock

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed, or handed to the TLS socket
        sock.shutdown(socket.SHUT_RDWR)


class _Connection(http.client.HTTPConnection):
    def __init__(self, *args, deadline: _Deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = lambda *a, **k: deadline.watch(socket.create_connection(*a, **k))


class _TLSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, deadline: _Deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self._create_connection = lambda *a, **k: deadline.watch(socket.create_connection(*a, **k))

    def connect(self) -> None:
        # HTTPSConnection.connect, with the TLS socket watched before its handshake.
        http.client.HTTPConnection.connect(self)
        sock = self._context.wrap_socket(self.sock, do_handshake_on_connect=False,
                                         server_hostname=self._tunnel_host or self.host)
        self.sock = self._deadline.watch(sock)
        sock.do_handshake()


class _Handler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(_Connection, req, deadline=self.deadline)


class _TLSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self.deadline = deadline

    def https_open(self, req):
        return self.do_open(_TLSConnection, req, deadline=self.deadline)


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
