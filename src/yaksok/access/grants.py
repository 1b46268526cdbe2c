"""What the published policy grants: lookup tables per version, and one ``Grant`` per actor.

``tables_for(published)`` digests the policy's purposes, categories, staff roles, processor
tasks and API scopes once per published version (keyed by its content hash). ``grant_for``
turns an ``Actor`` into what it may act for under those tables — re-derived from its role or
scopes, never taken from purposes the actor carries, so a role the policy changed grants what the
version in force says. Nothing here touches the database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from yaksok.actors import MEMBER_SELF_PURPOSES, Actor
from yaksok.policy.model import Policy

__all__ = ["AccessTables", "Grant", "Task", "tables_for", "build_tables", "grant_for"]


@dataclass(frozen=True, slots=True)
class Task:
    """A processor task: the purposes and the categories its staff act on."""

    key: str
    purposes: frozenset[str]
    categories: frozenset[str]


@dataclass(frozen=True)
class AccessTables:
    """The access rules of one published policy version, as sets and dictionaries."""

    version: str
    #: purpose -> the categories it lists
    purpose_categories: dict[str, frozenset[str]]
    #: the purposes in the policy's order (the order a covering purpose is picked in)
    purpose_order: tuple[str, ...]
    categories: frozenset[str]
    automatic: frozenset[str]
    lookup: frozenset[str]
    role_purposes: dict[str, frozenset[str]]
    role_capabilities: dict[str, frozenset[str]]
    #: processor roles only: their tasks
    role_tasks: dict[str, dict[str, Task]]
    scope_purposes: dict[str, frozenset[str]]
    _grants: dict = field(default_factory=dict, repr=False, compare=False)
    #: decide()'s answers, keyed by the question (bounded; a published version is immutable)
    _decisions: dict = field(default_factory=dict, repr=False, compare=False)

    def covering(self, purposes: frozenset[str]) -> dict[str, tuple[str, ...]]:
        """category -> the purposes among ``purposes`` that list it, in the policy's order."""
        out: dict[str, list[str]] = {}
        for p in self.purpose_order:
            if p in purposes:
                for c in self.purpose_categories[p]:
                    out.setdefault(c, []).append(p)
        return {c: tuple(ps) for c, ps in out.items()}

    def task_covering(self, task: Task) -> dict[str, tuple[str, ...]]:
        """category -> the task's purposes listing it, for the task's categories only."""
        full = self.covering(task.purposes)
        return {c: ps for c, ps in full.items() if c in task.categories}


@dataclass(frozen=True)
class Grant:
    """What one actor may act for: purposes, capabilities, and a processor role's tasks."""

    purposes: frozenset[str]
    capabilities: frozenset[str]
    #: category -> the actor's purposes listing it (policy order); empty for processor staff,
    #: who act through ``tasks`` only
    covering: dict[str, tuple[str, ...]]
    #: processor staff: task key -> (task, category -> purposes); None for everyone else
    tasks: dict[str, tuple[Task, dict[str, tuple[str, ...]]]] | None = None


def build_tables(policy: Policy, version: str) -> AccessTables:
    purpose_categories = {p.key: frozenset(p.categories) for p in policy.purposes}
    role_purposes: dict[str, frozenset[str]] = {}
    role_capabilities: dict[str, frozenset[str]] = {}
    role_tasks: dict[str, dict[str, Task]] = {}
    for role in policy.staff_roles:
        role_capabilities[role.key] = frozenset(role.capabilities)
        if role.processor is None:
            role_purposes[role.key] = frozenset(role.purposes)
            continue
        processor = policy.processor(role.processor)
        tasks = {t.key: t for t in (processor.tasks if processor else ())}
        role_tasks[role.key] = {
            k: Task(k, frozenset(tasks[k].purposes), frozenset(tasks[k].categories))
            for k in role.tasks if k in tasks}
        role_purposes[role.key] = frozenset(
            p for t in role_tasks[role.key].values() for p in t.purposes)
    return AccessTables(
        version=version,
        purpose_categories=purpose_categories,
        purpose_order=tuple(p.key for p in policy.purposes),
        categories=frozenset(c.key for c in policy.categories),
        automatic=frozenset(c.key for c in policy.categories if c.collection == "automatic"),
        lookup=frozenset(c.key for c in policy.categories if c.lookup == "exact"),
        role_purposes=role_purposes,
        role_capabilities=role_capabilities,
        role_tasks=role_tasks,
        scope_purposes={s.key: frozenset(s.purposes) for s in policy.api_scopes},
    )


_CACHE: dict[str, AccessTables] = {}
_LOCK = threading.Lock()


def tables_for(published) -> AccessTables:
    """The access tables of a ``PublishedPolicy`` (cached by content hash and version)."""
    key = f"{published.content_sha256}|{published.version}"
    tables = _CACHE.get(key)
    if tables is None:
        tables = build_tables(published.policy, published.version)
        with _LOCK:
            if len(_CACHE) > 32:  # a long-lived process that saw many versions
                _CACHE.clear()
            _CACHE[key] = tables
    return tables


_NOTHING = Grant(frozenset(), frozenset(), {})


def grant_for(tables: AccessTables, actor: Actor) -> Grant:
    """What ``actor`` may act for under ``tables`` (cached per actor shape)."""
    key = (actor.kind, actor.role, actor.scopes, actor.purposes, actor.capabilities)
    grant = tables._grants.get(key)
    if grant is None:
        grant = _derive(tables, actor)
        if len(tables._grants) > 1024:
            tables._grants.clear()
        tables._grants[key] = grant
    return grant


def _derive(tables: AccessTables, actor: Actor) -> Grant:
    if actor.kind == "member":
        purposes = MEMBER_SELF_PURPOSES & frozenset(tables.purpose_categories)
        return Grant(purposes, frozenset(), tables.covering(purposes))
    if actor.kind == "app_backend":
        purposes = frozenset(p for s in actor.scopes for p in tables.scope_purposes.get(s, ()))
        return Grant(purposes, frozenset(), tables.covering(purposes))
    if actor.kind in ("staff", "processor_staff"):
        role = actor.role or ""
        if role not in tables.role_capabilities:
            return _NOTHING
        if role in tables.role_tasks:  # a processor's staff: tasks only, never capabilities
            tasks = {k: (t, tables.task_covering(t)) for k, t in tables.role_tasks[role].items()}
            return Grant(tables.role_purposes[role], frozenset(), {}, tasks)
        if actor.kind != "staff":
            return _NOTHING
        purposes = tables.role_purposes[role]
        return Grant(purposes, tables.role_capabilities[role], tables.covering(purposes))
    # yaksok's own duties (system, worker): what the duty was defined with in the core.
    purposes = actor.purposes & frozenset(tables.purpose_categories)
    return Grant(purposes, actor.capabilities, tables.covering(purposes))
