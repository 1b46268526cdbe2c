"""The demo is an outside app: it imports nothing of yaksok but itself (beside the import-linter
contract demo-apart, which lists the packages of today; this walk also catches tomorrow's)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DEMOAPP = Path(__file__).resolve().parents[2] / "src" / "yaksok" / "demoapp"


@pytest.mark.parametrize("path", sorted(DEMOAPP.glob("*.py")), ids=lambda p: p.name)
def test_the_demo_imports_nothing_of_yaksok_but_itself(path: Path):
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                 else [])
        found += [n for n in names if (n == "yaksok" or n.startswith("yaksok."))
                  and not n.startswith("yaksok.demoapp")]
        if isinstance(node, ast.ImportFrom) and node.level > 1:
            found.append("." * node.level + (node.module or ""))
    assert not found, f"{path.name} imports {found}: the demo reaches yaksok over REST only"


def test_building_the_module_builds_no_app():
    import yaksok.demoapp as demoapp

    assert not [v for v in vars(demoapp).values()
                if type(v).__name__ in ("Starlette", "FastAPI")]
