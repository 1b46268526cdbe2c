"""Retention: statutory holds in separated storage, account closure, and one expiry mechanism.

- ``held``     ``write_record`` / ``read_held``: records a statute makes us keep (P12.6), sealed
               under hold keys (one per record kind and month of expiry) in ``held_records``
               (P12.7), readable only for ``legal_compliance`` by the privacy officer
- ``closure``  ``close_account`` (탈퇴, P12.5): crypto-shred everything not held; a receipt
- ``expiry``   ``register_expiry`` / ``run_expiry``: every kind that expires, one registry;
               destruction records (P12.7)

docs/retention.md describes the model.
"""

from __future__ import annotations

from yaksok.retention.closure import ClosureReceipt, close_account
from yaksok.retention.expiry import (
    DestructionRecord,
    ExpiryRule,
    Found,
    expiry_kinds,
    register_expiry,
    retention_status,
    run_expiry,
)
from yaksok.retention.held import (
    HOLD_MEMBER,
    HeldRecord,
    add_period,
    hold_scope,
    read_held,
    write_record,
)

__all__ = [
    "ClosureReceipt",
    "DestructionRecord",
    "ExpiryRule",
    "Found",
    "HOLD_MEMBER",
    "HeldRecord",
    "add_period",
    "close_account",
    "expiry_kinds",
    "hold_scope",
    "read_held",
    "register_expiry",
    "retention_status",
    "run_expiry",
    "write_record",
]
