"""RFC 6962 / 9162 Merkle hashing and proofs: known vectors, a naive reference, wrong proofs.

The vectors are the ones of transparency-dev/merkle (proof/verify_test.go, itself taken from
certificate-transparency): eight leaves, the root of every prefix, and a few proofs.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from yaksok.auditlog import merkle as M

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
# (leaf index, tree size, path) -- the vector file numbers leaves from 1; these are 0-based.
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
HASHES = [M.leaf_hash(d) for d in LEAVES]
SOME = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def mth(d: list[bytes]) -> bytes:
    """RFC 6962 2.1 written out literally: the reference the fast code must agree with."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = 1
    while k * 2 < len(d):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def test_roots_of_the_known_vectors():
    assert M.root([]) == M.EMPTY_ROOT == hashlib.sha256(b"").digest()
    for n in range(1, 9):
        assert M.root(HASHES[:n]) == ROOTS[n - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_of_the_known_vectors(index, size, path):
    want = [bytes.fromhex(h) for h in path]
    assert M.inclusion_path(index, size, M.list_perfect(HASHES)) == want
    assert M.verify_inclusion(HASHES[index], index, size, want, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_of_the_known_vectors(old, new, path):
    want = [bytes.fromhex(h) for h in path]
    assert M.consistency_path(old, new, M.list_perfect(HASHES)) == want
    assert M.verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], want)


def _wrong_inclusions(leaf, index, size, path, root):
    yield leaf, index - 1, size, path, root
    yield leaf, index + 1, size, path, root
    yield leaf, index ^ 2, size, path, root
    yield leaf, index, size * 2, path, root
    yield leaf, index, size // 2, path, root
    yield b"WrongLeaf", index, size, path, root
    yield SOME, index, size, path, root
    yield leaf, index, size, path, M.EMPTY_ROOT
    yield leaf, index, size, path + [b""], root
    yield leaf, index, size, path + [root], root
    yield leaf, index, size, [root] + path, root
    for i in range(len(path)):
        bad = list(path)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        yield leaf, index, size, bad, root
    if path:
        yield leaf, index, size, path[:-1], root
    if len(path) > 1:
        yield leaf, index, size, [path[0], SOME] + path[1:], root


def _wrong_consistencies(old, new, r1, r2, path):
    yield old - 1, new, r1, r2, path
    yield old + 1, new, r1, r2, path
    yield old ^ 2, new, r1, r2, path
    yield old, new * 2, r1, r2, path
    yield old, new // 2, r1, r2, path
    yield old, new, SOME, r2, path
    yield old, new, r1, SOME, path
    yield old, new, r2, r1, path
    yield old, new, r1, r2, []
    yield old, new, r1, r2, path + [r1]
    yield old, new, r1, r2, [r2] + path
    yield old, new, r1, r2, [path[0]] + path
    yield old, new, r1, r2, path[:-1]
    for i in range(len(path)):
        bad = list(path)
        bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
        yield old, new, r1, r2, bad


def test_every_proof_up_to_70_leaves_verifies_and_every_corruption_fails():
    rng = random.Random(6962)
    leaves = [M.leaf_hash(rng.randbytes(12)) for _ in range(70)]
    perfect = M.list_perfect(leaves)
    roots = [mth(leaves[:n]) for n in range(71)]
    for n in range(1, 71):
        assert M.root(leaves[:n]) == roots[n] == M.subtree_hash(0, n, perfect)
        for i in range(n):
            path = M.inclusion_path(i, n, perfect)
            assert M.verify_inclusion(leaves[i], i, n, path, roots[n])
            for args in _wrong_inclusions(leaves[i], i, n, path, roots[n]):
                assert not M.verify_inclusion(*args), (i, n, args[1:3])
        for m in range(0, n + 1):
            path = M.consistency_path(m, n, perfect)
            assert M.verify_consistency(m, n, roots[m], roots[n], path), (m, n)
            if path and 0 < m < n:
                for args in _wrong_consistencies(m, n, roots[m], roots[n], path):
                    assert not M.verify_consistency(*args), (m, n, args[:2])


def test_degenerate_sizes():
    h = M.leaf_hash(b"data")
    assert M.verify_inclusion(h, 0, 1, [], h)
    assert not M.verify_inclusion(h, 0, 1, [], b"")
    assert not M.verify_inclusion(b"", 0, 1, [], h)
    for index, size in ((0, 0), (1, 0), (2, 1)):
        assert not M.verify_inclusion(SOME, index, size, [], M.EMPTY_ROOT)
    assert M.verify_consistency(0, 0, SOME, SOME, [])
    assert M.verify_consistency(0, 5, SOME, ROOTS[4], [])
    assert not M.verify_consistency(1, 1, SOME, ROOTS[0], [])
    assert not M.verify_consistency(2, 1, ROOTS[1], ROOTS[0], [])
    assert not M.verify_consistency(1, 2, ROOTS[0], ROOTS[1], [])
    assert not M.verify_consistency(0, 1, M.EMPTY_ROOT, M.EMPTY_ROOT, [M.EMPTY_ROOT])
    with pytest.raises(ValueError):
        M.inclusion_path(3, 3, M.list_perfect(HASHES))
    with pytest.raises(ValueError):
        M.consistency_path(4, 3, M.list_perfect(HASHES))


def test_planning_asks_for_logarithmically_many_perfect_subtrees():
    size = 1_000_003
    wanted = M.plan_subtrees(lambda p: M.inclusion_path(777_777, size, p))
    assert len(wanted) <= 2 * size.bit_length()
    assert all(lo % (1 << level) == 0 and lo + (1 << level) <= size for lo, level in wanted)
    assert M.perfect_pieces(32, 45) == [(32, 3), (40, 2), (44, 0)]
