"""The JSON Schema of the policy file (``yaksok.policy.file_schema``): committed copies equal
to what the model generates, and it accepts the shipped policies and refuses what the loader
refuses at the structure stage."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from tests.support.paths import POLICY, ROOT
from yaksok.policy.file_schema import DOCS_COPY, PACKAGED, REGENERATE, file_schema, file_schema_text
from yaksok.policy.loader import parse

POLICIES = [POLICY, ROOT / "policies" / "somesing-2021-11-03.yaml"]


def _validator() -> jsonschema.Draft202012Validator:
    schema = file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _data(path: Path) -> dict:
    # The loader's own reading: dates stay strings, as an editor's YAML 1.2 reads them.
    data, _locations, problems = parse(path.read_text(encoding="utf-8"), str(path))
    assert not problems
    return data


@pytest.mark.parametrize("copy_path", [DOCS_COPY, PACKAGED], ids=["docs", "package"])
def test_the_committed_schema_is_the_generated_one(copy_path: Path):
    assert copy_path.exists(), f"{copy_path} is missing: run `{REGENERATE}`"
    assert copy_path.read_text(encoding="utf-8") == file_schema_text(), (
        f"{copy_path.relative_to(ROOT)} no longer matches src/yaksok/policy/model.py: "
        f"run `{REGENERATE}` and commit both schema files")


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_the_shipped_policies_are_valid_against_the_schema(path: Path):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(_data(path))]
    assert not errors, errors[:10]


def test_the_schema_refuses_what_the_structure_check_refuses():
    good = _data(POLICY)
    cases = {
        "a misspelt key": lambda d: d["purposes"][0].update(purposs=[]),
        "an unknown top-level key": lambda d: d.update(purposs=[]),
        "a duration in prose": lambda d: d["retention"]["rules"][0].update(period="5 years"),
        "a lawful basis not among the six": lambda d: d["purposes"][0].update(bases=["goodwill"]),
        "a text with one language": lambda d: d["controller"].update(name={"ko": "회사"}),
        "an impossible date": lambda d: d["versions"][0].update(effective="2019-02-29"),
        "a right that is not one": lambda d: d["jurisdictions"][0]["rights"].update(
            happiness={"deadline": "P10D", "counting": "calendar"}),
    }
    for name, change in cases.items():
        d = copy.deepcopy(good)
        change(d)
        assert list(_validator().iter_errors(d)), name


def test_fields_carry_the_models_comments_and_editors_hints():
    schema = file_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    category = schema["$defs"]["Category"]
    assert category["additionalProperties"] is False
    assert "flows that require" in category["properties"]["required_in"]["description"]
    assert schema["properties"]["transfers"]["description"]
    assert schema["$defs"]["Extension"]["properties"]["by"]["pattern"].startswith("^P")
    assert all(d.get("additionalProperties") is False for d in schema["$defs"].values()
               if d.get("type") == "object" and "properties" in d)


def test_somesing_names_the_schema_for_editors():
    first = POLICY.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (POLICY.parent / first.split("=", 1)[1]).resolve()
    assert target == DOCS_COPY.resolve()
    assert json.loads(target.read_text(encoding="utf-8"))["$id"] == file_schema()["$id"]
