"""A problem found in a policy file, located by line and column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Problem:
    """One thing wrong (error) or worth knowing (warning) about a policy file."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    severity: Literal["error", "warning"]
    message: str
    fix: str = ""

    def format(self) -> str:
        fix = f" ({self.fix})" if self.fix else ""
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}{fix}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }


DocPath = tuple  # a path into the document: keys and list indexes, e.g. ("purposes", 2, "bases")


class Locations:
    """Where each key and value of a YAML document stands, so any path can be pointed at."""

    def __init__(self) -> None:
        self.keys: dict[DocPath, tuple[int, int]] = {}
        self.values: dict[DocPath, tuple[int, int]] = {}

    def of_value(self, path: DocPath) -> tuple[int, int]:
        """The value at path, or the nearest enclosing thing that exists."""
        path = tuple(path)
        while path:
            if path in self.values:
                return self.values[path]
            if path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return self.values.get((), (1, 1))

    def of_key(self, path: DocPath) -> tuple[int, int]:
        path = tuple(path)
        return self.keys.get(path) or self.of_value(path)
