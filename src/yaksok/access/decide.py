"""``decide``: the one answer to "may this actor do this, to this member's data, for this?".

It takes the actor, the operation (``operations.OPERATIONS``), the member, the categories and
the purpose or processor task, and answers from the published policy's access tables
(``grants.py``) with a ``Decision``: granted, with the purposes the grant rests on, or refused,
with the rule's slug, a message and the fix. It never touches the database and never raises for
a refusal; ``Decision.refusal()`` is the error to raise, and the callers in the core (the vault,
rights, retention, the access log's reports) write every refusal to the access log first.

The rules are written in words in docs/access.md; each function below is one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from yaksok.access.grants import AccessTables, Grant, grant_for
from yaksok.access.operations import (
    AUDIT_READ,
    AUDIT_VERIFY,
    OPERATIONS,
    POLICY_CHECK,
    POLICY_PUBLISH,
    REGISTERS_MANAGE,
    RIGHTS_DECIDE,
    STAFF_MANAGE,
)
from yaksok.actors import Actor
from yaksok.errors import (
    ActorNotAllowed,
    CategoryNotForPurpose,
    Refused,
    UndeclaredCategory,
    UnknownPurpose,
)

__all__ = ["Decision", "Mandate", "decide", "HELD_PURPOSE", "ACCOUNT_PURPOSE", "RIGHTS_PURPOSE"]

#: The purpose an API key must act for to act for members in the app (closure, consents,
#: requests, the account menu): member management.
ACCOUNT_PURPOSE = "member_management"
#: The only purpose held records are written and read for.
HELD_PURPOSE = "legal_compliance"
#: The purpose what is done to carry out a data-subject request is done for: answering the
#: request is the controller's legal duty (PIPA 35-38, GDPR 12-22, CCPA 1798.130), so a
#: mandate's grant rests on it and the access log names it (the monthly report's labels).
RIGHTS_PURPOSE = "legal_compliance"


@dataclass(frozen=True, slots=True)
class Mandate:
    """A verified rights request being carried out: the member's own request is the authority
    for the privacy officer to rectify or erase what it names, whatever the category."""

    request_id: str
    member_id: str
    right: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one operation: granted (``rule`` says on what) or refused (the rule)."""

    operation: str
    allowed: bool
    rule: str
    message: str = ""
    fix: str = ""
    field: str | None = None
    #: (purpose, categories) the grant rests on, in the policy's order of purposes
    uses: tuple[tuple[str, tuple[str, ...]], ...] = ()
    task: str | None = None

    @property
    def purpose(self) -> str | None:
        """The one purpose the grant rests on (None if none, or several)."""
        return self.uses[0][0] if len(self.uses) == 1 else None

    def refusal(self) -> Refused:
        """The error a refused decision raises (403, ``rule`` = this decision's rule)."""
        cls = _ERRORS.get(self.rule, ActorNotAllowed)
        return cls(self.message, rule=self.rule, field=self.field, fix=self.fix)


#: Refusals that are not about the actor keep their own error type (and problem type).
_ERRORS: dict[str, type[Refused]] = {"category-not-for-purpose": CategoryNotForPurpose,
                                     "undeclared-category": UndeclaredCategory,
                                     "unknown-purpose": UnknownPurpose}


def _granted(op: str, rule: str, uses=(), task: str | None = None) -> Decision:
    return Decision(op, True, rule, uses=tuple(uses), task=task)


def _refused(op: str, rule: str, message: str, fix: str, field: str = "actor") -> Decision:
    return Decision(op, False, rule, message, fix, field)


