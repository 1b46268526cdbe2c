"""What changed between two policy versions: a structured diff, and its ko/en text for notices.

``diff_policies(old, new)`` compares the sections a member is told about when a policy changes
(P0.1, P10.3, P11.1) item by item, by each item's stable key:

    categories, purposes (bases included), consents, processors, processor_tasks,
    retention_rules (keyed by record kind), transfers, third_parties, cookies,
    automated_decisions, officer, controller

Each difference is a ``Change``: ``added``, ``removed`` or ``changed``, and for ``changed`` the
fields that differ (``FieldChange``; for list fields also which elements came and went). A
processor's own fields and its tasks are compared separately: a task added to or dropped from
an existing processor is a ``processor_tasks`` change keyed ``<processor>.<task>``.

``adds_consent_processing(diff)`` names the purposes that now process data under consent that
the member has not given under the old version: a new purpose resting on consent, a purpose that
gained the consent basis, or a purpose that gained (consent item, category) pairs: a category
added to a consent-based purpose, or a consent item that now opens the purpose or a new category
for it. Those members must consent again before the purpose may touch their data
(``yaksok.vault.renewal``).

Everything here is pure: no database, no clock. ``PolicyDiff.to_json``/``from_json`` round-trip
the diff for storage with the notice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from yaksok.policy.model import Policy, Text

__all__ = [
    "SECTIONS",
    "Change",
    "FieldChange",
    "PolicyDiff",
    "adds_consent_processing",
    "diff_policies",
    "grouped_lines",
    "render_diff",
]

#: The compared sections, in the order notices list them.
SECTIONS = (
    "purposes",
    "categories",
    "consents",
    "processors",
    "processor_tasks",
    "third_parties",
    "transfers",
    "retention_rules",
    "automated_decisions",
    "cookies",
    "officer",
    "controller",
)

Kind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class FieldChange:
    """One field of an item that differs; for a list field, also what was added and removed."""

    field: str
    old: Any
    new: Any
    added: tuple = ()
    removed: tuple = ()

    def to_dict(self) -> dict:
        return {"field": self.field, "old": self.old, "new": self.new,
                "added": list(self.added), "removed": list(self.removed)}


@dataclass(frozen=True)
class Change:
    """An item of a section that was added, removed or changed."""

    section: str
    key: str
    kind: Kind
    fields: tuple[FieldChange, ...] = ()

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return tuple(f.field for f in self.fields)

    def field(self, name: str) -> FieldChange | None:
        return next((f for f in self.fields if f.field == name), None)

    def to_dict(self) -> dict:
        return {"section": self.section, "key": self.key, "kind": self.kind,
                "fields": [f.to_dict() for f in self.fields]}


@dataclass(frozen=True)
class PolicyDiff:
    """The differences between two versions (``old_version`` None: against nothing)."""

    old_version: str | None
    new_version: str
    changes: tuple[Change, ...] = ()
    #: Purposes that now rest on consent and did not before (or are new and rest on it).
    purposes_now_consent_based: tuple[str, ...] = ()
    #: purpose -> categories it now processes under a consent it did not have before.
    consent_scope_added: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def in_section(self, section: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.section == section)

    def keys(self, section: str, kind: Kind) -> set[str]:
        return {c.key for c in self.changes if c.section == section and c.kind == kind}

    def find(self, section: str, key: str) -> Change | None:
        return next((c for c in self.changes if c.section == section and c.key == key), None)

    def counts(self) -> dict[str, dict[str, int]]:
        """``{section: {kind: n}}`` for the sections that changed, in ``SECTIONS`` order."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            out.setdefault(c.section, {}).setdefault(c.kind, 0)
            out[c.section][c.kind] += 1
        return {s: out[s] for s in SECTIONS if s in out}

    def summary(self) -> str:
        """One line: ``purposes +1 ~1, processors -1`` (``no changes`` when empty)."""
        signs = {"added": "+", "removed": "-", "changed": "~"}
        parts = [f"{s} " + " ".join(f"{signs[k]}{n}" for k, n in kinds.items())
                 for s, kinds in self.counts().items()]
        return ", ".join(parts) or "no changes"

    def to_dict(self) -> dict:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "changes": [c.to_dict() for c in self.changes],
            "purposes_now_consent_based": list(self.purposes_now_consent_based),
            "consent_scope_added": {p: list(cats) for p, cats in self.consent_scope_added},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PolicyDiff:
        d = json.loads(text)
        return cls(
            old_version=d["old_version"],
            new_version=d["new_version"],
            changes=tuple(
                Change(c["section"], c["key"], c["kind"], tuple(
                    FieldChange(f["field"], f["old"], f["new"], tuple(f["added"]),
                                tuple(f["removed"]))
                    for f in c["fields"]))
                for c in d["changes"]),
            purposes_now_consent_based=tuple(d["purposes_now_consent_based"]),
            consent_scope_added=tuple((p, tuple(cats))
                                      for p, cats in sorted(d["consent_scope_added"].items())),
        )


