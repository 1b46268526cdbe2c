"""Finding members by their login identifiers, through the vault's blind indexes, and what a
person who found one may see of them.

Identifiers (email, phone, SNS id) are unique among *active* members: a closed account's email
may sign up again. Lookups are accesses to personal data, so they go through the vault (which
logs them) under the purpose ``member_management``, acted by ``system:<task>``; a person's
lookup names its purpose (and processor staff their task), and so does ``view_member``, the
staff view of one member: only the categories that purpose (or task) lets them read.
"""

from __future__ import annotations

from dataclasses import dataclass

from yaksok.access import grant_for
from yaksok.actors import Actor, system_actor
from yaksok.services import Services
from yaksok.vault import Value

__all__ = ["EMAIL", "LOOKUP_PURPOSE", "PHONE", "SNS_ID", "MemberView", "ProcessorTask",
           "active_holders", "find_member", "lookup_actor", "lookup_member", "lookup_purposes",
           "preferred_member", "processor_tasks", "readable_categories", "view_member"]

EMAIL = "user.contact.email"
PHONE = "user.contact.phone_number"
SNS_ID = "user.social.account_id"
#: The purpose of finding a member by an identifier: member management and identity checks.
LOOKUP_PURPOSE = "member_management"


def lookup_actor(task: str) -> Actor:
    """``system:<task>``, allowed only the lookup purpose."""
    return system_actor(task, (LOOKUP_PURPOSE,))


def active_holders(yk: Services, category: str, value: str, *, task: str = "member-lookup",
                   ip: str | None = None, request_id: str | None = None) -> list[str]:
    """The ids of the active members holding ``value`` (already normalised) in ``category``."""
    found = yk.vault.lookup_all(category, value, actor=lookup_actor(task),
                                purpose=LOOKUP_PURPOSE, ip=ip, request_id=request_id)
    if not found:
        return []
    status = yk.vault.member_statuses(found)
    return sorted(m for m in found if status.get(m) == "active")


def find_member(yk: Services, category: str, value: str, *, task: str = "member-login",
                ip: str | None = None, request_id: str | None = None) -> str | None:
    """The one active member holding ``value`` in ``category``, or None.

    Sign-up keeps identifiers unique among active members; should two ever hold one (a race
    the sign-up's own check lost), the smallest id wins, so every caller gets the same answer.
    """
    holders = active_holders(yk, category, value, task=task, ip=ip, request_id=request_id)
    return holders[0] if holders else None


def preferred_member(yk: Services, member_ids: list[str]) -> str | None:
    """Of the (not erased) members a lookup found, the one to answer with: an active member
    first (identifiers are unique among them), else a closed one; the smallest id on ties."""
    if not member_ids:
        return None
    status = yk.vault.member_statuses(member_ids)
    return min(member_ids, key=lambda m: (status.get(m) != "active", m))


def lookup_member(yk: Services, category: str, value: str, *, actor: Actor,
                  purpose: str | None = LOOKUP_PURPOSE, task: str | None = None,
                  country: str | None = None, ip: str | None = None,
                  request_id: str | None = None) -> str | None:
    """A caller's lookup by an identifier (``POST /lookup``, ``yaksok member lookup``): the
    value normalised, the lookup decided and logged by the vault, the preferred member (or
    None). Processor staff name the ``task`` they look up for, which must cover the
    identifier's category (P10.1). Lookups are rate-limited per caller and per client address,
    so nobody walks a list of emails or phone numbers through them."""
    from yaksok.members.identifiers import normalise_value

    if not purpose:  # a lookup names its purpose: the core refuses one that does not, logged
        yk.vault.authorize(actor, "lookup", categories=(category,), purpose=None, task=task,
                           ip=ip, request_id=request_id)
    message = "too many member lookups"
    yk.throttle.hit("lookup-actor", actor.id, message=message)
    yk.throttle.hit("lookup-address", ip, message=message)
    normalised = normalise_value(category, value, country=country)
    return preferred_member(yk, yk.vault.lookup_all(category, normalised, actor=actor,
                                                    purpose=purpose, ip=ip,
                                                    request_id=request_id, task=task))


# -- what a person may do: choices offered on a form (the core decides again on use) ----------


@dataclass(frozen=True)
class ProcessorTask:
    """A processor task an actor acts through, as the policy in force names it."""

    key: str
    label: dict[str, str]  # {"ko": ..., "en": ...}
    purposes: tuple[str, ...]  # in the policy's order
    categories: tuple[str, ...]  # in the policy's order


def processor_tasks(yk: Services, actor: Actor) -> tuple[ProcessorTask, ...]:
    """The tasks ``actor`` acts through (processor staff; empty for everyone else), in the
    order the processor lists them."""
    grant = grant_for(yk.vault.access(), actor)
    if not grant.tasks:
        return ()
    policy = yk.policy
    purpose_order = [p.key for p in policy.purposes]
    category_order = [c.key for c in policy.categories]
    out = []
    for processor in policy.processors:
        for t in processor.tasks:
            if t.key in grant.tasks and t.key not in {o.key for o in out}:
                task = grant.tasks[t.key][0]
                out.append(ProcessorTask(
                    t.key, {"ko": t.label.ko, "en": t.label.en},
                    tuple(p for p in purpose_order if p in task.purposes),
                    tuple(c for c in category_order if c in task.categories)))
    return tuple(out)


