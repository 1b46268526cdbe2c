"""The CLI end to end: real data directory, real SQLite, exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "somesing.yaml"
POLICY_2021 = ROOT / "policies" / "somesing-2021-11-03.yaml"


def test_check_valid_policy_exits_0_with_warnings_only(run):
    code, out, err = run("policy", "check", str(POLICY))
    assert code == 0
    assert ": error:" not in out
    assert "2019-02-29" in out and "warning" in out
    assert "0 error(s)" in err


def test_check_strict_fails_on_warnings(run):
    code, _, _ = run("policy", "check", str(POLICY), "--strict")
    assert code == 1


def test_check_as_of_before_schrems_ii_does_not_flag_privacy_shield_as_stale(run):
    code, out, _ = run("policy", "check", str(POLICY_2021), "--as-of", "2020-01-01", "--strict")
    assert "stale since 2020-07-16" not in out
    # ... though it lapsed before the 2021 version took effect, whatever the day of the check
    assert "lapsed on 2020-07-16" in out
    assert code == 1  # the impossible printed date still warns


def test_check_broken_file_prints_located_errors_and_exits_1(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = POLICY.read_text(encoding="utf-8").replace("bases: [contract]\n", "bases: [goodwill]\n", 1)
    bad.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    bases: [goodwill]") + 1
    code, out, _ = run("policy", "check", str(bad))
    assert code == 1
    assert out.startswith(f"{bad}:{line}:")
    assert ": error: " in out and "Traceback" not in out


def test_check_json_output(run):
    code, out, _ = run("policy", "check", str(POLICY), "--json")
    problems = json.loads(out)
    assert code == 0
    assert {p["severity"] for p in problems} == {"warning"}


def test_bad_as_of_is_a_usage_error_naming_the_option(run):
    code, _, err = run("policy", "check", str(POLICY), "--as-of", "2020-13-01")
    assert code == 2
    assert "--as-of" in err and "YYYY-MM-DD" in err


@pytest.mark.promise("P0.1")
def test_init_is_idempotent_and_publishes_the_policy_once(run):
    code, out, _ = run("init")
    assert code == 0 and "policy in force: 2026-12-14" in out
    code, _, _ = run("init")
    assert code == 0
    code, out, _ = run("policy", "versions")
    assert code == 0
    # SOMESING's 2021 text first, then the version yaksok enforces, once each.
    lines = out.strip().splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["2021-11-03", "effective 2021-11-03"], ["2026-12-14", "effective 2026-12-14"]]


def test_commands_before_init_say_how_to_fix(run):
    code, _, err = run("policy", "versions")
    assert code == 6
    assert "yaksok init" in err


def test_publish_changed_file_under_same_version_is_refused(run, tmp_path):
    run("init")
    changed = tmp_path / "changed.yaml"
    changed.write_text(POLICY.read_text(encoding="utf-8").replace("cs@somesing.io", "privacy@somesing.io"),
                       encoding="utf-8")
    code, _, err = run("policy", "publish", str(changed))
    assert code == 4
    assert "versions" in err
    code, out, _ = run("policy", "versions")
    assert len(out.strip().splitlines()) == 2


def test_publish_new_version_takes_effect(run, tmp_path):
    run("init")
    text = POLICY.read_text(encoding="utf-8").replace(
        "  - version: '2026-12-14'\n",
        "  - version: '2027-01-01'\n    effective: 2027-01-01\n    added: {why: {ko: 개정, "
        "en: revision}}\n  - version: '2026-12-14'\n", 1)
    assert text != POLICY.read_text(encoding="utf-8")
    newer = tmp_path / "newer.yaml"
    newer.write_text(text, encoding="utf-8")
    code, out, err = run("policy", "publish", str(newer), "--by", "officer")
    assert code == 0, err
    assert "2027-01-01" in out
    code, out, _ = run("policy", "versions")
    assert [line.split("\t")[0] for line in out.strip().splitlines()] == [
        "2021-11-03", "2026-12-14", "2027-01-01"]


def test_render_writes_markdown(run, tmp_path):
    target = tmp_path / "policy.md"
    code, _, _ = run("policy", "render", str(POLICY), "--lang", "en", "--format", "md", "-o", str(target))
    assert code == 0
    assert "cs@somesing.io" in target.read_text(encoding="utf-8")


def test_render_unknown_language_is_a_clear_error(run):
    code, _, err = run("policy", "render", str(POLICY), "--lang", "fr")
    assert code == 2
    assert "lang" in err


def test_apikey_unknown_scope_lists_the_known_ones(run):
    run("init")
    code, _, err = run("apikey", "create", "backend", "--scopes", "members,everything")
    assert code == 2
    assert "everything" in err and "analytics" in err


def test_apikey_and_staff_lifecycle(run, monkeypatch):
    run("init")
    code, out, err = run("apikey", "create", "backend", "--scopes", "members,analytics")
    assert code == 0, err
    key_id = out.split("id: ")[1].split()[0]
    assert "secret (shown once): yk_" in out
    code, out, _ = run("apikey", "list")
    assert key_id in out and "yk_" not in out
    assert run("apikey", "revoke", key_id)[0] == 0
    assert run("apikey", "revoke", "ak_nope")[0] == 3

    monkeypatch.setenv("YAKSOK_STAFF_PASSWORD", "Correct-Horse-42")
    code, out, err = run("staff", "add", "alice", "--role", "privacy_officer")
    assert code == 0, err
    assert "otpauth://" in out
    code, _, err = run("staff", "add", "alice", "--role", "privacy_officer")
    assert code == 4
    code, _, err = run("staff", "add", "bob", "--role", "janitor")
    assert code == 2 and "privacy_officer" in err
    code, out, _ = run("staff", "list")
    assert "alice\tprivacy_officer\tactive" in out


def test_no_traceback_for_a_user_mistake_in_a_real_process(tmp_path):
    """The installed entry point, as a person runs it: bad input gives one line, not a stack."""
    bad = tmp_path / "broken.yaml"
    bad.write_text("yaksok: 1\ncontroller: [unclosed\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "yaksok", "policy", "check", str(bad)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"{bad}:")
