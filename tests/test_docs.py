"""Every Python example in the README and docs/ runs, as a reader would run it.

Each ```python block runs in a fresh interpreter from a directory holding a copy of
``policies/``, with ``YAKSOK_DATA_DIR`` pointing at a data directory initialised for its page
(blocks of one page share it, so a page can sign a member up in one block and log them in the
next). A block that uses ``yk`` without making one is given ``yk = open_yaksok(Settings.from_env())``
first, the way the page's text introduces it. SQLite, as a reader's first run is.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
_MAKES_YK = re.compile(r"^yk = ", re.MULTILINE)
PREAMBLE = ("from yaksok.engine import open_yaksok\nfrom yaksok.settings import Settings\n"
            "yk = open_yaksok(Settings.from_env())\n")


def _blocks(page: Path) -> list[str]:
    return _BLOCK.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p)], ids=lambda p: p.name)
def test_the_pages_python_examples_run(page: Path, tmp_path: Path):
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("YAKSOK_") or k == "YAKSOK_TEST_PG_URL"}
    env["YAKSOK_DATA_DIR"] = str(tmp_path / "data")
    env["YAKSOK_POLICY"] = str(tmp_path / "policies" / "somesing.yaml")
    init = subprocess.run([sys.executable, "-m", "yaksok", "init"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    for i, block in enumerate(_blocks(page)):
        code = block if _MAKES_YK.search(block) or "yk" not in block else PREAMBLE + block
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (
            f"{page.relative_to(ROOT)}, python example {i + 1}:\n{done.stderr[-3000:]}")


def test_every_test_security_md_names_exists():
    """SECURITY.md shows each promise by a test: each test it names is there, in that file."""
    text = (ROOT / "SECURITY.md").read_text("utf-8")
    named = re.findall(r"(tests/[\w/]+\.py)::(\w+)", text)
    named += [(f, t) for f, group in re.findall(r"`(tests/[\w/]+\.py)` \(([^)]*)\)", text)
              for t in re.findall(r"`(test_\w+)`", group)]
    assert len(named) >= 10
    missing = [f"{f}::{t}" for f, t in named
               if not re.search(rf"^def {t}\(", (ROOT / f).read_text("utf-8"), re.MULTILINE)]
    assert not missing, missing
