"""Verifier keys, key hand-overs, witness cosignatures and the witness's request body.

Stand-alone like ``checkpoint.py`` (hashlib, base64, ``cryptography``), so an auditor can check a
cosigned checkpoint without the rest of yaksok:

- a *verifier key* (c2sp.org/signed-note "vkey") names a key in one line:
  ``<name>+<hex key ID>+base64(<type byte> || <32-byte public key>)``; type 0x01 is a log's
  Ed25519 key, 0x04 a witness's Ed25519 cosigning key;
- a *cosignature* (c2sp.org/tlog-cosignature, Ed25519) is a note signature line whose blob is
  key ID || 8-byte big-endian timestamp || Ed25519 signature of
  ``"cosignature/v1\\ntime <timestamp>\\n" + <the checkpoint's body>``;
- an *add-checkpoint* request (c2sp.org/tlog-witness) is ``old <size>``, one base64 hash per
  line of the consistency proof, an empty line, then the signed checkpoint;
- a *hand-over* is yaksok's extension line ``key-handover <old vkey> <new vkey>`` in a checkpoint
  signed by both keys: whoever trusts one of them learns the other, so the log's signing key can
  be rotated while a pinned key or a witness keeps following it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from yaksok.auditlog.checkpoint import (
    ED25519,
    SIG_PREFIX,
    Checkpoint,
    InvalidCheckpoint,
    open_note,
    parse_checkpoint,
    split_note,
)

__all__ = ["COSIGNATURE", "VerifierKey", "parse_vkey", "vkey", "cosign", "cosignatures",
           "HANDOVER", "handover_line", "handovers", "add_checkpoint_body",
           "parse_add_checkpoint", "MAX_PROOF_LINES"]

COSIGNATURE = b"\x04"  # the signature type of an Ed25519 cosignature (tlog-cosignature)
HANDOVER = "key-handover"
MAX_PROOF_LINES = 63  # tlog-witness: a client sends no more
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,18})$")


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key: a log's (type 0x01) or a witness's (type 0x04)."""

    name: str
    kind: bytes
    public: bytes

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.name.encode("utf-8") + b"\n" + self.kind
                              + self.public).digest()[:4]

    def __str__(self) -> str:
        blob = base64.b64encode(self.kind + self.public).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{blob}"


def vkey(name: str, public: bytes, kind: bytes = ED25519) -> str:
    """The verifier-key text of ``public`` under ``name``."""
    return str(VerifierKey(name, kind, bytes(public)))


def parse_vkey(text: str, kind: bytes | None = None) -> VerifierKey:
    """Parse ``name+keyid+base64``; checks the key ID, the type (``kind`` if given), the length."""
    name, sep1, rest = text.strip().partition("+")
    hex_id, sep2, blob = rest.partition("+")
    if not (sep1 and sep2) or not name or any(c.isspace() for c in name):
        raise InvalidCheckpoint("a verifier key reads <name>+<hex key ID>+<base64 key>")
    try:
        raw = base64.b64decode(blob, validate=True)
        wanted_id = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError):
        raise InvalidCheckpoint("a verifier key's ID is hex and its key base64") from None
    if len(raw) != 33 or raw[:1] not in (ED25519, COSIGNATURE):
        raise InvalidCheckpoint("a verifier key holds a type byte (0x01 or 0x04) and a "
                                "32-byte Ed25519 key")
    key = VerifierKey(name, raw[:1], raw[1:])
    if kind is not None and key.kind != kind:
        want = "a log signing key (type 0x01)" if kind == ED25519 else \
            "a witness cosigning key (type 0x04)"
        raise InvalidCheckpoint(f"verifier key {name!r} is not {want}")
    if len(wanted_id) != 4 or key.key_id != wanted_id:
        raise InvalidCheckpoint(f"verifier key {name!r}: the key ID does not match the key")
    return key


# -- cosignatures -------------------------------------------------------------------------------

def _cosigned_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """The cosignature line (with its newline) of ``name``'s key over a checkpoint body."""
    if not 0 <= timestamp < 2**63:
        raise ValueError("a cosignature's timestamp is 0 .. 2^63-1")
    public = private_key.public_key().public_bytes_raw()
    kid = VerifierKey(name, COSIGNATURE, public).key_id
    signature = private_key.sign(_cosigned_message(body, timestamp))
    blob = base64.b64encode(kid + struct.pack(">Q", timestamp) + signature).decode("ascii")
    return f"{SIG_PREFIX}{name} {blob}\n"


def cosignatures(note: str, witness: VerifierKey) -> list[int]:
    """The timestamps of ``witness``'s valid cosignatures on ``note`` (others are ignored).

    A line with the witness's name and key ID whose signature does not verify rejects the note.
    """
    body, signatures = split_note(note)
    found = []
    for name, kid, blob in signatures:
        if name != witness.name or kid != witness.key_id:
            continue
        if len(blob) != 8 + 64:
            raise InvalidCheckpoint(f"a cosignature by {name} is not 8 + 64 bytes")
        (timestamp,) = struct.unpack(">Q", blob[:8])
        try:
            Ed25519PublicKey.from_public_bytes(witness.public).verify(
                blob[8:], _cosigned_message(body, timestamp))
        except InvalidSignature:
            raise InvalidCheckpoint(f"a cosignature by {name} does not verify") from None
        found.append(timestamp)
    return found


# -- key hand-overs ------------------------------------------------------------------------------

def handover_line(old: VerifierKey, new: VerifierKey) -> str:
    return f"{HANDOVER} {old} {new}"


def handovers(cp: Checkpoint, note: str) -> list[tuple[VerifierKey, VerifierKey]]:
    """The hand-overs ``note`` states, each checked to be signed by both its keys."""
    found = []
    for line in cp.extensions:
        word, _, rest = line.partition(" ")
        if word != HANDOVER:
            continue
        parts = rest.split(" ")
        if len(parts) != 2:
            raise InvalidCheckpoint(f"checkpoint {cp.size}: a hand-over names two keys")
        old, new = (parse_vkey(p, ED25519) for p in parts)
        if old.name != cp.origin or new.name != cp.origin or old.public == new.public:
            raise InvalidCheckpoint(f"checkpoint {cp.size}: a hand-over is between two keys "
                                    "named after the log's origin")
        for key in (old, new):
            open_note(note, cp.origin, key.public)
        found.append((old, new))
    return found


# -- the add-checkpoint request --------------------------------------------------------------

def add_checkpoint_body(old: int, proof: list[bytes] | tuple[bytes, ...], note: str) -> bytes:
    lines = [f"old {old}\n"] + [base64.b64encode(h).decode("ascii") + "\n" for h in proof]
    return ("".join(lines) + "\n" + note).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> tuple[int, list[bytes], str, Checkpoint]:
    """(old size, proof hashes, note, parsed checkpoint); InvalidCheckpoint when malformed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidCheckpoint("the request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise InvalidCheckpoint("the request needs an old size line, proof lines, an empty "
                                "line and the checkpoint")
    lines = (head + "\n").split("\n")[:-1]
    word, _, size = lines[0].partition(" ")
    if word != "old" or not _SIZE.match(size):
        raise InvalidCheckpoint("the first line reads `old <size>` in decimal")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise InvalidCheckpoint(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            h = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidCheckpoint("a proof line is one base64 hash") from None
        if len(h) != 32:
            raise InvalidCheckpoint("a proof line is one 32-byte hash")
        proof.append(h)
    return int(size), proof, note, parse_checkpoint(note)
