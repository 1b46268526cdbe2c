"""Signed checkpoints: the C2SP tlog-checkpoint text in a C2SP signed note, with Ed25519.

Stand-alone on purpose: verification needs only ``hashlib``, ``base64`` and the ``cryptography``
package, plus the log's 32-byte public key, so an auditor can check a checkpoint (and, with
``merkle.py``, a proof against it) without yaksok. A checkpoint note looks like::

    yaksok.local/yaksok-data/access-log
    1000
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — yaksok.local/yaksok-data/access-log Az3grlgt...

The body is the origin, the decimal tree size and the base64 RFC 6962 root, each ending in a
newline (c2sp.org/tlog-checkpoint). Then a blank line and one signature line per key: em dash,
space, key name, space, base64(4-byte key ID || 64-byte Ed25519 signature of the body), where
key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4] (c2sp.org/signed-note).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "Checkpoint", "InvalidCheckpoint", "key_id", "checkpoint_body", "sign_note", "split_note",
    "open_note", "sign_checkpoint", "parse_checkpoint", "verify_checkpoint", "split_notes",
    "check_origin",
]

SIG_PREFIX = "\u2014 "  # em dash, space
ED25519 = b"\x01"  # the signed-note signature type of Ed25519
_SIZE_RE = re.compile(r"^(0|[1-9][0-9]*)$")
# Signed notes carry no control characters but newline (signed-note, "Format").
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class InvalidCheckpoint(ValueError):
    """A note that is malformed, or not validly signed by the key given."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...]
    #: The signed text: body lines, each with its newline.
    body: str
    #: (key name, 4-byte key ID, signature) for every signature line, known key or not.
    signatures: tuple[tuple[str, bytes, bytes], ...]


def check_origin(origin: str) -> str:
    """An origin (= key name) must be non-empty with no spaces or '+' (tlog-checkpoint)."""
    if not origin or any(c.isspace() or c == "+" for c in origin) or _CONTROL.search(origin):
        raise InvalidCheckpoint(f"origin {origin!r} must be non-empty without spaces or '+'")
    return origin


