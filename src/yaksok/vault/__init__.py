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
- ``credentials``   password checks on the member row
- ``ledger``        the consent ledger (append-only events, the consents in force)
- ``gate``          "may purpose P use member M's data now?", cached per consent generation
- ``renewal``       re-consent marks after a policy change
- ``withdrawal``    what a consent withdrawal erases
- ``held``          records under a statutory hold, sealed under per-kind, per-month hold keys
- ``closure``       account closure: holds written, everything else erased, a receipt
- ``expiry``        destruction of held records, hold keys and consent evidence when due
- ``rewrap``        the data keys' side of a KEK rotation
- ``reindex``       the blind indexes' side of an index-key rotation
- ``subject_access`` every value of a member, for answering a rights request
- ``release``       data leaving for an authority or a third party, within an approved scope

Only this package's ``__all__`` is for other packages: the modules are its rooms.
"""

from __future__ import annotations

from yaksok.vault.closure import ClosureReceipt
from yaksok.vault.collect import NewValue
from yaksok.vault.erasure import DOOR_TABLES, Erasure, Leftover, erasures_path
from yaksok.vault.expiry import EVIDENCE_RULES as EVIDENCE_EXPIRY_RULES
from yaksok.vault.expiry import HOLD_RULES as HOLD_EXPIRY_RULES
from yaksok.vault.expiry import RUN_STATE, ExpiryRule, Found, row_delete_rule, window
from yaksok.vault.held import HOLD_MEMBER, HeldEntry, HeldRecord, hold_scope
from yaksok.vault.ledger import notice_sha256
from yaksok.vault.minors import adult_from_age, adult_from_birth
from yaksok.vault.read import Value
from yaksok.vault.release import Release
from yaksok.vault.restrictions import Objection, Restriction
from yaksok.vault.rules import RESTRICTION_REASONS, SINGLE_VALUED
from yaksok.vault.service import Vault
from yaksok.vault.subject_access import (
    HeldSummary,
    SubjectRow,
    check_request_id,
    held_summary,
    subject_rows,
)
from yaksok.vault.subjects import new_member_id

#: The vault's public face: the ``Vault``, the types its operations take and return, and the
#: few functions that take a ``Vault`` (never a connection). Other packages import only these
#: (``one-door`` contract; tests/test_floor_plan.py).
__all__ = [
    "Vault",
    # what its operations take and return
    "Value",
    "NewValue",
    "Release",
    "Erasure",
    "ClosureReceipt",
    "HeldEntry", "HeldRecord",
    "HeldSummary",
    "SubjectRow",
    "Restriction",
    "Objection",
    "Leftover",
    "DOOR_TABLES",
    # expiry kinds: the vault's own, and the types later layers declare theirs with
    "HOLD_EXPIRY_RULES",
    "EVIDENCE_EXPIRY_RULES",
    "ExpiryRule",
    "Found",
    "RUN_STATE",
    "row_delete_rule",
    "window",
    # constants and pure helpers
    "RESTRICTION_REASONS",
    "SINGLE_VALUED",
    "HOLD_MEMBER",
    "hold_scope",
    "notice_sha256",
    "new_member_id",
    "erasures_path",
    "adult_from_birth",
    "adult_from_age",
    # reads for a rights request, over a Vault
    "check_request_id",
    "held_summary",
    "subject_rows",
]
