"""``AuditLog``: the access log bound to one yaksok (engine, keyring, policy, settings).

``record`` and ``record_many`` append in their own transaction (inside someone else's
transaction use ``log.append``). ``seal`` signs a checkpoint when one is due (every
``checkpoint_every`` entries or ``checkpoint_seconds``) or when forced; ``record`` calls it when
its own counters say one may be due, and ``start_sealer`` runs it in the background, so the
unsigned tail never grows older than the interval. Proofs, ``verify`` and ``expire`` complete it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlalchemy as sa

from yaksok.auditlog import retention, tree
from yaksok.auditlog.checkpoint import InvalidCheckpoint, check_origin
from yaksok.auditlog.cosign import VerifierKey, vkey
from yaksok.auditlog.events import AccessEvent
from yaksok.auditlog.log import append_many
from yaksok.auditlog.seal import CheckpointInfo, latest_checkpoint, seal_tree
from yaksok.auditlog.trust import Trust, load_pin
from yaksok.auditlog.verify import VerifyResult, verify_log
from yaksok.auditlog.witnessing import WitnessLink, fetch_latest, submit
from yaksok.errors import ConfigError, StorageError, YaksokError
from yaksok.store.engine import IMMEDIATE, driver_message, mask_url
from yaksok.store.tables import utcnow

__all__ = ["AuditLog", "default_origin"]

_log = logging.getLogger("yaksok.auditlog")
# Stored nodes never change once written; bound the cache so a long-lived process stays small.
_CACHE_LIMIT = 200_000


def default_origin(data_dir: Path) -> str:
    """``yaksok.local/<data directory name>/access-log``: the checkpoints' origin line."""
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(data_dir).resolve().name)
    return f"yaksok.local/{name or 'yaksok'}/access-log"


