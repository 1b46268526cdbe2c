"""The JSON Schema of the policy *file*, generated from the model, for editors.

An editor that knows the schema completes keys, shows what each one means and marks a typo
while the file is written (VS Code with the YAML extension, JetBrains IDEs, Neovim with
yaml-language-server): ``policies/somesing.yaml`` names it on its first line. The schema is
made from ``model.Policy`` so it cannot drift from what ``yaksok policy check`` accepts at the
structure stage; cross-references, provenance and lint stay ``policy check``'s (a schema
cannot say that a purpose names a declared category).

What the generation adds to pydantic's own schema:

* the draft (2020-12), an ``$id`` and a title;
* descriptions: a model's docstring (pydantic's), the ``#:`` comment above a field in
  ``model.py``, ``basics.py`` and ``provenance.py``, and a line for each top-level section and
  for the provenance fields every rendered item carries;
* patterns for the strings the model checks in code (ISO-8601 durations, SQL names,
  environment variable names), so an editor marks ``5 years`` as the loader would.

Unknown keys are already ``additionalProperties: false``: every model forbids them.

The schema is committed twice, byte for byte the generated text: ``docs/policy-file.schema.json``
(what a policy file in the repository points at) and ``schemas/policy-file.v1.schema.json`` in
this package (shipped; ``yaksok policy new`` points a new file at it). A test compares both
with the model; ``yaksok policy schema --update`` writes them again after the model changes.
"""

from __future__ import annotations

import ast
import inspect
import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from yaksok.policy import basics, model, provenance

__all__ = ["DOCS_COPY", "PACKAGED", "REGENERATE", "file_schema", "file_schema_text"]

SCHEMA_ID = "https://yaksok.dev/schemas/policy-file/v1"
PACKAGED = Path(__file__).parent / "schemas" / "policy-file.v1.schema.json"
#: The copy in a source checkout (src/yaksok/policy/schemas -> the repository's docs/).
DOCS_COPY = Path(__file__).resolve().parents[3] / "docs" / "policy-file.schema.json"
#: What to run when the committed copies no longer match the model.
REGENERATE = ".venv/bin/yaksok policy schema --update"

#: Patterns for what the model checks in code (``AfterValidator``s), by validator name.
_PATTERNS = {
    "_duration": ("^P(?=\\d)(?:\\d+Y)?(?:\\d+M)?(?:\\d+W)?(?:\\d+D)?$",
                  "An ISO-8601 duration of years, months, weeks and days: P10D, P3M, P5Y, P1Y6M."),
    "_identifier": ("^[A-Za-z_][A-Za-z0-9_]{0,62}$", "A plain SQL name."),
    "_table_column": ("^[A-Za-z_][A-Za-z0-9_]{0,62}\\.[A-Za-z_][A-Za-z0-9_]{0,62}$",
                      "A table and a column: recordings.id."),
    "_env_name": ("^[A-Z][A-Z0-9_]*$",
                  "The name of an environment variable (never the URL itself)."),
}

