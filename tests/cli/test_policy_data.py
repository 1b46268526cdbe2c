"""`yaksok policy show` and `yaksok policy schema`: the published policy as data, and the
policy file's JSON Schema for editors."""

from __future__ import annotations

import json

from tests.support.paths import POLICY
from yaksok.policy import load_policy
from yaksok.policy.file_schema import file_schema
from yaksok.policy.public import public_policy


def test_show_json_is_the_published_policy_as_data(run):
    assert run("init")[0] == 0
    code, out, _ = run("policy", "show", "--json")
    assert code == 0
    assert json.loads(out) == public_policy(load_policy(POLICY))


def test_show_an_older_version_and_a_file(run):
    assert run("init")[0] == 0
    code, out, _ = run("policy", "show", "--json", "--version", "2021-11-03")
    assert code == 0 and json.loads(out)["version"] == "2021-11-03"
    code, out, _ = run("policy", "show", str(POLICY))
    assert code == 0
    assert "policy version 2026-12-14" in out and "user.contact.email [required]" in out
    code, _, err = run("policy", "show", "--version", "1999-01-01")
    assert code == 3 and "GET /policy/versions" in err
    code, _, err = run("policy", "show", str(POLICY), "--version", "2021-11-03")
    assert code == 2 and "--version" in err


def test_schema_prints_and_writes_the_generated_schema(run, tmp_path):
    code, out, _ = run("policy", "schema")
    assert code == 0 and json.loads(out) == file_schema()
    target = tmp_path / "policy-file.schema.json"
    code, out, _ = run("policy", "schema", "--out", str(target))
    assert code == 0 and json.loads(target.read_text(encoding="utf-8")) == file_schema()