class _Ask:
    """One question to ``decide``: who, what, on whose data, for what (read-only by use)."""

    __slots__ = ("tables", "actor", "grant", "op", "member_id", "categories", "purpose", "task",
                 "mandate")

    def __init__(self, tables: AccessTables, actor: Actor, grant: Grant, op: str,
                 member_id: str | None, categories: tuple[str, ...], purpose: str | None,
                 task: str | None, mandate: Mandate | None) -> None:
        self.tables, self.actor, self.grant, self.op = tables, actor, grant, op
        self.member_id, self.categories, self.purpose = member_id, categories, purpose
        self.task, self.mandate = task, mandate

    @property
    def who(self) -> str:
        return self.actor.display or self.actor.id

    @property
    def member(self) -> bool:
        return self.actor.kind == "member"

    @property
    def own(self) -> bool:
        return self.member and self.member_id is not None and self.actor.id == self.member_id

    @property
    def app_for_members(self) -> bool:
        return self.actor.kind == "app_backend" and ACCOUNT_PURPOSE in self.grant.purposes

    def has(self, capability: str) -> bool:
        # Only the controller's own staff and yaksok's duties hold capabilities (grant_for
        # gives processor staff none).
        return (self.actor.kind in ("staff", "system", "worker")
                and capability in self.grant.capabilities)

    def mandated(self, right: str) -> bool:
        m = self.mandate
        return (m is not None and m.right == right and m.member_id == self.member_id
                and self.has(RIGHTS_DECIDE))


def decide(tables: AccessTables, actor: Actor, operation: str, *, member_id: str | None = None,
           categories: Iterable[str] = (), purpose: str | None = None, task: str | None = None,
           mandate: Mandate | None = None) -> Decision:
    """May ``actor`` do ``operation`` on ``member_id``'s ``categories`` for ``purpose``?"""
    cats = categories if type(categories) is tuple else tuple(categories)
    key = None
    if mandate is None:  # the answer depends on the member only through "is it the actor?"
        own = None if member_id is None else (actor.kind == "member" and actor.id == member_id)
        key = (actor, operation, own, cats, purpose, task)
        decided = tables._decisions.get(key)
        if decided is not None:
            return decided
    if operation not in OPERATIONS:
        raise KeyError(operation)  # a programming error: every caller names a known operation
    ask = _Ask(tables, actor, grant_for(tables, actor), operation, member_id, cats, purpose,
               task, mandate)
    if ask.member and member_id is not None and not ask.own:
        decided = _refused(operation, "not-own-data", "a member may act on their own data only",
                           "use your own member id (GET /me)", "member_id")
    else:
        decided = _RULES[operation](ask)
    if key is not None:
        if len(tables._decisions) > 4096:  # many actors over a long life: start again
            tables._decisions.clear()
        tables._decisions[key] = decided
    return decided


# -- category-bound operations -----------------------------------------------------------------

def _cover(a: _Ask) -> Decision:
    """Every category acted on for a purpose the actor acts for (the named one, if any);
    processor staff through the named task only."""
    tables, grant = a.tables, a.grant
    if a.purpose is not None:
        if a.purpose not in tables.purpose_categories:
            return _refused(a.op, "unknown-purpose", "the purpose is not one of the policy",
                            "use one of the policy's purposes: "
                            + ", ".join(sorted(tables.purpose_categories)), "purpose")
        if a.purpose not in grant.purposes:
            return _refused(a.op, "actor-not-allowed", f"{a.who} may not act for {a.purpose}",
                            "use an actor whose role, scopes or tasks grant this purpose "
                            "(P7.5)", "purpose")
    covering, task = grant.covering, None
    if grant.tasks is not None:
        if a.task is None or a.task not in grant.tasks:
            names = ", ".join(sorted(grant.tasks)) or "none"
            return _refused(a.op, "processor-task-required",
                            f"processor staff act only through one of their tasks ({names})",
                            "pass task= the processor task this is for (P10.1)", "task")
        task = a.task
        covering = grant.tasks[task][1]
    elif a.task is not None:
        return _refused(a.op, "not-processor-staff", "only processor staff act through a task",
                        "leave task out", "task")
    uses: dict[str, list[str]] = {}
    for c in a.categories:
        if c not in tables.categories:
            return _refused(a.op, "undeclared-category", "the policy declares no such category",
                            "name only categories the policy declares", "categories")
        found = covering.get(c, ())
        if a.purpose is not None and a.purpose in found:
            chosen = a.purpose
        elif a.purpose is not None and c not in tables.purpose_categories[a.purpose]:
            return _refused(a.op, "category-not-for-purpose",
                            f"the purpose {a.purpose} does not list {c}",
                            f"name only categories {a.purpose} lists", "categories")
        elif task is not None and (a.purpose is not None or not found):
            what = f"the purpose {a.purpose}, on {c}" if a.purpose else c
            return _refused(a.op, "outside-processor-task",
                            f"the processor task {task} does not cover {what}",
                            "stay within the task's purposes and categories (P10.1)", "task")
        elif found:
            chosen = found[0]
        else:
            return _refused(a.op, "no-purpose-for-category",
                            f"{a.who} acts for no purpose that lists {c}",
                            "use an actor whose role or scopes grant a purpose listing the "
                            "category (P7.5)", "categories")
        uses.setdefault(chosen, []).append(c)
    order = {p: i for i, p in enumerate(tables.purpose_order)}
    return _granted(a.op, "purpose", ((p, tuple(cs)) for p, cs in
                                      sorted(uses.items(), key=lambda kv: order[kv[0]])), task)


