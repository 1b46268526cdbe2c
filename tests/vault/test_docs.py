"""docs/vault.md stays true: its example runs, and the rules it lists are the code's."""

from __future__ import annotations

import re

import pytest

from tests.support.paths import ROOT
from yaksok.vault.rules import RESTRICTION_REASONS, SINGLE_VALUED

DOC = ROOT / "docs" / "vault.md"


def example() -> str:
    text = DOC.read_text("utf-8")
    tail = text[text.index("## Example"):]
    return re.search(r"```python\n(.*?)```", tail, re.S).group(1)


@pytest.mark.promise("P7.2")
def test_the_documented_example_runs(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("tempfile.mkdtemp", lambda: str(tmp_path))
    monkeypatch.delenv("YAKSOK_KEYRING_PASSPHRASE", raising=False)
    exec(compile(example(), str(DOC), "exec"), {"__name__": "vault_doc_example"})  # noqa: S102
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["refused: consent-required", "refused: under-minimum-age"]
    assert "refused: no-lawful-basis" in out and out[-1] == "True"


def test_the_documented_lists_match_the_code():
    text = DOC.read_text("utf-8")
    for reason in RESTRICTION_REASONS:
        assert f"`{reason}`" in text
    assert len(SINGLE_VALUED) == 7 and "email, phone, real name, date of" in text
