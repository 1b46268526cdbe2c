"""The vault: the only door to personal data. See README.md for this layer's rule.

Every personal value is AES-256-GCM encrypted under its member's data key, collected only as
the policy declares and read only for a declared purpose by an actor allowed it; every grant and
every denial goes to the access log. The pieces:

- ``service``       ``Vault`` (and ``vault_for(yk)``): everything below bound to one yaksok
- ``rules``         the policy pre-digested into lookup tables, per published version
- ``keys``          per-member data keys wrapped under the keyring KEK; value sealing; key cache
- ``blind``         blind indexes (HMAC-SHA256 under HKDF-derived per-category keys)
- ``collect``       collection and its checks (batched for automatic collection)
- ``read``          purpose-bound reads and blind-index lookups
- ``change``        rectification and deletion of single values
- ``restrictions``  restrictions of processing and objections
- ``erasure``       crypto-shredding, the purge after it, re-applying erasures after a restore
- ``subjects``      member rows (the pseudonymous subjects values belong to)
"""

from __future__ import annotations

from yaksok.vault.collect import NewValue
from yaksok.vault.erasure import Erasure, erasures_path, purge_erased
from yaksok.vault.keys import (
    KeyCache,
    destroy_member_key,
    rewrap_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from yaksok.vault.read import Value
from yaksok.vault.restrictions import Objection, Restriction
from yaksok.vault.rules import RESTRICTION_REASONS, SINGLE_VALUED
from yaksok.vault.service import Vault, vault_for
from yaksok.vault.subjects import create_member, new_member_id

__all__ = [
    "Vault",
    "vault_for",
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
    "erase_member",
    "purge_erased",
    "reapply_erasures",
    "erasures_path",
    "wrap_data_key",
    "unwrap_data_key",
    "rewrap_data_key",
    "destroy_member_key",
]


def erase_member(yk, member_id: str, *, actor, ip: str | None = None,
                 request_id: str | None = None) -> Erasure:
    """``vault_for(yk).erase_member(...)``."""
    return vault_for(yk).erase_member(member_id, actor=actor, ip=ip, request_id=request_id)


def reapply_erasures(yk) -> int:
    """After a database restore: re-erase every listed member the restored copy still holds."""
    return vault_for(yk).reapply_erasures()