def adds_consent_processing(diff: PolicyDiff) -> set[str]:
    """The purposes that need every member's (renewed) consent before processing under ``new``."""
    return set(diff.purposes_now_consent_based) | {p for p, _ in diff.consent_scope_added}


# -- computing the diff ------------------------------------------------------------------------

#: Where a statement comes from is the reviewer's business, not a change members are told about
#: (an officer confirming an addition changes nothing for them); the version's ``changes`` say why.
_PROVENANCE = {"source", "quote", "added"}


def _dump(item: BaseModel, exclude: set[str] | None = None) -> dict:
    return item.model_dump(mode="json", by_alias=True, exclude=_PROVENANCE | (exclude or set()))


def _freeze(value: Any) -> Any:
    """JSON value -> hashable (lists to tuples, dicts to sorted item tuples), for set maths."""
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _field_changes(old: dict, new: dict) -> tuple[FieldChange, ...]:
    out = []
    for name in list(dict.fromkeys([*old, *new])):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if isinstance(a, list | type(None)) and isinstance(b, list | type(None)) and (a or b):
            fa, fb = {_freeze(x) for x in a or []}, {_freeze(x) for x in b or []}
            added = tuple(x for x in b or [] if _freeze(x) not in fa)
            removed = tuple(x for x in a or [] if _freeze(x) not in fb)
            out.append(FieldChange(name, a, b, added, removed))
        else:
            out.append(FieldChange(name, a, b))
    return tuple(out)


def _items(policy: Policy | None, section: str) -> dict[str, dict]:
    """``{key: comparable dict}`` of one section of ``policy`` (empty for None)."""
    if policy is None:
        return {}
    p = policy
    if section == "categories":
        return {c.key: _dump(c) for c in p.categories}
    if section == "purposes":
        return {x.key: _dump(x) for x in p.purposes}
    if section == "consents":
        return {x.key: _dump(x) for x in p.consents}
    if section == "processors":
        return {x.key: _dump(x, {"tasks"}) for x in p.processors}
    if section == "processor_tasks":
        return {f"{x.key}.{t.key}": _dump(t) for x in p.processors for t in x.tasks}
    if section == "third_parties":
        return {x.key: _dump(x) for x in p.third_party_provision.recipients}
    if section == "transfers":
        return {x.key: _dump(x) for x in p.transfers}
    if section == "retention_rules":
        return {r.record_kind: _dump(r) for r in p.retention.rules}
    if section == "automated_decisions":
        return {x.key: _dump(x) for x in p.automated_decisions}
    if section == "cookies":
        return {x.key: _dump(x) for x in p.cookies}
    if section == "officer":
        return {"officer": _dump(p.officer)}
    if section == "controller":
        return {"controller": _dump(p.controller)}
    raise KeyError(section)  # pragma: no cover - SECTIONS is fixed


def _section_changes(old: Policy | None, new: Policy, section: str) -> Iterator[Change]:
    before, after = _items(old, section), _items(new, section)
    if section == "processor_tasks":
        # Tasks of a processor that came or went are part of that processor's own change.
        kept = set(_items(old, "processors")) & set(_items(new, "processors"))
        before = {k: v for k, v in before.items() if k.split(".", 1)[0] in kept}
        after = {k: v for k, v in after.items() if k.split(".", 1)[0] in kept}
    for key, value in after.items():
        if key not in before:
            yield Change(section, key, "added")
        elif before[key] != value:
            yield Change(section, key, "changed", _field_changes(before[key], value))
    for key in before:
        if key not in after:
            yield Change(section, key, "removed")


def _consent_scope(policy: Policy | None) -> dict[str, set[tuple[str, str]]]:
    """purpose -> {(via, category)}: what it processes under consent (via a consent item key, or
    ``"basis"`` for the categories of a purpose that rests on consent itself)."""
    scope: dict[str, set[tuple[str, str]]] = {}
    if policy is None:
        return scope
    for p in policy.purposes:
        if "consent" in p.bases:
            scope.setdefault(p.key, set()).update(("basis", c) for c in p.categories)
    for item in policy.consents:
        for purpose in item.purposes:
            scope.setdefault(purpose, set()).update((item.key, c) for c in item.categories)
    return scope


