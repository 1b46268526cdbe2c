"""The six tamper cases of the issue, on both backends, each against the external checkpoint file.

The log is set up with two checkpoints (100 and 137 entries) in the database and in the file.
Tampering is done the way an attacker with the database (but not the signing key, and not the
external file) would: plain SQL, recomputing hashes where that helps the attacker.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.auditlog import T0, event, raw, rebuild_nodes, rehash
from yaksok.auditlog.checkpoint import sign_checkpoint
from yaksok.auditlog.cpfile import append_note
from yaksok.errors import IntegrityError

pytestmark = pytest.mark.promise("P7.6", "P12.8")


@pytest.fixture
def sealed(audit):
    """137 entries; checkpoints at 100 and 137, in the database and in the external file."""
    audit.record_many([event(i) for i in range(100)])
    assert audit.seal(force=True).size == 100
    audit.record_many([event(i) for i in range(100, 137)])
    assert audit.seal(force=True).size == 137
    result = audit.verify()
    assert result.ok, result.problems
    return audit


def failed(audit, first_bad: int | None = None) -> list[str]:
    result = audit.verify()
    assert not result.ok
    if first_bad is not None:
        assert result.first_bad_seq == first_bad, result.problems
    with pytest.raises(IntegrityError):
        result.raise_for_failure()
    return result.problems


def test_an_untouched_log_verifies_and_proves(sealed):
    result = sealed.verify()
    assert result.ok and result.entries == 137 and result.checkpoints == 2
    assert result.summary().startswith("OK: 137 entries")
    assert sealed.prove_inclusion(41).verify()
    assert sealed.prove_consistency(100, 137).verify()


def test_a_modified_entry_is_named(sealed, yk):
    raw(yk.engine, "UPDATE access_log SET purpose = 'marketing' WHERE seq = 41")
    assert "entry 41 does not match its leaf hash" in failed(sealed, 41)[0]


def test_a_modified_entry_with_a_recomputed_leaf_hash_is_caught_by_the_stored_tree(sealed, yk):
    raw(yk.engine, "UPDATE access_log SET source_ip = '198.51.100.1' WHERE seq = 41")
    rehash(yk.engine, 41)
    # The leaf now matches its row; the stored subtree over 32..47 does not.
    assert "entries 32..47 do not match the stored tree" in failed(sealed, 32)[0]


def test_a_deleted_entry_is_named(sealed, yk):
    raw(yk.engine, "DELETE FROM access_log WHERE seq = 41")
    assert "entry 41 is missing" in failed(sealed, 41)[0]


def test_a_deleted_entry_with_the_rest_renumbered_is_named(sealed, yk):
    raw(yk.engine, "DELETE FROM access_log WHERE seq = 41")
    for seq in range(42, 137):
        raw(yk.engine, "UPDATE access_log SET seq = :n WHERE seq = :s", {"n": seq - 1, "s": seq})
    raw(yk.engine, "UPDATE access_log_head SET next_seq = 136")
    assert "entry 41 holds the entry signed as 42" in failed(sealed, 41)[0]


def test_a_swapped_pair_is_named(sealed, yk):
    raw(yk.engine, "UPDATE access_log SET seq = 9000041 WHERE seq = 41")
    raw(yk.engine, "UPDATE access_log SET seq = 41 WHERE seq = 42")
    raw(yk.engine, "UPDATE access_log SET seq = 42 WHERE seq = 9000041")
    assert "entry 41 holds the entry signed as 42" in failed(sealed, 41)[0]


def test_an_entry_inserted_inside_the_signed_range_is_named(sealed, yk):
    # Shift 41.. up by one (in two steps: seq is the primary key), then insert a well-formed
    # entry with a correct leaf hash at 41.
    raw(yk.engine, "UPDATE access_log SET seq = seq + 1000000 WHERE seq >= 41")
    raw(yk.engine, "UPDATE access_log SET seq = seq - 999999 WHERE seq >= 1000000")
    raw(yk.engine, "INSERT INTO access_log (seq, at, actor_id, actor_kind, categories, "
                   "operation, outcome, leaf_hash) VALUES (41, :at, 'st_9', 'staff', '', "
                   "'read', 'granted', :h)", {"at": T0, "h": b"\0" * 32})
    rehash(yk.engine, 41)
    raw(yk.engine, "UPDATE access_log_head SET next_seq = 138")
    assert "entry 42 holds the entry signed as 41" in failed(sealed, 41)[0]


def test_a_checkpoint_forged_without_the_key_is_rejected(sealed, yk):
    # The attacker rewrites entry 120 consistently (leaf, stored tree) and signs the new root
    # with a key of their own, in the database and in the external file.
    raw(yk.engine, "UPDATE access_log SET actor_id = 'st_9' WHERE seq = 120")
    rehash(yk.engine, 120)
    root = rebuild_nodes(yk.engine)
    [(origin,)] = raw(yk.engine, "SELECT origin FROM access_log_head")
    forged = sign_checkpoint(origin, 137, root, Ed25519PrivateKey.generate())
    raw(yk.engine, "UPDATE access_log_checkpoints SET root_hash = :r, note = :n WHERE size = 137",
        {"r": root, "n": forged})
    append_note(sealed.checkpoint_path, forged)
    problems = failed(sealed, 100)
    assert any("no signature by the log's key" in p for p in problems)
    assert any("entries 100..136 do not reproduce signed checkpoint 137" in p for p in problems)


def test_a_database_rolled_back_to_an_older_copy_fails_against_the_file(audit, yk):
    audit.record_many([event(i) for i in range(100)])
    audit.seal(force=True)
    sqlite = yk.engine.dialect.name == "sqlite"
    db_file = yk.engine.url.database
    if sqlite:
        yk.engine.dispose()  # closes the last connection: the WAL is folded into the file
        shutil.copy(db_file, db_file + ".copy")
    audit.record_many([event(i) for i in range(100, 137)])
    audit.seal(force=True)
    assert audit.verify().ok
    if sqlite:
        yk.engine.dispose()
        shutil.copy(db_file + ".copy", db_file)
    else:  # what restoring an older dump amounts to
        raw(yk.engine, "DELETE FROM access_log WHERE seq >= 100")
        raw(yk.engine, "DELETE FROM access_log_checkpoints WHERE size > 100")
        raw(yk.engine, "DELETE FROM access_log_nodes WHERE ((idx + 1) << level) > 100")
        raw(yk.engine, "UPDATE access_log_head SET next_seq = 100")
    assert raw(yk.engine, "SELECT max(size) FROM access_log_checkpoints") == [(100,)]
    problems = failed(audit, 100)
    assert any("checkpoint 137 is signed but the database has only 100 entries" in p
               for p in problems)
    # Nor will the log sign a history that contradicts the file.
    audit.record_many([event(i) for i in range(200, 260)])
    with pytest.raises(IntegrityError, match="refusing to sign a fork"):
        audit.seal(force=True)


def test_an_unsigned_tail_older_than_the_interval_fails(sealed, clock):
    sealed.checkpoint_seconds = 60
    sealed.record(event(0, at=clock.now))
    assert sealed.verify(now=clock.now + dt.timedelta(seconds=60)).ok
    late = sealed.verify(now=clock.now + dt.timedelta(seconds=60 + 31))
    assert not late.ok and "entries 137..137 are unsigned" in late.problems[0]
    sealed.seal(force=True)
    assert sealed.verify(now=clock.now + dt.timedelta(days=1)).ok


def test_the_external_file_missing_or_edited_fails(sealed):
    path = sealed.checkpoint_path
    text = path.read_text(encoding="utf-8")
    notes = text.split("\n\n\u2014")
    path.unlink()
    assert any("is missing or empty" in p for p in failed(sealed))
    # Drop the first checkpoint from the file but keep the second.
    path.write_text(text[len(notes[0]) + len(notes[1].split("\n\n", 1)[0]) + 4:],
                    encoding="utf-8")
    assert any("checkpoint 100 is in the database but not in" in p for p in failed(sealed))
