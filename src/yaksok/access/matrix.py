"""The access matrix: what ``decide`` answers for every actor class, operation and category.

``access_matrix(published)`` asks ``decide`` itself — it holds no rule of its own — for a member
on their own data and on another's, an API key of each scope, and staff of each role (processor
roles through each of their tasks). ``yaksok policy access-matrix`` prints it as JSON or
Markdown, and docs/access.md carries the Markdown of SOMESING's policy.

A category cell lists the *grounds* the operation is granted on: purpose keys (``task/purpose``
for processor staff), or ``own-data``, ``scope``, ``capability`` where the grant does not rest
on a purpose. A member-bound or service operation's cell is the ground, or None when refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from yaksok.access.decide import HELD_PURPOSE, decide
from yaksok.access.grants import AccessTables, build_tables, grant_for
from yaksok.access.operations import OPERATIONS
from yaksok.actors import Actor, api_key_actor, member_actor, staff_actor
from yaksok.policy.model import Policy

__all__ = ["ActorClass", "actor_classes", "access_matrix", "matrix_json", "matrix_markdown",
           "with_matrix", "BEGIN", "END"]

_SELF, _OTHER = "m_matrix_self", "m_matrix_other"


@dataclass(frozen=True)
class ActorClass:
    """One column of the matrix: an actor as authentication would build it, and whose data."""

    key: str
    label: str
    actor: Actor
    member_id: str | None


def actor_classes(policy: Policy) -> list[ActorClass]:
    me = member_actor(_SELF)
    out = [ActorClass("member:own", "member (own data)", me, _SELF),
           ActorClass("member:other", "member (another's data)", me, _OTHER)]
    for s in policy.api_scopes:
        out.append(ActorClass(f"scope:{s.key}", f"API key, scope {s.key}",
                              api_key_actor(policy, "ak_matrix", s.key, [s.key]), _OTHER))
    for r in policy.staff_roles:
        actor = staff_actor(policy, "st_matrix", r.key, r.key)
        out.append(ActorClass(f"role:{r.key}", f"staff, {r.key}", actor, _OTHER))
    return out


def _categories_for(tables: AccessTables, policy: Policy, op: str) -> list[str]:
    if op == "lookup":
        return sorted(tables.lookup)
    if op in ("write_held", "read_held"):
        held = {r.record_kind for r in policy.retention.rules}
        return sorted({c for k in policy.record_kinds if k.key in held for c in k.categories})
    return sorted(tables.categories)


def _grounds(tables: AccessTables, cls: ActorClass, op: str, category: str) -> list[str]:
    grant = grant_for(tables, cls.actor)
    tasks = sorted(grant.tasks) if grant.tasks is not None else [None]
    first = decide(tables, cls.actor, op, member_id=cls.member_id, categories=(category,),
                   task=tasks[0] if grant.tasks is not None else None)
    if first.allowed and first.rule != "purpose":  # own data, a mandate, a scope ...
        return [first.rule.split(":")[0]]
    purposes = [p for p in tables.purpose_order if category in tables.purpose_categories[p]]
    if op == "read_held":  # held records are read for one purpose, whatever they hold
        purposes = [HELD_PURPOSE]
    found: list[str] = []
    for task in tasks:
        for p in purposes:
            d = decide(tables, cls.actor, op, member_id=cls.member_id, categories=(category,),
                       purpose=p, task=task)
            if d.allowed:
                found.append(f"{task}/{p}" if task else p)
    return found


def access_matrix(policy: Policy, version: str) -> dict:
    """{"policy_version", "actors", "operations", "matrix": {op: {actor: cell}}}."""
    tables = build_tables(policy, version)
    classes = actor_classes(policy)
    matrix: dict[str, dict] = {}
    for op in OPERATIONS.values():
        row: dict[str, object] = {}
        for cls in classes:
            if op.scope == "categories":
                cats = {c: g for c in _categories_for(tables, policy, op.key)
                        if (g := _grounds(tables, cls, op.key, c))}
                row[cls.key] = {"categories": cats}
            else:
                member = cls.member_id if op.scope == "member" else None
                d = decide(tables, cls.actor, op.key, member_id=member)
                row[cls.key] = {"granted": d.rule if d.allowed else None,
                                "refused": None if d.allowed else d.rule}
        matrix[op.key] = row
    return {
        "policy_version": version,
        "actors": [{"key": c.key, "label": c.label} for c in classes],
        "operations": [{"key": o.key, "scope": o.scope, "en": o.en, "ko": o.ko}
                       for o in OPERATIONS.values()],
        "matrix": matrix,
    }


def matrix_json(m: dict) -> str:
    return json.dumps(m, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _summary_cell(cell: dict) -> str:
    if "categories" in cell:
        n = len(cell["categories"])
        return f"{n} categor{'y' if n == 1 else 'ies'}" if n else "—"
    ground = cell["granted"]
    return "—" if ground is None else {"own-data": "✓ own"}.get(ground, "✓")


def matrix_markdown(m: dict) -> str:
    """The matrix as Markdown: a summary of every operation, then each category operation."""
    actors = m["actors"]
    head = "| operation | " + " | ".join(a["key"] for a in actors) + " |"
    rule = "|---|" + "---|" * len(actors)
    lines = [f"## The matrix under policy version {m['policy_version']}", "",
             "Generated by `yaksok policy access-matrix --format md`. Columns: "
             + "; ".join(f"`{a['key']}` {a['label']}" for a in actors) + ". "
             "Anonymous callers are refused before any decision (401). `✓ own`: on the "
             "member's own data only; `✓`: granted by scope or capability; `—`: refused.", "",
             head, rule]
    for op in m["operations"]:
        cells = m["matrix"][op["key"]]
        lines.append(f"| {op['key']} ({op['en']}) | "
                     + " | ".join(_summary_cell(cells[a["key"]]) for a in actors) + " |")
    for op in m["operations"]:
        if op["scope"] != "categories":
            continue
        cells = m["matrix"][op["key"]]
        cats = sorted({c for a in actors for c in cells[a["key"]]["categories"]})
        lines += ["", f"### {op['key']}: {op['en']} ({op['ko']})", "",
                  "Each cell: the purposes (`task/purpose` for processor staff) or the ground "
                  "the operation is granted on for that category; empty: refused.", "",
                  "| category | " + " | ".join(a["key"] for a in actors) + " |", rule]
        for c in cats:
            lines.append(f"| `{c}` | " + " | ".join(
                ", ".join(cells[a["key"]]["categories"].get(c, [])) for a in actors) + " |")
    return "\n".join(lines) + "\n"


#: The markers of the generated part of a Markdown page (docs/access.md).
BEGIN, END = "<!-- access-matrix:begin -->", "<!-- access-matrix:end -->"


def with_matrix(page: str, markdown: str) -> str:
    """``page`` with the text between its markers replaced by ``markdown``."""
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        from yaksok.errors import ValidationError

        raise ValidationError("the page has no access-matrix markers", field="--doc",
                              fix=f"put {BEGIN} and {END} on lines of their own where the "
                                  "matrix goes")
    return page[:start + len(BEGIN)] + "\n" + markdown + page[end:]
