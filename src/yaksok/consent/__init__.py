"""Consents: the ledger's core (``ledger``); cookies, GPC, proofs and versions build on it.

See README.md for this layer's rules.
"""

from yaksok.consent.ledger import (
    ACTIONS,
    ConsentEvent,
    effective_consents,
    give,
    history,
    notice_sha256,
    record,
    refuse,
    withdraw,
)

__all__ = [
    "ACTIONS",
    "ConsentEvent",
    "effective_consents",
    "give",
    "history",
    "notice_sha256",
    "record",
    "refuse",
    "withdraw",
]
