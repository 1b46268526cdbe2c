"""The transfer gate at the door: an EU or Swiss member's data reaching a recipient abroad.

``yaksok.policy.transfers.transfer_decision`` decides (pure, from the published policy); this
module gives it what only the vault knows — the member's jurisdiction and the consent items in
force, and the contracts the processors' register holds with the recipient (a cover resting
on standard contractual clauses holds only from the signing day of one) — inside the caller's
transaction, and raises the refusal, which the caller logs with the
entry it was about to write (so a refused transfer is a ``denied`` access-log entry whose reason
is the rule, ``transfer-not-covered`` or ``transfer-mechanism-lapsed``).

Who calls it, and with what recipient:

- ``read`` for processor staff: the recipient is the actor's processor, the destination its
  ``country`` (``processor_transfer``);
- ``release`` (a disclosure to an authority, a provision to a third party): the recipient the
  release names and its country — ``check_transfer(v, conn, member_id, recipient=...,
  country=...)`` right after the member row is found, inside the same transaction.

The controller's own staff and API keys never pass through it: the controller collecting
directly from its members is not a transfer (EDPB Guidelines 05/2021).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from yaksok.errors import Refused
from yaksok.policy.transfers import (
    TransferDecision,
    origin_of,
    signed_contracts,
    transfer_decision,
)
from yaksok.store.sql import sql

if TYPE_CHECKING:
    from yaksok.actors import Actor
    from yaksok.vault.service import Vault

__all__ = ["check_transfer", "processor_transfer"]

_ORIGIN = "SELECT jurisdiction, transfer_origin FROM members WHERE id = ?"


def check_transfer(v: Vault, conn, member_id: str, *, recipient: str, country: str,
                   on: dt.date | None = None) -> TransferDecision:
    """The gate's decision for ``member_id``'s data going to ``recipient`` in ``country``;
    a refusal is raised as ``Refused`` (rule, message, fix; field ``recipient``)."""
    row = conn.exec_driver_sql(sql(conn, _ORIGIN), (member_id,)).first()
    day = on or dt.datetime.now(dt.UTC).date()
    # The sign-up country's origin first: a policy without a Swiss jurisdiction files a Swiss
    # member under its default for rights, but their data is still Swiss data.
    origin = (origin_of(row[1]) or origin_of(row[0])) if row else None
    if origin is None:  # nothing to ask: no consent lookup on the hot path
        return TransferDecision(True, origin=None, destination=country, recipient=recipient,
                                message="not a restricted origin")
    consents: frozenset[str] | None = None

    def has_consent(item: str) -> bool:
        nonlocal consents
        if consents is None:
            consents = v.effective_raw(conn, member_id)
        return item in consents

    contracts = signed_contracts(v.contract_rows(conn, recipient) if v.contract_rows else ())
    d = transfer_decision(v.policy_in_force.published.policy, origin=origin, destination=country,
                          recipient=recipient, on=day, has_consent=has_consent,
                          contracts=contracts)
    if not d.allowed:
        raise Refused(d.message, rule=d.rule, field="recipient", fix=d.fix)
    return d


def processor_transfer(v: Vault, conn, actor: Actor, member_id: str) -> None:
    """For processor staff: the member's data reaching their processor is a transfer when the
    member's data comes from the EU or Switzerland and the processor is elsewhere."""
    if actor.kind != "processor_staff" or not actor.processor:
        return
    processor = v.policy_in_force.published.policy.processor(actor.processor)
    if processor is None:  # decide already refused a role whose processor is gone
        raise Refused("the processor is no longer in the policy", rule="processor-removed",
                      field="task", fix="the policy in force entrusts nothing to it (P10.3)")
    check_transfer(v, conn, member_id, recipient=processor.key, country=processor.country)
