"""``verify``: recompute the whole log and check it against every signed checkpoint.

One streaming pass over the retained entries, in seq order, with a raw driver cursor: the
database assembles each entry's canonical text (``encoding.sql_expression``), Python hashes it,
compares it with the stored leaf hash, folds it into the tree (a stack of perfect subtrees),
compares every stored subtree of level >= 4 as it completes, and compares the root at every
checkpoint size. Then: signatures of every checkpoint (database and external file), the file
against the database, consistency proofs between consecutive checkpoints (generated from the
stored tree, checked with the stand-alone verifier), the unsigned tail's age and the retention
record. The first entry that differs is named when the evidence allows (see docs/auditlog.md).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

import sqlalchemy as sa

from yaksok.auditlog import merkle
from yaksok.auditlog.checkpoint import InvalidCheckpoint, parse_checkpoint
from yaksok.auditlog.cpfile import read_notes
from yaksok.auditlog.encoding import SEP, bad_rows, sql_expression, sql_noncanonical
from yaksok.auditlog.tree import BLOCK, STORED_LEVEL, TreeReader, read_head
from yaksok.auditlog.trust import Trust
from yaksok.errors import IntegrityError, YaksokError

__all__ = ["VerifyResult", "verify_log", "RETENTION_ACTOR", "RETENTION_REASON"]

RETENTION_ACTOR = "yaksok:retention"
#: The reason text of a retention record; verify reads the boundary back from it.
RETENTION_REASON = "entries before seq {before} expired (retention {period}, cutoff {cutoff})"
_RETENTION_RE = re.compile(r"^entries before seq (\d+) expired ")
_MOVED = (-1, 1, -2, 2, -3, 3)


@dataclass
class VerifyResult:
    ok: bool = True
    entries: int = 0
    expired_before: int = 0
    next_seq: int = 0
    checkpoints: int = 0
    latest_size: int | None = None
    latest_root: bytes | None = None
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)
    #: Whether signatures were checked against a pinned key (else: the keyring's keys).
    pinned: bool = False
    #: The size of the witness's latest cosigned checkpoint, when a witness was asked.
    witnessed_size: int | None = None

    def fail(self, message: str, seq: int | None = None) -> None:
        self.ok = False
        self.problems.append(message)
        if seq is not None and (self.first_bad_seq is None or seq < self.first_bad_seq):
            self.first_bad_seq = seq

    def summary(self) -> str:
        if not self.ok:
            where = f" at entry {self.first_bad_seq}" if self.first_bad_seq is not None else ""
            return f"FAILED{where}: {self.problems[0]}"
        if not self.entries:
            return f"OK: no entries (the log starts at {self.next_seq}), " \
                   f"{self.checkpoints} checkpoints"
        latest = (f"latest size {self.latest_size} root {self.latest_root.hex()}"
                  if self.latest_root else "none signed yet")
        trust = "the pinned key" if self.pinned else "the keyring's keys (no pinned key)"
        witness = (f", the witness's {self.witnessed_size} reproduced"
                   if self.witnessed_size is not None else "")
        return (f"OK: {self.entries} entries (seq {self.expired_before}..{self.next_seq - 1}), "
                f"{self.checkpoints} checkpoints, {latest}; signed by {trust}{witness}")

    def raise_for_failure(self) -> None:
        if not self.ok:
            raise IntegrityError("access log verification failed" + (
                f" at entry {self.first_bad_seq}" if self.first_bad_seq is not None else "")
                + f": {self.problems[0]}", first_bad_seq=self.first_bad_seq)


def verify_log(engine: sa.Engine, trust: Trust, *,
               checkpoint_path: Path | None, checkpoint_seconds: int,
               now: dt.datetime, grace_seconds: int = 30,
               witnessed: tuple[int, bytes, str] | None = None,
               witness_origin: str | None = None) -> VerifyResult:
    """``witnessed``: the witness's latest cosigned (size, root, note), which the database must
    reproduce like any checkpoint of its own; ``witness_origin``: the origin the witness was
    asked about (None: no witness was asked), for when it had nothing to show."""
    r = VerifyResult(pinned=trust.pinned)
    with engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            # One snapshot for the whole pass, so concurrent appends cannot look like damage.
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        head = read_head(conn)
        r.expired_before, r.next_seq = head.expired_before, head.next_seq
        outside = conn.exec_driver_sql(
            f"SELECT min(seq), count(*) FROM access_log WHERE seq < {head.expired_before:d} "  # noqa: S608 - ints only
            f"OR seq >= {head.next_seq:d}").first()
        if outside[1]:
            r.fail(f"{outside[1]} entries lie outside the log's range "
                   f"{head.expired_before}..{head.next_seq - 1} (the first at seq {outside[0]}): "
                   "they were inserted, and no reader shows them", outside[0])
        signed = _checkpoints(conn, head.origin, trust, checkpoint_path, r, witnessed,
                              witness_origin)
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(f"SELECT level, idx, hash FROM access_log_nodes WHERE level >= {STORED_LEVEL}")  # noqa: S608 - a constant
        nodes = {(lv, ix): bytes(h) for lv, ix, h in cursor.fetchall()}
        cursor.close()
        sealed = conn.exec_driver_sql("SELECT max(size) FROM access_log_checkpoints").scalar() or 0
        n = _stream(conn, head.expired_before, nodes, int(sealed), signed, r)
        if n is None:
            return r
        r.entries = n - head.expired_before
        if n != head.next_seq:
            r.fail(f"the head says the next entry is {head.next_seq}, but the entries end at "
                   f"{n - 1}", min(n, head.next_seq))
        sizes = sorted(signed)
        for size in sizes:
            if size > n:
                r.fail(f"checkpoint {size} is signed but the database has only {n} entries "
                       "(rolled back or truncated)", n)
        reader = TreeReader(conn, head.expired_before, nodes)
        try:
            for size in sizes:
                if size <= head.expired_before and reader.root_at(size) != signed[size]:
                    r.fail(f"the kept hashes of expired entries do not reproduce checkpoint {size}")
            good = [s for s in sizes if s <= n]
            for old, new in zip(good, good[1:], strict=False):
                path = reader.run(lambda perfect, o=old, w=new: merkle.consistency_path(
                    o, w, perfect))
                if not merkle.verify_consistency(old, new, signed[old], signed[new], path):
                    r.fail(f"checkpoints {old} and {new} are not consistent")
        except YaksokError as exc:
            r.fail(str(exc), getattr(exc, "first_bad_seq", None))
        _tail_and_retention(conn, head, n, sizes, checkpoint_seconds + grace_seconds, now, r)
        r.checkpoints = len(sizes)
        if sizes:
            r.latest_size, r.latest_root = sizes[-1], signed[sizes[-1]]
    return r


def _checkpoints(conn, origin, trust: Trust, path, r: VerifyResult,
                 witnessed: tuple[int, bytes, str] | None,
                 witness_origin: str | None = None) -> dict[int, bytes]:
    """Every validly signed checkpoint, size -> root, from the database, the file and the
    witness's latest, each signed by a key ``trust`` accepts for its size."""
    db_rows = [(int(size), bytes(root), note, version) for size, root, note, version in
               conn.exec_driver_sql("SELECT size, root_hash, note, key_version "
                                    "FROM access_log_checkpoints ORDER BY size")]
    file_notes = list(read_notes(path)) if path is not None else []
    parsed: dict[str, object] = {}  # note text -> Checkpoint or InvalidCheckpoint
    for note in [row[2] for row in db_rows] + file_notes + ([witnessed[2]] if witnessed else []):
        if note not in parsed:
            try:
                parsed[note] = parse_checkpoint(note)
            except InvalidCheckpoint as exc:
                parsed[note] = exc
    for problem in trust.follow([(n, cp) for n, cp in parsed.items()
                                 if not isinstance(cp, InvalidCheckpoint)]):
        r.fail(problem)
    signed: dict[int, bytes] = {}
    checked: dict[tuple[str, int | None], InvalidCheckpoint | None] = {}

    def check(note: str, where: str, version: int | None = None):
        cp = parsed[note]
        if not isinstance(cp, InvalidCheckpoint) and (note, version) not in checked:
            try:
                if origin is not None and cp.origin != origin:
                    raise InvalidCheckpoint(f"checkpoint origin {cp.origin!r} is not this "
                                            f"log's ({origin!r})")
                trust.check(note, cp, version)
                checked[(note, version)] = None
            except InvalidCheckpoint as exc:
                checked[(note, version)] = exc
        problem = cp if isinstance(cp, InvalidCheckpoint) else checked[(note, version)]
        if problem is not None:
            r.fail(f"{where}: {problem}")
            return None
        if signed.setdefault(cp.size, cp.root) != cp.root:
            r.fail(f"{where}: two different signed roots for size {cp.size} (a fork)")
        return cp

    for size, root, note, version in db_rows:
        cp = check(note, f"checkpoint {size} in the database",
                   None if trust.pinned else version)
        if cp is not None and (cp.size != size or cp.root != root):
            r.fail(f"checkpoint {size} in the database: its columns disagree with its note")
    if origin is not None and not (db_rows or file_notes or witnessed):
        # The first checkpoint fixes the origin in the same transaction: a log with an origin
        # and no checkpoint anywhere had them removed (and an edited history is then "unsigned").
        r.fail(f"the log was signed before (its origin {origin!r} is fixed by its first "
               "checkpoint), but no checkpoint remains in the database or the external file: "
               "they were removed")
    if witnessed is not None:
        cp = check(witnessed[2], f"the witness's latest checkpoint ({witnessed[0]})")
        if cp is not None:
            r.witnessed_size = cp.size
    elif witness_origin is not None and (db_rows or file_notes):
        # Not "nothing to reproduce": the origin asked about comes from the pin or from the
        # database, and a history re-signed under a new origin is one the witness never saw.
        r.fail(f"the witness has cosigned no checkpoint of {witness_origin!r}, yet the log "
               "holds signed checkpoints: it was never shown one (run `yaksok audit "
               "checkpoint`), or the log was re-signed under another origin")
    if path is None:
        return signed
    file_sizes = set()
    for i, note in enumerate(file_notes):
        cp = check(note, f"note {i + 1} of {path}")
        if cp is not None:
            file_sizes.add(cp.size)
    db_sizes = [row[0] for row in db_rows]
    if db_sizes and not file_sizes:
        r.fail(f"the external checkpoint file {path} is missing or empty, but the database "
               f"has {len(db_sizes)} checkpoints")
    elif file_sizes:
        top = max(file_sizes)
        for size in db_sizes:
            if size <= top and size not in file_sizes:
                r.fail(f"checkpoint {size} is in the database but not in {path}")
                break
    return signed


