"""What the wiring hands the workflows: the typed running parts of one yaksok.

``yaksok.engine`` builds a ``Yaksok`` that has all of these; the workflows (rights, retention,
publishing, members, consent, key rotation) take any object that has them and say so by
annotating their parameter ``yk: Services`` (a workflow that needs more, such as the expiry
registry, extends this Protocol in its own package). Nothing below the wiring names ``Yaksok``.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine

from yaksok.auditlog import AuditLog
from yaksok.crypto.keyring import Keyring
from yaksok.notify import Outbox
from yaksok.policy.model import Policy
from yaksok.policy.versions import PublishedPolicy
from yaksok.settings import Settings
from yaksok.store.idempotency import IdempotencyKeys
from yaksok.throttle import Throttle
from yaksok.vault import Vault

__all__ = ["Services"]


class Services(Protocol):
    """The running parts every workflow may use: settings, the database, the keyring, the policy
    in force, the vault (the only door to personal data), the access log, the outbox, the
    abuse limits and the idempotency keys."""

    settings: Settings
    engine: Engine
    keyring: Keyring
    vault: Vault
    audit: AuditLog
    outbox: Outbox
    throttle: Throttle
    idempotency: IdempotencyKeys

    @property
    def published(self) -> PublishedPolicy: ...

    @property
    def policy(self) -> Policy: ...

    def refresh_policy(self) -> PublishedPolicy: ...
