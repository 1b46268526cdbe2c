"""The three attacks ``verify`` missed, caught with a witness and a pinned key (both backends).

An attacker who can write the database (and its checkpoint file), but cannot reach the witness's
machine: (1) rolls the database and the checkpoint file back together; (2) edits an entry, wipes
every checkpoint and lets the sealer sign afresh; (3) puts a key of their own in the keyring and
re-signs everything. Each passes ``verify`` alone — asserted, so the tests show what the witness
and the pin add — and fails with them. The witness is the real one, over HTTP on loopback.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import shutil
import socket
import threading
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.auditlog import event, raw, rebuild_nodes, rehash
from tests.support.serving import serving
from yaksok.api.witness_app import create_witness_app
from yaksok.auditlog.checkpoint import (
    parse_checkpoint,
    sign_checkpoint,
    split_note,
    verify_checkpoint,
)
from yaksok.auditlog.cosign import VerifierKey, cosignatures, parse_vkey
from yaksok.auditlog.cpfile import append_note
from yaksok.auditlog.witnessing import WitnessLink
from yaksok.errors import ConfigError, IntegrityError, StorageError
from yaksok.witness import init_witness

pytestmark = pytest.mark.promise("P7.6", "P12.8")


@pytest.fixture
def witness(tmp_path, audit):
    """A witness trusting this log's key, served on loopback; the log submits to it."""
    w = init_witness(tmp_path / "witness", "witness.test/w1")
    w.trust(audit.verifier_key())
    with serving(create_witness_app(w)) as url:
        audit.witness = WitnessLink.configured(url, str(w.key))
        yield w


def grow(audit, start: int, stop: int) -> None:
    audit.record_many([event(i) for i in range(start, stop)])
    audit.seal(force=True)
    audit.submit_to_witness()


def test_checkpoints_are_cosigned_and_verify_reproduces_the_witness(audit, witness, yk):
    grow(audit, 0, 100)
    grow(audit, 100, 137)
    assert witness.logs()[audit.origin]["size"] == 137
    [(line,)] = raw(yk.engine, "SELECT line FROM access_log_cosignatures WHERE size = 137")
    note = audit.latest_checkpoint().note
    assert cosignatures(note + line, witness.key)
    result = audit.verify()
    assert result.ok and result.witnessed_size == 137, result.problems
    assert "the witness's 137 reproduced" in result.summary()
    # Nothing new: no request, same answer.
    assert audit.submit_to_witness() == 137
    # A proof carries the cosigned checkpoint: checkable offline with both public keys.
    proof = audit.prove_inclusion(41)
    assert proof.verify() and cosignatures(proof.note, witness.key)
    assert verify_checkpoint(proof.note, audit.keyring.log_signing_public_key()).size == 137


def test_database_and_checkpoint_file_rolled_back_together(audit, witness, yk):
    grow(audit, 0, 100)
    db_file = yk.engine.url.database
    sqlite = yk.engine.dialect.name == "sqlite"
    cp_file = audit.checkpoint_path
    shutil.copy(cp_file, str(cp_file) + ".copy")
    if sqlite:
        yk.engine.dispose()
        shutil.copy(db_file, db_file + ".copy")
    grow(audit, 100, 137)
    # The attacker restores both copies (on PostgreSQL: what restoring an older dump does).
    shutil.copy(str(cp_file) + ".copy", cp_file)
    if sqlite:
        yk.engine.dispose()
        shutil.copy(db_file + ".copy", db_file)
    else:
        raw(yk.engine, "DELETE FROM access_log WHERE seq >= 100")
        raw(yk.engine, "DELETE FROM access_log_checkpoints WHERE size > 100")
        raw(yk.engine, "DELETE FROM access_log_cosignatures WHERE size > 100")
        raw(yk.engine, "DELETE FROM access_log_nodes WHERE ((idx + 1) << level) > 100")
        raw(yk.engine, "UPDATE access_log_head SET next_seq = 100")
    assert audit.verify(use_witness=False).ok  # the database and the file agree
    result = audit.verify()
    assert not result.ok
    assert any("checkpoint 137 is signed but the database has only 100 entries" in p
               for p in result.problems), result.problems
    # The rolled-back log goes on; the witness will not cosign its new history.
    audit.record_many([event(i) for i in range(500, 560)])
    audit.seal(force=True)
    with pytest.raises(IntegrityError, match="witness refused"):
        audit.submit_to_witness()
    assert witness.logs()[audit.origin]["size"] == 137