#: One line for each top-level section; the reference is docs/policy-file.md.
_SECTIONS = {
    "yaksok": "The format's version: 1.",
    "provenance": "The source text this file transcribes; a file that names one is held to "
                  "provenance (docs/provenance.md). Leave it out for a policy written from scratch.",
    "statements": "Claims of the rendering's wording this policy makes, each with its provenance.",
    "lawful_bases": "The lawful bases the section on lawful processing lists.",
    "controller": "The company responsible for the data (the controller) and its service.",
    "versions": "Every version of the policy; the newest by `effective` is the one published.",
    "last_updated_printed": "The last-updated date as the published text printed it.",
    "notices": "How changes of the policy are announced.",
    "channels": "How personal data comes in (web pages, the app, forms ...).",
    "category_groups": "Display groups of automatically collected categories.",
    "categories": "The personal data collected: fideslang keys, how each is collected.",
    "purposes": "Why personal data is processed, on which lawful bases, with which categories.",
    "consents": "Consent items: the optional categories and purposes each opens, with the "
                "notice a member reads.",
    "flows": "Flows of the service: what each requires, may collect with consent, records itself.",
    "automated_decisions": "Automated decisions about members, with their criteria.",
    "cookies": "Cookies and whether each needs consent.",
    "cookie_choices": "The choices the cookie banner offers.",
    "disclosure": "Disclosure to others is denied except in the listed cases.",
    "third_party_provision": "Provision to third parties: on which bases, to whom.",
    "processors": "Processors entrusted with data, their tasks and contract clauses.",
    "transfers": "Transfers abroad and the mechanisms that allow them.",
    "integrations": "Connected third-party accounts (e.g. Google) and how to revoke them.",
    "california": "California's statements (CalOPPA, Do Not Track, sharing for ads).",
    "rights": "The data subject's rights and what each means.",
    "rights_channels": "Where members may exercise their rights.",
    "rights_agents": "Who may act for a member, and with what proof.",
    "jurisdictions": "Each jurisdiction's law, minimum age and deadlines per right.",
    "default_jurisdiction": "The jurisdiction of a member whose own is unknown.",
    "record_kinds": "Kinds of records a statute makes the company keep.",
    "retention": "How long data is kept, the statutory periods, how it is destroyed.",
    "security_measures": "Technical, administrative and physical measures.",
    "access_log": "How long access records are kept, how often signed and inspected.",
    "staff_roles": "Staff roles: the purposes and capabilities each may act with.",
    "api_scopes": "Scopes of API keys: the purposes each may act for.",
    "officer": "The privacy officer to contact.",
    "external_datasets": "Other databases holding members' data, exported and erased with them.",
}
_PROVENANCE = {
    "source": "The section of the source text this comes from: preamble, '1' ... '13', 1(1).",
    "quote": "Words of that section the item stands for (only with `source`).",
    "added": "What the source does not say (or says differently), and why it is here.",
}


class _Generator(GenerateJsonSchema):
    def function_after_schema(self, schema):  # noqa: ANN001 - pydantic's signature
        out = super().function_after_schema(schema)
        name = getattr(schema["function"]["function"], "__name__", "")
        if name in _PATTERNS and out.get("type") == "string":
            pattern, description = _PATTERNS[name]
            out = {**out, "pattern": pattern, "description": description}
        return out


@cache
def _comments() -> dict[tuple[str, str], str]:
    """``(class, field) -> text`` of the ``#:`` comment lines right above each field."""
    found: dict[tuple[str, str], str] = {}
    for module in (basics, provenance, model):
        lines = inspect.getsource(module).splitlines()
        for cls in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(cls, ast.ClassDef):
                continue
            for node in cls.body:
                if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                    continue
                above: list[str] = []
                i = node.lineno - 2
                while i >= 0 and lines[i].strip().startswith("#:"):
                    above.insert(0, lines[i].strip()[2:].strip())
                    i -= 1
                if above:
                    found[(cls.name, node.target.id)] = " ".join(above).replace("``", "`")
    return found


def _describe(name: str, schema: dict[str, Any], top: dict[str, str]) -> None:
    for field, prop in schema.get("properties", {}).items():
        text = _comments().get((name, field)) or top.get(field) or _PROVENANCE.get(field)
        if text and "description" not in prop:
            prop["description"] = text


@cache
def file_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a policy file, from ``model.Policy``."""
    raw = model.Policy.model_json_schema(schema_generator=_Generator)
    defs = raw.pop("$defs", {})
    for name, definition in defs.items():
        _describe(name, definition, {})
    _describe("Policy", raw, _SECTIONS)
    raw.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "yaksok policy file (yaksok: 1)",
        **raw,
        "description": "A privacy policy as data, checked by `yaksok policy check` (which also "
                       "checks what a schema cannot: cross-references, provenance, legal "
                       "staleness). Generated from yaksok.policy.model; reference: "
                       "docs/policy-file.md. Regenerate: yaksok policy schema --update.",
        "$defs": defs,
    }


def file_schema_text() -> str:
    """The schema as committed: indented, keys in the model's order, one newline at the end."""
    return json.dumps(file_schema(), ensure_ascii=False, indent=2) + "\n"
