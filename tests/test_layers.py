"""The layering rule of docs/architecture.md: the core imports nothing from HTTP or CLI code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "yaksok"
CORE = ["policy", "store", "crypto", "accounts", "auditlog", "vault", "members", "consent",
        "notify", "retention", "rights", "errors.py", "settings.py", "engine.py", "actors.py",
        "promises.py", "durable.py", "demo.py"]
FORBIDDEN = ("yaksok.api", "yaksok.cli", "fastapi", "starlette", "typer", "uvicorn")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _core_files() -> list[Path]:
    files: list[Path] = []
    for part in CORE:
        path = SRC / part
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_core_module_imports_no_http_or_cli_code(path: Path):
    bad = sorted(name for name in _imports(path)
                 if any(name == f or name.startswith(f + ".") for f in FORBIDDEN))
    assert not bad, f"{path.relative_to(SRC)} imports {bad}; move that code to api/ or cli.py"
