"""``yaksok audit``: verify, prove, checkpoint and expire end to end (SQLite data directory).

The proofs printed by the CLI are checked the way an outside auditor would: with the
stand-alone functions of ``merkle.py`` and ``checkpoint.py`` and the public key only.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from hashlib import sha256

import pytest

from tests.support.auditlog import event
from tests.support.paths import POLICY
from yaksok.auditlog.checkpoint import verify_checkpoint
from yaksok.auditlog.merkle import verify_consistency, verify_inclusion
from yaksok.cli import main
from yaksok.engine import open_yaksok
from yaksok.settings import Settings


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(POLICY))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)
    monkeypatch.delenv("YAKSOK_AUDIT_CHECKPOINTS", raising=False)

    def _run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert _run("init")[0] == 0
    return _run


@pytest.fixture
def logged(run, tmp_path):
    """40 entries written through the library into the CLI's data directory."""
    yk = open_yaksok(Settings.from_env())
    log = yk.audit
    log.record_many([event(i) for i in range(40)])
    yield log
    yk.close()


@pytest.mark.promise("P7.6")
def test_checkpoint_then_verify_ok(run, logged):
    code, out, _ = run("audit", "checkpoint")
    assert code == 0 and out.startswith("checkpoint 40 root ")
    assert run("audit", "checkpoint")[1] == "nothing new to sign; latest checkpoint 40\n"
    code, out, _ = run("audit", "verify")
    assert code == 0
    assert out.startswith("OK: 40 entries (seq 0..39), 1 checkpoints, latest size 40 root ")


@pytest.mark.promise("P7.6")
def test_verify_names_the_first_bad_entry_and_exits_1(run, logged, tmp_path):
    run("audit", "checkpoint")
    with sqlite3.connect(tmp_path / "data" / "yaksok.db") as db:
        db.execute("UPDATE access_log SET subject_ref = 'm_someone_else' WHERE seq = 17")
    code, out, err = run("audit", "verify")
    assert code == 1
    assert "problem: entry 17 does not match its leaf hash" in out
    assert err.startswith("error: access log verification failed at entry 17:")
    assert "Traceback" not in out + err


def test_verify_against_another_checkpoint_file(run, logged, tmp_path):
    run("audit", "checkpoint")
    elsewhere = tmp_path / "offsite.txt"
    elsewhere.write_text("", encoding="utf-8")
    code, out, _ = run("audit", "verify", "--checkpoints", str(elsewhere))
    assert code == 1 and "is missing or empty" in out
    copy = tmp_path / "copy.txt"
    copy.write_bytes((tmp_path / "data" / "access-log-checkpoints.txt").read_bytes())
    assert run("audit", "verify", "--checkpoints", str(copy))[0] == 0


@pytest.mark.promise("P7.6")
def test_prove_prints_an_inclusion_proof_an_auditor_can_check_alone(run, logged):
    run("audit", "checkpoint")
    code, out, _ = run("audit", "prove", "17")
    assert code == 0
    proof = json.loads(out)
    assert (proof["leaf_index"], proof["tree_size"]) == (17, 40)
    public = logged.keyring.log_signing_public_key()
    cp = verify_checkpoint(proof["checkpoint"], public)  # signed by the log's key
    assert cp.size == 40 and cp.root.hex() == proof["root_hash"]
    leaf = sha256(b"\x00" + proof["entry"].encode()).digest()  # the entry's own bytes
    assert leaf.hex() == proof["leaf_hash"]
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert verify_inclusion(leaf, 17, 40, path, cp.root)
    assert not verify_inclusion(leaf, 18, 40, path, cp.root)
    assert proof["entry"].split("\x1f")[:2] == ["1", "17"]
    assert base64.b64encode(cp.root).decode() in proof["checkpoint"]


def test_prove_consistency_between_two_checkpoints(run, logged):
    run("audit", "checkpoint")
    logged.record_many([event(i) for i in range(40, 77)])
    run("audit", "checkpoint")
    code, out, _ = run("audit", "prove", "--consistency", "40", "77")
    assert code == 0
    proof = json.loads(out)
    public = logged.keyring.log_signing_public_key()
    old = verify_checkpoint(proof["old_checkpoint"], public)
    new = verify_checkpoint(proof["new_checkpoint"], public)
    path = [bytes.fromhex(h) for h in proof["consistency_path"]]
    assert verify_consistency(40, 77, old.root, new.root, path)
    code, out, _ = run("audit", "prove", "5", "--size", "40")
    assert code == 0 and json.loads(out)["tree_size"] == 40


@pytest.mark.parametrize(("argv", "code", "message"), [
    (("audit", "prove", "999"), 3, "no access-log entry 999"),
    (("audit", "prove", "39", "--size", "500"), 2, "not between 1 and the latest"),
    (("audit", "prove"), 2, "name an entry, or --consistency"),
    (("audit", "prove", "--consistency", "77", "40"), 2, "must be between 0 and new size"),
])
def test_user_mistakes_get_an_error_line_and_exit_code(run, logged, argv, code, message):
    run("audit", "checkpoint")
    got, out, err = run(*argv)
    assert got == code and message in err and "Traceback" not in out + err


def test_prove_before_any_checkpoint_is_not_found(run, logged):
    code, _, err = run("audit", "prove", "3")
    assert code == 3 and "no checkpoint yet" in err


def test_expire_with_nothing_old_enough(run, logged):
    code, out, _ = run("audit", "expire")
    assert code == 0 and out.startswith("nothing to expire")


@pytest.mark.promise("P7.6")
def test_pinned_key_witness_and_rotation_from_the_command_line(run, logged, tmp_path,
                                                               monkeypatch):
    from tests.support.serving import serving
    from yaksok.api.witness_app import create_witness_app
    from yaksok.witness import Witness

    code, log_key, _ = run("audit", "key")
    assert code == 0 and log_key.startswith("yaksok.local/data/access-log+")
    code, witness_key, _ = run("witness", "init", "--dir", str(tmp_path / "w"), "--name",
                               "witness.test/w1", "--log-key", log_key.strip())
    assert code == 0 and witness_key.startswith("witness.test/w1+")
    with serving(create_witness_app(Witness(tmp_path / "w"))) as url:
        monkeypatch.setenv("YAKSOK_WITNESS_URL", url)
        monkeypatch.setenv("YAKSOK_WITNESS_KEY", witness_key.strip())
        code, out, _ = run("audit", "checkpoint")
        assert code == 0 and "the witness witness.test/w1 cosigned checkpoint 40" in out
        pin_file = tmp_path / "log-key.txt"
        pin_file.write_text(log_key, encoding="utf-8")
        code, out, _ = run("audit", "verify", "--key", str(pin_file))
        assert code == 0 and "signed by the pinned key, the witness's 40 reproduced" in out
        code, out, _ = run("audit", "rotate-key")
        assert code == 0 and out.startswith("signing key version 2 active; checkpoint 41 ")
        assert run("audit", "verify", "--key", log_key.strip())[0] == 0
        code, out, _ = run("witness", "status", "--dir", str(tmp_path / "w"))
        assert "cosigned up to 41\t2 key(s)" in out
    code, _, err = run("audit", "verify", "--no-witness", "--key", witness_key.strip())
    assert code == 6 and "--key" in err and "log signing key" in err
