"""The floor plan (docs/architecture.md) holds in the source, not only in the docs.

import-linter checks the layers (``make lint``, contracts in pyproject.toml). These tests check
what it cannot see: that only the vault (and the store that defines the schema) runs SQL on the
tables holding personal values, identifiers, blind indexes or keys; that no module reaches a
private module or name of another package; that nothing imports our modules by string; that no
two packages import each other, even through others; that the core imports no web or CLI
framework; and that every layer's README states its rule and the contract that checks it.

The tests follow the same plan: their folders mirror the packages, and no test module imports
another test module or a conftest (shared fixtures live in conftest.py files, shared helpers in
``tests/support/``).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "yaksok"
TESTS = ROOT / "tests"
#: Folders of tests/ that are no package of the source: helpers, and the browser tests' page.
TEST_ONLY_FOLDERS = ("support", "browser")
#: Tables holding personal values, identifiers, blind indexes or keys.
PERSONAL_TABLES = ("vault_values", "data_keys", "members", "held_records", "consent_events")
#: Where SQL on them may live: the vault, and the store that defines the schema.
DOOR = ("vault", "store")
_SQL = re.compile(r"\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+(" + "|".join(PERSONAL_TABLES) + r")\b",
                  re.IGNORECASE)
FRAMEWORKS = ("fastapi", "starlette", "typer", "uvicorn", "click")
INTERFACES = ("api", "cli", "web", "demoapp", "__main__")


def _modules() -> list[tuple[Path, str, ast.Module]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if path.name == "__init__.py" else rel.parts)
        out.append((path, name, ast.parse(path.read_text(encoding="utf-8"))))
    return out


MODULES = _modules()


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports(module: str, tree: ast.Module, is_package: bool):
    """(imported module, names) of every import in the module, wherever it stands."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[:len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, tuple(a.name for a in node.names)


#: Personal table names flagged as a bare string in a tuple or list (a list of tables to build
#: SQL from); "members" is also a scope's name, so only SQL on it counts.
_BARE = tuple(n for n in PERSONAL_TABLES if n != "members")


def _door_breaches(name: str, tree: ast.Module, is_package: bool) -> list[str]:
    """Every way a module outside the door names a personal table, as "module:line what"."""
    found = []
    tables_aliases = set()
    for target, names in _imports(name, tree, is_package):
        if target == "yaksok.store.tables":
            found += [f"{name}: imports the table {n}" for n in names if n in PERSONAL_TABLES]
            found += [f"{name}: imports all of yaksok.store.tables" for n in names if n == "*"]
        if target == "yaksok.store" and "metadata" in names:
            found.append(f"{name}: imports the schema's metadata (every table, by name)")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "yaksok.store":
            tables_aliases |= {a.asname or a.name for a in node.names if a.name == "tables"}
        if isinstance(node, ast.Import):
            tables_aliases |= {a.asname or a.name for a in node.names
                               if a.name == "yaksok.store.tables"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [f"{name}:{node.lineno} SQL on {m[2]}" for m in _SQL.finditer(node.value)]
        if isinstance(node, ast.Tuple | ast.List):
            found += [f"{name}:{e.lineno} lists the table {e.value}" for e in node.elts
                      if isinstance(e, ast.Constant) and e.value in _BARE]
        # ``tables.members`` (any alias of the tables module), ``sa.table("vault_values")``
        if isinstance(node, ast.Attribute) and node.attr in PERSONAL_TABLES:
            owner = ast.unparse(node.value)
            if owner in tables_aliases or owner.split(".")[-1] == "tables":
                found.append(f"{name}:{node.lineno} uses the table {node.attr}")
        if (isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "table"
                and node.args and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in PERSONAL_TABLES):
            found.append(f"{name}:{node.lineno} builds the table {node.args[0].value}")
        if isinstance(node, ast.Attribute) and node.attr == "reflect":
            found.append(f"{name}:{node.lineno} reflects the schema")
    return found


def test_only_the_vault_runs_sql_on_the_personal_tables():
    found = []
    for path, name, tree in MODULES:
        if _package(name) not in DOOR:
            found += _door_breaches(name, tree, path.name == "__init__.py")
    assert not found, "outside the vault:\n" + "\n".join(found)


@pytest.mark.parametrize("code", [
    "from yaksok.store.tables import vault_values",
    "from yaksok.store import tables as t\nx = t.members",
    "import yaksok.store.tables as t\nx = t.data_keys",
    "from yaksok.store import metadata",
    "import sqlalchemy as sa\nx = sa.table('held_records')",
    "PURGE = (('consent_events', 'id', 'member_id'),)",
    "x = 'SELECT * FROM members WHERE id = ?'",
    "from ..store.tables import members",
    "metadata.reflect(engine)",
])
def test_the_door_check_sees_each_way_around_it(code: str):
    assert _door_breaches("yaksok.rights.probe", ast.parse(code), False)


def test_no_package_enters_the_vault_but_through_its_face():
    """Other packages import ``yaksok.vault`` (its ``__all__``), never one of its modules; the
    ``one-door`` contract forbids every module the vault has."""
    found = [f"{name} imports {target}"
             for path, name, tree in MODULES if _package(name) != "vault"
             for target, _ in _imports(name, tree, path.name == "__init__.py")
             if target.startswith("yaksok.vault.")]
    assert not found, "\n".join(found)
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]
    door = next(c for c in contracts["contracts"] if c["id"] == "one-door")
    rooms = {f"yaksok.vault.{p.stem}" for p in (SRC / "vault").glob("*.py")
             if p.stem != "__init__"}
    assert rooms <= set(door["forbidden_modules"]), rooms - set(door["forbidden_modules"])


