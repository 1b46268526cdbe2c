"""The witness (C2SP tlog-witness add-checkpoint) and cosignatures (C2SP tlog-cosignature), on
their own: every status the spec names, the cosigned message, persistence, hand-overs."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yaksok.auditlog import merkle
from yaksok.auditlog.checkpoint import InvalidCheckpoint, sign_checkpoint, split_note
from yaksok.auditlog.cosign import (
    COSIGNATURE,
    VerifierKey,
    add_checkpoint_body,
    cosign,
    cosignatures,
    handover_line,
    parse_add_checkpoint,
    parse_vkey,
    vkey,
)
from yaksok.errors import ConfigError
from yaksok.witness import Witness, init_witness
from yaksok.witness.core import HISTORY_FILE

ORIGIN = "yaksok.local/test/access-log"
# golang.org/x/mod/sumdb/note's documented verifier key (tests/auditlog/test_checkpoint.py).
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
LEAVES = [hashlib.sha256(b"\x00" + str(i).encode()).digest() for i in range(40)]
PERFECT = merkle.list_perfect(LEAVES)


def root(n: int) -> bytes:
    return merkle.root(LEAVES[:n])


def proof(old: int, new: int) -> list[bytes]:
    return merkle.consistency_path(old, new, PERFECT)


@pytest.fixture
def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def witness(tmp_path, log_key) -> Witness:
    w = init_witness(tmp_path / "w", "witness.test/w1")
    w.trust(vkey(ORIGIN, log_key.public_key().public_bytes_raw()))
    return w


def add(witness: Witness, old: int, size: int, key, *, path=None, tree_root=None,
        extensions=()):
    note = sign_checkpoint(ORIGIN, size, tree_root or root(size), key, extensions)
    body = add_checkpoint_body(old, proof(old, size) if path is None else path, note)
    return witness.add_checkpoint(body), note


def test_verifier_keys_match_the_go_reference_and_refuse_a_wrong_id():
    key = parse_vkey(GO_VKEY)
    assert key.name == "PeterNeumann" and key.key_id.hex() == "c74f20a3"
    assert str(key) == GO_VKEY == vkey(key.name, key.public)
    with pytest.raises(InvalidCheckpoint, match="key ID"):
        parse_vkey(GO_VKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(InvalidCheckpoint, match="witness cosigning key"):
        parse_vkey(GO_VKEY, COSIGNATURE)


def test_the_cosignature_layout_reads_the_c2sp_example():
    # tlog-cosignature's example line: key ID, then the big-endian time 1679315147.
    blob = base64.b64decode("jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2"
                            "oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==")
    assert len(blob) == 4 + 8 + 64 and struct.unpack(">Q", blob[4:12])[0] == 1679315147


def test_a_cosignature_signs_the_spec_message_and_nothing_else():
    key = Ed25519PrivateKey.generate()
    witness = VerifierKey("w.test/1", COSIGNATURE, key.public_key().public_bytes_raw())
    note = sign_checkpoint(ORIGIN, 7, root(7), Ed25519PrivateKey.generate())
    body = split_note(note)[0]
    line = cosign(body, "w.test/1", key, 1679315147)
    blob = base64.b64decode(line.split(" ")[-1])
    message = f"cosignature/v1\ntime 1679315147\n{body}".encode()
    key.public_key().verify(blob[12:], message)  # raises if the message differs
    assert blob[:4] == witness.key_id
    assert cosignatures(note + line, witness) == [1679315147]
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        cosignatures(note.replace("\n7\n", "\n8\n") + line, witness)


def test_a_checkpoint_consistent_with_the_last_is_cosigned_and_persisted(witness, log_key,
                                                                         tmp_path):
    answer, note = add(witness, 0, 10, log_key)
    assert answer.status == 200 and answer.body.startswith("\u2014 witness.test/w1 ")
    assert cosignatures(note + answer.body, witness.key)
    answer, note = add(witness, 10, 25, log_key)
    assert answer.status == 200
    # A second process over the same directory sees what the first cosigned.
    again = Witness(tmp_path / "w")
    assert again.logs()[ORIGIN]["size"] == 25 and again.latest(ORIGIN) == note + answer.body
    assert (tmp_path / "w" / HISTORY_FILE).read_text().count("\u2014 witness.test/w1 ") == 2
    assert (tmp_path / "w" / "witness-key.json").stat().st_mode & 0o077 == 0


def test_the_spec_statuses(witness, log_key):
    assert add(witness, 0, 10, log_key)[0].status == 200
    # 409: the old size is not the witness's; the body is its size, as text/x.tlog.size.
    answer = add(witness, 5, 20, log_key)[0]
    assert (answer.status, answer.body, answer.content_type) == (409, "10\n", "text/x.tlog.size")
    # 422: a proof that does not lead from the witnessed root (a fork of the history).
    forged = [hashlib.sha256(b"x").digest()] * len(proof(10, 20))
    assert add(witness, 10, 20, log_key, path=forged)[0].status == 422
    # 409: the same size with another root.
    assert add(witness, 10, 10, log_key, tree_root=root(11))[0].status == 409
    # 403: not signed by a key the witness trusts; 404: a log it does not know.
    assert add(witness, 10, 20, Ed25519PrivateKey.generate())[0].status == 403
    other = sign_checkpoint("elsewhere/log", 3, root(3), log_key)
    assert witness.add_checkpoint(add_checkpoint_body(0, [], other)).status == 404
    # 400: old larger than the checkpoint; malformed bodies.
    assert add(witness, 30, 20, log_key, path=[])[0].status == 400
    for body in (b"old 01\n\nx", b"new 1\n\n", b"\xff", b"old 1\nnot-base64!\n\n" + b"x"):
        assert witness.add_checkpoint(body).status == 400
    # Nothing refused moved the witness.
    assert witness.logs()[ORIGIN]["size"] == 10
    # The same checkpoint again is cosigned again (a retry after a lost answer).
    assert add(witness, 10, 10, log_key)[0].status == 200


def test_the_request_body_round_trips_and_refuses_64_proof_lines():
    note = sign_checkpoint(ORIGIN, 20, root(20), Ed25519PrivateKey.generate())
    old, path, parsed_note, cp = parse_add_checkpoint(add_checkpoint_body(10, proof(10, 20), note))
    assert (old, path, parsed_note, cp.size) == (10, proof(10, 20), note, 20)
    with pytest.raises(InvalidCheckpoint, match="63"):
        parse_add_checkpoint(add_checkpoint_body(10, [root(1)] * 64, note))


def test_the_witness_follows_a_hand_over_signed_by_both_keys(witness, log_key):
    assert add(witness, 0, 10, log_key)[0].status == 200
    new_key = Ed25519PrivateKey.generate()
    keys = [VerifierKey(ORIGIN, b"\x01", k.public_key().public_bytes_raw())
            for k in (log_key, new_key)]
    # The new key alone is not trusted yet.
    assert add(witness, 10, 20, new_key)[0].status == 403
    # A hand-over line signed by the old key only is refused (the new key must sign too).
    answer = add(witness, 10, 20, log_key, extensions=(handover_line(*keys),))[0]
    assert answer.status == 403
    answer = add(witness, 10, 20, [log_key, new_key], extensions=(handover_line(*keys),))[0]
    assert answer.status == 200
    assert add(witness, 20, 30, new_key)[0].status == 200


def test_init_refuses_to_overwrite_a_witness_and_bad_names(tmp_path):
    init_witness(tmp_path / "w", "witness.test/w1")
    key = json.loads((tmp_path / "w" / "witness-key.json").read_text())
    with pytest.raises(ConfigError):
        init_witness(tmp_path / "w", "witness.test/w1")
    assert json.loads((tmp_path / "w" / "witness-key.json").read_text()) == key
    with pytest.raises(ConfigError, match="spaces"):
        init_witness(tmp_path / "x", "a witness")
    with pytest.raises(ConfigError, match="no witness key"):
        Witness(tmp_path / "nothing")


def test_the_http_face_speaks_the_spec_and_refuses_a_huge_body(witness, log_key):
    from fastapi.testclient import TestClient

    from yaksok.api.witness_app import MAX_BODY, create_witness_app

    client = TestClient(create_witness_app(witness))
    note = sign_checkpoint(ORIGIN, 10, root(10), log_key)
    first = client.post("/add-checkpoint", content=add_checkpoint_body(0, [], note))
    assert first.status_code == 200 and cosignatures(note + first.text, witness.key)
    r = client.post("/add-checkpoint", content=add_checkpoint_body(0, [], note))
    assert (r.status_code, r.text, r.headers["content-type"]) == (409, "10\n", "text/x.tlog.size")
    assert client.post("/add-checkpoint", content=b"x" * (MAX_BODY + 1)).status_code == 413
    assert client.get("/latest", params={"origin": ORIGIN}).text == note + first.text
    assert client.get("/latest", params={"origin": "nobody"}).status_code == 404
    assert client.get("/key").text == f"{witness.key}\n"
    assert client.get("/add-checkpoint").status_code == 405



def test_a_damaged_state_is_a_503_and_does_not_lock_the_witness_up(witness, log_key, tmp_path):
    from fastapi.testclient import TestClient

    from yaksok.api.witness_app import create_witness_app

    client = TestClient(create_witness_app(witness))
    note = sign_checkpoint(ORIGIN, 10, root(10), log_key)
    state = tmp_path / "w" / "logs.json"
    good = state.read_text()
    state.write_text("{", encoding="utf-8")
    for r in (client.post("/add-checkpoint", content=add_checkpoint_body(0, [], note)),
              client.get("/latest", params={"origin": ORIGIN})):
        assert r.status_code == 503 and "damaged" in r.text and "Traceback" not in r.text
    state.write_text(good, encoding="utf-8")
    # The refused request let go of its locks: the next one is answered, not left waiting.
    done = []
    thread = threading.Thread(target=lambda: done.append(add(witness, 0, 10, log_key)[0]),
                              daemon=True)
    thread.start()
    thread.join(5)
    assert done and done[0].status == 200


def test_a_key_handed_over_to_two_keys_at_one_size_is_a_fork_of_keys():
    from yaksok.auditlog.checkpoint import parse_checkpoint
    from yaksok.auditlog.trust import Trust

    a, b, c = (Ed25519PrivateKey.generate() for _ in range(3))
    keys = {k: VerifierKey(ORIGIN, b"\x01", k.public_key().public_bytes_raw()) for k in (a, b, c)}
    notes = [sign_checkpoint(ORIGIN, 10, root(10), [a, new],
                             (handover_line(keys[a], keys[new]),)) for new in (b, c)]
    problems = Trust(pin=keys[a]).follow([(n, parse_checkpoint(n)) for n in notes])
    assert any("handed over twice" in p for p in problems), problems
    # One hand-over alone is no fork.
    assert Trust(pin=keys[a]).follow([(notes[0], parse_checkpoint(notes[0]))]) == []
