"""``check_file``: the real policy is clean, and each broken policy yields the right located error.

The broken policies are derived from ``policies/somesing.yaml`` by the edits in
``tests/policy/cases``; the line and column each error must carry are marked in the edited text,
so no line number is written here by hand.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from tests.policy.cases import CASES, LINT_CASES, SOMESING, SOMESING_2021, Case
from yaksok.policy.lint import check_file
from yaksok.policy.problems import Problem

BASE = SOMESING.read_text(encoding="utf-8")
BASE_2021 = SOMESING_2021.read_text(encoding="utf-8")
#: What must never reach the user: Python internals instead of a located message.
NOISE = ("Traceback", "pydantic", "<class", "errors.pydantic.dev", "ValidationError", "Error(")


def _promise_table_loads() -> bool:
    try:
        from yaksok.promises import load_table

        return bool(load_table())
    except Exception:
        return False


def _write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    """The policy beside a copy of its source text, as it stands in ``policies/``."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    sources = tmp_path / "sources"
    if not sources.exists():
        shutil.copytree(SOMESING.parent / "sources", sources)
    return path


def _assert_well_formed(problem: Problem, path: Path) -> str:
    """The printed line: ``FILE:LINE:COL: severity: message (fix)``, with no Python noise."""
    line = problem.format()
    assert re.match(rf"^{re.escape(str(path))}:\d+:\d+: (error|warning): \S", line), line
    assert re.search(r" \(.+\)$", line), f"no fix in parentheses: {line}"
    assert problem.fix, line
    for noise in NOISE:
        assert noise not in line, f"{noise!r} leaks into: {line}"
    assert "\n" not in line, line
    return line


def _line_of(text: str, pattern: str) -> tuple[int, int]:
    """Line and column (1-based) of the first match of ``pattern`` in ``text``."""
    m = re.search(pattern, text, re.MULTILINE)
    assert m, pattern
    before = text[: m.start()]
    return before.count("\n") + 1, m.start() - (before.rfind("\n") + 1) + 1


# -- the real policy -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SOMESING, SOMESING_2021], ids=["current", "2021"])
def test_somesing_has_no_errors_and_every_line_is_well_formed(path: Path) -> None:
    problems = check_file(path)
    assert [p.format() for p in problems if p.severity == "error"] == []
    assert problems, "the real policy has known warnings (2019-02-29, additions to confirm)"
    for p in problems:
        _assert_well_formed(p, path)
    assert problems == sorted(problems, key=lambda p: (p.line, p.column))


@pytest.mark.promise_text("P0.1")
@pytest.mark.parametrize("path", [SOMESING, SOMESING_2021], ids=["current", "2021"])
def test_somesing_warns_about_the_printed_2019_02_29(path: Path) -> None:
    line, col = _line_of(path.read_text("utf-8"), r"(?<=^    printed_effective: )'2019-02-29'")
    warnings = [p for p in check_file(path) if "2019-02-29" in p.message]
    assert len(warnings) == 1
    w = warnings[0]
    assert (w.severity, w.line, w.column) == ("warning", line, col)
    assert "does not exist" in w.message and "yaksok uses 2019-03-01" in w.message
    # The discrepancy is a fact of the published text: it is reported whatever the day.
    assert any("2019-02-29" in p.message for p in check_file(path, dt.date(2019, 3, 1)))


@pytest.mark.promise_text("P12.1")
def test_the_2021_version_is_warned_that_privacy_shield_lapsed_before_it() -> None:
    line, col = _line_of(BASE_2021, r"(?<=^    mechanisms: \[)eu_us_privacy_shield\b")
    shield = [p for p in check_file(SOMESING_2021) if "eu_us_privacy_shield" in p.message]
    assert len(shield) == 1
    w = shield[0]
    assert (w.severity, w.line, w.column) == ("warning", line, col)
    assert "stale since 2020-07-16" in w.message and "Schrems II" in w.message
    assert "standard_contractual_clauses" in w.fix
    swiss = [p for p in check_file(SOMESING_2021) if "swiss_us_privacy_shield" in p.message]
    assert len(swiss) == 1 and "stale since 2020-09-08" in swiss[0].message
    # Judged against its own effective date (2021-11-03), whatever the day of the check.
    lapsed = [p for p in check_file(SOMESING_2021, dt.date(2020, 1, 1))
              if "lapsed on 2020-07-16" in p.message and "before this version took effect"
              in p.message]
    assert len(lapsed) == 1 and lapsed[0].severity == "warning"


