"""Every error's `fix` speaks to whoever reads it, not to a Python caller (issue 17's finding).

A REST client reads the same `fix` a Python caller does (problem details carry it as it is), so a
fix in Python syntax — `pass birth_date=...`, `call Vault.read(...)`, `purpose=None`,
`datetime.now(UTC)` — is one nobody sending JSON can act on. This walks every `fix` string
literal in src/yaksok (the `fix=` keyword, a `fix = ...` assignment, a `"fix":` key; f-strings
by their literal parts) and fails on Python's syntax and names. Fixes say what to give, in words,
naming the field as the client sends it ("give birth_date as YYYY-MM-DD")."""

from __future__ import annotations

import ast
import re

from tests.support.paths import ROOT

SRC = ROOT / "src" / "yaksok"

#: What a fix must not say, with why.
PYTHON = [
    (re.compile(r"\b\w+=(?!=)\S"), "keyword-argument syntax (name=value)"),
    (re.compile(r"\b[A-Za-z_][\w.]*\((?!s\))"), "a call (name(...))"),
    (re.compile(r"\b(?:None|True|False)\b"), "a Python constant"),
    (re.compile(r"\b(?:yk|self|cls|kwargs|Vault|Outbox)\."), "a Python object"),
    (re.compile(r"\bkwargs\b|\b(?:datetime|timedelta)\b"), "a Python name"),
    (re.compile(r"\bpass\b", re.IGNORECASE), "'pass' (a Python caller's word: give, send)"),
    (re.compile(r"\ba str\b|\ban int\b|\ba dict\b|\ba bool\b"), "a Python type"),
]

#: A command-line option with its KEY=VALUE argument (`--value user.name=홍길동`): the CLI's
#: own syntax, allowed in the CLI's modules only, which raise these about their own options.
CLI_OPTION = re.compile(r"--[\w-]+ [^\s=]+=\S+")

#: (path under src/yaksok, text the fix may hold): another interface's own syntax, not Python's.
ALLOWED = {
    # YAKSOK_RATE_LIMITS is written `login-pair=5/15 minutes;...`: the variable's own format.
    ("throttle/limiter.py", "name=limit"),
}


def _texts(node: ast.AST) -> list[str]:
    """The literal text of a fix's value: strings, f-strings' literal parts, +, conditionals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "{…}" for v in node.values)]
    if isinstance(node, ast.BinOp):
        return _texts(node.left) + _texts(node.right)
    if isinstance(node, ast.IfExp):
        return _texts(node.body) + _texts(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [t for v in node.values for t in _texts(v)]
    return []


def _fixes(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "fix":
            yield node.value
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "fix" for t in targets) and node.value:
                yield node.value
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "fix":
                    yield value


def _found() -> tuple[int, list[str]]:
    seen, bad = 0, []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        for value in _fixes(ast.parse(path.read_text("utf-8"))):
            for text in _texts(value):
                seen += 1
                for allowed_path, allowed in ALLOWED:
                    if rel == allowed_path:
                        text = text.replace(allowed, "")
                if rel.startswith("cli/"):
                    text = CLI_OPTION.sub("", text)
                for pattern, why in PYTHON:
                    if pattern.search(text):
                        bad.append(f"src/yaksok/{rel}:{value.lineno}: {why}: {text!r}")
    return seen, bad


def test_no_fix_text_is_written_in_python():
    seen, bad = _found()
    assert seen > 300  # the walk finds the fixes (there are hundreds)
    assert not bad, "fix texts in Python syntax:\n" + "\n".join(bad)


def test_the_walk_catches_what_it_looks_for():
    tree = ast.parse(
        "raise ValidationError('x', fix='pass birth_date=...')\n"
        "raise ValidationError('x', fix=f'call Vault.read({p}) first')\n"
        "fix = 'purpose=None'\n"
        "body = {'fix': 'use yk.read'}\n"
        "raise ValidationError('x', fix='give birth_date as YYYY-MM-DD')\n"
        "raise ValidationError('x', fix='retry after 3 attempt(s); see the rules (P7.5)')\n")
    texts = [t for v in _fixes(tree) for t in _texts(v)]
    flagged = [t for t in texts if any(p.search(t) for p, _ in PYTHON)]
    assert flagged == texts[:4]


def test_every_allowance_is_still_needed():
    for rel, allowed in ALLOWED:
        assert allowed in (SRC / rel).read_text("utf-8"), (rel, allowed)