def diff_policies(old: Policy | None, new: Policy) -> PolicyDiff:
    """The structured differences between ``old`` (None: nothing published yet) and ``new``."""
    changes = tuple(c for s in SECTIONS for c in _section_changes(old, new, s))
    old_bases = {p.key: set(p.bases) for p in old.purposes} if old is not None else {}
    newly_consent = tuple(p.key for p in new.purposes
                          if "consent" in p.bases and "consent" not in old_bases.get(p.key, ()))
    before, after = _consent_scope(old), _consent_scope(new)
    new_purposes = {p.key for p in new.purposes}
    scope_added = []
    for purpose in sorted(after):
        gained = after[purpose] - before.get(purpose, set())
        if gained and purpose in new_purposes:
            scope_added.append((purpose, tuple(sorted({c for _, c in gained}))))
    return PolicyDiff(
        old_version=old.current_version.version if old is not None else None,
        new_version=new.current_version.version,
        changes=changes,
        purposes_now_consent_based=newly_consent,
        consent_scope_added=tuple(scope_added),
    )


# -- rendering for notices ---------------------------------------------------------------------

_SECTION_LABELS = {
    "purposes": ("개인정보의 처리 목적", "Purposes of processing"),
    "categories": ("처리하는 개인정보 항목", "Personal data processed"),
    "consents": ("선택 동의 항목", "Optional consent items"),
    "processors": ("개인정보 처리의 위탁", "Processors (entrusted processing)"),
    "processor_tasks": ("위탁 업무", "Entrusted tasks"),
    "third_parties": ("개인정보의 제3자 제공", "Provision to third parties"),
    "transfers": ("개인정보의 국외 이전", "International transfers"),
    "retention_rules": ("법령에 따른 보유 기간", "Retention required by law"),
    "automated_decisions": ("자동화된 결정", "Automated decisions"),
    "cookies": ("쿠키", "Cookies"),
    "officer": ("개인정보 보호책임자", "Privacy officer"),
    "controller": ("개인정보처리자", "Controller"),
}
_SINGLE = ("officer", "controller")
_KIND_LABELS = {"added": ("추가", "added"), "removed": ("삭제", "removed"),
                "changed": ("변경", "changed")}
_FIELD_LABELS = {
    "label": ("명칭", "name"),
    "name": ("명칭", "name"),
    "bases": ("처리 근거", "lawful bases"),
    "categories": ("처리 항목", "data items"),
    "purposes": ("처리 목적", "purposes"),
    "period": ("보유 기간", "period"),
    "law": ("근거 법령", "law"),
    "article": ("조항", "article"),
    "country": ("국가", "country"),
    "mechanisms": ("이전 근거", "transfer mechanisms"),
    "from": ("이전 출발지", "from"),
    "to": ("이전 국가", "to"),
    "collection": ("수집 방법", "how collected"),
    "retention": ("보유 기간", "retention"),
    "description": ("설명", "description"),
    "data_use": ("이용 유형", "data use"),
    "contract_clauses": ("계약 조항", "contract clauses"),
    "since": ("위탁 시작일", "since"),
    "title": ("직위", "title"),
    "organisation": ("소속", "organisation"),
    "phone": ("전화번호", "phone"),
    "email": ("이메일", "email"),
    "criteria": ("판단 기준", "criteria"),
    "consent": ("동의 여부", "consent"),
    "channels": ("수집 경로", "collection channels"),
    "assessment": ("이익형량 평가", "balancing test"),
    "public_authority": ("공공기관 여부", "public authority"),
}
_OFFICER_NAME = ("성명", "name")
_CONSENT_NOTE = (
    "다음 목적의 처리는 새로 동의하신 후에만 이루어집니다: {purposes}",
    "Processing for these purposes starts only after you consent again: {purposes}",
)
_NO_CHANGES = ("처리방침의 문구만 바뀌었으며 처리 내용의 변경은 없습니다.",
               "Only the wording changed; what is processed and how did not.")


def _lang_index(lang: str) -> int:
    return 0 if lang == "ko" else 1


def _text(value: Any, lang: str) -> str:
    if isinstance(value, dict) and set(value) == {"ko", "en"}:
        return str(value[lang])
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v, lang)}" for k, v in value.items())
    return str(value)


