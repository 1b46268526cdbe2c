"""PIPA 37(3): on withdrawal of a consent, destroy what was collected only under it.

After a withdrawal of item K, for each category K lists that no other consent item in force
still covers:

- an ``optional`` category: every value of the member is deleted;
- a ``conditional`` category: the values collected outside the flows that require it (that is,
  under a consent) are deleted; those of its required flow (e.g. the real name of an SSG
  cash-out) stay, they rest on the contract.

Deletion goes through ``change.delete_values`` (no history, no soft delete; logged as ``erase``
by the actor ``system:consent_withdrawal``, with the request id of the withdrawal). Running it
again finds nothing to delete, so a failed run can be repeated.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from yaksok.actors import system_actor
from yaksok.store.sql import sql
from yaksok.vault import ledger

if TYPE_CHECKING:
    from yaksok.vault.service import Vault

__all__ = ["destroy_after_withdrawal", "TASK"]

TASK = "consent_withdrawal"
log = logging.getLogger("yaksok.vault")


def destroy_after_withdrawal(v: Vault, member_id: str, consent_key: str, *, ip: str | None = None,
                             request_id: str | None = None) -> int:
    """Delete the member's values that only ``consent_key`` covered; returns how many."""
    rules = v.rules()
    item = rules.consent_items.get(consent_key)
    if item is None:
        return 0
    with v.engine.connect() as conn:
        in_force = ledger.effective_raw(conn, member_id)
        covered = {c for k in in_force for c in rules.consent_items.get(k, ((), ()))[0]}
        cats = sorted(c for c in item[0] if c not in covered
                      and rules.collection.get(c) in ("optional", "conditional"))
        if not cats:
            return 0
        marks = ", ".join("?" * len(cats))
        rows = conn.exec_driver_sql(sql(conn, "SELECT id, category, flow FROM vault_values "  # noqa: S608 - ? markers only
                                          f"WHERE member_id = ? AND category IN ({marks})"),
                                    (member_id, *cats)).fetchall()
    ids = [vid for vid, cat, flow in rows
           if rules.collection[cat] == "optional" or flow not in rules.required_in[cat]]
    if not ids:
        return 0
    touched = sorted({cat for vid, cat, _ in rows if vid in set(ids)})
    purposes = {k for k, p in rules.purposes.items() if p.categories & set(touched)}
    actor = system_actor(TASK, purposes)
    n = v.delete_values(member_id, actor=actor, value_ids=ids, ip=ip, request_id=request_id)
    log.info("consent %s withdrawn by %s: destroyed %d values of %s", consent_key, member_id, n,
             ", ".join(touched))
    return n
