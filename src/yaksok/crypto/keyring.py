"""The keyring: every key yaksok uses, by purpose and version, kept outside the database.

``Keyring`` is the interface the rest of yaksok depends on, so a KMS or HSM can replace the file.
``FileKeyring`` keeps the keys in one JSON file (mode 0600, written atomically) and optionally
wraps them under a passphrase (``YAKSOK_KEYRING_PASSPHRASE``: scrypt, then AES-256-GCM).

Purposes and what their keys are:

- ``kek``          32 random bytes; key-encryption keys for ``secretbox.seal``.
- ``index``        32 random bytes; HMAC keys for blind indexes.
- ``log_signing``  an Ed25519 private key (the 32-byte raw seed); signs the audit log.
- anything else    32 random bytes, created by the first ``rotate(purpose)`` (e.g. ``hold``).

Every purpose is versioned: ``rotate`` adds a version and makes it active, old versions stay so
what they sealed or signed can still be opened or verified, until ``destroy`` retires one (key
rotation, ``yaksok.rotation``: whatever it wrapped, in any copy, is then undecryptable). Key bytes never appear in a repr, a
message or an exception.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from yaksok.crypto.secretfiles import atomic_write, check_private, exclusive_lock, file_stamp
from yaksok.errors import ConfigError, Conflict, NotFound, NotInitialised

__all__ = ["Keyring", "FileKeyring", "PASSPHRASE_ENV", "DEFAULT_PURPOSES"]

PASSPHRASE_ENV = "YAKSOK_KEYRING_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
DEFAULT_PURPOSES = ("kek", "index", "log_signing")
_FORMAT = 1
_PURPOSE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_KEY_LEN = 32  # every purpose today: AES-256, HMAC-SHA256, Ed25519 seed
_WRAP_AAD = b"yaksok-keyring/1"
# OWASP's minimum for scrypt (128 MiB, ~0.4 s): paid once per process start, by design.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1


@runtime_checkable
class Keyring(Protocol):
    """Versioned keys by purpose. Implement this to keep keys in a KMS or HSM instead."""

    def active(self, purpose: str) -> tuple[int, bytes]: ...

    def get(self, purpose: str, version: int) -> bytes: ...

    def rotate(self, purpose: str) -> int: ...

    def versions(self, purpose: str) -> list[int]: ...

    def destroy(self, purpose: str, version: int) -> None: ...

    def ed25519_private(self, version: int | None = None) -> Ed25519PrivateKey: ...

    def ed25519_public(self, version: int | None = None) -> Ed25519PublicKey: ...

    def log_signing_public_key(self, version: int | None = None) -> bytes: ...


class _Purpose:
    """One purpose's versions. Its repr shows version numbers only."""

    __slots__ = ("active", "keys", "created")

    def __init__(self, active: int, keys: dict[int, bytes], created: dict[int, str]):
        self.active, self.keys, self.created = active, keys, created

    def __repr__(self) -> str:
        return f"_Purpose(active={self.active}, versions={sorted(self.keys)})"


