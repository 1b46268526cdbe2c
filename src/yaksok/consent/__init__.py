"""Consent features above the vault: cookie choices with GPC (``cookies``) and the proof of a
member's consents (``proof``). The consent ledger itself — what a member answered, which items
are in force, re-consent after a policy change — is the vault's (``yaksok.vault.ledger``,
``gate``, ``renewal``), because every read and collect decides with it.

See README.md for this layer's rules.
"""

from yaksok.vault import Leftover

__all__ = ["LEFTOVERS"]

#: What an erased member leaves here (cookie choices linked to the account); the wiring
#: registers it on the vault, whose ``purge_erased`` deletes the rows.
LEFTOVERS = (Leftover("cookie_choices", "id"),)
