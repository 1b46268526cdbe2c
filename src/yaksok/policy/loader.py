"""Read a policy file into a ``Policy``, with every problem located by line and column.

PyYAML is used at the node level (``compose``) rather than ``safe_load`` for two reasons: plain
loading forgets where things stand, and it silently keeps the last of two duplicate keys. Dates
stay strings until pydantic reads them, so an impossible date such as the seed's 2019-02-29 becomes
a located error instead of a ``ValueError`` from inside the YAML library.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import types
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pydantic
import yaml
from pydantic import BaseModel

from yaksok.errors import PolicyError
from yaksok.policy.model import Policy
from yaksok.policy.problems import Locations, Problem

_SCALAR = yaml.constructor.SafeConstructor()
# libyaml's parser (when PyYAML has it) builds the same nodes with the same marks, ten times
# faster; every process loads the policy at least once, and tests load it thousands of times.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_COLLECTIONS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass(frozen=True)
class LoadedPolicy:
    """A parsed policy with its source, so it can be published and pointed into."""

    policy: Policy
    source: str
    file: str
    locations: Locations

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source.encode()).hexdigest()


class _Document:
    def __init__(self, file: str) -> None:
        self.file = file
        self.locations = Locations()
        self.problems: list[Problem] = []
        self._open: set[int] = set()  # nodes being converted: an alias back into one is a loop

    def error(self, where: tuple[int, int], message: str, fix: str = "") -> None:
        self.problems.append(Problem(self.file, where[0], where[1], "error", message, fix))

    def convert(self, node: yaml.Node, path: tuple) -> object:
        self.locations.values[path] = _mark(node)
        if id(node) in self._open:
            self.error(_mark(node), "this mapping or list contains an alias (*name) to itself",
                       "replace the alias with the values it should stand for")
            return None
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if node.tag not in _PLAIN_COLLECTIONS:
                self.error(_mark(node), f"unsupported YAML tag {node.tag!r}",
                           "remove the tag; a policy file holds plain text, numbers, lists and "
                           "mappings")
                return None
            self._open.add(id(node))
            try:
                return self._collection(node, path)
            finally:
                self._open.discard(id(node))
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # pydantic parses it, and reports an impossible day with its line
        try:
            return _SCALAR.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            self.error(_mark(node), f"unsupported YAML tag {node.tag!r}",
                       "remove the tag; a policy file holds plain text, numbers, lists and mappings")
            return None

    def _collection(self, node: yaml.MappingNode | yaml.SequenceNode, path: tuple) -> object:
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.error(_mark(key_node), "a mapping key must be a plain word",
                               "write the key as text, e.g. `key:`")
                    continue
                key = key_node.value
                if key in out:
                    first = self.locations.keys[(*path, key)]
                    self.error(_mark(key_node), f"duplicate key {key!r}",
                               f"it is already set on line {first[0]}; keep one of the two")
                    continue
                self.locations.keys[(*path, key)] = _mark(key_node)
                out[key] = self.convert(value_node, (*path, key))
            return out
        return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _syntax_problem(exc: yaml.MarkedYAMLError) -> tuple[tuple[int, int], str, str]:
    """Where a YAML syntax error stands, what it is and how to fix it.

    The problem mark is where the parser gave up; the context mark is where the construct it was
    reading began (an unclosed ``[`` is noticed only on a later line, so both are told).
    """
    mark = exc.problem_mark or exc.context_mark
    where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    context, problem, start = exc.context or "", exc.problem or "", exc.context_mark
    what = " ".join(p for p in (context, problem) if p) or "invalid YAML"
    fix = "fix the indentation, quoting or brackets here"
    opener = next((o for w, o in (("flow sequence", "["), ("flow mapping", "{"),
                                  ("quoted scalar", "quote")) if w in context), None)
    if "'\\t'" in problem:
        fix = "indent with spaces; YAML does not allow tabs for indentation"
    elif context == "while scanning a simple key" and start is not None:
        # The parser notices the missing colon only on a later line; the key is where it began.
        where = (start.line + 1, start.column + 1)
        what = "this line has no `:` after its key"
        fix = "write `key: value`, or indent it as the continuation of the line before"
    elif context.startswith("while parsing a block") and re.search(r"found '(<block|\?|-)", problem):
        # The context is the enclosing block, often the whole file: telling its line misleads.
        what = f"bad indentation: {problem}"
        fix = "keys of one mapping, and items of one list, start in the same column"
    elif opener and start is not None and problem:
        line, col = start.line + 1, start.column + 1
        what = f"{problem}, {context} that starts on line {line}, column {col}"
        fix = (f"close the quote opened on line {line}, column {col}" if opener == "quote" else
               f"close the `{opener}` opened on line {line}, column {col}, or separate its "
               "items with commas")
    return where, f"YAML syntax: {what}", fix


_FIX_BY_PATTERN = {
    r"^[A-Z]{2}": "a jurisdiction key is a country code such as KR, or a region such as US-CA",
    r"^P\d": "promise IDs look like P7.1; see src/yaksok/promises.yaml",
    r"(\.[a-z]": "category keys are dotted lower-case words, e.g. user.contact.email",
}
_TRAILING_FIX = re.compile(r"^(?P<msg>.*\S) \((?P<fix>[^()]*)\)$", re.DOTALL)


def parse(source: str, file: str) -> tuple[object, Locations, list[Problem]]:
    """YAML text to plain Python data plus locations; syntax problems are returned, not raised."""
    doc = _Document(file)
    try:
        try:
            node = yaml.compose(source, Loader=_LOADER)
        except yaml.YAMLError:
            # Say what is wrong in the pure-Python parser's words: they name more context.
            node = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        doc.error(*_syntax_problem(exc))
        return None, doc.locations, doc.problems
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        doc.error((1, 1), f"YAML syntax: {exc}", "check the file is valid YAML")
        return None, doc.locations, doc.problems
    if node is None:
        doc.error((1, 1), "the file is empty", "start from policies/somesing.yaml")
        return None, doc.locations, doc.problems
    data = doc.convert(node, ())
    return data, doc.locations, doc.problems


def _fields_at(loc: tuple) -> list[str]:
    """The keys allowed by the model at a path, to suggest the right spelling of an unknown key."""
    annotation: object = Policy
    for part in loc:
        annotation = _unwrap(annotation, part)
        if annotation is None:
            return []
    annotation = _unwrap_optional(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return []


def _unwrap_optional(annotation):
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if args else annotation
    return annotation


def _unwrap(annotation, part):
    annotation = _unwrap_optional(annotation)
    if isinstance(part, int):
        args = typing.get_args(annotation)
        return args[0] if typing.get_origin(annotation) is list and args else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, f in annotation.model_fields.items():
            if part in (name, f.alias):
                return f.annotation
        return None
    if typing.get_origin(annotation) is dict:
        return typing.get_args(annotation)[1]
    return None


def _pydantic_problem(err: dict, file: str, locations: Locations) -> Problem:
    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if loc and loc[-1] == "[key]":  # a bad key of a mapping such as a jurisdiction's rights
        loc = loc[:-1]
        dotted = ".".join(str(p) for p in loc)
        line, col = locations.of_key(loc)
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        fix = f"did you mean {near[0]!r}?" if near else "use one of the values listed"
        return Problem(file, line, col, "error", f"unknown key {dotted!r}: "
                       f"{err['msg'].replace('Input should be', 'it should be')}", fix)
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    if kind == "missing":
        line, col = locations.of_value(loc[:-1])
        return Problem(file, line, col, "error", f"missing key {dotted!r}",
                       f"add `{loc[-1]}:` here; see docs/policy-file.md")
    if kind == "extra_forbidden":
        line, col = locations.of_key(loc)
        allowed = _fields_at(loc[:-1])
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        fix = f"did you mean {near[0]!r}?" if near else "remove it"
        if allowed:
            fix += "; allowed here: " + ", ".join(allowed)
        return Problem(file, line, col, "error", f"unknown key {dotted!r}", fix)
    line, col = locations.of_value(loc)
    fix = "see docs/policy-file.md"
    if kind.startswith("date") or kind.startswith("datetime"):
        fix = "write a real calendar date as YYYY-MM-DD"
    elif kind == "literal_error":
        fix = "use one of the values listed"
    elif kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        fix = next((f for p, f in _FIX_BY_PATTERN.items() if p in pattern),
                   "keys are lower-case words joined by _, e.g. member_management")
    elif kind == "too_short":
        least = ctx.get("min_length", 1)
        entries = "entry" if least == 1 else "entries"
        msg = f"needs at least {least} {entries}, has {ctx.get('actual_length', 0)}"
        fix = "list at least one entry"
    elif kind == "string_type":
        fix = "write it as text; quote it if it looks like a number or a date, e.g. \"7.1\""
    elif kind == "model_type":
        msg = "expected a mapping of keys"
        fix = ("write both languages, e.g. {ko: 회원가입, en: Sign-up}"
               if ctx.get("class_name") == "Text" else "write the keys this section takes, "
               "indented under it; see docs/policy-file.md")
    elif kind == "value_error" and (m := _TRAILING_FIX.match(msg)):
        msg, fix = m["msg"], m["fix"]  # a validator's message carries its own fix
    return Problem(file, line, col, "error", f"{dotted}: {msg}", fix)


def load_source(source: str, file: str) -> tuple[LoadedPolicy | None, list[Problem]]:
    """Parse and validate; the policy is returned only if there is no error at all."""
    loaded, problems = _load_source(source, file)
    return loaded, list(problems)


@lru_cache(maxsize=16)
def _load_source(source: str, file: str) -> tuple[LoadedPolicy | None, tuple[Problem, ...]]:
    # Cached: a process reads the same published text again and again (every open, every
    # worker, every test), and a LoadedPolicy is immutable.
    loaded, problems = _validate(source, file)
    return loaded, tuple(problems)


def _validate(source: str, file: str) -> tuple[LoadedPolicy | None, list[Problem]]:
    from yaksok.policy.crossref import cross_reference_problems

    data, locations, problems = parse(source, file)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(file, 1, 1, "error", "the policy must be a mapping of keys",
                              "start from policies/somesing.yaml")]
    try:
        policy = Policy.model_validate(data)
    except pydantic.ValidationError as exc:
        found = [_pydantic_problem(e, file, locations) for e in exc.errors()]
        return None, sorted(found, key=lambda p: (p.line, p.column))
    loaded = LoadedPolicy(policy, source, file, locations)
    problems = cross_reference_problems(loaded)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return loaded, problems


def load_file(path: Path | str) -> LoadedPolicy:
    """Load a policy file or raise ``PolicyError`` carrying every problem."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PolicyError(
            [Problem(str(path), 1, 1, "error", "policy file not found",
                     "give the path of a policy file, e.g. policies/somesing.yaml")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(
            [Problem(str(path), 1, 1, "error", "the file is not UTF-8 text", "save it as UTF-8")]
        ) from exc
    loaded, problems = load_source(source, str(path))
    if loaded is None:
        raise PolicyError([p for p in problems if p.severity == "error"])
    # A file (not yet a published text) is also held to its dates and its source text.
    errors = [p for p in file_problems(loaded) if p.severity == "error"]
    if errors:
        raise PolicyError(errors)
    return loaded


def file_problems(loaded: LoadedPolicy) -> list[Problem]:
    """What a policy file owes beyond its shape: no law before its day, and statements that
    match the source text it names (errors), and additions awaiting confirmation (warnings)."""
    p = loaded.policy
    source_stamp = None
    if p.provenance is not None:  # the answer changes with the source text too
        try:
            source_stamp = (Path(loaded.file).parent / p.provenance.source_text).stat().st_mtime_ns
        except OSError:
            source_stamp = -1
    key = (loaded.file, loaded.sha256, source_stamp)
    found = _FILE_PROBLEMS.get(key)
    if found is None:
        from yaksok.policy.laws import law_problems
        from yaksok.policy.trace import source_problems, structural_problems

        file, where = loaded.file, loaded.locations
        found = tuple(structural_problems(p, file, where) + law_problems(p, file, where)
                      + source_problems(p, file, where))
        if len(_FILE_PROBLEMS) > 32:
            _FILE_PROBLEMS.clear()
        _FILE_PROBLEMS[key] = found
    return list(found)


#: (file, its SHA-256, the source text's mtime) -> problems: every process loads the same
#: files again and again (tests thousands of times), and the answer depends on nothing else.
_FILE_PROBLEMS: dict[tuple, tuple[Problem, ...]] = {}


def load_history(path: Path | str) -> list[LoadedPolicy]:
    """The policy file at ``path`` and the files of the versions it follows
    (``provenance.follows``), oldest first."""
    chain: list[LoadedPolicy] = []
    seen: set[Path] = set()
    current: Path | None = Path(path)
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            raise PolicyError([Problem(str(current), 1, 1, "error",
                                       "`provenance.follows` leads back to this file",
                                       "name the file of the previous version, once")])
        seen.add(resolved)
        loaded = load_file(current)
        chain.append(loaded)
        settings = loaded.policy.provenance
        current = current.parent / settings.follows if settings and settings.follows else None
        if current is not None and not current.exists():
            raise PolicyError([Problem(
                loaded.file, *loaded.locations.of_value(("provenance", "follows")), "error",
                f"the version this policy follows is not beside it: {settings.follows}",
                "copy that file next to this one, or drop `provenance.follows`")])
    return chain[::-1]


def load_policy(path: Path | str) -> Policy:
    """The validated ``Policy`` in a file (raises ``PolicyError``)."""
    return load_file(path).policy
