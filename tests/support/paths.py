"""Where things are: the repository's root and the SOMESING policy the tests run with."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "somesing.yaml"


def policy_copy(directory: Path, text: str, name: str = "policy.yaml") -> Path:
    """``text`` written as a policy file in ``directory``, beside a copy of what the SOMESING
    policy names around it: its source text and the 2021 version it follows."""
    import shutil

    if not (directory / "sources").exists():
        shutil.copytree(POLICY.parent / "sources", directory / "sources")
        shutil.copy(POLICY.parent / "somesing-2021-11-03.yaml", directory)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