class _Stream:
    """The hot loop: rows arrive in batches; whole 16-entry blocks are hashed level by level
    with list comprehensions (C speed), and only the block hashes go through the Python stack.
    """

    def __init__(self, start: int, stack: list[bytes], nodes: dict, sealed: int,
                 signed: dict[int, bytes], r: VerifyResult):
        self.n, self.stack, self.nodes, self.sealed = start, stack, nodes, sealed
        self.signed, self.r, self.start = signed, r, start
        self.checks = sorted(s for s in signed if s > start) + [-1]
        self.ci = 0

    def leaves(self, rows: list) -> list[bytes] | None:
        """Leaf hashes of ``rows`` (which must be seq n, n+1, ...), or None after a failure."""
        n = self.n
        # seq is unique and sorted, so first and last right means no gap in between.
        if rows[0][0] != n or rows[-1][0] != n + len(rows) - 1:
            gap = next(n + i for i, row in enumerate(rows) if row[0] != n + i)
            self.r.fail(f"entry {gap} is missing (the next stored entry is "
                        f"{rows[gap - n][0]})", gap)
            return None
        H = sha256
        leaves = [H(b"\x00" + row[2]).digest() for row in rows]
        stored = [row[1] for row in rows]
        if leaves != stored:
            i = next(i for i, (a, b) in enumerate(zip(leaves, stored, strict=True)) if a != b)
            _mismatch(n + i, bytes(rows[i][2]).decode("utf-8", "replace"), bytes(stored[i]),
                      self.r)
            return None
        i = bad_rows(rows, 2, 3, 4)
        if i is not None:
            self.r.fail(f"entry {n + i} is not stored in its canonical form (a second spelling "
                        "of its time, or a control character in a field): it was altered", n + i)
            return None
        return leaves

    def blocks(self, rows: list) -> bool:
        """Whole blocks: ``len(rows)`` is a multiple of 16 and ``self.n`` is block-aligned."""
        leaves = self.leaves(rows)
        if leaves is None:
            return False
        levels = [leaves]
        for _ in range(STORED_LEVEL):
            cur = levels[-1]
            levels.append([sha256(b"\x01" + cur[i] + cur[i + 1]).digest()
                           for i in range(0, len(cur), 2)])
        base, stack, H = self.n, self.stack, sha256
        for b, h in enumerate(levels[STORED_LEVEL]):
            lo = base + b * BLOCK
            while lo < self.checks[self.ci] < lo + BLOCK:  # a checkpoint inside this block
                size = self.checks[self.ci]
                pieces = [levels[lv][(a - base) >> lv] for a, lv in merkle.perfect_pieces(lo, size)]
                if not self._check_root(size, stack + pieces):
                    return False
            level, idx = STORED_LEVEL, lo >> STORED_LEVEL
            while True:
                if not self._check_node(level, idx, h):
                    return False
                if not idx & 1:
                    break
                h = H(b"\x01" + stack.pop() + h).digest()
                level, idx = level + 1, idx >> 1
            stack.append(h)
            if self.checks[self.ci] == lo + BLOCK and not self._check_root(lo + BLOCK, stack):
                return False
        self.n = base + len(leaves)
        return True

    def tail(self, rows: list) -> bool:
        """The last, partial block: checkpoints inside it are checked from its leaves."""
        leaves = self.leaves(rows) if rows else []
        if leaves is None:
            return False
        lo = self.n
        while lo < self.checks[self.ci] <= lo + len(leaves):
            size = self.checks[self.ci]
            pieces = [merkle.root(leaves[a - lo:a - lo + (1 << lv)])
                      for a, lv in merkle.perfect_pieces(lo, size)]
            if not self._check_root(size, self.stack + pieces):
                return False
        self.n = lo + len(leaves)
        return True

    def _check_node(self, level: int, idx: int, h: bytes) -> bool:
        want = self.nodes.get((level, idx))
        lo = idx << level
        if want != h and (want is not None or lo + (1 << level) <= self.sealed):
            self.r.fail(f"entries {lo}..{lo + (1 << level) - 1} do not match the stored tree: "
                        "one of them was altered, or the tree was", lo)
            return False
        return True

    def _check_root(self, size: int, pieces: list[bytes]) -> bool:
        self.ci += 1
        if merkle.fold(pieces) == self.signed[size]:
            return True
        before = self.checks[self.ci - 2] if self.ci >= 2 else self.start
        self.r.fail(f"entries {before}..{size - 1} do not reproduce signed checkpoint {size}",
                    before)
        return False