def test_checkpoints_wiped_and_signed_afresh(audit, witness, yk):
    grow(audit, 0, 100)
    grow(audit, 100, 137)
    # Edit entry 41 consistently, wipe every trace of the old signing, let the sealer re-sign.
    raw(yk.engine, "UPDATE access_log SET actor_id = 'st_9' WHERE seq = 41")
    rehash(yk.engine, 41)
    for table in ("access_log_checkpoints", "access_log_nodes", "access_log_cosignatures"):
        raw(yk.engine, f"DELETE FROM {table}")  # noqa: S608 - a constant
    raw(yk.engine, "UPDATE access_log_head SET origin = NULL")
    audit.checkpoint_path.unlink()
    assert audit.seal(force=True).size == 137
    assert audit.verify(use_witness=False).ok  # a consistent history, freshly signed
    result = audit.verify()
    assert not result.ok
    assert any("entries 0..136 do not reproduce signed checkpoint 137" in p
               or "two different signed roots for size 137" in p for p in result.problems)
    with pytest.raises(IntegrityError, match="witness refused"):
        audit.submit_to_witness()


def test_an_attacker_key_in_the_keyring_is_caught_by_the_pinned_key(audit, yk):
    pin = parse_vkey(audit.verifier_key())
    audit.record_many([event(i) for i in range(100)])
    audit.seal(force=True)
    audit.record_many([event(i) for i in range(100, 137)])
    audit.seal(force=True)
    assert audit.verify(pin=pin).ok
    # The attacker's key becomes the keyring's active one; entry 41 is edited and every
    # checkpoint re-signed with it, in the database and in the file.
    version = yk.keyring.rotate("log_signing")
    key = yk.keyring.ed25519_private(version)
    raw(yk.engine, "UPDATE access_log SET purpose = 'marketing' WHERE seq = 41")
    rehash(yk.engine, 41)
    rebuild_nodes(yk.engine)
    audit.checkpoint_path.unlink()
    with audit.engine.connect() as conn:
        from yaksok.auditlog.tree import TreeReader, read_head

        reader = TreeReader(conn, 0)
        roots = {s: reader.root_at(s) for s in (100, 137)}
        origin = read_head(conn).origin
    for size, root in roots.items():
        note = sign_checkpoint(origin, size, root, key)
        raw(yk.engine, "UPDATE access_log_checkpoints SET root_hash = :r, note = :n, "
                       "key_version = :v WHERE size = :s",
            {"r": root, "n": note, "v": version, "s": size})
        append_note(audit.checkpoint_path, note)
    assert audit.verify().ok  # the keyring's keys are believed: the documented gap
    result = audit.verify(pin=pin)
    assert not result.ok and result.pinned
    assert any("not signed by the pinned key" in p for p in result.problems), result.problems


