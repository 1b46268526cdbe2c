"""The promise table, the pytest plugin that reports which tests prove which promise, and the
statuses ``yaksok promises`` prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from yaksok.errors import NotFound, ValidationError
from yaksok.promises import (
    KINDS,
    Promise,
    format_summary,
    format_table,
    load_report,
    load_table,
    status,
)

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
PROMISES_MD = REPO.parent / "shared" / "seed" / "promises.md"


# --- the table -------------------------------------------------------------------------------


def test_table_loads_from_the_package_with_unique_ids_and_known_kinds():
    table = load_table()
    ids = [p.id for p in table]
    assert len(ids) == len(set(ids))
    assert all(p.kind in KINDS and p.section and p.text for p in table)
    assert ids[0] == "P0.1" and ids[-1] == "P13.1"
    assert [p.id for p in table if p.id.startswith("P2.")] == [f"P2.{n}" for n in range(1, 10)]


@pytest.mark.skipif(
    not PROMISES_MD.exists(), reason="the seed's promises.md is not beside the repo"
)
def test_table_holds_exactly_the_promises_of_promises_md_with_sections_and_kinds():
    expected: dict[str, tuple[str, str]] = {}
    for row in re.finditer(
        r"^\| (P\d+\.\d+(?:–P\d+\.\d+)?) \| ([^|]+) \| ([ER/]+) \|",
        PROMISES_MD.read_text("utf-8"),
        re.M,
    ):
        pid, section, kind = row.groups()
        if "–" in pid:  # P2.1–P2.9: one promise per purpose
            first, last = pid.split("–")
            major, low = first.split(".")
            for n in range(int(low), int(last.split(".")[1]) + 1):
                expected[f"{major}.{n}"] = (section, kind)
        else:
            expected[pid] = (section, kind)
    assert {p.id: (p.section, p.kind) for p in load_table()} == expected


# --- the plugin ------------------------------------------------------------------------------


@pytest.fixture
def report_file(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = pytester.path / "out" / "report.json"
    monkeypatch.setenv("YAKSOK_PROMISE_REPORT", str(path))
    return path


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "tests.promise_plugin", "-p", "no:cacheprovider", *args)


def test_a_marker_naming_an_unknown_id_fails_collection(pytester, report_file):
    pytester.makepyfile(
        test_unknown="""
        import pytest

        @pytest.mark.promise("P6.3")
        def test_known():
            pass

        @pytest.mark.promise("P6.3", "P99.1")
        def test_unknown():
            pass

        @pytest.mark.promise()
        def test_empty():
            pass
        """
    )
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*not in src/yaksok/promises.yaml*",
            "*test_unknown.py::test_unknown: unknown promise ID 'P99.1'*",
            "*test_unknown.py::test_empty: @pytest.mark.promise() names no promise ID*",
        ]
    )
    result.assert_outcomes()  # nothing ran
    assert "P6.3'" not in result.stderr.str()


def test_an_unknown_id_fails_even_when_the_test_is_deselected(pytester, report_file):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.promise("P1.99")
        def test_typo():
            pass

        def test_other():
            pass
        """
    )
    result = run(pytester, "-k", "other")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown promise ID 'P1.99'*"])