def _stream(conn, start: int, nodes: dict, sealed: int, signed: dict[int, bytes],
            r: VerifyResult) -> int | None:
    """Check every retained entry; returns the number of entries (next seq), or None."""
    reader = TreeReader(conn, start, nodes)
    try:
        stack = [reader.perfect(lo, lv) for lo, lv in merkle.perfect_pieces(0, start)]
    except IntegrityError as exc:
        r.fail(f"the hashes kept for expired entries are incomplete: {exc}")
        return None
    stream = _Stream(start, stack, nodes, sealed, signed, r)
    expr = sql_expression(conn.dialect.name, as_bytes=True)
    odd_time, nulls = sql_noncanonical(conn.dialect.name)
    sql = (f"SELECT seq, leaf_hash, {expr}, {odd_time}, {nulls} FROM access_log "  # noqa: S608 - an int and constants only
           f"WHERE seq >= {start:d} ORDER BY seq")
    carry: list = []
    for batch in _batches(conn, sql):
        if carry:
            batch = carry + batch
        full = len(batch) - len(batch) % BLOCK
        carry = batch[full:]
        if full and not stream.blocks(batch[:full]):
            return None
    return stream.n if stream.tail(carry) else None


def _batches(conn, sql: str):
    """Lists of rows straight from the driver's cursor: no SQLAlchemy row objects."""
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = driver.cursor(name="yaksok_audit_verify")  # server-side: streams, bounded memory
        cursor.itersize = 20_000
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(20_000):
            yield batch
    finally:
        cursor.close()