def lookup_purposes(yk: Services, actor: Actor, *, task: str | None = None,
                    categories: tuple[str, ...] = (EMAIL, PHONE)) -> tuple[str, ...]:
    """The purposes (policy order) ``actor`` may look a member up for by each of
    ``categories`` (through ``task``): the choices a lookup form offers. Undecided and
    unlogged: the lookup itself is decided and logged again."""
    return tuple(p.key for p in yk.policy.purposes
                 if all(yk.vault.decide(actor, "lookup", categories=(c,), purpose=p.key,
                                        task=task).allowed for c in categories))


def readable_categories(yk: Services, actor: Actor, *, purpose: str | None = None,
                        task: str | None = None) -> dict[str, tuple[str, ...]]:
    """purpose -> the categories it lists (policy order) that the core lets ``actor`` read for
    it: for ``purpose``, or, through a ``task`` without one, for each of the task's purposes
    (a category under the first that covers it). Categories stored one-way (the password)
    are never read, so never listed. Empty when nothing is granted."""
    policy = yk.policy
    if purpose is not None:
        purposes = [purpose]
    elif task is not None:
        found = next((t for t in processor_tasks(yk, actor) if t.key == task), None)
        purposes = list(found.purposes) if found else []
    else:
        purposes = []
    out: dict[str, tuple[str, ...]] = {}
    seen: set[str] = set(yk.vault.rules().one_way)  # a password hash is never read
    for key in purposes:
        p = policy.purpose(key)
        if p is None:
            continue
        cats = tuple(c for c in p.categories if c not in seen and yk.vault.decide(
            actor, "read", categories=(c,), purpose=key, task=task).allowed)
        seen.update(cats)
        if cats:
            out[key] = cats
    return out


# -- one member as a staff member may see them ----------------------------------------------


@dataclass(frozen=True)
class MemberView:
    """One member as ``actor`` may see them for ``purpose`` (or through ``task``): the row's
    status and jurisdiction, and per purpose every category granted with its values (an empty
    list: the member holds none)."""

    member_id: str
    status: str
    jurisdiction: str
    purpose: str | None
    task: str | None
    sections: tuple[tuple[str, dict[str, list[Value]]], ...]

    def categories(self) -> tuple[str, ...]:
        return tuple(c for _, values in self.sections for c in values)


def view_member(yk: Services, member_id: str, *, actor: Actor, purpose: str | None = None,
                task: str | None = None, ip: str | None = None,
                request_id: str | None = None) -> MemberView:
    """What ``actor`` may see of ``member_id`` for ``purpose`` (processor staff: through
    ``task``, for its purposes unless one is named), read through the vault: every read
    decided and logged under its purpose, on every call (``GET /members/{id}/view``,
    ``yaksok member view``). A purpose that grants none of its categories is refused by the
    core, logged, as any read."""
    plan = readable_categories(yk, actor, purpose=purpose, task=task)
    if not plan:  # the core says why (purpose missing, not the actor's, task outside ...)
        yk.vault.authorize(actor, "read", member_id=member_id, purpose=purpose, task=task,
                           categories=_listed(yk, purpose, task, actor), ip=ip,
                           request_id=request_id)
    info = yk.vault.member_info(member_id)
    wanted = [c for cats in plan.values() for c in cats]
    held = yk.vault.live_counts(member_id, wanted) if wanted else {}
    optional = {c.key for c in yk.policy.categories if c.collection == "optional"}
    consents = yk.vault.effective_consents(member_id) if optional & set(wanted) else frozenset()
    for_use = yk.vault.rules().consents_for_use
    sections = []
    for key, cats in plan.items():
        # An optional category is read only if held under a consent covering this use: the
        # vault refuses a whole read naming one that is not (consent-required). The others
        # are always read, so every view is logged.
        asked = [c for c in cats if c not in optional
                 or held.get(c) and for_use.get((c, key), frozenset()) & consents]
        found = yk.vault.read(member_id, asked, key, actor=actor, task=task, ip=ip,
                              request_id=request_id) if asked else {}
        sections.append((key, {c: found.get(c, []) for c in cats}))
    return MemberView(member_id, info.status, info.jurisdiction, purpose, task, tuple(sections))


def _listed(yk: Services, purpose: str | None, task: str | None,
            actor: Actor) -> tuple[str, ...]:
    """The categories a refused view asked about, for the log: the purpose's or the task's."""
    p = yk.policy.purpose(purpose) if purpose else None
    if p is not None:
        return tuple(p.categories)
    found = next((t for t in processor_tasks(yk, actor) if t.key == task), None)
    return found.categories if found else ()