class AuditLog:
    """The access log of one yaksok. Cheap to build; safe to share between threads."""

    def __init__(self, engine: sa.Engine, keyring, *, checkpoint_every: int = 1000,
                 checkpoint_seconds: int = 60, retention: str = "P2Y",
                 checkpoint_path: Path | None = None, origin: str = "yaksok.local/access-log",
                 clock: Callable[[], dt.datetime] = utcnow, witness: WitnessLink | None = None,
                 pin: VerifierKey | None = None):
        self.engine, self.keyring = engine, keyring
        #: The witness that cosigns checkpoints (None: none configured).
        self.witness = witness
        #: The pinned log key ``verify`` trusts (None: the keyring's keys).
        self.pin = pin
        self.checkpoint_every, self.checkpoint_seconds = checkpoint_every, checkpoint_seconds
        self.retention, self.checkpoint_path = retention, checkpoint_path
        try:
            self.origin = check_origin(origin)
        except InvalidCheckpoint as exc:
            raise ConfigError(str(exc), field="audit_origin",
                              fix="use a name like example.com/access-log") from None
        self.clock = clock
        self._cache: dict = {}
        self._lock = threading.Lock()
        self._since_seal = 0
        self._next_check = time.monotonic() + checkpoint_seconds

    @classmethod
    def configured(cls, engine: sa.Engine, keyring, settings, section, **overrides) -> AuditLog:
        """As configured: the policy's ``access_log`` ``section`` (intervals, retention), the
        checkpoint file and origin from ``settings``; ``overrides`` win (tests, benchmarks)."""
        options = dict(
            checkpoint_every=section.checkpoint_every,
            checkpoint_seconds=section.checkpoint_seconds, retention=section.retention,
            checkpoint_path=settings.effective_audit_checkpoint_path,
            origin=settings.audit_origin or default_origin(settings.data_dir),
            witness=WitnessLink.configured(settings.witness_url, settings.witness_key),
            pin=load_pin(settings.audit_key, field_name="YAKSOK_AUDIT_KEY")
            if settings.audit_key else None)
        options.update(overrides)
        return cls(engine, keyring, **options)

    # -- writing -------------------------------------------------------------------------------

    def record(self, event: AccessEvent) -> int:
        """Append one entry in its own transaction; returns its seq."""
        return self.record_many((event,))[0]

    def record_many(self, events: Iterable[AccessEvent]) -> list[int]:
        with self._begin() as conn:
            seqs = append_many(conn, events)
        self._maybe_seal(len(seqs))
        return seqs

    def seal(self, force: bool = False) -> CheckpointInfo | None:
        """Hash new entries into the tree and sign a checkpoint if due (or ``force``)."""
        return self._seal(force)

    def _seal(self, force: bool, handover: bool = False) -> CheckpointInfo | None:
        with self._begin() as conn:
            info = seal_tree(conn, self.keyring, origin=self.origin,
                             checkpoint_path=self.checkpoint_path, every=self.checkpoint_every,
                             seconds=self.checkpoint_seconds, force=force, now=self.clock(),
                             cache=self._nodes(), handover=handover)
        with self._lock:
            self._since_seal = 0
            self._next_check = time.monotonic() + self.checkpoint_seconds
        return info

    def expire(self, *, now: dt.datetime | None = None,
               epoch_bits: int = retention.EPOCH_BITS) -> retention.ExpiryResult:
        """Drop the epochs older than the retention period (see ``retention.py``)."""
        with self._begin() as conn:
            return retention.expire_entries(conn, period=self.retention,
                                            now=now or self.clock(), epoch_bits=epoch_bits)

    def start_sealer(self, interval: float | None = None) -> Callable[[], None]:
        """Seal in a daemon thread every ``interval`` s (default: half the checkpoint interval).

        Returns a function that stops the thread. An API server runs one, so a quiet log still
        gets its last entries signed in time.
        """
        stop = threading.Event()
        period = interval or max(1.0, self.checkpoint_seconds / 2)

        def run() -> None:
            while not stop.wait(period):
                try:
                    self.seal()
                except YaksokError as exc:  # keep trying; verify reports a stale tail anyway
                    _log.error("access-log seal failed: %s", exc)
                try:
                    self.submit_to_witness()
                except YaksokError as exc:  # retried next round; verify reports the lag
                    _log.error("access-log witness: %s", exc)

        thread = threading.Thread(target=run, name="yaksok-audit-sealer", daemon=True)
        thread.start()

        def halt() -> None:
            stop.set()
            thread.join(5)

        return halt

    # -- reading -------------------------------------------------------------------------------

    def latest_checkpoint(self) -> CheckpointInfo | None:
        with self.engine.connect() as conn:
            return latest_checkpoint(conn)

    def prove_inclusion(self, seq: int, size: int | None = None) -> tree.InclusionProof:
        with self.engine.connect() as conn, conn.begin():
            return tree.inclusion_proof(conn, seq, size, self._nodes())

    def prove_consistency(self, old: int, new: int) -> tree.ConsistencyProof:
        with self.engine.connect() as conn, conn.begin():
            return tree.consistency_proof(conn, old, new, self._nodes())

    def public_keys(self) -> dict[int, bytes]:
        """Every version of the log's Ed25519 public key (old ones verify old checkpoints)."""
        return {v: self.keyring.log_signing_public_key(v)
                for v in self.keyring.versions("log_signing")}

    def verifier_key(self) -> str:
        """The active signing key as a verifier key line: what to pin and give a witness."""
        with self.engine.connect() as conn:
            origin = tree.read_head(conn).origin or self.origin
        return vkey(origin, self.keyring.log_signing_public_key())

    def verify(self, checkpoint_path: Path | None = None, *, now: dt.datetime | None = None,
               grace_seconds: int = 30, pin: VerifierKey | None = None,
               use_witness: bool = True) -> VerifyResult:
        """Check everything (see ``verify.py``); ``checkpoint_path`` overrides the file, ``pin``
        the pinned key; with a witness configured, its latest cosigned checkpoint must be
        reproduced (``use_witness=False`` skips asking it, and the summary says so)."""
        pin = pin or self.pin
        trust = Trust(pin=pin) if pin is not None else Trust(keyring=self.public_keys())
        witnessed = origin = None
        if self.witness is not None and use_witness:
            if pin is not None:
                origin = pin.name  # the pin names the log; the database cannot rename it
            else:
                with self.engine.connect() as conn:
                    origin = tree.read_head(conn).origin or self.origin
            witnessed = fetch_latest(self.witness, origin)
        return verify_log(self.engine, trust,
                          checkpoint_path=checkpoint_path or self.checkpoint_path,
                          checkpoint_seconds=self.checkpoint_seconds, now=now or self.clock(),
                          grace_seconds=grace_seconds, witnessed=witnessed,
                          witness_origin=origin)

    # -- the witness and the signing key ---------------------------------------------------------

    def submit_to_witness(self) -> int | None:
        """Have the witness cosign the latest checkpoint; returns the size it now vouches for
        (None: no witness configured, or nothing signed yet)."""
        if self.witness is None:
            return None
        return submit(self.engine, self.witness,
                      lambda old, new: self.prove_consistency(old, new).path, now=self.clock())

    def rotate_signing_key(self) -> tuple[int, CheckpointInfo | None]:
        """A new signing key, handed over at once: an entry records the rotation, and the next
        checkpoint is signed by the old key and the new (see ``trust.py``). The only hand-over:
        the sealer refuses a key that became active any other way."""
        version = self.keyring.rotate("log_signing")
        with self._begin() as conn:  # not record(): a seal it starts would refuse the new key
            append_many(conn, (AccessEvent(
                actor_id="yaksok:keys", actor_kind="system", operation="admin",
                outcome="granted", at=self.clock(),
                reason=f"the access log's signing key was handed over to version {version}"),))
        info = self._seal(True, handover=True)
        self.submit_to_witness()
        return version, info

    # -- helpers -------------------------------------------------------------------------------

    def _nodes(self) -> dict:
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        return self._cache

    def _maybe_seal(self, appended: int) -> None:
        with self._lock:
            self._since_seal += appended
            due = (self._since_seal >= self.checkpoint_every
                   or time.monotonic() >= self._next_check)
            if due:
                self._next_check = time.monotonic() + self.checkpoint_seconds
        if due:
            try:
                self.seal()
            except YaksokError as exc:
                # The entries are committed; failing the caller now would misreport them.
                _log.error("access-log seal failed: %s", exc)

    def _begin(self):
        return _Transaction(self.engine)


class _Transaction:
    """A write transaction (SQLite: BEGIN IMMEDIATE) whose driver errors become StorageError."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def __enter__(self) -> sa.Connection:
        try:
            self.conn = self.engine.connect().execution_options(**IMMEDIATE)
            self.tx = self.conn.begin()
        except sa.exc.DBAPIError as exc:
            raise _storage_error(self.engine, exc) from None
        return self.conn

    def __exit__(self, kind, exc, tb) -> bool:
        try:
            if kind is None:
                self.tx.commit()
            else:
                self.tx.rollback()
        except sa.exc.DBAPIError as err:
            if kind is None:
                raise _storage_error(self.engine, err) from None
        finally:
            self.conn.close()
        if isinstance(exc, sa.exc.DBAPIError):
            raise _storage_error(self.engine, exc) from None
        return False


def _storage_error(engine: sa.Engine, exc: sa.exc.DBAPIError) -> StorageError:
    return StorageError(f"database {mask_url(engine.url)} refused the access-log operation: "
                        f"{driver_message(exc, engine.url)}")
