"""The access log's state at a glance, its verifications on record, and one entry's proof.

``log_status`` answers "is the log whole, and who vouches for it?": how many entries it keeps,
the latest signed checkpoint (size, root, the signed note) with the witnesses' cosignatures on
it, and the latest recorded verification. ``verify_recorded`` runs the full ``verify`` and
records its outcome as an ``admin`` entry of the log itself, so the log says who checked it,
when and with what result (the safety-measures standard asks for regular inspection, and the
record of it is as tamper-evident as the rest). ``prove_entry`` gives one entry with its leaf
hash, its inclusion proof against the latest checkpoint and the result of checking each link:
the leaf hash from the entry's text, the path up to the root, the root's signature.

Nothing here needs the vault: it reads only the log's own tables.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from hashlib import sha256

import sqlalchemy as sa

from yaksok.auditlog import merkle
from yaksok.auditlog.checkpoint import SIG_PREFIX, InvalidCheckpoint, verify_checkpoint
from yaksok.auditlog.cosign import cosignatures
from yaksok.auditlog.events import AccessEvent
from yaksok.auditlog.log import StoredEntry, get_entry
from yaksok.auditlog.seal import CheckpointInfo, latest_checkpoint
from yaksok.auditlog.service import AuditLog
from yaksok.auditlog.tree import InclusionProof, read_head
from yaksok.auditlog.verify import VerifyResult
from yaksok.errors import IntegrityError, NotFound, YaksokError
from yaksok.store.tables import access_log, access_log_cosignatures

__all__ = ["Cosignature", "EntryProof", "LogStatus", "VERIFIED", "VERIFY_LOOKBACK",
           "Verification", "latest_verification", "log_status", "prove_entry",
           "verify_recorded"]

_log = logging.getLogger("yaksok.auditlog")

#: How a recorded verification's reason starts (the rest is ``VerifyResult.summary()``).
VERIFIED = "access-log verification: "
#: How far back the latest recorded verification is looked for (the scan stays bounded).
VERIFY_LOOKBACK = dt.timedelta(days=92)


@dataclass(frozen=True)
class Verification:
    """A verification on record: its entry, who ran it, when, and what it found."""

    seq: int
    at: dt.datetime
    actor_id: str
    actor_kind: str
    actor_role: str | None
    ok: bool
    summary: str


@dataclass(frozen=True)
class Cosignature:
    witness: str
    size: int
    cosigned_at: dt.datetime


@dataclass(frozen=True)
class LogStatus:
    next_seq: int
    expired_before: int
    origin: str | None
    checkpoint: CheckpointInfo | None
    #: The witnesses' cosignatures on the latest checkpoint.
    cosignatures: tuple[Cosignature, ...]
    #: The witness configured to cosign (its key name), or None.
    witness: str | None
    verification: Verification | None

    @property
    def entries(self) -> int:
        return self.next_seq - self.expired_before

    @property
    def unsealed(self) -> int:
        """Entries no signed checkpoint covers yet."""
        return self.next_seq - (self.checkpoint.size if self.checkpoint else 0)


def latest_verification(engine: sa.Engine, *, now: dt.datetime | None = None,
                        lookback: dt.timedelta = VERIFY_LOOKBACK) -> Verification | None:
    """The newest verification recorded within ``lookback`` (None: none)."""
    t = access_log
    since = (now or dt.datetime.now(dt.UTC)) - lookback
    with engine.connect() as conn:
        head = read_head(conn)
        row = conn.execute(
            sa.select(t.c.seq, t.c.at, t.c.actor_id, t.c.actor_kind, t.c.actor_role, t.c.reason)
            .where(t.c.operation == "admin", t.c.at >= since,
                   t.c.reason.like(VERIFIED.replace("%", r"\%") + "%", escape="\\"),
                   t.c.seq >= head.expired_before, t.c.seq < head.next_seq)
            .order_by(t.c.seq.desc()).limit(1)).first()
    if row is None:
        return None
    summary = row.reason[len(VERIFIED):]
    return Verification(int(row.seq), row.at, row.actor_id, row.actor_kind, row.actor_role,
                        summary.startswith("OK"), summary)


def log_status(audit: AuditLog, *, now: dt.datetime | None = None) -> LogStatus:
    """The log's size, latest checkpoint with its cosignatures, and latest verification
    (``GET /audit/status``, ``yaksok audit status``)."""
    c = access_log_cosignatures.c
    with audit.engine.connect() as conn:
        head = read_head(conn)
        latest = latest_checkpoint(conn)
        rows = conn.execute(sa.select(c.witness, c.size, c.cosigned_at)
                            .where(c.size == latest.size).order_by(c.witness)).all() \
            if latest else []
    return LogStatus(
        next_seq=head.next_seq, expired_before=head.expired_before,
        origin=head.origin or audit.origin, checkpoint=latest,
        cosignatures=tuple(Cosignature(r.witness, int(r.size), r.cosigned_at) for r in rows),
        witness=audit.witness.key.name if audit.witness else None,
        verification=latest_verification(audit.engine, now=now or audit.clock()))


def verify_recorded(audit: AuditLog, *, actor, ip: str | None = None,
                    request_id: str | None = None, policy_version: str | None = None,
                    **verify_options) -> VerifyResult:
    """``audit.verify(**verify_options)``, then its outcome recorded as an entry naming
    ``actor`` (an ``Actor``, or None for the server's operator at the command line). A log
    that cannot take the entry is reported by the result itself; the result is returned
    whether or not the record could be written (``GET /audit/verify``, ``yaksok audit
    verify``, the console's "verify now")."""
    result = audit.verify(**verify_options)
    summary = result.summary()
    try:
        audit.record(AccessEvent(
            actor_id=actor.id if actor else "cli:operator",
            actor_kind=actor.kind if actor else "system",
            actor_role=actor.role if actor else None, operation="admin", outcome="granted",
            at=audit.clock(), source_ip=ip, request_id=request_id,
            policy_version=policy_version, reason=VERIFIED + summary[:1000]))
    except YaksokError as exc:
        _log.error("the access-log verification could not be recorded: %s", exc)
    return result


@dataclass(frozen=True)
class EntryProof:
    """One entry and the evidence that it is in the signed log, each link checked."""

    entry: StoredEntry
    #: The entry's canonical text (what its leaf hash covers), as stored now.
    text: str | None
    leaf_hash: bytes | None
    proof: InclusionProof | None
    #: (check, passed): "leaf" (hash of the text), "path" (up to the root), "signature"
    #: (the checkpoint's, by the log's key), then "witness:<name>" per cosignature checked.
    checks: tuple[tuple[str, bool], ...]
    #: Why it does not verify (the first failing link, in the core's words), or None.
    problem: str | None = None

    @property
    def verified(self) -> bool:
        return self.problem is None and bool(self.checks) and all(ok for _, ok in self.checks)


def prove_entry(audit: AuditLog, seq: int, *, actor=None, ip: str | None = None,
                request_id: str | None = None,
                policy_version: str | None = None) -> EntryProof:
    """Entry ``seq`` with its inclusion proof against the latest checkpoint and every link
    checked (``GET /audit/entries/{seq}/proof``, ``yaksok audit entry``). ``NotFound`` for an
    entry outside the log or not yet under a checkpoint. With ``actor``, reading the entry is
    itself logged first: a read of the entry's subject's records, for legal compliance."""
    with audit.engine.connect() as conn:
        entry = get_entry(conn, seq)
    if entry is None:
        raise NotFound(f"no access-log entry {seq}", field="seq",
                       fix="name an entry the log keeps (the report lists them)")
    if actor is not None:
        audit.record(AccessEvent(
            actor_id=actor.id, actor_kind=actor.kind, actor_role=actor.role, operation="read",
            outcome="granted", at=audit.clock(), source_ip=ip, subject_ref=entry.subject_ref,
            purpose="legal_compliance", request_id=request_id, policy_version=policy_version))
    try:
        proof = audit.prove_inclusion(seq)
    except IntegrityError as exc:  # the stored entry or tree no longer reaches the signed root
        return EntryProof(entry, None, None, None, (("path", False),), problem=str(exc))
    text = proof.entry or ""
    checks = [("leaf", sha256(b"\x00" + text.encode("utf-8")).digest() == proof.leaf_hash),
              ("path", merkle.verify_inclusion(proof.leaf_hash, proof.seq, proof.size,
                                               proof.path, proof.root))]
    problem = None
    try:
        # The keyring's keys (every version: an old checkpoint may predate a rotation);
        # ``verify`` is what follows a pinned key through its hand-overs.
        keys = list(audit.public_keys().values()) + ([audit.pin.public] if audit.pin else [])
        cp = verify_checkpoint(proof.note or "", keys)
        checks.append(("signature", cp.size == proof.size and cp.root == proof.root))
    except InvalidCheckpoint as exc:
        checks.append(("signature", False))
        problem = f"the checkpoint of size {proof.size} is not validly signed: {exc}"
    witness = audit.witness.key if audit.witness is not None else None
    # A checkpoint the witness has not cosigned yet is not a failure: only a cosignature
    # present on the note is checked.
    if witness is not None and f"\n{SIG_PREFIX}{witness.name} " in (proof.note or ""):
        try:
            stamped = bool(cosignatures(proof.note, witness))
        except InvalidCheckpoint:
            stamped = False
        checks.append((f"witness:{witness.name}", stamped))
    return EntryProof(entry, text, proof.leaf_hash, proof, tuple(checks), problem)
