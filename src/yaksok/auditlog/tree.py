"""The Merkle tree in the database: stored subtrees, proofs from them, and sealing.

Leaf hashes live in ``access_log.leaf_hash``. ``seal`` stores the hash of every complete perfect
subtree of level >= 4 (16 leaves and up) in ``access_log_nodes``: about one row per 8 entries.
Any subtree below level 4 is rebuilt from at most one block of 16 leaf hashes, so a proof or a
root needs O(log n) stored nodes plus one or two blocks, fetched in two queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from hashlib import sha256

import sqlalchemy as sa

from yaksok.auditlog import merkle
from yaksok.errors import IntegrityError, NotFound, ValidationError

__all__ = ["STORED_LEVEL", "BLOCK", "TreeReader", "Head", "read_head", "lock_tree",
           "InclusionProof", "ConsistencyProof", "inclusion_proof", "consistency_proof"]

STORED_LEVEL = 4
BLOCK = 1 << STORED_LEVEL
# Any fixed 64-bit number, the same in every yaksok process ("yaksok" + 1).
_PG_TREE_LOCK = 0x79616B736F6C


@dataclass(frozen=True)
class Head:
    next_seq: int
    expired_before: int
    origin: str | None


def read_head(conn: sa.Connection) -> Head:
    row = conn.exec_driver_sql(
        "SELECT next_seq, expired_before, origin FROM access_log_head WHERE id = 1").first()
    if row is None:
        raise IntegrityError("the access log's head row is missing")
    return Head(int(row[0]), int(row[1]), row[2])


def lock_tree(conn: sa.Connection) -> None:
    """Serialise sealing and expiry (not appends). SQLite: open the transaction IMMEDIATE."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_PG_TREE_LOCK,))


