"""The promise table of the policy, and which promises the test suite proves.

``promises.yaml`` (in this package) numbers every promise of the SOMESING privacy policy. A test
of a promise's *behaviour* carries its ID (``@pytest.mark.promise("P6.3")``); a test that only
checks how it is worded — rendered text, a lint warning, a validation message — carries
``@pytest.mark.promise_text("P5.2")``. The pytest plugin ``tests/promise_plugin.py`` writes which
tests carry which ID, what each shows and how it ended, to a JSON report. This module reads that
report and tells, for each promise, whether it is

``proven``
    at least one *behaviour* test carrying its ID passed;
``recorded``
    no test proves it, but it is an organisational measure (kind ``R`` or ``E/R``) and the policy
    file records it (an organisational measure there names the promise IDs it records) — with
    current evidence in the measures register (``yaksok.measures``) when the CLI asks;
``overdue``
    such a promise whose measures' evidence is missing or past its review date;
``described``
    only tests of its wording passed: the policy says it, nothing shows the system does it;
``open``
    none of these (failing tests, if any, are listed).

The CLI shows it::

    $ yaksok promises --help
    Usage: yaksok promises [--report PATH] [--summary]

      Show which promises of the policy are proven by tests, recorded as organisational
      measures, or still open.

      --report PATH  the report written by pytest (default: build/promise-report.json,
                     or $YAKSOK_PROMISE_REPORT)
      --summary      print only the summary line

    $ pytest -q && yaksok promises --report build/promise-report.json
    P0.1   proven    tests/policy/test_render_facts.py::test_policy_rendering_carries_every_seed_fact[ko-md]
    P1.9   open      failing: tests/vault/test_collect.py::test_refusing_optional_items_keeps_service
    P5.2   described described by: tests/policy/test_check.py::test_marketing_cookie_needs_consent
    P7.3   recorded
    ...
    proven 40, recorded 3, described 2, open 19 of 64

This module is library code: it never imports pytest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from yaksok.errors import ConfigError, NotFound, ValidationError

__all__ = [
    "DEFAULT_REPORT",
    "KINDS",
    "REPORT_ENV",
    "STATUSES",
    "Promise",
    "PromiseStatus",
    "format_summary",
    "format_table",
    "load_report",
    "load_table",
    "status",
]

#: The kinds of promise: enforced by software, recorded (organisational), or both.
KINDS = ("E", "R", "E/R")
#: Where the pytest plugin writes its report unless ``$YAKSOK_PROMISE_REPORT`` says otherwise.
DEFAULT_REPORT = "build/promise-report.json"
REPORT_ENV = "YAKSOK_PROMISE_REPORT"

Status = Literal["proven", "recorded", "overdue", "described", "open"]
STATUSES: tuple[str, ...] = ("proven", "recorded", "overdue", "described", "open")
Outcome = Literal["passed", "failed", "skipped"]
_OUTCOMES: tuple[str, ...] = ("passed", "failed", "skipped")


@dataclass(frozen=True)
class Promise:
    """One numbered promise of the policy."""

    id: str
    section: str
    kind: str
    text: str

    @property
    def recordable(self) -> bool:
        """Whether an organisational measure in the policy file can stand for a test."""
        return "R" in self.kind.split("/")


@dataclass(frozen=True)
class PromiseStatus:
    """A promise, its status, and the tests (node IDs) that carry its ID, by outcome; tests of
    its wording only are apart (``described_by``: those that passed)."""

    promise: Promise
    status: Status
    passed: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    described_by: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.promise.id


def _parse_table(text: str, origin: str) -> list[Promise]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin} is not valid YAML: {exc}") from exc
    rows = data.get("promises") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise ConfigError(f"{origin} must hold a non-empty list under 'promises'")
    table: list[Promise] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        where = f"{origin}, promise #{number}"
        if not isinstance(row, dict):
            raise ConfigError(f"{where} must be a mapping")
        missing = [key for key in ("id", "section", "kind", "text") if not row.get(key)]
        if missing:
            raise ConfigError(f"{where} lacks {', '.join(missing)}")
        promise = Promise(
            id=str(row["id"]),
            section=str(row["section"]),
            kind=str(row["kind"]),
            text=str(row["text"]),
        )
        if promise.kind not in KINDS:
            raise ConfigError(f"{where} ({promise.id}): kind must be one of {', '.join(KINDS)}")
        if promise.id in seen:
            raise ConfigError(f"{where}: duplicate id {promise.id}")
        seen.add(promise.id)
        table.append(promise)
    return table


@cache
def _packaged_table() -> tuple[Promise, ...]:
    text = resources.files("yaksok").joinpath("promises.yaml").read_text(encoding="utf-8")
    return tuple(_parse_table(text, "yaksok/promises.yaml"))


def load_table(source: str | Path | None = None) -> list[Promise]:
    """The promise table, in the order of the policy.

    By default ``promises.yaml`` shipped in the ``yaksok`` package; ``source`` names another file.
    """
    if source is None:
        return list(_packaged_table())
    path = Path(source)
    return _parse_table(path.read_text(encoding="utf-8"), str(path))


def load_report(path: str | Path) -> dict[str, Any]:
    """Read the JSON report the pytest plugin wrote (``promises`` maps an ID to its tests)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFound(
            f"no promise report at {path}", fix="run the tests first (make test, or pytest)"
        ) from exc
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(report, dict) or not isinstance(report.get("promises"), dict):
        raise ValidationError(
            f"{path} is not a promise report: it lacks the 'promises' mapping",
            fix="regenerate it with pytest (the plugin tests.promise_plugin writes it)",
        )
    return report