def test_the_vaults_face_hands_out_no_connection():
    """What ``yaksok.vault`` exports takes a ``Vault`` or plain values, never a database
    connection or engine: SQL on its tables runs inside it."""
    import inspect

    import yaksok.vault as face

    takers = []
    for export in face.__all__:
        obj = getattr(face, export)
        if inspect.isfunction(obj):
            params = set(inspect.signature(obj).parameters)
            if params & {"conn", "connection", "engine", "target"}:
                takers.append(export)
    assert not takers, takers


#: The tables the vault may name: its own, and the policy versions it reads (the door does not
#: reach into the tables of the layers above; they declare what an erased member leaves there).
VAULT_TABLES = PERSONAL_TABLES + (
    "member_sessions", "consent_renewals", "processing_restrictions", "objections", "erasures",
    "closure_receipts", "destruction_records", "policy_versions")


def _schema_tables() -> set[str]:
    text = (SRC / "store" / "tables.py").read_text(encoding="utf-8")
    return set(re.findall(r"^(\w+) = sa\.Table\(", text, re.MULTILINE))


def test_the_vault_names_no_table_of_the_layers_above():
    others = _schema_tables() - set(VAULT_TABLES)
    assert others and set(VAULT_TABLES) <= _schema_tables()  # the lists follow the schema
    in_sql = re.compile(r"\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+(" + "|".join(sorted(others))
                        + r")\b", re.IGNORECASE)
    found = []
    for _path, name, tree in MODULES:
        if _package(name) != "vault":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                # SQL on the table, or its bare name (a list of tables to build SQL from)
                found += [f"{name}:{node.lineno} SQL on {m[2]}"
                          for m in in_sql.finditer(node.value)]
                if node.value in others:
                    found.append(f"{name}:{node.lineno} names {node.value}")
            if isinstance(node, ast.ImportFrom) and node.module == "yaksok.store.tables":
                found += [f"{name}:{node.lineno} imports {a.name}" for a in node.names
                          if a.name in others]
    assert not found, "the vault reaches above itself:\n" + "\n".join(found)

def test_no_private_module_or_name_is_imported_across_packages():
    found = []
    for path, name, tree in MODULES:
        mine = _package(name)
        for target, names in _imports(name, tree, path.name == "__init__.py"):
            if not target.startswith("yaksok.") or _package(target) == mine:
                continue
            private = [p for p in target.split(".")[2:] if p.startswith("_")]
            private += [n for n in names if n.startswith("_")]
            if private:
                found.append(f"{name} imports {target}: {', '.join(private)}")
    assert not found, "\n".join(found)


def test_nothing_imports_our_modules_by_name_in_a_string():
    found = []
    for _path, name, tree in MODULES:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                called = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                if called in ("import_module", "__import__") and any(
                        isinstance(a, ast.Constant) and str(a.value).startswith("yaksok")
                        for a in node.args):
                    found.append(f"{name}:{node.lineno}")
    assert not found, "string imports of our modules:\n" + "\n".join(found)


def test_no_two_packages_import_each_other_even_through_others():
    graph: dict[str, set[str]] = defaultdict(set)
    for path, name, tree in MODULES:
        mine = _package(name)
        for target, _ in _imports(name, tree, path.name == "__init__.py"):
            if target.startswith("yaksok.") and _package(target) != mine:
                graph[mine].add(_package(target))
    # Tarjan's strongly connected components: any of more than one package is a cycle.
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    assert not cycles, f"packages importing each other: {cycles}"