def _own_input(a: _Ask) -> Decision | None:
    """A member supplies their own data, never what the app observes (automatic categories)."""
    observed = [c for c in a.categories if c in a.tables.automatic]
    if observed:
        return _refused(a.op, "member-supplies-own-data-only",
                        f"{', '.join(sorted(observed))} is collected automatically by the app, "
                        "not supplied by the member", "the app backend collects it with its "
                        "API key", "categories")
    return None


def _collect(a: _Ask) -> Decision:
    if a.member:
        return _own_input(a) or _cover(a)
    return _cover(a)


def _read(a: _Ask) -> Decision:
    if a.purpose is None:
        return _refused(a.op, "purpose-required", "a read names its purpose",
                        "pass purpose= a purpose of the policy", "purpose")
    return _cover(a)


def _mandated(a: _Ask) -> Decision:
    """Granted on the member's verified request, for the legal duty of answering it."""
    return _granted(a.op, f"mandate:{a.mandate.request_id}", ((RIGHTS_PURPOSE, a.categories),))


def _rectify(a: _Ask) -> Decision:
    if a.own:
        return _own_input(a) or _granted(a.op, "own-data")
    if a.mandated("rectification"):
        return _mandated(a)
    return _cover(a)


def _erase_values(a: _Ask) -> Decision:
    if a.own:
        return _granted(a.op, "own-data")
    if a.mandated("erasure"):
        return _mandated(a)
    if a.actor.kind == "app_backend" and not a.app_for_members or \
            a.actor.kind in ("staff", "processor_staff") and not a.has(RIGHTS_DECIDE):
        return _refused(a.op, "erase-not-allowed",
                        f"{a.who} may not erase members' data",
                        "erasure is for the member, an API key whose scopes grant "
                        f"{ACCOUNT_PURPOSE}, or staff whose role has {RIGHTS_DECIDE}")
    return _cover(a)


def _lookup(a: _Ask) -> Decision:
    if a.member:
        return _refused(a.op, "lookup-not-allowed", "members cannot search other members",
                        "the app backend looks members up with its API key")
    # Processor staff find a member only through a task whose categories hold the identifier
    # (counselling answers a customer who gives their email): _cover refuses anything else.
    return _read(a)


def _processor_tasks(a: _Ask) -> Decision:
    """Processor staff, through one of their tasks (any, when none is named): the page they
    work from. What they look up and read there is decided per act, within the task (P10.1)."""
    if a.grant.tasks and (a.task is None or a.task in a.grant.tasks):
        return _granted(a.op, "task", task=a.task)
    if a.grant.tasks:
        names = ", ".join(sorted(a.grant.tasks))
        return _refused(a.op, "processor-task-required",
                        f"{a.task} is not one of {a.who}'s tasks ({names})",
                        "pick one of your tasks (P10.1)", "task")
    return _refused(a.op, "not-processor-staff", f"{a.who} acts through no processor task",
                    "this is the page of a processor's staff; use the pages your role grants")


