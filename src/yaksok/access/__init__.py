"""Authorisation, decided once: who may do what on which personal data, from the policy in force.

``decide(tables, actor, operation, member_id=..., categories=..., purpose=..., task=...)`` is
the one decision every route, CLI command and core function asks (docs/access.md). ``tables``
are the published policy's access tables (``tables_for(published)``); the vault binds both as
``Vault.authorize``, which also writes every refusal to the access log.
"""

from yaksok.access.decide import (
    ACCOUNT_PURPOSE,
    HELD_PURPOSE,
    RIGHTS_PURPOSE,
    Decision,
    Mandate,
    decide,
)
from yaksok.access.grants import AccessTables, Grant, build_tables, grant_for, tables_for
from yaksok.access.operations import (
    AUDIT_READ,
    CAPABILITIES,
    OPERATIONS,
    RIGHTS_DECIDE,
    STAFF_MANAGE,
    Operation,
    operation,
)

__all__ = ["ACCOUNT_PURPOSE", "AUDIT_READ", "AccessTables", "CAPABILITIES", "Decision", "Grant",
           "HELD_PURPOSE", "Mandate", "OPERATIONS", "Operation", "RIGHTS_DECIDE", "RIGHTS_PURPOSE",
           "STAFF_MANAGE", "build_tables", "decide", "grant_for", "operation", "tables_for"]