class TreeReader:
    """``perfect(lo, level)`` over the database, after ``prefetch`` of what a proof needs.

    ``cache`` (shared across readers) keeps stored node hashes: they never change once written.
    """

    def __init__(self, conn: sa.Connection, expired_before: int, cache: dict | None = None):
        self.conn = conn
        self.expired_before = expired_before
        self.nodes: dict = cache if cache is not None else {}
        self.leaves: dict[int, bytes] = {}
        self._p = "?" if conn.dialect.name == "sqlite" else "%s"

    def prefetch(self, wanted: Iterable[tuple[int, int]]) -> None:
        nodes, blocks = set(), set()
        for lo, level in wanted:
            if level >= STORED_LEVEL:
                key = (level, lo >> level)
                if key not in self.nodes:
                    nodes.add(key)
            elif lo not in self.leaves:
                blocks.add(lo >> STORED_LEVEL)
        p = self._p
        if nodes:
            pairs = sorted(nodes)
            sql = ("SELECT level, idx, hash FROM access_log_nodes WHERE (level, idx) IN (VALUES "  # noqa: S608 - placeholders and constants only
                   + ", ".join([f"({p}, {p})"] * len(pairs)) + ")")
            params = tuple(v for pair in pairs for v in pair)
            for level, idx, h in self.conn.exec_driver_sql(sql, params):
                self.nodes[(level, idx)] = bytes(h)
        live = [b for b in sorted(blocks) if (b + 1) * BLOCK > self.expired_before]
        kept = [b for b in sorted(blocks) if (b + 1) * BLOCK <= self.expired_before]
        if live:
            sql = ("SELECT seq, leaf_hash FROM access_log WHERE "  # noqa: S608 - placeholders and constants only
                   + " OR ".join([f"(seq >= {p} AND seq < {p})"] * len(live)))
            params = tuple(v for b in live for v in (b * BLOCK, (b + 1) * BLOCK))
            self.leaves.update((s, bytes(h)) for s, h in self.conn.exec_driver_sql(sql, params))
        if kept:
            # Retention dropped these entries but kept their leaf hashes as level-0 nodes.
            sql = ("SELECT idx, hash FROM access_log_nodes WHERE level = 0 AND ("  # noqa: S608 - placeholders and constants only
                   + " OR ".join([f"(idx >= {p} AND idx < {p})"] * len(kept)) + ")")
            params = tuple(v for b in kept for v in (b * BLOCK, (b + 1) * BLOCK))
            self.leaves.update((i, bytes(h)) for i, h in self.conn.exec_driver_sql(sql, params))

    def perfect(self, lo: int, level: int) -> bytes:
        if level >= STORED_LEVEL:
            try:
                return self.nodes[(level, lo >> level)]
            except KeyError:
                raise IntegrityError(
                    f"tree node {level}/{lo >> level} (entries {lo}..{lo + (1 << level) - 1}) "
                    "is missing", first_bad_seq=lo) from None
        try:
            return merkle.root([self.leaves[i] for i in range(lo, lo + (1 << level))])
        except KeyError as exc:
            raise IntegrityError(f"the leaf hash of entry {exc.args[0]} is missing",
                                 first_bad_seq=exc.args[0]) from None

    def run(self, build: Callable[[merkle.Perfect], object]):
        """Plan which subtrees ``build`` needs, fetch them in two queries, then run it."""
        self.prefetch(merkle.plan_subtrees(build))
        return build(self.perfect)

    def root_at(self, size: int) -> bytes:
        return self.run(lambda perfect: merkle.subtree_hash(0, size, perfect))


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    root: bytes
    #: The signed checkpoint of this size, if one was made at exactly this size.
    note: str | None
    #: The entry's canonical text, so its leaf hash can be recomputed (encoding.py).
    entry: str | None = None

    def verify(self) -> bool:
        return merkle.verify_inclusion(self.leaf_hash, self.seq, self.size, self.path, self.root)

    def as_dict(self) -> dict:
        return {"leaf_index": self.seq, "tree_size": self.size, "leaf_hash": self.leaf_hash.hex(),
                "audit_path": [h.hex() for h in self.path], "root_hash": self.root.hex(),
                "entry": self.entry, "checkpoint": self.note}


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    path: tuple[bytes, ...]
    old_note: str | None
    new_note: str | None

    def verify(self) -> bool:
        return merkle.verify_consistency(self.old_size, self.new_size, self.old_root,
                                         self.new_root, self.path)

    def as_dict(self) -> dict:
        return {"old_size": self.old_size, "new_size": self.new_size,
                "old_root": self.old_root.hex(), "new_root": self.new_root.hex(),
                "consistency_path": [h.hex() for h in self.path],
                "old_checkpoint": self.old_note, "new_checkpoint": self.new_note}


def _checkpoint(conn: sa.Connection, size: int | None):
    """(size, root, note) of the latest checkpoint or of ``size``; the note carries the
    witnesses' cosignatures kept for it, so a proof handed out can be checked offline."""
    p = "?" if conn.dialect.name == "sqlite" else "%s"
    if size is None:
        row = conn.exec_driver_sql("SELECT size, root_hash, note FROM access_log_checkpoints "
                                   "ORDER BY size DESC LIMIT 1").first()
    else:
        row = conn.exec_driver_sql("SELECT size, root_hash, note FROM access_log_checkpoints "  # noqa: S608 - placeholders and constants only
                                   f"WHERE size = {p}", (size,)).first()
    if row is None:
        return None
    lines = [line for (line,) in conn.exec_driver_sql(
        f"SELECT line FROM access_log_cosignatures WHERE size = {p} ORDER BY witness",  # noqa: S608 - placeholders and constants only
        (row[0],))]
    return row[0], row[1], row[2] + "".join(lines)