def _write_held(a: _Ask) -> Decision:
    if a.has(RIGHTS_DECIDE) or (a.actor.kind == "app_backend"
                                and HELD_PURPOSE in a.grant.purposes):
        return _granted(a.op, "capability" if a.actor.kind != "app_backend" else "scope",
                        ((HELD_PURPOSE, a.categories),))
    return _refused(a.op, "held-write-not-allowed", f"{a.who} may not write held records",
                    f"the privacy officer, or an API key whose scopes grant {HELD_PURPOSE}, "
                    "writes them")


def _read_held(a: _Ask) -> Decision:
    if a.purpose != HELD_PURPOSE:
        return _refused(a.op, "held-records-legal-compliance-only",
                        "held records are kept only to comply with the law",
                        f"read held records only for {HELD_PURPOSE}", "purpose")
    if a.has(RIGHTS_DECIDE) and HELD_PURPOSE in a.grant.purposes:
        return _granted(a.op, "capability", ((HELD_PURPOSE, a.categories),))
    return _refused(a.op, "held-read-officer-only", "only the privacy officer may read held "
                    "records", "ask the privacy officer")


def _held_list(a: _Ask) -> Decision:
    """Which held records a member has, and until when (never their values): the member
    themself, an app key acting for legal_compliance (which writes them), a rights handler."""
    if a.own:
        return _granted(a.op, "own-data")
    if a.actor.kind == "app_backend" and HELD_PURPOSE in a.grant.purposes:
        return _granted(a.op, "scope")
    if a.actor.kind == "staff" and a.has(RIGHTS_DECIDE):
        return _granted(a.op, "capability")
    return _refused(a.op, "held-list-not-allowed",
                    f"{a.who} may not list this member's held records",
                    f"the member themself, an API key whose scopes grant {HELD_PURPOSE}, or "
                    f"staff whose role has {RIGHTS_DECIDE} lists them")


# -- member-bound and service operations --------------------------------------------------------

def _either(*, own: bool = True, app: bool = False, capability: str | None = None,
            system: bool = True, rule: str, what: str, fix: str) -> Callable[[_Ask], Decision]:
    """A rule granting the member themself, an app key acting for members, and/or holders of a
    capability (staff, and yaksok's duties defined with it)."""

    def check(a: _Ask) -> Decision:
        if own and a.own:
            return _granted(a.op, "own-data")
        if app and a.app_for_members:
            return _granted(a.op, "scope")
        if capability is not None and a.has(capability) and (
                system or a.actor.kind == "staff"):
            return _granted(a.op, "capability")
        who = ["the member themself"] * own + [
            f"an API key acting for {ACCOUNT_PURPOSE}"] * app + (
            [f"staff whose role has {capability}"] if capability else [])
        advice = fix
        if capability is not None and not a.member:
            holders = sorted(r for r, caps in a.tables.role_capabilities.items()
                             if capability in caps)
            advice = (f"ask staff in a role that has {capability} "
                      f"({', '.join(holders) or 'none'})")
        return _refused(a.op, rule, f"{a.who} may not {what}; only {' or '.join(who)} may",
                        advice)

    return check


def _policy_view(a: _Ask) -> Decision:
    """The versions, their diffs and the access matrix as staff pages: whoever checks the
    policy (the engineer) or publishes it (the officer). What members see is public anyway
    (``/policy``, ``/notices``); this adds who published each version and the preview."""
    if a.actor.kind == "staff" and (a.has(POLICY_PUBLISH) or a.has(POLICY_CHECK)):
        return _granted(a.op, "capability")
    return _refused(a.op, "capability-required", f"{a.who} may not read the policy's versions "
                    "and access matrix here", f"ask staff whose role has {POLICY_PUBLISH} or "
                    f"{POLICY_CHECK}")


