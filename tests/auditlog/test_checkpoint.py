"""Signed checkpoints: the C2SP signed-note and tlog-checkpoint formats, checked with only the
public key; the Go sumdb/note reference vector; other keys and altered notes rejected."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yaksok.auditlog.checkpoint import (
    InvalidCheckpoint,
    key_id,
    open_note,
    parse_checkpoint,
    sign_checkpoint,
    sign_note,
    split_notes,
    verify_checkpoint,
)

ORIGIN = "yaksok.local/data/access-log"
ROOT = hashlib.sha256(b"some root").digest()

# golang.org/x/mod/sumdb/note: the documented example, signed by "PeterNeumann".
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FF"
           "YC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def _go_keys() -> tuple[Ed25519PrivateKey, bytes]:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])
    public = base64.b64decode(GO_VKEY.split("+", 2)[2])
    assert seed[0] == public[0] == 1  # algorithm byte: Ed25519
    return Ed25519PrivateKey.from_private_bytes(seed[1:]), public[1:]


def test_signing_reproduces_the_go_reference_note_byte_for_byte():
    private, public = _go_keys()
    assert private.public_key().public_bytes_raw() == public
    assert key_id("PeterNeumann", public).hex() == "c74f20a3"
    assert sign_note(GO_TEXT, "PeterNeumann", private) == GO_NOTE
    assert open_note(GO_NOTE, "PeterNeumann", public) == GO_TEXT
    with pytest.raises(InvalidCheckpoint):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), "PeterNeumann", public)


@pytest.mark.promise("P7.6")
def test_checkpoint_note_has_the_exact_c2sp_form_and_verifies_with_the_public_key_only():
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    note = sign_checkpoint(ORIGIN, 1234, ROOT, key)
    body, blank, sig_line, end = note.split("\n")[0:3], note.split("\n")[3], \
        note.split("\n")[4], note.split("\n")[5:]
    assert body == [ORIGIN, "1234", base64.b64encode(ROOT).decode()]
    assert blank == "" and end == [""]
    dash, name, blob = sig_line.split(" ")
    assert dash == "\u2014" and name == ORIGIN
    raw = base64.b64decode(blob)
    want_id = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    assert raw[:4] == want_id and len(raw) == 4 + 64
    key.public_key().verify(raw[4:], "\n".join(body).encode() + b"\n")  # plain Ed25519
    cp = verify_checkpoint(note, public, origin=ORIGIN)
    assert (cp.origin, cp.size, cp.root, cp.extensions) == (ORIGIN, 1234, ROOT, ())


@pytest.mark.promise("P7.6")
def test_a_checkpoint_signed_by_another_key_or_altered_is_rejected():
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    forged = sign_checkpoint(ORIGIN, 1234, ROOT, other)
    with pytest.raises(InvalidCheckpoint, match="no signature by the log's key"):
        verify_checkpoint(forged, public)
    genuine = sign_checkpoint(ORIGIN, 1234, ROOT, key)
    for altered in (genuine.replace("\n1234\n", "\n1235\n"),
                    genuine.replace(base64.b64encode(ROOT).decode(),
                                    base64.b64encode(bytes(32)).decode())):
        with pytest.raises(InvalidCheckpoint, match="does not verify"):
            verify_checkpoint(altered, public)
    # Same name and key ID as the log's key, but a different signature: reject the note.
    sig_line = genuine.splitlines()[-1]
    raw = bytearray(base64.b64decode(sig_line.split(" ")[2]))
    raw[10] ^= 1
    bad = genuine.replace(sig_line.split(" ")[2], base64.b64encode(bytes(raw)).decode())
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        verify_checkpoint(bad, public)
    with pytest.raises(InvalidCheckpoint, match="origin"):
        verify_checkpoint(genuine, public, origin="yaksok.local/other/access-log")


def test_unknown_cosignatures_are_ignored():
    key, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    note = sign_checkpoint(ORIGIN, 7, ROOT, key)
    cosigned = sign_note(note.split("\n\n")[0] + "\n", "witness.example/w1", witness)
    both = note + cosigned.splitlines(keepends=True)[-1]
    cp = verify_checkpoint(both, key.public_key().public_bytes_raw())
    assert len(cp.signatures) == 2 and cp.size == 7
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(cosigned, key.public_key().public_bytes_raw())


@pytest.mark.parametrize("note", [
    "",
    "origin\n5\nAAAA\n",
    f"{ORIGIN}\n05\n{base64.b64encode(ROOT).decode()}\n\n\u2014 {ORIGIN} AAAAAAAA\n",
    f"{ORIGIN}\n5\n{base64.b64encode(ROOT[:31]).decode()}\n\n\u2014 {ORIGIN} AAAAAAAA\n",
    f"{ORIGIN}\n5\n\n\u2014 {ORIGIN} AAAAAAAA\n",
    f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()}\n\n- {ORIGIN} AAAAAAAA\n",
    f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()}\n\n\u2014 {ORIGIN} not*base64\n",
    f"{ORIGIN}\t\n5\n{base64.b64encode(ROOT).decode()}\n\n\u2014 {ORIGIN} AAAAAAAA\n",
])
def test_malformed_notes_are_refused(note):
    with pytest.raises(InvalidCheckpoint):
        parse_checkpoint(note)


def test_a_file_of_notes_splits_back_into_the_notes():
    key = Ed25519PrivateKey.generate()
    notes = [sign_checkpoint(ORIGIN, n, ROOT, key) for n in (1, 16, 1000)]
    text = "".join(n + "\n" for n in notes)
    assert list(split_notes(text.splitlines(keepends=True))) == notes
    # A reader that starts mid-note (the tail of a big file) realigns after one note.
    # The size line of the second note: a bare "16" may also be in the first note's signature.
    cut = text[text.index("\n16\n") + 4:]
    assert list(split_notes(cut.splitlines()))[-1] == notes[-1]
