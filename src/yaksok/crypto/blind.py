"""Blind indexes: find a member by an exact value without storing or decrypting that value.

    category key = HKDF-SHA256(ikm = keyring "index" key, salt = none,
                               info = b"yaksok blind index v1|" + category, length = 32)
    blind        = HMAC-SHA256(category key, UTF-8 of NFC(value))

One derived key per category and index-key version, so equal values in two categories do not
match and a leaked blind of one field says nothing about another. Callers pass values already
normalised for their kind (the members layer lowercases and IDNA-encodes emails and turns phones
into E.164); here only Unicode NFC is applied, so composed and decomposed Hangul hash the same.

New values are indexed under the active "index" version; lookups try every version in the
keyring, so rotating the index key never loses a member while rows made under the old version
remain. ``yaksok keys rotate`` remakes them (``yaksok.vault.reindex``) and ``--retire`` destroys
the old version, after which a blind copied anywhere before links to nothing.
"""

from __future__ import annotations

import hmac
import threading
import unicodedata
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["BlindIndex", "INFO_PREFIX", "normalise"]

INFO_PREFIX = b"yaksok blind index v1|"


def normalise(value: str) -> bytes:
    return unicodedata.normalize("NFC", value).encode("utf-8")


class BlindIndex:
    """Derives and caches the per-category keys of one keyring."""

    def __init__(self, keyring):
        self._keyring = keyring
        self._keys: dict[tuple[int, str], bytes] = {}
        self._lock = threading.Lock()

    def _key(self, version: int, category: str) -> bytes:
        k = (version, category)
        key = self._keys.get(k)
        if key is None:
            ikm = self._keyring.get("index", version)
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=INFO_PREFIX + category.encode()).derive(ikm)
            with self._lock:
                self._keys[k] = key
        return key

    def compute(self, category: str, value: str, version: int | None = None) -> bytes:
        """The blind of ``value`` under the active index key (or ``version``)."""
        if version is None:
            version = self._keyring.active("index")[0]
        return hmac.new(self._key(version, category), normalise(value), sha256).digest()

    def active_version(self) -> int:
        return self._keyring.active("index")[0]

    def all_versions(self, category: str, value: str) -> list[bytes]:
        """The blinds of ``value`` under every index-key version, newest first (for lookups)."""
        data = normalise(value)
        return [hmac.new(self._key(v, category), data, sha256).digest()
                for v in sorted(self._keyring.versions("index"), reverse=True)]

    def forget(self, version: int) -> None:
        """Drop the keys derived from a destroyed index version."""
        with self._lock:
            for k in [k for k in self._keys if k[0] == version]:
                del self._keys[k]

    def __repr__(self) -> str:
        return f"BlindIndex(derived={len(self._keys)})"