def test_the_report_records_each_test_outcome_per_promise(pytester, report_file):
    pytester.makepyfile(
        test_outcomes="""
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("setup fails")

        @pytest.mark.promise("P6.3")
        def test_passes():
            pass

        @pytest.mark.promise("P6.3", "P7.1")
        def test_fails():
            assert False

        @pytest.mark.promise("P7.2")
        @pytest.mark.skip(reason="not yet")
        def test_skipped():
            pass

        @pytest.mark.promise("P8.1")
        def test_setup_error(broken):
            pass

        @pytest.mark.promise("P12.5")
        @pytest.mark.xfail(reason="known gap")
        def test_xfails():
            assert False

        @pytest.mark.promise("P12.6")
        @pytest.mark.parametrize("db", ["sqlite", "postgresql"])
        def test_on_both_databases(db):
            if db == "postgresql":
                pytest.skip("no PostgreSQL server")

        def test_without_promise():
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=3, failed=1, skipped=2, errors=1, xfailed=1)

    report = json.loads(report_file.read_text("utf-8"))
    promises = report["promises"]
    assert set(promises) == {p.id for p in load_table()}  # every promise, tested or not
    assert promises["P6.3"] == [
        {"nodeid": "test_outcomes.py::test_passes", "outcome": "passed", "shows": "behaviour"},
        {"nodeid": "test_outcomes.py::test_fails", "outcome": "failed", "shows": "behaviour"},
    ]
    assert promises["P7.1"] == [{"nodeid": "test_outcomes.py::test_fails", "outcome": "failed", "shows": "behaviour"}]
    assert promises["P7.2"] == [{"nodeid": "test_outcomes.py::test_skipped", "outcome": "skipped", "shows": "behaviour"}]
    assert promises["P8.1"] == [
        {"nodeid": "test_outcomes.py::test_setup_error", "outcome": "failed", "shows": "behaviour"}
    ]
    assert promises["P12.5"] == [{"nodeid": "test_outcomes.py::test_xfails", "outcome": "skipped", "shows": "behaviour"}]
    assert promises["P12.6"] == [
        {"nodeid": "test_outcomes.py::test_on_both_databases[sqlite]", "outcome": "passed", "shows": "behaviour"},
        {"nodeid": "test_outcomes.py::test_on_both_databases[postgresql]", "outcome": "skipped", "shows": "behaviour"},
    ]
    assert promises["P13.1"] == []
    assert report["totals"] == {
        "promises": len(load_table()),
        "proven": 2,  # P6.3 and P12.6
        "with_tests": 6,
        "tests_run": 8,
        "tests_with_promises": 7,
        "passed": 2,
        "failed": 2,
        "skipped": 3,
    }

    by_id = {s.id: s for s in status(load_table(), load_report(report_file))}
    assert by_id["P6.3"].status == "proven"
    assert by_id["P12.6"].status == "proven"  # passes on SQLite, skips on PostgreSQL
    assert by_id["P7.1"].status == "open"
    assert by_id["P7.1"].failed == ("test_outcomes.py::test_fails",)


def test_the_report_goes_to_build_under_the_rootdir_by_default(pytester, monkeypatch):
    monkeypatch.delenv("YAKSOK_PROMISE_REPORT", raising=False)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.promise("P13.1")
        def test_officer():
            pass
        """
    )
    run(pytester).assert_outcomes(passed=1)
    report = json.loads((pytester.path / "build" / "promise-report.json").read_text("utf-8"))
    assert report["promises"]["P13.1"][0]["outcome"] == "passed"


# --- statuses --------------------------------------------------------------------------------

TABLE = [
    Promise("P1.1", "1(1)", "E", "enforced, passing test"),
    Promise("P7.3", "7", "R", "organisational, recorded"),
    Promise("P7.4", "7", "R", "organisational, not recorded"),
    Promise("P12.8", "12(3)", "E/R", "both, recorded, failing test"),
    Promise("P6.3", "6", "E", "enforced, recorded id does not count"),
    Promise("P6.4", "6", "E", "enforced, failing test only"),
    Promise("P6.5", "6", "E", "enforced, skipped only"),
    Promise("P7.5", "7", "R", "organisational, proven by a test"),
]
REPORT = {
    "promises": {
        "P1.1": [
            {"nodeid": "t.py::a", "outcome": "passed"},
            {"nodeid": "t.py::b", "outcome": "failed"},
        ],
        "P12.8": [{"nodeid": "t.py::c", "outcome": "failed"}],
        "P6.4": [
            {"nodeid": "t.py::d", "outcome": "failed"},
            {"nodeid": "t.py::e", "outcome": "skipped"},
        ],
        "P6.5": [{"nodeid": "t.py::f[postgresql]", "outcome": "skipped"}],
        "P7.5": [{"nodeid": "t.py::g", "outcome": "passed"}],
        "P99.9": [{"nodeid": "t.py::h", "outcome": "passed"}],  # not in the table: ignored
    }
}
RECORDED = {"P7.3", "P12.8", "P6.3", "P7.5"}


def test_status_proven_recorded_and_open():
    got = {s.id: s for s in status(TABLE, REPORT, RECORDED)}
    assert [s.id for s in status(TABLE, REPORT, RECORDED)] == [p.id for p in TABLE]
    assert {pid: s.status for pid, s in got.items()} == {
        "P1.1": "proven",
        "P7.3": "recorded",
        "P7.4": "open",
        "P12.8": "recorded",
        "P6.3": "open",  # kind E: only a passing test proves it
        "P6.4": "open",
        "P6.5": "open",
        "P7.5": "proven",
    }
    assert got["P1.1"].passed == ("t.py::a",) and got["P1.1"].failed == ("t.py::b",)
    assert got["P6.4"].failed == ("t.py::d",) and got["P6.4"].skipped == ("t.py::e",)
    assert got["P12.8"].failed == ("t.py::c",)


def test_a_promise_with_only_failing_tests_is_open_with_its_failures():
    (only,) = status([Promise("P6.4", "6", "E", "x")], REPORT, set())
    assert (only.status, only.passed, only.failed) == ("open", (), ("t.py::d",))


