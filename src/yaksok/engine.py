"""The one place that wires yaksok: settings, store, keyring, the policy in force, and the
services every other part is given.

``init_yaksok(settings)`` prepares a data directory (idempotent); ``open_yaksok(settings)`` opens
one that is ready. Both return a ``Yaksok``: the typed bundle of the running parts (the vault,
the access log, the outbox, the external datasets) and of the registries that later layers fill
(message templates, expiry kinds, KEK-sealed columns, the tables an erased member leaves rows in), registered here — never by an import's
side effect or an attribute attached from outside. Everything else (API, CLI, workers, tests)
receives a ``Yaksok`` and never builds these parts itself; below this module nothing names it:
each layer states what it needs (a ``Vault``, or a small Protocol of its own).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from yaksok.auditlog import AuditLog
from yaksok.crypto.keyring import Keyring
from yaksok.errors import ConfigError, NotInitialised
from yaksok.notify import Outbox
from yaksok.policy.loader import LoadedPolicy
from yaksok.policy.model import Policy
from yaksok.policy.versions import (
    PolicyInForce,
    PublishedPolicy,
    current_policy,
    publish_policy,
)
from yaksok.retention.expiry import ExpiryRegistry
from yaksok.rights.external_sql import ExternalDatasets
from yaksok.rotation import SealedRegistry
from yaksok.settings import Settings
from yaksok.store.idempotency import IdempotencyKeys
from yaksok.throttle import Throttle, edge_key
from yaksok.vault import Vault

__all__ = ["Yaksok", "init_yaksok", "open_yaksok", "loaded_from_file", "wire"]


@dataclass
class Yaksok:
    """A running yaksok: its settings, database engine, keyring, the policy in force, and the
    services built over them (one of each per process; all safe to share between threads)."""

    settings: Settings
    engine: Engine
    keyring: Keyring
    policy_in_force: PolicyInForce
    vault: Vault
    audit: AuditLog
    outbox: Outbox
    external: ExternalDatasets
    expiry: ExpiryRegistry
    sealed: SealedRegistry
    throttle: Throttle
    idempotency: IdempotencyKeys
    closed: bool = field(default=False, repr=False)

    @property
    def published(self) -> PublishedPolicy:
        """The latest published version (re-checked every few seconds: see ``PolicyInForce``)."""
        return self.policy_in_force.published

    @property
    def policy(self) -> Policy:
        return self.policy_in_force.published.policy

    def refresh_policy(self) -> PublishedPolicy:
        return self.policy_in_force.refresh()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.external.dispose()
        self.vault.close()
        self.engine.dispose()


def wire(settings: Settings, engine: Engine, keyring: Keyring) -> Yaksok:
    """Build the services over an engine and keyring and register what later layers add."""
    from yaksok import consent, incidents, members, notify, retention, rights
    from yaksok import vault as vault_package
    from yaksok.accounts import staff
    from yaksok.publishing import notices

    policy = PolicyInForce(engine)
    vault = Vault(engine, keyring, policy, settings)
    vault.leaves_behind(*notify.LEFTOVERS, *consent.LEFTOVERS, *rights.LEFTOVERS,
                        *members.LEFTOVERS,
                        vault_package.Leftover("idempotency_keys", "key_hash"))
    section = policy.policy.access_log
    audit = AuditLog.configured(engine, keyring, settings, section)
    outbox = Outbox(engine, keyring, vault, settings)
    outbox.register(notices.TEMPLATES)
    outbox.register(rights.templates(vault))
    outbox.register(incidents.TEMPLATES)
    outbox.register(members.templates(vault))  # email verification, password reset
    from yaksok.processors.transfers import contract_rows

    vault.reads_contracts(contract_rows)  # the transfer gate's view of the contract register
    expiry = ExpiryRegistry()
    # The worker runs them in this order: holds (records before their keys), sessions, consent
    # evidence, then what the rights layer keeps for a while.
    for rule in (*vault_package.HOLD_EXPIRY_RULES, *retention.EXPIRY_RULES,
                 *vault_package.EVIDENCE_EXPIRY_RULES, *rights.EXPIRY_RULES,
                 *members.EXPIRY_RULES):
        expiry.register(rule)
    sealed = SealedRegistry()
    from yaksok import disclosures

    for column in (*staff.SEALED_COLUMNS, *rights.SEALED_COLUMNS, *disclosures.SEALED_COLUMNS,
                   *members.SEALED_COLUMNS):
        sealed.register(column)
    from yaksok.connected import SEALED as CONNECTED_SEALED

    sealed.register(CONNECTED_SEALED)  # connected accounts' revocation tokens (P12.9)
    return Yaksok(settings, engine, keyring, policy, vault, audit, outbox, ExternalDatasets(),
                  expiry, sealed, Throttle.configured(settings, keyring),
                  IdempotencyKeys.configured(engine, edge_key(keyring), keyring))


def _prepare_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # the keyring lives here
    except OSError as exc:
        raise ConfigError(f"cannot use the data directory {path}: {exc.strerror}",
                          field="YAKSOK_DATA_DIR", fix="point it at a writable directory") from exc


def init_yaksok(settings: Settings, *, published_by: str = "yaksok init") -> Yaksok:
    """Create the data directory, migrate, create the keyring and publish the policy.

    The policy file is published with the versions it follows (``provenance.follows``), oldest
    first, each later one with its notice. Safe to run again: it creates only what is missing,
    and publishes only when no version is published yet (later changes go through
    ``yaksok policy publish``).
    """
    from yaksok.crypto.keyring import FileKeyring
    from yaksok.store import make_engine, upgrade

    _prepare_data_dir(settings.data_dir)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    keyring_path = settings.effective_keyring_path
    keyring = FileKeyring.open(keyring_path) if keyring_path.exists() else FileKeyring.create(
        keyring_path)
    try:
        current_policy(engine)
        history = []
    except NotInitialised:
        from yaksok.policy.loader import load_history

        # The versions the policy follows first (SOMESING's 2021 text, then yaksok's version),
        # so the history, the diff and the notice of each change are there from the start.
        first, *history = load_history(settings.policy_path)
        publish_policy(engine, first, published_by=published_by)
    yk = wire(settings, engine, keyring)
    if history:
        from yaksok.publishing.notices import publish_with_notice

        try:
            for loaded in history:
                publish_with_notice(yk, loaded, published_by=published_by)
        except BaseException:
            yk.close()
            raise
    return yk


def open_yaksok(settings: Settings) -> Yaksok:
    """Open an initialised data directory (raises ``NotInitialised`` with the fix otherwise)."""
    from yaksok.crypto.keyring import FileKeyring
    from yaksok.store import is_up_to_date, make_engine

    keyring_path = settings.effective_keyring_path
    if not keyring_path.exists():
        raise NotInitialised(f"no keyring at {keyring_path}", fix="run `yaksok init` first")
    engine = make_engine(settings.effective_database_url)
    if not is_up_to_date(engine):
        raise NotInitialised("the database is not migrated to this version of yaksok",
                             fix="run `yaksok init` (it migrates and is safe to repeat)")
    current_policy(engine)  # fail now, not on the first request, if nothing is published
    return wire(settings, engine, FileKeyring.open(keyring_path))


def loaded_from_file(settings: Settings) -> LoadedPolicy:
    from yaksok.policy.loader import load_file

    return load_file(settings.policy_path)
