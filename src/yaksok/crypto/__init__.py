"""Keys and encryption. See README.md for this layer's rules."""

from yaksok.crypto.keyring import DEFAULT_PURPOSES, PASSPHRASE_ENV, FileKeyring, Keyring
from yaksok.crypto.secretbox import open_sealed, open_sealed_b64, seal, seal_b64

__all__ = [
    "Keyring",
    "FileKeyring",
    "DEFAULT_PURPOSES",
    "PASSPHRASE_ENV",
    "seal",
    "open_sealed",
    "seal_b64",
    "open_sealed_b64",
]