class FileKeyring:
    """A keyring in a JSON file; re-read whenever the file changes (another process rotated)."""

    def __init__(self, path: Path, purposes: dict[str, _Purpose], passphrase: str | None):
        # Use ``create`` or ``open``; this only holds state.
        self._path = Path(path)
        self._purposes = purposes
        self._passphrase = passphrase
        self._wrap: dict | None = None  # kdf params and derived key of the file as last read
        self._created_at = ""
        self._stamp: tuple | None = None
        self._lock = threading.RLock()

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, passphrase: str | None = None) -> FileKeyring:
        """Create a new keyring file with version 1 of each default purpose; never overwrites.

        ``passphrase`` defaults to ``$YAKSOK_KEYRING_PASSPHRASE``; if either is set the key
        material is encrypted and the same passphrase is needed to open the file.
        """
        path = Path(path)
        passphrase = _passphrase_or_env(passphrase)
        now = _now()
        purposes = {p: _Purpose(1, {1: _generate(p)}, {1: now}) for p in DEFAULT_PURPOSES}
        ring = cls(path, purposes, passphrase)
        ring._created_at = now
        if passphrase:
            salt = os.urandom(16)
            ring._wrap = {"salt": salt, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
            ring._wrap["key"] = _derive(passphrase, ring._wrap)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, ring._serialise(), exclusive=True)
        ring._stamp = file_stamp(os.stat(path))
        return ring

    @classmethod
    def open(cls, path: str | Path, passphrase: str | None = None) -> FileKeyring:
        """Open an existing keyring; ``passphrase`` defaults to ``$YAKSOK_KEYRING_PASSPHRASE``."""
        ring = cls(Path(path), {}, _passphrase_or_env(passphrase))
        with ring._lock:
            ring._reload(force=True)
        return ring

    # -- the Keyring interface ----------------------------------------------------------------

    def active(self, purpose: str) -> tuple[int, bytes]:
        p = self._purpose(purpose)
        return p.active, p.keys[p.active]

    def get(self, purpose: str, version: int) -> bytes:
        p = self._purpose(purpose)
        try:
            return p.keys[int(version)]
        except (KeyError, ValueError):
            raise ConfigError(
                f"keyring {self._path} has no version {version} of the {purpose!r} key",
                fix="restore the keyring file from the backup that still holds it",
            ) from None

    def versions(self, purpose: str) -> list[int]:
        return sorted(self._purpose(purpose).keys)

    def purposes(self) -> list[str]:
        with self._lock:
            self._reload()
            return sorted(self._purposes)

    def rotate(self, purpose: str) -> int:
        """Add a new version of ``purpose`` and make it active; creates the purpose if new."""
        return self._add_version(purpose, only_if_missing=False)

    def destroy(self, purpose: str, version: int) -> None:
        """Retire ``version`` of ``purpose``: its key bytes leave the file for good.

        Refuses the active version. Everything sealed or wrapped with it, in this database or
        in any backup, can no longer be opened through this keyring; copies of the keyring file
        itself (backups) still hold it until they are destroyed too. Callers check first that
        nothing still needs it (``yaksok.rotation.retire_kek``).
        """
        _check_name(purpose)
        version = int(version)
        with self._lock, exclusive_lock(self._path):
            self._reload(force=True)  # another process may have rotated since we last looked
            current = self._purposes.get(purpose)
            if current is None or version not in current.keys:
                raise NotFound(
                    f"keyring {self._path} has no version {version} of the {purpose!r} key",
                    fix="list the versions with `yaksok keys status`",
                )
            if version == current.active:
                raise Conflict(
                    f"version {version} is the active {purpose!r} key; refusing to destroy it",
                    fix=f"rotate the {purpose!r} key to a new version first, rewrap what it protects, "
                    "then retire it",
                )
            del current.keys[version]
            current.created.pop(version, None)
            atomic_write(self._path, self._serialise(), exclusive=False)
            self._stamp = file_stamp(os.stat(self._path))

    def ensure(self, purpose: str) -> int:
        """The active version of ``purpose``, creating version 1 if it has none yet."""
        with self._lock:
            self._reload()
            if purpose in self._purposes:
                return self._purposes[purpose].active
        return self._add_version(purpose, only_if_missing=True)

    def _add_version(self, purpose: str, *, only_if_missing: bool) -> int:
        _check_name(purpose)
        with self._lock, exclusive_lock(self._path):
            # Re-read under the lock: another process may have rotated since we last looked,
            # and writing our stale copy back would destroy the key it added.
            self._reload(force=True)
            current = self._purposes.get(purpose)
            if current is not None and only_if_missing:
                return current.active
            if current is None:
                current = self._purposes[purpose] = _Purpose(0, {}, {})
            version = max(current.keys, default=0) + 1
            current.keys[version] = _generate(purpose)
            current.created[version] = _now()
            current.active = version
            atomic_write(self._path, self._serialise(), exclusive=False)
            self._stamp = file_stamp(os.stat(self._path))
            return version

    def ed25519_private(
        self, version: int | None = None, purpose: str = "log_signing"
    ) -> Ed25519PrivateKey:
        seed = self.active(purpose)[1] if version is None else self.get(purpose, version)
        return Ed25519PrivateKey.from_private_bytes(seed)

    def ed25519_public(
        self, version: int | None = None, purpose: str = "log_signing"
    ) -> Ed25519PublicKey:
        return self.ed25519_private(version, purpose).public_key()

    def log_signing_public_key(self, version: int | None = None) -> bytes:
        """The raw 32-byte Ed25519 public key that verifies the audit log (active by default)."""
        return self.ed25519_public(version).public_bytes_raw()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def protected(self) -> bool:
        """Whether the key material is encrypted under a passphrase in the file."""
        with self._lock:
            self._reload()
            return self._wrap is not None

    def __repr__(self) -> str:
        active = {name: p.active for name, p in sorted(self._purposes.items())}
        protected = self._wrap is not None
        return f"FileKeyring(path={str(self._path)!r}, active={active}, protected={protected})"

    __str__ = __repr__

    # -- file handling ------------------------------------------------------------------------

    def _purpose(self, purpose: str) -> _Purpose:
        with self._lock:
            self._reload()
            try:
                return self._purposes[purpose]
            except KeyError:
                _check_name(purpose)
                raise ConfigError(
                    f"keyring {self._path} has no {purpose!r} key",
                    fix=f"create the first version of the {purpose!r} key (a key rotation does)",
                ) from None

    def _reload(self, force: bool = False) -> None:
        """Re-read the file if it changed since we last read or wrote it (checked by stat)."""
        try:
            fd = os.open(self._path, os.O_RDONLY)
        except FileNotFoundError:
            raise NotInitialised(
                f"keyring file {self._path} does not exist",
                fix="run `yaksok init`, or point YAKSOK_KEYRING at the keyring file",
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot read keyring file {self._path}: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as fh:
            # fstat on the open file: the stamp then describes exactly the bytes we read, even
            # if another process replaces the file between our stat and our read.
            st = os.fstat(fh.fileno())
            check_private(self._path, st)
            stamp = file_stamp(st)
            if not force and stamp == self._stamp:
                return
            raw = fh.read()
        self._parse(raw)
        self._stamp = stamp

    def _parse(self, raw: bytes) -> None:
        try:
            doc = json.loads(raw)
            if doc.get("yaksok_keyring") != _FORMAT:
                raise ValueError("unknown format version")
            protection = doc.get("protection")
            if protection == "scrypt-aes256gcm":
                body = self._unwrap(doc)
            elif protection == "none":
                if self._passphrase:
                    raise ConfigError(
                        f"keyring {self._path} is not passphrase-protected, but a passphrase "
                        f"was given (is {PASSPHRASE_ENV} set?)",
                        fix=f"unset {PASSPHRASE_ENV}, or create the keyring with it set",
                    )
                self._wrap = None
                body = doc["purposes"]
            else:
                raise ValueError("unknown protection")
            purposes = {name: _decode_purpose(name, entry) for name, entry in body.items()}
            self._created_at = str(doc.get("created_at", ""))
        except ConfigError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            # The exception text can quote file content; name only the kind of damage.
            raise ConfigError(
                f"keyring file {self._path} is damaged ({type(exc).__name__})",
                fix="restore it from backup",
            ) from None
        self._purposes = purposes

    def _unwrap(self, doc: dict) -> dict:
        if not self._passphrase:
            raise ConfigError(
                f"keyring {self._path} is passphrase-protected and no passphrase was given",
                fix=f"set {PASSPHRASE_ENV}",
            )
        kdf = doc["kdf"]
        params = {
            "salt": _b64d(kdf["salt"]),
            "n": int(kdf["n"]),
            "r": int(kdf["r"]),
            "p": int(kdf["p"]),
        }
        if self._wrap and all(self._wrap[k] == v for k, v in params.items()):
            key = self._wrap["key"]  # same salt and cost: skip the deliberately slow scrypt
        else:
            key = _derive(self._passphrase, params)
        try:
            plain = AESGCM(key).decrypt(_b64d(doc["nonce"]), _b64d(doc["ciphertext"]), _WRAP_AAD)
        except InvalidTag:
            raise ConfigError(
                f"cannot unlock keyring {self._path}: wrong passphrase (or the file was altered)",
                fix=f"set {PASSPHRASE_ENV} to the passphrase the keyring was created with",
            ) from None
        self._wrap = {**params, "key": key}
        return json.loads(plain)

    def _serialise(self) -> bytes:
        body = {
            name: {
                "active": p.active,
                "keys": {
                    str(v): {"key": _b64e(p.keys[v]), "created_at": p.created.get(v, "")}
                    for v in sorted(p.keys)
                },
            }
            for name, p in sorted(self._purposes.items())
        }
        doc: dict = {"yaksok_keyring": _FORMAT, "created_at": self._created_at}
        if self._wrap is None:
            doc.update(protection="none", purposes=body)
        else:
            w = self._wrap
            nonce = os.urandom(12)
            sealed = AESGCM(w["key"]).encrypt(nonce, json.dumps(body).encode(), _WRAP_AAD)
            doc.update(
                protection="scrypt-aes256gcm",
                kdf={"salt": _b64e(w["salt"]), "n": w["n"], "r": w["r"], "p": w["p"]},
                nonce=_b64e(nonce),
                ciphertext=_b64e(sealed),
            )
        return (json.dumps(doc, indent=2) + "\n").encode()


# -- helpers -----------------------------------------------------------------------------------


def _generate(purpose: str) -> bytes:
    if purpose == "log_signing":
        return Ed25519PrivateKey.generate().private_bytes_raw()
    return os.urandom(_KEY_LEN)


def _decode_purpose(name: str, entry: dict) -> _Purpose:
    _check_name(name)
    keys: dict[int, bytes] = {}
    created: dict[int, str] = {}
    for version, item in entry["keys"].items():
        key = _b64d(item["key"])
        if len(key) != _KEY_LEN:
            raise ValueError("key of wrong length")
        keys[int(version)] = key
        created[int(version)] = str(item.get("created_at", ""))
    active = int(entry["active"])
    if active not in keys:
        raise ValueError("active version missing")
    return _Purpose(active, keys, created)


def _check_name(purpose: str) -> None:
    if not isinstance(purpose, str) or not _PURPOSE_RE.match(purpose):
        raise ValueError(f"keyring purpose must match {_PURPOSE_RE.pattern}, got {purpose!r}")


def _passphrase_or_env(passphrase: str | None) -> str | None:
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
    return passphrase or None


def _derive(passphrase: str, params: dict) -> bytes:
    kdf = Scrypt(salt=params["salt"], length=32, n=params["n"], r=params["r"], p=params["p"])
    return kdf.derive(passphrase.encode("utf-8"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