def _mismatch(n: int, text: str, stored: bytes, r: VerifyResult) -> None:
    parts = text.split(SEP)
    for d in _MOVED:
        if n + d < 0:
            continue
        parts[1] = str(n + d)
        if sha256(b"\x00" + SEP.join(parts).encode("utf-8")).digest() == stored:
            what = "inserted before it" if d < 0 else "deleted or swapped"
            r.fail(f"entry {n} holds the entry signed as {n + d}: entries were {what}",
                   min(n, n + d))
            return
    r.fail(f"entry {n} does not match its leaf hash: it was altered", n)


def _tail_and_retention(conn, head, n: int, sizes: list[int], limit_s: int, now: dt.datetime,
                        r: VerifyResult) -> None:
    from yaksok.store.tables import access_log as t

    signed_to = max((s for s in sizes if s <= n), default=0)
    if n > max(signed_to, head.expired_before):
        oldest = conn.execute(sa.select(t.c.at).where(t.c.seq == signed_to)).scalar()
        if oldest is not None and (now - oldest).total_seconds() > limit_s:
            r.fail(f"entries {signed_to}..{n - 1} are unsigned and the oldest is "
                   f"{int((now - oldest).total_seconds())} s old (limit {limit_s} s): "
                   "run `yaksok audit checkpoint` (and a sealer)")
    if head.expired_before == 0:
        return  # nothing expired: the stream above checked every entry from seq 0
    # The latest retention record; scanning back from the newest entry finds it fast (expiry
    # runs daily), and the stream above has already proved its content authentic.
    reason = conn.execute(sa.select(t.c.reason).where(
        t.c.seq >= head.expired_before, t.c.actor_id == RETENTION_ACTOR,
        t.c.operation == "erase").order_by(t.c.seq.desc()).limit(1)).scalar()
    m = _RETENTION_RE.match(reason or "")
    recorded = int(m.group(1)) if m else 0
    if recorded != head.expired_before:
        r.fail(f"entries before {head.expired_before} are gone but the last retention record "
               f"expired only those before {recorded}", recorded)
