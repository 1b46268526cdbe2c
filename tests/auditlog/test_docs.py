"""docs/auditlog.md: the runnable example runs, and the documented encoding example is exact."""

from __future__ import annotations

import re
import subprocess
import sys
from hashlib import sha256
from pathlib import Path

import pytest

from tests.support.auditlog import event, raw
from yaksok.auditlog import append

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "auditlog.md").read_text(encoding="utf-8")


@pytest.mark.promise("P7.6")
def test_the_runnable_example_checks_a_proof_with_hashlib_and_cryptography_only(tmp_path):
    [code] = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["entry 17 by st_mina",
                                        "entry 17 is in the signed log of 41 entries"]


def test_the_documented_encoding_example_is_what_is_hashed(yk):
    shown = re.search(r"\n    (1␟7␟.*)\n", DOC).group(1)
    text = shown.replace("␟", "\x1f").replace("␞", "\x1e")
    with yk.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE access_log_head SET next_seq = 7")
    with yk.engine.begin() as conn:
        assert append(conn, event(7, actor_role=None, reason="", task=None)) == 7
    [(stored,)] = raw(yk.engine, "SELECT leaf_hash FROM access_log")
    assert bytes(stored) == sha256(b"\x00" + text.encode()).digest()