def test_the_interfaces_hold_no_sql():
    """api and cli ask the library; they import no SQL toolkit and no table, and write no SQL
    (a clock, ``store.tables.utcnow``, and the health check's ``store.engine.ping`` are not)."""
    found = []
    for path, name, tree in MODULES:
        if _package(name) not in INTERFACES:
            continue
        for target, names in _imports(name, tree, path.name == "__init__.py"):
            if target.split(".")[0] == "sqlalchemy":
                found.append(f"{name} imports {target}")
            if target == "yaksok.store.tables" and set(names) - {"utcnow"}:
                found.append(f"{name} imports tables {sorted(set(names) - {'utcnow'})}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(
                    r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b", node.value):
                found.append(f"{name}:{node.lineno} SQL text")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", [p for p, n, _ in MODULES if _package(n) not in INTERFACES],
                         ids=lambda p: str(p.relative_to(SRC)))
def test_the_core_imports_no_web_or_cli_framework(path: Path):
    name = next(n for p, n, _ in MODULES if p == path)
    tree = next(t for p, _, t in MODULES if p == path)
    bad = sorted({t for t, _ in _imports(name, tree, path.name == "__init__.py")
                  if t.split(".")[0] in FRAMEWORKS or _package(t) in INTERFACES
                  and t.startswith("yaksok.")})
    assert not bad, f"{path.relative_to(SRC)} imports {bad}: that belongs in api/ or cli/"


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["id"] == "floor-plan")["layers"]
    return [m.strip() for layer in layers for m in layer.split("|")]


def test_every_module_of_the_package_has_its_place_on_the_floor_plan():
    placed = {m.removeprefix("yaksok.") for m in _layers()}
    tops = {_package(n) for _, n, _ in MODULES if n != "yaksok"}
    assert tops <= placed, f"not on the floor plan (pyproject.toml): {sorted(tops - placed)}"


@pytest.mark.parametrize("package", sorted({p.parent.name for p in SRC.glob("*/__init__.py")}))
def test_every_layer_readme_states_its_rule_and_its_contract(package: str):
    readme = SRC / package / "README.md"
    assert readme.exists(), f"{package}/ has no README.md stating its rule"
    text = readme.read_text(encoding="utf-8")
    assert "floor-plan" in text, (
        f"{package}/README.md does not name the import-linter contract (floor-plan) that "
        "checks its place")


# -- the tests' own plan -------------------------------------------------------------------------

def _test_suite() -> list[tuple[Path, str, ast.Module]]:
    out = []
    for path in sorted(TESTS.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts[:-1] if path.name == "__init__.py" else rel.parts)
        out.append((path, name, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def _a_test_module_or_conftest(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "tests" and any(p.startswith("test_") or p == "conftest" for p in parts)


def test_no_test_module_imports_another_test_module_or_a_conftest():
    found = []
    for path, name, tree in _test_suite():
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [f"{where}:{node.lineno} imports {a.name}" for a in node.names
                          if _a_test_module_or_conftest(a.name)]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    base = base[:len(base) - node.level + (1 if path.name == "__init__.py" else 0)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                found += [f"{where}:{node.lineno} imports {target}.{a.name}" for a in node.names
                          if _a_test_module_or_conftest(target)
                          or _a_test_module_or_conftest(f"{target}.{a.name}")]
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in node.targets):
                found += [f"{where}:{node.lineno} loads {c.value} as a plugin"
                          for c in ast.walk(node.value) if isinstance(c, ast.Constant)
                          and isinstance(c.value, str) and _a_test_module_or_conftest(c.value)]
    assert not found, (
        "a test module imports another test module or a conftest (fixtures belong in a "
        "conftest.py, which pytest finds by itself; helpers in tests/support/):\n"
        + "\n".join(found))


def test_the_test_folders_mirror_the_packages():
    folders = sorted({p.parent for p in TESTS.rglob("test_*.py")} - {TESTS})
    lost = [str(f.relative_to(ROOT)) for f in folders
            if not (SRC / f.relative_to(TESTS) / "__init__.py").exists()
            and f.relative_to(TESTS).parts[0] not in TEST_ONLY_FOLDERS]
    assert not lost, f"test folders that mirror no package of src/yaksok: {lost}"
    # Each folder is a package, so two folders' test_cli.py are two modules, not one clash.
    bare = [str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists()]
    assert not bare, f"test folders without an __init__.py: {bare}"