def key_id(name: str, public_key: bytes) -> bytes:
    """The signed-note key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key).digest()[:4]


def checkpoint_body(origin: str, size: int, root: bytes, extensions: Iterable[str] = ()) -> str:
    if len(root) != 32 or size < 0:
        raise ValueError("a checkpoint needs a size >= 0 and a 32-byte root")
    lines = [check_origin(origin), str(size), base64.b64encode(root).decode("ascii")]
    for line in extensions:
        if not line or "\n" in line or _CONTROL.search(line):
            raise ValueError("an extension line is non-empty, one line, no control characters")
        lines.append(line)
    return "".join(line + "\n" for line in lines)


def sign_note(text: str, key_name: str,
              private_keys: Ed25519PrivateKey | Iterable[Ed25519PrivateKey]) -> str:
    """A signed note: ``text`` (ending in a newline), a blank line, one Ed25519 signature line
    per key (all named ``key_name``: a hand-over is signed by the old key and the new)."""
    if not text.endswith("\n") or _CONTROL.search(text):
        raise ValueError("note text ends with a newline and holds no control characters")
    keys = [private_keys] if isinstance(private_keys, Ed25519PrivateKey) else list(private_keys)
    lines = []
    for private_key in keys:
        public = private_key.public_key().public_bytes_raw()
        signature = private_key.sign(text.encode("utf-8"))
        blob = base64.b64encode(key_id(key_name, public) + signature).decode("ascii")
        lines.append(f"{SIG_PREFIX}{key_name} {blob}\n")
    return f"{text}\n" + "".join(lines)


def sign_checkpoint(origin: str, size: int, root: bytes,
                    private_keys: Ed25519PrivateKey | Iterable[Ed25519PrivateKey],
                    extensions: Iterable[str] = ()) -> str:
    """The signed note for tree (size, root), signed with the key(s) named ``origin``."""
    return sign_note(checkpoint_body(origin, size, root, extensions), origin, private_keys)


def split_note(note: str) -> tuple[str, tuple[tuple[str, bytes, bytes], ...]]:
    """(text, signatures) of a signed note; each signature is (key name, key ID, signature)."""
    if not note.endswith("\n") or _CONTROL.search(note):
        raise InvalidCheckpoint("a note ends with a newline and holds no control characters")
    # The text is separated from the signatures by the *last* empty line.
    cut = note.rfind("\n\n")
    if cut < 0:
        raise InvalidCheckpoint("no blank line between the text and its signatures")
    text, sig_text = note[:cut + 1], note[cut + 2:]
    signatures = []
    for line in sig_text.splitlines():
        if not line.startswith(SIG_PREFIX):
            raise InvalidCheckpoint("a signature line starts with an em dash and a space")
        name, _, blob = line[len(SIG_PREFIX):].rpartition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidCheckpoint("a signature is not valid base64") from None
        if not name or " " in name or len(raw) < 5:
            raise InvalidCheckpoint("a signature line needs a key name and a signature")
        signatures.append((name, raw[:4], raw[4:]))
    if not signatures:
        raise InvalidCheckpoint("the note has no signature")
    return text, tuple(signatures)


def open_note(note: str, key_name: str, public_keys: bytes | Iterable[bytes]) -> str:
    """The text of ``note`` if it carries a valid Ed25519 signature by ``key_name``'s key.

    Signatures by unknown keys are ignored; a signature by a known key (same name and key ID)
    that does not verify rejects the note (signed-note, "Signatures").
    """
    text, signatures = split_note(note)
    keys = [public_keys] if isinstance(public_keys, bytes | bytearray) else list(public_keys)
    known = {key_id(key_name, bytes(k)): bytes(k) for k in keys}
    verified = False
    for name, kid, signature in signatures:
        if name != key_name or kid not in known:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(known[kid]).verify(signature, text.encode())
        except InvalidSignature:
            raise InvalidCheckpoint("a signature by the log's key does not verify") from None
        verified = True
    if not verified:
        raise InvalidCheckpoint("no signature by the log's key")
    return text


def parse_checkpoint(note: str) -> Checkpoint:
    """Split a note and parse its checkpoint body; checks the format only, not signatures."""
    body, signatures = split_note(note)
    lines = body[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise InvalidCheckpoint("a checkpoint body has origin, size and root lines, none empty")
    origin, size_text, root_text = lines[:3]
    if not _SIZE_RE.match(size_text):
        raise InvalidCheckpoint(f"tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCheckpoint("the root hash is not valid base64") from None
    if len(root) != 32:
        raise InvalidCheckpoint("the root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(lines[3:]), body, signatures)


def verify_checkpoint(note: str, public_keys: bytes | Iterable[bytes], *,
                      origin: str | None = None) -> Checkpoint:
    """Parse ``note`` and check it is signed by one of ``public_keys`` (raw 32-byte Ed25519).

    The key name is the checkpoint's origin (tlog-checkpoint: it SHOULD match); ``origin``, when
    given, must equal the note's.
    """
    cp = parse_checkpoint(note)
    if origin is not None and cp.origin != origin:
        raise InvalidCheckpoint(f"checkpoint origin {cp.origin!r} is not this log's ({origin!r})")
    try:
        open_note(note, cp.origin, public_keys)
    except InvalidCheckpoint as exc:
        raise InvalidCheckpoint(f"checkpoint {cp.size}: {exc}") from None
    return cp


def split_notes(lines: Iterable[str]) -> Iterator[str]:
    """The notes of a checkpoint file: each note followed by one empty line, in order.

    A note is body lines, an empty line, then signature lines (em dash); the empty line after
    the signatures ends it. Lines are taken with or without their newline.
    """
    current: list[str] = []
    in_signatures = False
    for raw in lines:
        line = raw.rstrip("\n")
        if in_signatures and not line.startswith(SIG_PREFIX):
            yield "".join(x + "\n" for x in current)
            current, in_signatures = [], False
            if not line:
                continue
        if not line and current and not in_signatures:
            in_signatures = True
        if line or current:
            current.append(line)
    if current:
        yield "".join(x + "\n" for x in current)
