"""Who is acting: one ``Actor`` value for every caller, whatever way it proved who it is.

Every decision about personal data asks two questions: who is acting, and for which purpose. The
answer to the first is an ``Actor``: who it is (its id, kind, role or scopes) and, for display,
the purposes it acts for under the policy in force when it was authenticated. Whether it may do
something is decided by ``yaksok.access.decide`` alone, which re-derives what a role or scope
grants from the *published* policy at every decision (P7.5: access control decides who may reach
which personal data).

How purposes are derived (the policy's ``staff_roles`` and ``api_scopes`` sections):

- a staff role: the role's own ``purposes``;
- a processor's staff role (``processor:`` set): the union of the purposes of the processor tasks
  the role lists (``tasks:``), so a processor's staff act only through that processor's tasks;
- an API key: the union of the purposes of its scopes;
- a member (signed in with a member session): ``MEMBER_SELF_PURPOSES`` only, and only ever on
  their own data (``yaksok.access`` refuses any other member id: rule ``not-own-data``).

A role or scope the policy no longer holds grants nothing (the caller decides whether that is an
error). This module is core: it imports nothing from the API, web or CLI layers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from yaksok.policy.model import Policy, StaffRole

__all__ = [
    "Actor",
    "ActorKind",
    "api_key_actor",
    "member_actor",
    "MEMBER_SELF_PURPOSES",
    "purposes_of_role",
    "purposes_of_scopes",
    "staff_actor",
    "system_actor",
]

ActorKind = Literal["member", "app_backend", "staff", "processor_staff", "worker", "system"]


@dataclass(frozen=True)
class Actor:
    """An authenticated caller and the purposes it may act for under the policy in force."""

    id: str
    kind: ActorKind
    role: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    purposes: frozenset[str] = field(default_factory=frozenset)
    processor: str | None = None
    display: str = ""
    #: The capabilities of a staff role (``rights.decide`` ...), or those a system duty is
    #: defined with; ``yaksok.access`` re-derives a staff member's from the published policy.
    capabilities: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        """Whether this actor is a person on the controller's or a processor's staff."""
        return self.kind in ("staff", "processor_staff")


def purposes_of_role(policy: Policy, role: StaffRole) -> frozenset[str]:
    """The purposes a staff role grants: its own, or its processor tasks' for a processor role."""
    if role.processor is None:
        return frozenset(role.purposes)
    processor = policy.processor(role.processor)
    if processor is None:  # crossref refuses such a policy; grant nothing if one slips through
        return frozenset()
    wanted = set(role.tasks)
    return frozenset(p for task in processor.tasks if task.key in wanted for p in task.purposes)


def purposes_of_scopes(policy: Policy, scopes: Iterable[str]) -> frozenset[str]:
    """The union of the purposes of the API scopes the policy still holds."""
    out: set[str] = set()
    for key in scopes:
        scope = policy.api_scope(key)
        if scope is not None:
            out.update(scope.purposes)
    return frozenset(out)


def staff_actor(policy: Policy, staff_id: str, username: str, role_key: str) -> Actor | None:
    """The actor for a staff member in ``role_key``; None if the policy no longer has the role."""
    role = policy.staff_role(role_key)
    if role is None:
        return None
    kind: ActorKind = "processor_staff" if role.processor else "staff"
    where = f"@{role.processor}" if role.processor else ""
    return Actor(
        id=staff_id,
        kind=kind,
        role=role.key,
        purposes=purposes_of_role(policy, role),
        processor=role.processor,
        display=f"staff:{username} ({role.key}{where})",
        capabilities=frozenset(role.capabilities),
    )


def api_key_actor(policy: Policy, key_id: str, name: str, scopes: Iterable[str]) -> Actor:
    """The actor for an application backend holding an API key with ``scopes``."""
    # Scopes the policy dropped since the key was made grant nothing, so they are not carried.
    known = frozenset(s for s in scopes if policy.api_scope(s) is not None)
    return Actor(
        id=key_id,
        kind="app_backend",
        scopes=known,
        purposes=purposes_of_scopes(policy, known),
        display=f"apikey:{name} ({key_id})",
    )


#: What a signed-in member acts for on their own data: reading and changing their account
#: (P12.3, the rights of access and rectification P6.1-P6.2) is member management in the policy.
MEMBER_SELF_PURPOSES: frozenset[str] = frozenset({"member_management"})


def member_actor(member_id: str, purposes: Iterable[str] = MEMBER_SELF_PURPOSES) -> Actor:
    """The actor for a member acting on their own data (id = the member id)."""
    return Actor(id=member_id, kind="member", purposes=frozenset(purposes),
                 display=f"member:{member_id}")


def system_actor(task: str, purposes: Iterable[str] = (),
                 capabilities: Iterable[str] = ()) -> Actor:
    """The actor for one of yaksok's own duties (``task`` names it for the audit log), acting for
    the ``purposes`` and with the ``capabilities`` the duty is defined with in the core."""
    return Actor(id=f"system:{task}", kind="system", purposes=frozenset(purposes),
                 capabilities=frozenset(capabilities), display=f"system:{task}")
