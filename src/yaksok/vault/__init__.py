"""The vault: the only door to personal data. See README.md for this layer's rule.

Every personal value is AES-256-GCM encrypted under its member's data key, collected only as
the policy declares and read only for a declared purpose by an actor allowed it; every grant and
every denial goes to the access log. The pieces:

- ``service``       ``Vault``: everything below bound to one database, keyring and policy
- ``rules``         the policy pre-digested into lookup tables, per published version
- ``keys``          per-member data keys (their destruction, the cache of unwrapped keys); the
                    envelope format and blind indexes are ``yaksok.crypto``
- ``collect``       collection and its checks (batched for automatic collection)
- ``read``          purpose-bound reads and blind-index lookups
- ``change``        rectification and deletion of single values
- ``restrictions``  restrictions of processing and objections
- ``erasure``       crypto-shredding, the purge after it, re-applying erasures after a restore
- ``subjects``      member rows (the pseudonymous subjects values belong to)
"""

from __future__ import annotations

from yaksok.vault.collect import NewValue
from yaksok.vault.erasure import Erasure, Leftover, erasures_path
from yaksok.vault.keys import KeyCache, destroy_member_key
from yaksok.vault.read import Value
from yaksok.vault.restrictions import Objection, Restriction
from yaksok.vault.rules import RESTRICTION_REASONS, SINGLE_VALUED
from yaksok.vault.service import Vault
from yaksok.vault.subjects import create_member, new_member_id

__all__ = [
    "Vault",
    "Value",
    "NewValue",
    "Erasure",
    "Restriction",
    "Objection",
    "KeyCache",
    "RESTRICTION_REASONS",
    "SINGLE_VALUED",
    "create_member",
    "new_member_id",
    "Leftover",
    "erasures_path",
    "destroy_member_key",
]
