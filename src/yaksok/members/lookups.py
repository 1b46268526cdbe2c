"""Finding members by their login identifiers, through the vault's blind indexes.

Identifiers (email, phone, SNS id) are unique among *active* members: a closed account's email
may sign up again. Lookups are accesses to personal data, so they go through the vault (which
logs them) under the purpose ``member_management``, acted by ``system:<task>``.
"""

from __future__ import annotations

from yaksok.actors import Actor, system_actor
from yaksok.services import Services

__all__ = ["EMAIL", "LOOKUP_PURPOSE", "PHONE", "SNS_ID", "active_holders", "find_member",
           "lookup_actor", "lookup_member", "preferred_member"]

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
                  purpose: str = LOOKUP_PURPOSE, country: str | None = None,
                  ip: str | None = None, request_id: str | None = None) -> str | None:
    """A caller's lookup by an identifier (``POST /lookup``, ``yaksok member lookup``): the
    value normalised, the lookup decided and logged by the vault, the preferred member (or
    None). Lookups are rate-limited per caller and per client address, so nobody walks a list
    of emails or phone numbers through them."""
    from yaksok.members.identifiers import normalise_value

    message = "too many member lookups"
    yk.throttle.hit("lookup-actor", actor.id, message=message)
    yk.throttle.hit("lookup-address", ip, message=message)
    normalised = normalise_value(category, value, country=country)
    return preferred_member(yk, yk.vault.lookup_all(category, normalised, actor=actor,
                                                    purpose=purpose, ip=ip,
                                                    request_id=request_id))