_ON_BEHALF = dict(own=True, app=True, capability=RIGHTS_DECIDE, rule="on-behalf-not-allowed",
                  fix=f"act as the member, an API key whose scopes grant {ACCOUNT_PURPOSE}, or "
                      f"staff whose role has {RIGHTS_DECIDE}")
_OFFICER = f"ask staff whose role has {RIGHTS_DECIDE} (the privacy officer)"

_RULES: dict[str, Callable[[_Ask], Decision]] = {
    "collect": _collect,
    "read": _read,
    "rectify": _rectify,
    "erase_values": _erase_values,
    "lookup": _lookup,
    "processor_tasks": _processor_tasks,
    "write_held": _write_held,
    "read_held": _read_held,
    "held_list": _held_list,
    "erase_account": _either(own=True, app=True, capability=RIGHTS_DECIDE,
                             rule="erase-not-allowed", what="erase a member's account",
                             fix=_ON_BEHALF["fix"]),
    "consent": _either(**_ON_BEHALF, what="record a consent for this member"),
    "restrict": _either(**_ON_BEHALF, what="restrict processing for this member"),
    "object": _either(**_ON_BEHALF, what="record an objection for this member"),
    "subject_access": _either(**_ON_BEHALF, what="obtain everything held of this member"),
    "explain_decision": _either(**_ON_BEHALF, what="explain a decision about this member"),
    "rights_submit": _either(**_ON_BEHALF, what="submit a rights request for this member"),
    "export_link": _either(capability=RIGHTS_DECIDE, system=False,
                           rule="export-owner-or-officer", what="mint a link to this export",
                           fix="only the member who owns the export or the privacy officer "
                               "may"),
    "export_download": _either(capability=RIGHTS_DECIDE, system=False,
                               rule="export-owner-or-officer", what="download this export",
                               fix="only the member who owns the export, or the privacy "
                                   "officer, with the link made for them"),
    "access_history": _either(capability=AUDIT_READ, system=False, rule="capability-required",
                              what="read this member's access history",
                              fix=f"ask staff whose role has {AUDIT_READ}"),
    "consent_proof": _either(capability=RIGHTS_DECIDE, rule="capability-required",
                             what="read this member's proof of consent", fix=_OFFICER),
    "own_account": _either(rule="members-only", what="use a member's own account pages",
                           fix="log in as the member (POST /members/login)"),
    # The link goes to the member's own address, so whoever runs the member's account may ask
    # for it: the member, the app's backend right after sign-up, the officer for support.
    "account_email": _either(app=True, capability=RIGHTS_DECIDE,
                             rule="on-behalf-not-allowed",
                             what="send this member an email verification link",
                             fix=_ON_BEHALF["fix"]),
    "rights_view": _either(capability=RIGHTS_DECIDE, rule="capability-required",
                           what="see this member's rights requests", fix=_OFFICER),
    "rights_verify": _either(app=True, rule="members-only",
                             what="verify or cancel this request as its member",
                             fix="log in as the member who made the request; staff verify "
                                 "with verify-staff and never handle a member's password"),
    "rights_handle": _either(own=False, capability=RIGHTS_DECIDE, rule="capability-required",
                             what="handle rights requests", fix=_OFFICER),
    "audit_report": _either(own=False, capability=AUDIT_READ, system=False,
                            rule="capability-required", what="read the inspection report",
                            fix=f"ask staff whose role has {AUDIT_READ}"),
    "incidents_manage": _either(own=False, capability=REGISTERS_MANAGE, system=False,
                                rule="capability-required", what="keep the breach register",
                                fix=f"ask staff whose role has {REGISTERS_MANAGE}"),
    "incident_inquiry": _either(app=True, capability=REGISTERS_MANAGE, system=False,
                                rule="capability-required",
                                what="see which breaches touched this member",
                                fix="log in as the member (GET /me/incidents), or ask staff "
                                    f"whose role has {REGISTERS_MANAGE}"),
    # Recording what an authority asked for is the register keeper's; deciding on it and
    # producing the data is the officer's (P4.1). Scope, recipient and basis are checked after
    # this, by yaksok.disclosures and the vault (docs/disclosures.md).
    "disclosures_keep": _either(own=False, capability=REGISTERS_MANAGE, system=False,
                                rule="capability-required", what="keep the disclosure register",
                                fix=f"ask staff whose role has {REGISTERS_MANAGE}"),
    "disclosure_approve": _either(own=False, capability=RIGHTS_DECIDE, system=False,
                                  rule="capability-required", what="approve a disclosure",
                                  fix=_OFFICER),
    "disclose": _either(own=False, capability=RIGHTS_DECIDE, system=False,
                        rule="capability-required",
                        what="produce a member's data for an authority", fix=_OFFICER),
    "provide": _either(own=False, app=True, capability=RIGHTS_DECIDE, system=False,
                       rule="capability-required",
                       what="provide a member's data to a third party",
                       fix=f"an API key whose scopes grant {ACCOUNT_PURPOSE}, or {_OFFICER}"),
    "registers_keep": _either(own=False, capability=REGISTERS_MANAGE, system=False,
                              rule="capability-required",
                              what="keep the processor and transfer registers",
                              fix=f"ask staff whose role has {REGISTERS_MANAGE}"),
    "measures_manage": _either(own=False, capability=REGISTERS_MANAGE, system=False,
                               rule="capability-required",
                               what="keep the evidence of organisational measures",
                               fix=f"ask staff whose role has {REGISTERS_MANAGE}"),
    "access_changes": _either(own=False, capability=AUDIT_READ, system=False,
                              rule="capability-required",
                              what="read the record of access-right changes",
                              fix=f"ask staff whose role has {AUDIT_READ}"),
    "audit_verify": _either(own=False, capability=AUDIT_VERIFY, system=False,
                            rule="capability-required", what="verify the access log",
                            fix=f"ask staff whose role has {AUDIT_VERIFY}"),
    # Held records and their destruction are the privacy officer's (as held_list, read_held);
    # the security auditor reads the access log and nothing else.
    "retention_status": _either(own=False, capability=RIGHTS_DECIDE, system=False,
                                rule="capability-required", what="read the retention status",
                                fix=f"ask staff whose role has {RIGHTS_DECIDE}"),
    "policy_view": _policy_view,
    # A staff member publishing through the console or REST; the operator publishing a file on
    # the server (`yaksok policy publish` without a staff session) is the system, not asked.
    "policy_publish": _either(own=False, capability=POLICY_PUBLISH, system=False,
                              rule="capability-required", what="publish a policy version",
                              fix=f"ask staff whose role has {POLICY_PUBLISH} (the privacy "
                                  "officer)"),
    "staff_manage": _either(own=False, capability=STAFF_MANAGE, system=False,
                            rule="capability-required", what="manage API keys and staff",
                            fix=f"ask staff whose role has {STAFF_MANAGE}"),
    "drp_agents": _either(own=False, capability=RIGHTS_DECIDE, system=False,
                          rule="capability-required", what="manage DRP agents", fix=_OFFICER),
    # The outbox carries the officer's letters and notices to members: the officer sees what
    # failed (never to whom) and sends it again.
    "outbox_manage": _either(own=False, capability=RIGHTS_DECIDE, system=False,
                             rule="capability-required",
                             what="see and retry the outbox's messages", fix=_OFFICER),
    # A connected Google account (P12.9): whoever may act on the member's behalf may see it
    # and revoke it; the tokens themselves are read only through the vault's purpose rules.
    "connected_view": _either(**_ON_BEHALF, what="see this member's connected accounts"),
    "connected_revoke": _either(**_ON_BEHALF, what="revoke this member's connected account"),
}
assert set(_RULES) == set(OPERATIONS), set(OPERATIONS) ^ set(_RULES)  # noqa: S101
