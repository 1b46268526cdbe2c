"""Where things are: the repository's root and the SOMESING policy the tests run with."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "somesing.yaml"