class _Labels:
    """Looks keys up in the new policy first, then the old one; the key itself as a last resort."""

    def __init__(self, old: Policy | None, new: Policy | None):
        self.policies = [p for p in (new, old) if p is not None]

    def _find(self, getter) -> Text | None:
        for p in self.policies:
            found = getter(p)
            if found is not None:
                return found
        return None

    def of(self, section: str, key: str, lang: str) -> str:
        def get(p: Policy) -> Text | None:
            if section == "categories":
                x = p.category(key)
            elif section == "purposes":
                x = p.purpose(key)
            elif section == "consents":
                x = p.consent(key)
            elif section == "processors":
                x = p.processor(key)
                return x.name if x else None
            elif section == "processor_tasks":
                proc_key, _, task_key = key.partition(".")
                proc = p.processor(proc_key)
                task = next((t for t in proc.tasks if t.key == task_key), None) if proc else None
                if task is None:
                    return None
                return Text(ko=f"{proc.name.ko}: {task.label.ko}",
                            en=f"{proc.name.en}: {task.label.en}")
            elif section == "retention_rules":
                x = p.record_kind(key)
            elif section == "third_parties":
                x = next((r for r in p.third_party_provision.recipients if r.key == key), None)
            elif section == "transfers":
                x = next((t for t in p.transfers if t.key == key), None)
            elif section == "automated_decisions":
                x = next((d for d in p.automated_decisions if d.key == key), None)
            elif section == "cookies":
                x = next((c for c in p.cookies if c.key == key), None)
            else:
                return None
            return x.label if x is not None else None

        found = self._find(get)
        return found.get(lang) if found is not None else key


def _value(section: str, fname: str, value: Any, lang: str, labels: _Labels) -> str:
    from yaksok.policy.render import humanize_duration, phrase

    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(_value(section, fname, v, lang, labels) for v in value) or "-"
    if fname == "bases":
        return phrase(f"basis.{value}", lang)
    if fname == "categories" and isinstance(value, str):
        return labels.of("categories", value, lang)
    if fname == "purposes" and isinstance(value, str):
        return labels.of("purposes", value, lang)
    if fname == "period" and isinstance(value, str):
        return humanize_duration(value, lang)
    return _text(value, lang)


def _change_line(change: Change, lang: str, labels: _Labels) -> str:
    i = _lang_index(lang)
    head = f"[{_SECTION_LABELS[change.section][i]}] {_KIND_LABELS[change.kind][i]}"
    if change.section not in _SINGLE:
        head += f": {labels.of(change.section, change.key, lang)}"
    if change.kind != "changed" or not change.fields:
        return head
    details = []
    for f in change.fields:
        name = (_OFFICER_NAME if (change.section, f.field) == ("officer", "name")
                else _FIELD_LABELS.get(f.field, (f.field, f.field)))[i]
        if f.added or f.removed:
            parts = [f"+ {_value(change.section, f.field, x, lang, labels)}" for x in f.added]
            parts += [f"- {_value(change.section, f.field, x, lang, labels)}" for x in f.removed]
            details.append(f"{name}: {'; '.join(parts)}")
        else:
            old = _value(change.section, f.field, f.old, lang, labels)
            new = _value(change.section, f.field, f.new, lang, labels)
            details.append(f"{name}: {old} → {new}")
    return head + " (" + "; ".join(details) + ")"


def render_diff(diff: PolicyDiff, lang: str, *, old: Policy | None = None,
                new: Policy | None = None) -> str:
    """The diff as plain text lines in ``lang`` (``ko``/``en``), labels from the policies given.

    Without the policies the item keys are shown instead of their labels.
    """
    labels = _Labels(old, new)
    i = _lang_index(lang)
    lines = [f"- {_change_line(c, lang, labels)}" for c in diff.changes]
    if not lines:
        lines.append(_NO_CHANGES[i])
    renew = sorted(adds_consent_processing(diff))
    if renew and diff.old_version is not None:
        names = ", ".join(labels.of("purposes", p, lang) for p in renew)
        lines += ["", _CONSENT_NOTE[i].format(purposes=names)]
    return "\n".join(lines)


def grouped_lines(diff: PolicyDiff, lang: str, *, old: Policy | None = None,
                  new: Policy | None = None) -> dict[str, list[str]]:
    """The diff's lines in ``lang`` grouped as ``added``, ``removed``, ``changed`` (each line as
    ``render_diff`` words it, without its dash): what a page lists under three headings."""
    groups: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    labels = _Labels(old, new)
    for change in diff.changes:
        groups[change.kind].append(_change_line(change, lang, labels))
    return groups


def iter_sections(diff: PolicyDiff) -> Iterable[tuple[str, tuple[Change, ...]]]:
    """``(section, changes)`` for the sections that changed, in ``SECTIONS`` order."""
    for s in SECTIONS:
        changes = diff.in_section(s)
        if changes:
            yield s, changes