@pytest.mark.promise_text("P12.1")
def test_the_current_version_relies_on_no_privacy_shield() -> None:
    problems = check_file(SOMESING)
    assert [p for p in problems if "awaiting" not in p.message and (
        "privacy_shield" in p.message.lower() or "privacy shield" in p.message.lower())] == []
    assert [p.format() for p in problems if p.severity == "error"] == []


# -- broken policies ---------------------------------------------------------------------------


def _params() -> list:
    return [
        pytest.param(case, id=case.id,
                     marks=[pytest.mark.promise_text(*case.promises)] if case.promises else [])
        for case in CASES
    ]


@pytest.mark.parametrize("case", _params())
def test_broken_policy_yields_its_error_at_its_line(case: Case, tmp_path: Path) -> None:
    if case.needs_promise_table and not _promise_table_loads():
        pytest.skip("src/yaksok/promises.yaml (the promise table) is not there yet")
    broken = case.build(BASE)
    path = _write(tmp_path, broken.text)
    problems = check_file(path)
    errors = [p for p in problems if p.severity == "error"]
    shown = "\n".join(p.format() for p in problems)
    for p in problems:
        _assert_well_formed(p, path)
    assert len(errors) == case.errors, f"{case.id}: expected {case.errors} error(s):\n{shown}"
    hits = [p for p in errors if re.search(case.message, p.message)]
    assert hits, f"{case.id}: no error matches /{case.message}/:\n{shown}"
    hit = hits[0]
    assert (hit.line, hit.column) == (broken.line, broken.column), (
        f"{case.id}: expected at {broken.line}:{broken.column}, got\n{hit.format()}")
    assert re.search(rf"^{re.escape(str(path))}:{broken.line}:{broken.column}: error: ",
                     hit.format())
    assert re.search(case.fix, hit.fix), f"{case.id}: fix does not match /{case.fix}/: {hit.fix}"
    if broken.see_line is not None:
        assert f"line {broken.see_line}" in f"{hit.message} ({hit.fix})", hit.format()
    # A broken file is never linted: the warnings of a valid policy would only be noise.
    assert all(p.severity == "error" for p in problems), shown


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES] + [c[0] for c in LINT_CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("value", "valid"),
    [("P10D", True), ("P3M", True), ("P5Y", True), ("P1Y6M", True), ("P2W", True),
     ("P1Y2M3W4D", True), ("P", False), ("5 years", False), ("P1.5Y", False),
     ("PT12H", False), ("P1D2Y", False), ("p5y", False), ("-P5Y", False), ("", False)],
)
def test_iso_8601_durations(value: str, valid: bool, tmp_path: Path) -> None:
    text = BASE.replace("      period: P5Y\n", f'      period: "{value}"\n', 1)
    assert text != BASE
    errors = [p for p in check_file(_write(tmp_path, text)) if p.severity == "error"]
    if valid:
        assert errors == []
    else:
        assert len(errors) == 1 and "is not an ISO-8601 duration" in errors[0].message


def test_a_missing_file_is_one_located_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    problems = check_file(path)
    assert len(problems) == 1 and problems[0].severity == "error"
    _assert_well_formed(problems[0], path)
    assert problems[0].format().startswith(f"{path}:1:1: error: ")


def test_a_file_that_is_not_utf8_is_one_located_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.encode("utf-8")[:200] + "\n# café\n".encode("latin-1"))
    problems = check_file(path)
    assert len(problems) == 1 and problems[0].severity == "error"
    assert "UTF-8" in _assert_well_formed(problems[0], path)


