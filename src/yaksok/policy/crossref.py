"""Rules that relate one part of a policy file to another.

Each rule is a promise the code will rely on: a purpose may only use declared categories, an
optional category is only reachable through a consent item, no flow requires an optional category
(P1.9: refusing an optional item never restricts the service), and so on.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from yaksok.policy.model import CAPABILITIES, duration_days, shown_key
from yaksok.policy.problems import Problem

if TYPE_CHECKING:
    from yaksok.policy.loader import LoadedPolicy


@cache
def fideslang_keys() -> tuple[frozenset[str], frozenset[str]]:
    """The data-category and data-use keys of fideslang's default taxonomy."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return (
        frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category),
        frozenset(u.fides_key for u in DEFAULT_TAXONOMY.data_use),
    )


def is_fideslang_category(key: str) -> bool:
    """A fideslang category, or a child of one at least two levels deep (``user.x`` is too vague)."""
    categories, _ = fideslang_keys()
    parts = key.split(".")
    return any(".".join(parts[:n]) in categories for n in range(len(parts), 1, -1))


class _Checker:
    def __init__(self, loaded: LoadedPolicy) -> None:
        self.loaded = loaded
        self.p = loaded.policy
        self.problems: list[Problem] = []

    def error(self, path: tuple, message: str, fix: str) -> None:
        line, col = self.loaded.locations.of_value(path)
        self.problems.append(Problem(self.loaded.file, line, col, "error", message, fix))

    def keys_unique(self, section: str | tuple, items: Iterable, attr: str = "key") -> None:
        base = section if isinstance(section, tuple) else (section,)
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            key = getattr(item, attr)
            if key in seen:
                first = self.loaded.locations.of_value((*base, seen[key]))[0]
                self.error((*base, i, attr), f"{'.'.join(map(str, base))}: {key!r} is declared twice",
                           f"the first is on line {first}; merge the two entries")
            else:
                seen[key] = i

    def refs(self, path: tuple, values: Iterable[str], known: set[str], what: str,
             where: str) -> None:
        for j, value in enumerate(values):
            if value not in known:
                self.error((*path, j), f"unknown {what} {value!r}",
                           f"declare it under {where if ' ' in where else f'`{where}:`'} "
                           "or fix the spelling")


