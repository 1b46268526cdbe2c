"""Trace every rendered item of a policy to its provenance, and check it against the source text.

An item without provenance of its own shares its parent's (a jurisdiction added with a reason
covers its deadlines, unless one carries its own). ``policy check`` reports, for a file that
declares ``provenance:``:

* an error for an item with no provenance at all, for a ``source:`` that names no section of the
  source text, for a ``quote:`` (or a sourced item's Korean label) that the section does not hold,
  and for an addition whose law takes effect after the version's effective date;
* a warning for each addition the privacy officer has not yet confirmed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from yaksok.policy.basics import Text
from yaksok.policy.model import Policy
from yaksok.policy.problems import Locations, Problem
from yaksok.policy.provenance import Addition, Sourced, SourceText, source_text_for


@dataclass(frozen=True)
class Traced:
    """One item the rendering may show, where it stands in the file, and its provenance."""

    path: tuple
    item: Sourced
    #: The item itself or its nearest ancestor that carries provenance (None: nothing does).
    holder: Sourced | None

    @property
    def source(self) -> str | None:
        return self.holder.source if self.holder else None

    @property
    def added(self) -> Addition | None:
        return self.holder.added if self.holder else None

    @property
    def is_addition(self) -> bool:
        return self.holder is not None and self.holder.is_addition


def _children(model: BaseModel) -> Iterator[tuple[str, object]]:
    for name, field in type(model).model_fields.items():
        if name in ("source", "quote", "added"):
            continue
        yield field.alias or name, getattr(model, name)


def walk(policy: Policy) -> Iterator[Traced]:
    """Every item of ``policy`` that carries provenance fields, outermost first."""

    def visit(value: object, path: tuple, holder: Sourced | None) -> Iterator[Traced]:
        if isinstance(value, Sourced):
            own = value if value.has_provenance else holder
            yield Traced(path, value, own)
            holder = own
        if isinstance(value, Text):  # a leaf: nothing inside carries provenance
            return
        if isinstance(value, BaseModel):
            for key, child in _children(value):
                if isinstance(child, BaseModel | list | tuple | dict):
                    yield from visit(child, (*path, key), holder)
        elif isinstance(value, list | tuple):
            for i, child in enumerate(value):
                if isinstance(child, BaseModel | list | tuple | dict):
                    yield from visit(child, (*path, i), holder)
        elif isinstance(value, dict):
            for key, child in value.items():
                if isinstance(child, BaseModel | list | tuple | dict):
                    yield from visit(child, (*path, key), holder)

    for key, child in _children(policy):
        yield from visit(child, (key,), None)


def provenance_of(policy: Policy) -> dict[int, Traced]:
    """``id(item)`` -> its trace, for the renderer (items are frozen, so ids are stable).

    Kept for the last few policies rendered: the policy in force is rendered per language and
    format, and the entry holds the policy itself, so its ids cannot be reused meanwhile.
    """
    entry = _TRACES.get(id(policy))
    if entry is None or entry[0] is not policy:
        if len(_TRACES) >= 8:
            _TRACES.clear()
        entry = _TRACES[id(policy)] = (policy, {id(t.item): t for t in walk(policy)})
    return entry[1]


_TRACES: dict[int, tuple[Policy, dict[int, Traced]]] = {}


def _label(item: Sourced) -> Text | None:
    for attr in ("label", "name"):
        value = getattr(item, attr, None)
        if isinstance(value, Text):
            return value
    return None


class _Report:
    def __init__(self, file: str, locations: Locations) -> None:
        self.file = file
        self.locations = locations
        self.problems: list[Problem] = []

    def add(self, severity: str, path: tuple, message: str, fix: str) -> None:
        line, col = self.locations.of_value(path)
        self.problems.append(Problem(self.file, line, col, severity, message, fix))


def _where(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def structural_problems(policy: Policy, file: str, locations: Locations) -> list[Problem]:
    """Errors that need no source text: items without provenance, additions before their law."""
    if policy.provenance is None:
        return []
    report = _Report(file, locations)
    effective = policy.current_version.effective
    reported: list[tuple] = []
    for t in walk(policy):
        # Only the outermost item without provenance is reported; its children would repeat it.
        if t.holder is None and not any(t.path[:len(r)] == r for r in reported):
            reported.append(t.path)
            report.add("error", t.path, f"{_where(t.path)} has no provenance",
                       'say where it comes from (source: "1(1)", with quote: "the words") or '
                       "why it is here (added: {why: {ko: ..., en: ...}, law: ..., since: ...})")
        added = t.item.added
        if added is not None and added.since is not None and added.since > effective:
            report.add("error", (*t.path, "added", "since"),
                       f"{_where(t.path)} rests on {added.law or 'a rule'} in force from "
                       f"{added.since.isoformat()}, after this version takes effect "
                       f"({effective.isoformat()}): no law before its day",
                       "leave it out of this version, or give the version a later effective date")
    return report.problems


def source_problems(policy: Policy, file: str, locations: Locations) -> list[Problem]:
    """Errors against the source text, and the additions awaiting the officer's confirmation."""
    settings = policy.provenance
    if settings is None:
        return []
    report = _Report(file, locations)
    source = source_text_for(settings, file)
    if source is None:  # a copy of the file elsewhere still works; it just is not checked
        report.add("warning", ("provenance", "source_text"),
                   f"cannot read the source text {settings.source_text!r}: sources and quotes "
                   "were not checked against it", "keep the source text beside the policy file, "
                   "at the path `provenance.source_text` gives")
    for t in walk(policy):
        item = t.item
        if source is not None and item.source is not None:
            _check_source(report, source, t)
        if item.added is not None and not item.added.confirmed:
            report.add("warning", (*t.path, "added"),
                       f"addition awaiting the privacy officer's confirmation: {_where(t.path)}: "
                       f"{item.added.why.en}",
                       "once confirmed, set added.confirmed_by and added.confirmed_on")
    return report.problems


def _check_source(report: _Report, source: SourceText, t: Traced) -> None:
    item = t.item
    section = item.source
    if not source.has(section):
        known = ", ".join(key for key, _ in source.top_sections())
        report.add("error", (*t.path, "source"),
                   f"{_where(t.path)}: the source text has no section {section!r}",
                   f"name one of its sections ({known}, or a subsection such as 1(1))")
        return
    if item.quote is not None:
        if not source.says(section, item.quote):
            report.add("error", (*t.path, "quote"),
                       f"{_where(t.path)}: section {section} of the source does not say the quoted "
                       "words", "quote the words exactly as the source prints them")
        return
    label = _label(item)
    if label is not None and item.added is None and not source.says(section, label.ko):
        report.add("error", (*t.path, "source"),
                   f"{_where(t.path)}: its label {label.ko!r} is not in section {section} of the "
                   "source", "quote the words of the source it stands for (quote: ...), or mark "
                   "it as changed with added: {why: ...}")


def read_source(policy: Policy, policy_file: str | Path) -> SourceText | None:
    """The source text a policy names, if it names one and it can be read."""
    if policy.provenance is None:
        return None
    return source_text_for(policy.provenance, policy_file)
