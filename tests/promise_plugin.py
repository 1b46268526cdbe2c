"""pytest plugin: which tests prove which promise of the policy.

A test proves a promise by carrying its ID: ``@pytest.mark.promise("P6.3", "P6.8")`` — a test of
the promise's *behaviour*. A test that only checks how a promise is worded (rendered text, a lint
warning, a validation message) carries ``@pytest.mark.promise_text("P5.2")``: it *describes* the
promise and never proves it. The plugin

* fails the run at collection time if a marker names no ID, or an ID that
  ``src/yaksok/promises.yaml`` does not hold;
* at the end of the session writes ``build/promise-report.json`` (relative to the rootdir; the
  environment variable ``YAKSOK_PROMISE_REPORT`` names another path): for every promise ID the
  tests that carry it, what each shows (``behaviour`` or ``text``) and their outcome
  (``passed``, ``failed`` or ``skipped``), plus totals.

``yaksok promises`` (``yaksok.promises``) reads the report. Each parametrised case is its own entry,
so a test that passes on SQLite and skips on PostgreSQL still proves its promises. The plugin needs
no pytest-xdist; under xdist the controller writes the report from the workers' reports.

Loaded with ``-p tests.promise_plugin`` (pyproject's ``addopts``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from yaksok.promises import DEFAULT_REPORT, REPORT_ENV, load_table

MARKER = "promise"
TEXT_MARKER = "promise_text"
#: What a marker says its test shows.
SHOWS = {MARKER: "behaviour", TEXT_MARKER: "text"}
_OUTCOMES = ("passed", "failed", "skipped")


def promise_ids(item: pytest.Item, marker: str = MARKER) -> list[str]:
    """The promise IDs a test carries in ``marker``, in marker order, without repeats."""
    ids: list[str] = []
    for mark in item.iter_markers(marker):
        for arg in mark.args:
            if arg not in ids:
                ids.append(arg)
    return ids


def promise_claims(item: pytest.Item) -> list[tuple[str, str]]:
    """``(promise ID, shows)`` for every ID a test carries; behaviour wins over text."""
    behaviour = promise_ids(item, MARKER)
    text = [pid for pid in promise_ids(item, TEXT_MARKER) if pid not in behaviour]
    return [(pid, "behaviour") for pid in behaviour] + [(pid, "text") for pid in text]


def report_path(config: pytest.Config) -> Path:
    """Where the report goes: ``$YAKSOK_PROMISE_REPORT``, else ``build/`` under the rootdir."""
    override = os.environ.get(REPORT_ENV)
    return Path(override) if override else config.rootpath / DEFAULT_REPORT


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(id, ...): the test shows the behaviour of the numbered promise(s) of the "
        "policy, and proves them (see src/yaksok/promises.yaml)",
    )
    config.addinivalue_line(
        "markers",
        f"{TEXT_MARKER}(id, ...): the test checks only how the promise(s) are worded (rendered "
        "text, lint, validation); it describes them and proves nothing",
    )
    # One reporter per config: pytester runs pytest inside pytest with this same module.
    config.pluginmanager.register(PromiseReporter(config), "promise-reporter")


class PromiseReporter:
    """Checks the markers at collection, gathers outcomes, writes the report at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.known = [p.id for p in load_table()]  # table order
        self.promises_of: dict[str, list[tuple[str, str]]] = {}  # nodeid -> (ID, shows)
        self.outcomes: dict[str, str] = {}  # nodeid -> passed / failed / skipped

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Check every marker of every collected test, before any deselection."""
        known = frozenset(self.known)
        problems: list[str] = []
        for item in items:
            for name in SHOWS:
                for mark in item.iter_markers(name):
                    if mark.kwargs:
                        problems.append(
                            f"{item.nodeid}: @pytest.mark.{name} takes IDs only, no keywords"
                        )
                    if not mark.args:
                        problems.append(
                            f"{item.nodeid}: @pytest.mark.{name}() names no promise ID")
                    for arg in mark.args:
                        if not isinstance(arg, str) or arg not in known:
                            problems.append(f"{item.nodeid}: unknown promise ID {arg!r}")
            self.promises_of[item.nodeid] = promise_claims(item)
        if problems:
            raise pytest.UsageError(
                "promise markers name IDs that are not in src/yaksok/promises.yaml "
                "(fix the marker, or add the promise to the table):\n  " + "\n  ".join(problems)
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        # Travels with the report, also from an xdist worker to the controller.
        report.promise_claims = promise_claims(item)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        claims = getattr(report, "promise_claims", None)
        if claims:
            self.promises_of.setdefault(report.nodeid, [tuple(c) for c in claims])
        # A test failed if any phase failed, skipped if any phase skipped, passed if its call did.
        previous = self.outcomes.get(report.nodeid)
        if "failed" in (report.outcome, previous):
            self.outcomes[report.nodeid] = "failed"
        elif "skipped" in (report.outcome, previous):
            self.outcomes[report.nodeid] = "skipped"
        elif report.when == "call":
            self.outcomes[report.nodeid] = "passed"

    def build_report(self) -> dict[str, Any]:
        promises: dict[str, list[dict[str, str]]] = {pid: [] for pid in self.known}
        for nodeid, outcome in self.outcomes.items():
            for pid, shows in self.promises_of.get(nodeid, ()):
                promises.setdefault(pid, []).append(
                    {"nodeid": nodeid, "outcome": outcome, "shows": shows})
        carrying = [self.outcomes[n] for n in self.outcomes if self.promises_of.get(n)]
        proven = sum(
            1 for tests in promises.values()
            if any(t["outcome"] == "passed" and t["shows"] == "behaviour" for t in tests)
        )
        return {
            "version": 2,
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "promises": promises,
            "totals": {
                "promises": len(self.known),
                "proven": proven,
                "with_tests": sum(1 for tests in promises.values() if tests),
                "tests_run": len(self.outcomes),
                "tests_with_promises": len(carrying),
                **{outcome: carrying.count(outcome) for outcome in _OUTCOMES},
            },
        }

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):  # an xdist worker: the controller writes it
            return
        path = report_path(self.config)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        text = json.dumps(self.build_report(), indent=2, ensure_ascii=False) + "\n"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