def cross_reference_problems(loaded: LoadedPolicy) -> list[Problem]:
    """Every cross-reference error in a structurally valid policy."""
    c = _Checker(loaded)
    p = c.p
    for section in ("channels", "category_groups", "categories", "purposes", "consents", "flows",
                    "automated_decisions", "cookies", "processors", "transfers", "integrations",
                    "rights", "jurisdictions", "record_kinds", "security_measures", "staff_roles",
                    "api_scopes"):
        c.keys_unique(section, getattr(p, section))
    c.keys_unique("versions", p.versions, "version")
    c.keys_unique(("disclosure", "exceptions"), p.disclosure.exceptions)
    c.keys_unique(("third_party_provision", "recipients"), p.third_party_provision.recipients)
    _retention(c)
    _statements(c)

    categories = {x.key for x in p.categories}
    purposes = {x.key for x in p.purposes}
    flows = {x.key for x in p.flows}
    channels = {x.key for x in p.channels}
    groups = {x.key for x in p.category_groups}
    consented = {k for x in p.consents for k in x.categories}
    _, data_uses = fideslang_keys()

    for i, cat in enumerate(p.categories):
        path = ("categories", i)
        if not is_fideslang_category(cat.key):
            c.error((*path, "key"), f"{cat.key!r} is not a fideslang data category",
                    "use a fideslang key such as user.contact.email, or a child of one such as "
                    "user.behavior.something")
        c.refs((*path, "channels"), cat.channels, channels, "collection channel", "channels")
        if cat.group is not None and cat.group not in groups:
            c.error((*path, "group"), f"unknown category group {cat.group!r}",
                    "declare it under `category_groups:`")
        if cat.collection == "conditional":
            if not cat.required_in:
                c.error((*path, "collection"), f"{cat.key!r} is conditional but names no flow",
                        "add `required_in: [flow]` naming the flows that require it")
            c.refs((*path, "required_in"), cat.required_in, flows, "flow", "flows")
            for j, fk in enumerate(cat.required_in):
                flow = p.flow(fk)
                if flow is not None and cat.key not in flow.requires:
                    c.error((*path, "required_in", j),
                            f"{cat.key!r} says flow {fk!r} requires it, but that flow does not",
                            f"add {cat.key} to the `requires:` of flow {fk}")
        elif cat.required_in:
            c.error((*path, "required_in"), f"`required_in` is only for conditional categories; "
                    f"{cat.key!r} is {cat.collection}", "remove it or make it conditional")
        if cat.collection == "optional" and cat.key not in consented:
            c.error((*path, "collection"), f"optional category {cat.key!r} is in no consent item",
                    "name it in the `categories:` of the consent item that collects it")

    for i, pur in enumerate(p.purposes):
        path = ("purposes", i)
        if pur.data_use not in data_uses:
            c.error((*path, "data_use"), f"{pur.data_use!r} is not a fideslang data use",
                    "use a fideslang data-use key such as essential.service")
        c.refs((*path, "categories"), pur.categories, categories, "category", "categories")
        if pur.bases == ["consent"] and not any(pur.key in x.purposes for x in p.consents):
            c.error((*path, "bases"), f"purpose {pur.key!r} rests on consent alone but no "
                    "consent item opens it", "add it to a consent item's `purposes:`")
        _bases(c, pur, path)

    for i, con in enumerate(p.consents):
        path = ("consents", i)
        c.refs((*path, "categories"), con.categories, categories, "category", "categories")
        c.refs((*path, "purposes"), con.purposes, purposes, "purpose", "purposes")
        c.refs((*path, "recipients"), con.recipients,
               {r.key for r in p.third_party_provision.recipients}, "third-party recipient",
               "third_party_provision recipients")
        for j, key in enumerate(con.categories):
            cat = p.category(key)
            if cat is not None and cat.collection in ("required", "automatic"):
                c.error((*path, "categories", j), f"consent item names {cat.collection} category "
                        f"{key!r}", "data the service needs rests on the contract, not on "
                        "consent (PIPA 15(1)4, 22(1)); make the category optional or drop it here")

    for i, flow in enumerate(p.flows):
        path = ("flows", i)
        for field in ("requires", "may_collect", "automatic"):
            c.refs((*path, field), getattr(flow, field), categories, "category", "categories")
        for j, key in enumerate(flow.requires):
            cat = p.category(key)
            if cat is None:
                continue
            if cat.collection == "optional":
                c.error((*path, "requires", j), f"flow {flow.key!r} requires optional category "
                        f"{key!r}", "refusing an optional item must never restrict the service "
                        "(P1.9): move it to `may_collect:`")
            elif cat.collection == "conditional" and flow.key not in cat.required_in:
                c.error((*path, "requires", j), f"flow {flow.key!r} requires conditional category "
                        f"{key!r}, which does not name it", f"add {flow.key} to its `required_in:`")
        for j, key in enumerate(flow.automatic):
            cat = p.category(key)
            if cat is not None and cat.collection != "automatic":
                c.error((*path, "automatic", j), f"flow {flow.key!r} lists {cat.collection} "
                        f"category {key!r} as collected automatically",
                        "move it to `requires:` or `may_collect:`, or make the category automatic")
        for j, key in enumerate(flow.may_collect):
            if key in categories and key not in consented:
                c.error((*path, "may_collect", j), f"{key!r} may be collected in flow "
                        f"{flow.key!r} but no consent item names it",
                        "name it in a consent item, or move it to `requires:`")

    for i, dec in enumerate(p.automated_decisions):
        path = ("automated_decisions", i)
        purpose = p.purpose(dec.purpose)
        if purpose is None:
            c.error((*path, "purpose"), f"unknown purpose {dec.purpose!r}",
                    "declare it under `purposes:` or fix the spelling")
            continue
        for j, key in enumerate(dec.categories):
            if key not in categories:
                c.error((*path, "categories", j), f"unknown category {key!r}",
                        "declare it under `categories:` or fix the spelling")
            elif key not in purpose.categories:
                c.error((*path, "categories", j), f"decision {dec.key!r} uses {key!r}, which its "
                        f"purpose {purpose.key!r} does not declare",
                        f"add it to the categories of purpose {purpose.key} or remove it here")

    for i, cookie in enumerate(p.cookies):
        if cookie.data_use not in data_uses:
            c.error(("cookies", i, "data_use"), f"{cookie.data_use!r} is not a fideslang data use",
                    "use a fideslang data-use key such as essential.service")
        if cookie.consent == "not_needed" and cookie.marketing:
            c.error(("cookies", i, "consent"), "a marketing cookie cannot go without consent",
                    "set `consent: opt_in`")

    for i, proc in enumerate(p.processors):
        c.keys_unique(("processors", i, "tasks"), proc.tasks)
        for j, task in enumerate(proc.tasks):
            path = ("processors", i, "tasks", j)
            c.refs((*path, "purposes"), task.purposes, purposes, "purpose", "purposes")
            c.refs((*path, "categories"), task.categories, categories, "category", "categories")

    if duration_days(p.access_log.retention) < 730:
        c.error(("access_log", "retention"), f"access records kept {p.access_log.retention}, "
                "less than 2 years", "the safety-measures standard (Notice 8) asks for at least "
                "2 years at 50,000 or more data subjects: write P2Y or longer")
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(p.access_log.inspection.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        c.error(("access_log", "inspection", "timezone"), "unknown time zone "
                f"{p.access_log.inspection.timezone!r}", "use an IANA name such as Asia/Seoul")
    _jurisdictions(c)
    _roles(c, purposes)
    _measures(c)
    _external_datasets(c, categories)
    return c.problems


def _bases(c: _Checker, pur, path: tuple) -> None:
    """P3.1: a purpose rests only on a basis this controller can have, with what it needs."""
    for j, basis in enumerate(pur.bases):
        if basis not in c.p.lawful_bases:
            c.error((*path, "bases", j), f"purpose {pur.key!r} rests on {basis!r}, which "
                    "`lawful_bases:` does not list", "list the basis under `lawful_bases:` or "
                    "rest the purpose on one that is listed")
        if basis == "public_task" and not c.p.controller.public_authority:
            c.error((*path, "bases", j), f"purpose {pur.key!r} rests on public_task, but the "
                    "controller is not a public authority: a company has no task in the public "
                    "interest laid down by EU or member-state law (GDPR 6(1)(e), 6(3))",
                    "rest it on contract, legal_obligation, consent or legitimate_interests")
    if "legitimate_interests" in pur.bases and pur.assessment is None:
        c.error((*path, "bases"), f"purpose {pur.key!r} rests on legitimate_interests without "
                "a recorded balancing test (GDPR 6(1)(f), recital 47; PIPA 15(1)6)",
                "add `assessment: {interest, necessity, balance, assessed_on, assessed_by, "
                "covers_minors}` to the purpose")
    if pur.assessment is not None and "legitimate_interests" not in pur.bases:
        c.error((*path, "assessment"), f"purpose {pur.key!r} records a legitimate-interest "
                "assessment but does not rest on legitimate_interests",
                "remove the assessment, or add legitimate_interests to `bases:`")


def _statements(c: _Checker) -> None:
    from yaksok.policy.phrases import STATEMENTS

    for key in c.p.statements:
        if key not in STATEMENTS:
            c.error(("statements", key), f"unknown statement {shown_key(key)!r}",
                    "use one of the statements the rendering knows: "
                    + ", ".join(sorted(STATEMENTS)))
    seen: set[str] = set()
    for j, basis in enumerate(c.p.lawful_bases):
        if basis in seen:
            c.error(("lawful_bases", j), f"lawful basis {basis!r} is listed twice",
                    "list each basis once")
        seen.add(basis)


def _retention(c: _Checker) -> None:
    p = c.p
    categories = {x.key for x in p.categories}
    kinds = {x.key for x in p.record_kinds}
    for i, kind in enumerate(p.record_kinds):
        c.refs(("record_kinds", i, "categories"), kind.categories, categories, "category",
               "categories")
    seen: set[str] = set()
    for i, rule in enumerate(p.retention.rules):
        path = ("retention", "rules", i, "record_kind")
        if rule.record_kind not in kinds:
            c.error(path, f"unknown record kind {rule.record_kind!r}",
                    "declare it under `record_kinds:` or fix the spelling")
        if rule.record_kind in seen:
            c.error(path, f"record kind {rule.record_kind!r} has two retention rules",
                    "keep one rule per record kind")
        seen.add(rule.record_kind)


def _jurisdictions(c: _Checker) -> None:
    p = c.p
    rights = {r.key for r in p.rights}
    if p.jurisdiction(p.default_jurisdiction) is None:
        c.error(("default_jurisdiction",), f"unknown jurisdiction {p.default_jurisdiction!r}",
                "name one of the `jurisdictions:` keys")
    for i, jur in enumerate(p.jurisdictions):
        for right in jur.rights:
            if right not in rights:
                c.error(("jurisdictions", i, "rights", right), f"deadline for right {right!r}, "
                        "which the policy does not declare", "declare it under `rights:`")


def _roles(c: _Checker, purposes: set[str]) -> None:
    p = c.p
    for i, role in enumerate(p.staff_roles):
        path = ("staff_roles", i)
        c.refs((*path, "purposes"), role.purposes, purposes, "purpose", "purposes")
        for j, cap in enumerate(role.capabilities):
            if cap not in CAPABILITIES:
                c.error((*path, "capabilities", j), f"unknown capability {cap!r}",
                        "use one of: " + ", ".join(CAPABILITIES))
        if role.processor is not None and role.capabilities:
            c.error((*path, "capabilities"), "a processor's staff hold no capability of the "
                    "controller (they act only through the processor's tasks)",
                    "remove `capabilities:` from the processor's role")
        if role.processor is None:
            if role.tasks:
                c.error((*path, "tasks"), f"role {role.key!r} names tasks but no processor",
                        "add `processor:` naming whose tasks these are")
            continue
        proc = p.processor(role.processor)
        if proc is None:
            c.error((*path, "processor"), f"unknown processor {role.processor!r}",
                    "declare it under `processors:` or fix the spelling")
            continue
        c.refs((*path, "tasks"), role.tasks, {t.key for t in proc.tasks}, "task",
               f"the tasks of processor {proc.key}")
        if role.purposes:
            c.error((*path, "purposes"), "a processor's staff act only through the processor's "
                    "tasks", "remove `purposes:`; the tasks name the purposes")
    for i, scope in enumerate(p.api_scopes):
        c.refs(("api_scopes", i, "purposes"), scope.purposes, purposes, "purpose", "purposes")


def _measures(c: _Checker) -> None:
    try:
        from yaksok.promises import load_table
    except ImportError:  # pragma: no cover - the table ships with the package
        return
    known = {row.id for row in load_table()}
    for i, measure in enumerate(c.p.security_measures):
        for j, pid in enumerate(measure.promises):
            if pid not in known:
                c.error(("security_measures", i, "promises", j), f"unknown promise {pid!r}",
                        "use an ID of the promise table (yaksok promises)")


def _external_datasets(c: _Checker, categories: set[str]) -> None:
    """Other databases (yaksok.rights.external): what the erasure and the export will rely on.

    Whether a ``mask``ed column is text, or a ``null``ed one nullable, depends on the database,
    not the file: those are checked when the dataset is used.
    """
    p = c.p
    c.keys_unique("external_datasets", p.external_datasets)
    for i, ds in enumerate(p.external_datasets):
        base = ("external_datasets", i)
        c.keys_unique((*base, "tables"), ds.tables, "name")
        for j, table in enumerate(ds.tables):
            path = (*base, "tables", j)
            for column, category in table.columns.items():
                if category not in categories:
                    c.error((*path, "columns", column), f"unknown category {category!r}",
                            "declare it under `categories:` or fix the spelling")
            if table.member.path is not None:
                _external_path(c, ds, table, (*path, "member", "path"))
            if not isinstance(table.erasure, str):
                _external_hold(c, table, (*path, "erasure", "hold"), categories)


def _external_path(c: _Checker, ds, table, path: tuple) -> None:
    hops = table.member.path
    end = ds.table(hops[-1].table)
    where = (*path, len(hops) - 1, "references")
    if end is None:
        c.error(where, f"the path of table {table.name!r} ends at table {hops[-1].table!r}, "
                f"which dataset {ds.key!r} does not declare",
                "end the path at a declared table that has `member: {column: ...}`")
    elif end.name == table.name:
        c.error(where, f"the path of table {table.name!r} leads back to itself",
                "name the member with `column:` instead")
    elif end.member.column is None:
        c.error(where, f"the path of table {table.name!r} ends at table {end.name!r}, which "
                "names its member by a path itself",
                "continue the path to the table whose column holds the member id")
    seen = {table.name}
    for k, hop in enumerate(hops):
        if hop.table in seen and not (k == len(hops) - 1 and hop.table == table.name):
            c.error((*path, k, "references"), f"the path of table {table.name!r} passes "
                    f"table {hop.table!r} twice", "remove the loop from the path")
        seen.add(hop.table)


def _external_hold(c: _Checker, table, path: tuple, categories: set[str]) -> None:
    kind_key = table.erasure.hold
    kind = c.p.record_kind(kind_key)
    if kind is None or c.p.retention_rule(kind_key) is None:
        what = "unknown record kind" if kind is None else "record kind without a retention rule"
        c.error(path, f"{what} {kind_key!r}", "hold only record kinds declared under "
                "`record_kinds:` with a rule under `retention.rules:`")
        return
    held: dict[str, str] = {}
    for column, category in table.columns.items():
        if category in held:
            c.error(path, f"table {table.name!r} holds columns {held[category]!r} and "
                    f"{column!r} as the same category {category}", "a held record keeps one "
                    "value per category: hold one of the columns, or erase the table otherwise")
        held[category] = column
        if category in categories and category not in kind.categories:
            c.error(path, f"table {table.name!r} holds column {column!r} ({category}) as "
                    f"{kind_key!r}, which does not keep that category",
                    f"add {category} to the record kind's categories, or erase the table "
                    "with delete, null or mask")