# -- lint --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("edits", "message", "since", "base"),
                         [pytest.param(*c[1:], id=c[0]) for c in LINT_CASES])
def test_lint_warns_from_the_day_a_rule_became_stale(edits, message: str, since: str,
                                                     base: Path, tmp_path: Path) -> None:
    broken = Case("lint", edits, message).build(base.read_text(encoding="utf-8"))
    path = _write(tmp_path, broken.text)
    day = dt.date.fromisoformat(since)

    def matching(as_of: dt.date) -> list[Problem]:
        problems = check_file(path, as_of=as_of)
        assert [p.format() for p in problems if p.severity == "error"] == []
        return [p for p in problems if re.search(message, p.message)]

    assert matching(day - dt.timedelta(days=1)) == []
    for as_of in (day, dt.date(2030, 1, 1)):
        found = matching(as_of)
        assert len(found) == 1, f"no warning /{message}/ as of {as_of}"
        w = found[0]
        assert (w.severity, w.line, w.column) == ("warning", broken.line, broken.column)
        assert since in _assert_well_formed(w, path)


def test_dormant_separation_is_reported_as_repealed(tmp_path: Path) -> None:
    text = BASE.replace("  law_change_overrides: true\n",
                        "  law_change_overrides: true\n  dormant_separation: P1Y\n", 1)
    assert text != BASE, "the policy no longer has `law_change_overrides: true`"
    line, col = _line_of(text, r"(?<=^  dormant_separation: )P1Y")
    warnings = [p for p in check_file(_write(tmp_path, text), dt.date(2024, 1, 1))
                if "dormant" in p.message and "stale since" in p.message]
    assert len(warnings) == 1
    w = warnings[0]
    assert (w.severity, w.line, w.column) == ("warning", line, col)
    assert "repealed" in w.message and "2023-09-15" in w.message
    before = check_file(_write(tmp_path, text), dt.date(2023, 9, 14))
    assert [p for p in before if "dormant" in p.message and "stale since" in p.message] == []
    # Judged against the version's own date too: it lapsed before this version took effect.
    lapsed = [p for p in before if "lapsed on 2023-09-15" in p.message]
    assert len(lapsed) == 1 and lapsed[0].severity == "warning"


# -- the reference (docs/policy-file.md) ------------------------------------------------------

DOC = SOMESING.parents[1] / "docs" / "policy-file.md"


def _doc_examples() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```$", DOC.read_text(encoding="utf-8"),
                      re.MULTILINE | re.DOTALL)


def test_every_field_of_the_format_is_documented() -> None:
    from pydantic import BaseModel

    from yaksok.policy import model

    doc = DOC.read_text(encoding="utf-8")
    models = [m for m in vars(model).values()
              if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == model.__name__]

    def documented(name: str) -> bool:  # in a code span (`name`, `a.name`, `{name: ...}`)
        return re.search(rf"`[^`\n]*\b{name}\b[^`\n]*`|^#+ {name}\b", doc, re.MULTILINE) is not None

    missing = [f"{m.__name__}.{f.alias or name}" for m in models
               for name, f in m.model_fields.items() if not documented(f.alias or name)]
    assert missing == [], "document these fields in docs/policy-file.md"
    for basis in model.LAWFUL_BASES + model.RIGHTS:
        assert f"`{basis}`" in doc


def test_the_reference_examples_are_pieces_of_the_real_policy() -> None:
    import yaml
    from pydantic import TypeAdapter

    from yaksok.policy.model import Policy

    real_lines = set(BASE.splitlines())
    examples = _doc_examples()
    assert len(examples) >= 20
    for example in examples:
        # Lines are copied verbatim from the policy; prose ({ko: ..., en: ...}) may be reworded
        # there without the reference going stale, so only the rest is compared.
        copied = [line for line in example.splitlines() if line.strip() and "{ko:" not in line]
        assert [line for line in copied if line not in real_lines] == [], "not in the policy"
        for key, value in yaml.safe_load(example).items():
            field = Policy.model_fields[key]
            TypeAdapter(field.annotation).validate_python(value)