def test_a_key_rotation_hands_over_and_the_pin_and_the_witness_follow(audit, witness, yk):
    first = parse_vkey(audit.verifier_key())
    grow(audit, 0, 50)
    version, info = audit.rotate_signing_key()
    assert version == 2 and info.size == 51 and info.key_version == 2
    text, signatures = split_note(info.note)
    assert text.splitlines()[3].startswith("key-handover ") and len(signatures) == 2
    assert witness.logs()[audit.origin]["size"] == 51  # cosigned through the hand-over
    second = parse_vkey(audit.verifier_key())
    assert second.public != first.public
    grow(audit, 51, 90)  # signed by the new key only; the witness follows
    assert witness.logs()[audit.origin]["size"] == 90
    for pin in (first, second):  # forwards from the old key, backwards from the new
        result = audit.verify(pin=pin)
        assert result.ok and result.pinned, result.problems
    # The old key can be destroyed: the pin still reaches every checkpoint through the chain.
    yk.keyring.destroy("log_signing", 1)
    assert audit.verify(pin=first).ok
    stranger = VerifierKey(first.name, b"\x01",
                           Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    assert not audit.verify(pin=stranger).ok


def test_an_unreachable_witness_stops_verify_but_not_the_log(audit, tmp_path):
    w = init_witness(tmp_path / "w", "witness.test/w1")
    audit.witness = WitnessLink.configured("http://127.0.0.1:9", str(w.key))
    audit.record_many([event(i) for i in range(20)])
    assert audit.seal(force=True).size == 20  # signing never waits for the witness
    with pytest.raises(StorageError, match="cannot be reached"):
        audit.submit_to_witness()
    with pytest.raises(StorageError, match="cannot be reached"):
        audit.verify()
    result = audit.verify(use_witness=False)
    assert result.ok and result.witnessed_size is None and "witness" not in result.summary()


def test_witness_settings_are_checked():
    with pytest.raises(ConfigError, match="YAKSOK_WITNESS_KEY"):
        WitnessLink.configured("http://127.0.0.1:8700", "")
    with pytest.raises(ConfigError, match="http"):
        WitnessLink.configured("file:///etc/passwd", "w+00000000+AAAA")
    with pytest.raises(ConfigError, match="YAKSOK_WITNESS_KEY"):
        WitnessLink.configured("http://127.0.0.1:8700", "not a key")
    assert WitnessLink.configured("", "") is None


def test_a_history_re_signed_under_another_origin_cannot_hide_from_the_witness(audit, witness,
                                                                              yk):
    # Attack 2 once more, but the sealer is made to sign the new history under another origin
    # (the database's, which the attacker writes): the witness knows no such log and has nothing
    # to show. That is not "nothing to reproduce", with the pin or without it.
    pin = parse_vkey(audit.verifier_key())
    grow(audit, 0, 100)
    grow(audit, 100, 137)
    raw(yk.engine, "UPDATE access_log SET actor_id = 'st_9' WHERE seq = 41")
    rehash(yk.engine, 41)
    for table in ("access_log_checkpoints", "access_log_nodes", "access_log_cosignatures"):
        raw(yk.engine, f"DELETE FROM {table}")  # noqa: S608 - a constant
    raw(yk.engine, "UPDATE access_log_head SET origin = NULL")
    audit.checkpoint_path.unlink()
    audit.seal(force=True)
    raw(yk.engine, "UPDATE access_log_head SET origin = 'elsewhere.example/log'")
    audit.record(event(137))
    renamed = audit.seal(force=True)  # the keyring's (pinned) key signs the new name
    raw(yk.engine, "DELETE FROM access_log_checkpoints WHERE size = 137")
    audit.checkpoint_path.write_text(renamed.note + "\n", encoding="utf-8")
    assert audit.verify(use_witness=False).ok  # a consistent history, freshly signed
    result = audit.verify()
    assert not result.ok and any("the witness has cosigned no checkpoint of" in p
                                 for p in result.problems), result.summary()
    result = audit.verify(pin=pin)
    assert not result.ok, result.summary()
    assert any("not the pinned key's" in p for p in result.problems), result.problems


def test_the_sealer_hands_over_to_no_key_on_its_own(audit, yk):
    # A key planted as the keyring's active one must not get a hand-over from the pinned key
    # at the next seal: that would make it "reached from the pin", and everything the attacker
    # then signs with it would verify. Only rotate_signing_key hands over.
    pin = parse_vkey(audit.verifier_key())
    audit.record_many([event(i) for i in range(50)])
    audit.seal(force=True)
    version = yk.keyring.rotate("log_signing")  # the attacker's key becomes the active one
    key = yk.keyring.ed25519_private(version)
    audit.record_many([event(i) for i in range(50, 80)])
    with pytest.raises(IntegrityError, match="no hand-over"):
        audit.seal(force=True)
    assert audit.latest_checkpoint().size == 50
    # So the attacker signs with their key alone, which the pin does not reach.
    raw(yk.engine, "UPDATE access_log SET purpose = 'marketing' WHERE seq = 60")
    rehash(yk.engine, 60)
    with audit.engine.connect() as conn:
        from yaksok.auditlog.tree import read_head

        origin = read_head(conn).origin
    note = sign_checkpoint(origin, 80, rebuild_nodes(yk.engine), key)
    raw(yk.engine, "INSERT INTO access_log_checkpoints (size, root_hash, note, key_version, "
                   "created_at) SELECT 80, :r, :n, :v, created_at FROM access_log_checkpoints "
                   "WHERE size = 50", {"r": parse_checkpoint(note).root, "n": note, "v": version})
    append_note(audit.checkpoint_path, note)
    assert audit.verify().ok  # the keyring's keys are believed: the documented gap
    result = audit.verify(pin=pin)
    assert not result.ok and any("not signed by the pinned key" in p for p in result.problems)


def test_a_forged_record_of_the_witness_does_not_stop_the_submissions(audit, witness, yk):
    grow(audit, 0, 100)
    # The database's record of what the witness cosigned is the attacker's to write; the
    # witness is asked, and its own answer (409 with its size) decides.
    raw(yk.engine, "INSERT INTO access_log_cosignatures (witness, size, cosigned_at, line) "
                   "SELECT 'witness.test/w1', 1000000, cosigned_at, line "
                   "FROM access_log_cosignatures WHERE size = 100")
    grow(audit, 100, 137)
    assert witness.logs()[audit.origin]["size"] == 137


def test_the_stored_cosignature_line_is_the_one_by_the_witness_key(audit, witness, yk):
    # tlog-witness: the answer may hold several signature lines; the client keeps only the one
    # whose name *and* key ID are the witness's (a line with its name but another ID is ignored).
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from yaksok.auditlog.checkpoint import SIG_PREFIX

    async def add(request):
        answer = witness.add_checkpoint(await request.body())
        stranger = base64.b64encode(b"\0" * 76).decode()
        body = f"{SIG_PREFIX}{witness.name} {stranger}\n{answer.body}" \
            if answer.status == 200 else answer.body
        return Response(body, status_code=answer.status,
                        headers={"content-type": answer.content_type})

    with serving(Starlette(routes=[Route("/add-checkpoint", add, methods=["POST"])])) as url:
        audit.witness = WitnessLink.configured(url, str(witness.key))
        grow(audit, 0, 20)
    [(line,)] = raw(yk.engine, "SELECT line FROM access_log_cosignatures WHERE size = 20")
    assert cosignatures(audit.latest_checkpoint().note + line, witness.key)


@contextlib.contextmanager
def _bad_server(answer):
    """A TCP server on loopback that runs ``answer(connection)`` for each connection."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()

    def run():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            threading.Thread(target=_serve_one, args=(answer, conn, stop), daemon=True).start()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        sock.close()


def _serve_one(answer, conn, stop) -> None:
    with conn, contextlib.suppress(OSError):
        conn.recv(65536)
        answer(conn, stop)


def _garbage(conn, stop) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")


def _drip(conn, stop) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(50):  # a header byte every 0.2 s: no single read waits long
        if stop.is_set():
            return
        conn.sendall(b"X")
        time.sleep(0.2)


def test_a_witness_that_is_not_one_or_drips_is_an_error_in_bounded_time(audit, tmp_path):
    w = init_witness(tmp_path / "w", "witness.test/w1")
    audit.record_many([event(i) for i in range(20)])
    audit.seal(force=True)
    with _bad_server(_garbage) as url:
        audit.witness = WitnessLink.configured(url, str(w.key))
        with pytest.raises(StorageError, match="witness"):
            audit.submit_to_witness()
        with pytest.raises(StorageError, match="witness"):
            audit.verify()
    with _bad_server(_drip) as url:
        audit.witness = dataclasses.replace(WitnessLink.configured(url, str(w.key)),
                                            timeout=1.0)
        started = time.monotonic()
        with pytest.raises(StorageError, match="witness"):
            audit.verify()
        assert time.monotonic() - started < 4


def test_a_log_stripped_of_every_checkpoint_and_renamed_does_not_pass(audit, witness, yk):
    # No checkpoint left anywhere and the head renamed, so the witness is asked about a log it
    # does not know: an edited history must not pass as one that was "never signed yet".
    grow(audit, 0, 100)
    raw(yk.engine, "UPDATE access_log SET actor_id = 'st_9' WHERE seq = 41")
    rehash(yk.engine, 41)
    for table in ("access_log_checkpoints", "access_log_nodes", "access_log_cosignatures"):
        raw(yk.engine, f"DELETE FROM {table}")  # noqa: S608 - a constant
    raw(yk.engine, "UPDATE access_log_head SET origin = 'elsewhere.example/log'")
    audit.checkpoint_path.unlink()
    result = audit.verify()
    assert not result.ok, result.summary()
    assert any("no checkpoint remains" in p for p in result.problems), result.problems
