"""RFC 6962 / RFC 9162 Merkle tree hashing, audit paths and consistency proofs.

Stand-alone on purpose: this module imports only ``hashlib``, so an outside auditor can copy it
(or re-implement it from RFC 9162 section 2.1) and check a proof without yaksok.

    leaf hash      SHA-256(0x00 || entry bytes)
    interior hash  SHA-256(0x01 || left || right)
    MTH(D[n])      for n > 1: k = largest power of two < n, HASH(MTH(D[0:k]), MTH(D[k:n]))

Proof *generation* is written against a callback ``perfect(lo, level)`` that returns the hash of
the perfect subtree over leaves ``[lo, lo + 2**level)`` (``lo`` a multiple of ``2**level``), so
the same code serves an in-memory list and a database that stores only some levels. Proofs never
depend on hash values for their shape, so ``plan_*`` runs the algorithm once with a recording
callback to learn which subtrees to fetch in one query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

__all__ = [
    "EMPTY_ROOT", "leaf_hash", "node_hash", "root", "perfect_pieces", "subtree_hash",
    "inclusion_path", "consistency_path", "plan_subtrees", "list_perfect",
    "root_from_inclusion", "verify_inclusion", "verify_consistency",
]

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()

Perfect = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, iteratively (a stack of perfect subtrees, largest first)."""
    stack: list[bytes] = []
    for n, h in enumerate(leaves):
        # Leaf n completes one perfect subtree per trailing 1 bit of n.
        while n & 1:
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            n >>= 1
        stack.append(h)
    return fold(stack) if stack else EMPTY_ROOT


def fold(pieces: Sequence[bytes]) -> bytes:
    """MTH from the perfect pieces of a range, largest (leftmost) first: right to left."""
    acc = pieces[-1]
    for h in reversed(pieces[:-1]):
        acc = _sha256(b"\x01" + h + acc).digest()
    return acc


def perfect_pieces(lo: int, hi: int) -> list[tuple[int, int]]:
    """The perfect subtrees ``(lo, level)`` that make up ``[lo, hi)``, largest first.

    Valid for every range the RFC recursion produces (``lo`` a multiple of a power of two not
    smaller than ``hi - lo``): the pieces follow the binary digits of ``hi - lo``.
    """
    pieces = []
    size = hi - lo
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            pieces.append((lo, level))
            lo += 1 << level
    return pieces


def subtree_hash(lo: int, hi: int, perfect: Perfect) -> bytes:
    """MTH of leaves ``[lo, hi)`` from its perfect pieces (``[0, n)`` gives the root of size n)."""
    if hi <= lo:
        return EMPTY_ROOT
    return fold([perfect(a, lvl) for a, lvl in perfect_pieces(lo, hi)])


def inclusion_path(index: int, size: int, perfect: Perfect) -> list[bytes]:
    """PATH(index, D[size]) of RFC 6962 2.1.1, leaf-side sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(subtree_hash(lo + k, hi, perfect))
            hi = lo + k
        else:
            path.append(perfect(lo, k.bit_length() - 1))
            lo += k
    path.reverse()
    return path


def consistency_path(old: int, new: int, perfect: Perfect) -> list[bytes]:
    """PROOF(old, D[new]) of RFC 6962 2.1.2 (empty when old is 0 or equals new)."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    path: list[bytes] = []
    lo, hi, m, complete = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                path.append(subtree_hash(lo, hi, perfect))
            break
        k = _split(n)
        if m <= k:
            path.append(subtree_hash(lo + k, hi, perfect))
            hi = lo + k
        else:
            path.append(perfect(lo, k.bit_length() - 1))
            lo, m, complete = lo + k, m - k, False
    path.reverse()
    return path


def plan_subtrees(build: Callable[[Perfect], object]) -> set[tuple[int, int]]:
    """Which perfect subtrees ``build(perfect)`` asks for, without computing any hash."""
    wanted: set[tuple[int, int]] = set()

    def record(lo: int, level: int) -> bytes:
        wanted.add((lo, level))
        return b""

    build(record)
    return wanted


def list_perfect(leaves: Sequence[bytes]) -> Perfect:
    """A ``perfect`` callback over an in-memory list of leaf hashes (for tests and tools)."""
    return lambda lo, level: root(leaves[lo:lo + (1 << level)])


# -- verification (RFC 9162 2.1.3.2 and 2.1.4.2) ---------------------------------------------


def root_from_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to, or None if the proof has the wrong shape."""
    if not 0 <= index < size or any(len(p) != 32 for p in path):
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes],
                     root_hash: bytes) -> bool:
    """True iff ``path`` proves leaf hash ``leaf`` at ``index`` in the tree ``root_hash``."""
    return len(leaf) == 32 and root_from_inclusion(leaf, index, size, path) == root_hash


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       path: Sequence[bytes]) -> bool:
    """True iff ``path`` proves the tree (old, old_root) is a prefix of (new, new_root)."""
    if not 0 <= old <= new or any(len(p) != 32 for p in path):
        return False
    if old == new:
        return not path and old_root == new_root
    if old == 0:
        return not path  # the empty tree is a prefix of every tree
    if not path:
        return False
    path = list(path)
    if old & (old - 1) == 0:  # old is a power of two: its root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
