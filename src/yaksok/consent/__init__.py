"""Consent features above the vault: cookie choices with GPC (``cookies``) and the proof of a
member's consents (``proof``). The consent ledger itself — what a member answered, which items
are in force, re-consent after a policy change — is the vault's (``yaksok.vault.ledger``,
``gate``, ``renewal``), because every read and collect decides with it.

See README.md for this layer's rules.
"""