def test_status_without_report_or_records_is_all_open_and_takes_a_predicate():
    assert {s.status for s in status(TABLE, None)} == {"open"}
    by_predicate = status(TABLE, None, lambda pid: pid == "P7.4")
    assert [s.id for s in by_predicate if s.status == "recorded"] == ["P7.4"]


def test_a_recorded_promise_without_current_evidence_is_overdue():
    got = {s.id: s.status for s in status(TABLE, REPORT, {"P7.3"}, {"P7.4", "P6.3", "P7.5"})}
    assert (got["P7.3"], got["P7.4"]) == ("recorded", "overdue")
    assert got["P6.3"] == "open" and got["P7.5"] == "proven"  # kind E; a passing test wins
    assert format_summary(status(TABLE, REPORT, {"P7.3"}, {"P7.4"})).endswith(
        "open 4, overdue 1 of 8")


def test_format_table_lists_one_line_per_promise_and_a_summary():
    statuses = status(TABLE, REPORT, RECORDED)
    text = format_table(statuses, verbose=False)
    lines = text.splitlines()
    assert len(lines) == len(TABLE) + 1
    assert lines[-1] == "proven 2, recorded 2, described 0, open 4 of 8" == format_summary(
        statuses)
    assert re.fullmatch(r"P1\.1 +proven +t\.py::a +failing: t\.py::b", lines[0])
    assert re.fullmatch(r"P7\.3 +recorded", lines[1])
    assert re.fullmatch(r"P6\.4 +open +failing: t\.py::d", lines[5])
    assert "t.py::e" not in text  # skipped tests only in verbose

    verbose = format_table(statuses, verbose=True).splitlines()
    assert len(verbose) == len(TABLE) + 1
    assert "enforced, failing test only" in verbose[5] and "skipped: t.py::e" in verbose[5]


def test_load_report_reads_json_and_names_a_missing_or_bad_file(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(REPORT), "utf-8")
    assert load_report(good) == REPORT
    with pytest.raises(NotFound, match="no promise report"):
        load_report(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(ValidationError, match="not JSON"):
        load_report(bad)
    bad.write_text('{"tests": []}', "utf-8")
    with pytest.raises(ValidationError, match="'promises'"):
        load_report(bad)


def test_a_text_marker_describes_a_promise_and_never_proves_it(pytester, report_file):
    kinds = """
        import pytest

        @pytest.mark.promise_text("P5.2")
        def test_wording():
            pass

        @pytest.mark.promise("P5.5")
        @pytest.mark.promise_text("P5.5", "P5.3")
        def test_behaviour_and_wording():
            pass

        @pytest.mark.promise_text("P5.4")
        def test_wording_fails():
            assert False
        """
    pytester.makepyfile(test_kinds=kinds + """
        @pytest.mark.promise_text("P9.9")
        def test_unknown_in_text_marker():
            pass
        """)
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # unknown IDs are refused in both markers
    result.stderr.fnmatch_lines(["*test_unknown_in_text_marker: unknown promise ID 'P9.9'*"])

    pytester.makepyfile(test_kinds=kinds)
    run(pytester).assert_outcomes(passed=2, failed=1)
    report = json.loads(report_file.read_text("utf-8"))
    promises = report["promises"]
    assert promises["P5.2"] == [
        {"nodeid": "test_kinds.py::test_wording", "outcome": "passed", "shows": "text"}]
    # Behaviour wins when a test carries the same ID in both markers.
    assert promises["P5.5"] == [{"nodeid": "test_kinds.py::test_behaviour_and_wording",
                                 "outcome": "passed", "shows": "behaviour"}]
    assert promises["P5.3"] == [{"nodeid": "test_kinds.py::test_behaviour_and_wording",
                                 "outcome": "passed", "shows": "text"}]
    assert report["totals"]["proven"] == 1  # P5.5 only

    by_id = {s.id: s for s in status(load_table(), load_report(report_file))}
    assert by_id["P5.5"].status == "proven"
    assert by_id["P5.2"].status == "described"
    assert by_id["P5.2"].described_by == ("test_kinds.py::test_wording",)
    assert by_id["P5.3"].status == "described"
    assert by_id["P5.4"].status == "open"  # a failing text test describes nothing
    line = next(x for x in format_table(list(by_id.values())).splitlines()
                if x.startswith("P5.2 "))
    assert re.fullmatch(r"P5\.2 +described +described by: test_kinds\.py::test_wording", line)


def test_a_version_1_report_counts_its_entries_as_behaviour():
    old = {"promises": {"P1.1": [{"nodeid": "t.py::a", "outcome": "passed"}]}}
    (only,) = status([Promise("P1.1", "1(1)", "E", "x")], old)
    assert only.status == "proven"