def _signed_size(conn: sa.Connection, size: int | None, head: Head) -> tuple[int, bytes | None,
                                                                             str | None]:
    """(size, signed root or None, note or None) for a proof; refuses unsigned sizes."""
    latest = _checkpoint(conn, None)
    if latest is None:
        raise NotFound("the access log has no checkpoint yet",
                       fix="run `yaksok audit checkpoint` first")
    if size is None:
        return int(latest[0]), bytes(latest[1]), latest[2]
    if size < 1 or size > latest[0]:
        raise ValidationError(f"tree size {size} is not between 1 and the latest checkpoint "
                              f"({latest[0]})", field="size",
                              fix="pick a size up to the latest checkpoint, or seal first")
    exact = _checkpoint(conn, size)
    if exact is None and size < head.expired_before:
        # Only the hashes around old checkpoints were kept; other old sizes cannot be rebuilt.
        raise NotFound(f"size {size} lies in entries dropped by retention and was never a "
                       "checkpoint", field="size")
    return size, (bytes(exact[1]) if exact else None), (exact[2] if exact else None)


def inclusion_proof(conn: sa.Connection, seq: int, size: int | None = None,
                    cache: dict | None = None) -> InclusionProof:
    from yaksok.auditlog.encoding import sql_expression

    head = read_head(conn)
    if seq < 0 or seq >= head.next_seq:
        raise NotFound(f"no access-log entry {seq}", field="seq",
                       fix=f"entries are numbered 0..{head.next_seq - 1}")
    if seq < head.expired_before:
        raise NotFound(f"entry {seq} was dropped by retention", field="seq")
    size, signed_root, note = _signed_size(conn, size, head)
    if seq >= size:
        raise NotFound(f"entry {seq} is not in a checkpoint of size {size} yet", field="seq",
                       fix="run `yaksok audit checkpoint`, or wait for the next checkpoint")
    p = "?" if conn.dialect.name == "sqlite" else "%s"
    row = conn.exec_driver_sql(f"SELECT leaf_hash, {sql_expression(conn.dialect.name)} "  # noqa: S608 - placeholders and constants only
                               f"FROM access_log WHERE seq = {p}", (seq,)).first()
    if row is None:
        raise IntegrityError(f"entry {seq} is missing from the log", first_bad_seq=seq)
    reader = TreeReader(conn, head.expired_before, cache)
    path, root = reader.run(lambda perfect: (merkle.inclusion_path(seq, size, perfect),
                                             merkle.subtree_hash(0, size, perfect)))
    if signed_root is not None and root != signed_root:
        raise IntegrityError(f"the stored tree does not reproduce checkpoint {size}",
                             fix="run `yaksok audit verify`")
    proof = InclusionProof(seq, size, bytes(row[0]), tuple(path), root, note, row[1])
    # A proof is checked before it is handed out: of the entry as it reads now, up to the root.
    if sha256(b"\x00" + row[1].encode("utf-8")).digest() != proof.leaf_hash or not proof.verify():
        raise IntegrityError(f"entry {seq} as stored does not reach the signed root of size "
                             f"{size}: the log was altered", first_bad_seq=seq,
                             fix="run `yaksok audit verify` to find what changed")
    return proof


def consistency_proof(conn: sa.Connection, old: int, new: int,
                      cache: dict | None = None) -> ConsistencyProof:
    head = read_head(conn)
    if not 0 <= old <= new:
        raise ValidationError(f"old size {old} must be between 0 and new size {new}",
                              field="old")
    new, new_root, new_note = _signed_size(conn, new, head)
    old_size, old_root, old_note = _signed_size(conn, old, head) if old else (0, None, None)
    reader = TreeReader(conn, head.expired_before, cache)
    path, root_old, root_new = reader.run(lambda perfect: (
        merkle.consistency_path(old, new, perfect), merkle.subtree_hash(0, old, perfect),
        merkle.subtree_hash(0, new, perfect)))
    for signed, computed, size in ((old_root, root_old, old), (new_root, root_new, new)):
        if signed is not None and signed != computed:
            raise IntegrityError(f"the stored tree does not reproduce checkpoint {size}",
                                 fix="run `yaksok audit verify`")
    proof = ConsistencyProof(old_size, new, root_old, root_new, tuple(path), old_note, new_note)
    if not proof.verify():
        raise IntegrityError(f"the stored tree gives no valid proof that {old} is a prefix of "
                             f"{new}: the log was altered", fix="run `yaksok audit verify`")
    return proof