def _tests_by_outcome(entries: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {outcome: [] for outcome in _OUTCOMES}
    for entry in entries:
        # A report of version 1 knew only behaviour markers.
        if entry.get("shows", "behaviour") != "behaviour":
            continue
        outcome = entry.get("outcome")
        nodeid = entry.get("nodeid")
        if outcome in found and isinstance(nodeid, str) and nodeid not in found[outcome]:
            found[outcome].append(nodeid)
    return {outcome: tuple(nodeids) for outcome, nodeids in found.items()}


def status(
    table: Iterable[Promise],
    report: Mapping[str, Any] | None,
    recorded_ids: Collection[str] | Callable[[str], bool] | None = None,
    overdue_ids: Collection[str] = (),
) -> list[PromiseStatus]:
    """The status of every promise of ``table``, in table order.

    ``report`` is what :func:`load_report` returns (``None``: no tests ran). ``recorded_ids`` are
    the promise IDs the policy's organisational measures record with current evidence (or a
    predicate over an ID), ``overdue_ids`` those whose evidence is missing or lapsed; both only
    count for promises of kind ``R`` or ``E/R`` that no passing test proves.
    """
    tests: Mapping[str, Any] = (report or {}).get("promises") or {}
    if recorded_ids is None:
        is_recorded: Callable[[str], bool] = lambda _id: False  # noqa: E731
    elif callable(recorded_ids):
        is_recorded = recorded_ids
    else:
        recorded = frozenset(recorded_ids)
        is_recorded = recorded.__contains__
    statuses: list[PromiseStatus] = []
    for promise in table:
        entries = tests.get(promise.id) or ()
        found = _tests_by_outcome(entries)
        described = tuple(dict.fromkeys(
            e["nodeid"] for e in entries
            if e.get("shows") == "text" and e.get("outcome") == "passed"
            and isinstance(e.get("nodeid"), str)))
        if found["passed"]:
            state: Status = "proven"
        elif promise.recordable and is_recorded(promise.id):
            state = "recorded"
        elif promise.recordable and promise.id in overdue_ids:
            state = "overdue"
        elif described:
            state = "described"
        else:
            state = "open"
        statuses.append(PromiseStatus(promise, state, **found, described_by=described))
    return statuses


def format_summary(statuses: Collection[PromiseStatus]) -> str:
    """``proven 12, recorded 3, described 2, open 47 of 64`` (and ``, overdue N`` after
    ``open`` when some recorded promise's evidence is missing or lapsed)."""
    counts = {state: sum(1 for s in statuses if s.status == state) for state in STATUSES}
    overdue = f", overdue {counts['overdue']}" if counts["overdue"] else ""
    return (
        f"proven {counts['proven']}, recorded {counts['recorded']}, "
        f"described {counts['described']}, open {counts['open']}{overdue} of {len(statuses)}"
    )


def format_table(statuses: Collection[PromiseStatus], verbose: bool = False) -> str:
    """Plain text: one line per promise (ID, status, tests), then the summary line.

    A proven promise lists its passing tests; a described one the tests of its wording; an open
    one its failing tests, if any. ``verbose`` adds the section, kind and text of each promise,
    and the skipped tests.
    """
    width = max((len(s.id) for s in statuses), default=0)
    lines: list[str] = []
    for s in statuses:
        head = f"{s.id:<{width}}  {s.status:<9}"
        if verbose:
            head += f"  {s.promise.section:<8}  {s.promise.kind:<3}  {s.promise.text}"
        details: list[str] = []
        if s.passed:
            details.append(("passed: " if verbose else "") + ", ".join(s.passed))
        if s.failed:
            details.append("failing: " + ", ".join(s.failed))
        if s.described_by:
            details.append("described by: " + ", ".join(s.described_by))
        if verbose and s.skipped:
            details.append("skipped: " + ", ".join(s.skipped))
        sep = "  |  " if verbose else "  "
        lines.append(sep.join([head, *details]).rstrip() if details else head.rstrip())
    lines.append(format_summary(statuses))
    return "\n".join(lines)
