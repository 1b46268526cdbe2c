"""The one place that wires settings, store, keyring and the policy in force.

``init_yaksok(settings)`` prepares a data directory (idempotent); ``open_yaksok(settings)`` opens
one that is ready. Everything else (API, CLI, workers, tests) receives a ``Yaksok`` and never
builds these parts itself.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from yaksok.errors import ConfigError, NotInitialised
from yaksok.policy.loader import LoadedPolicy
from yaksok.policy.versions import (
    PublishedPolicy,
    current_policy,
    latest_version_id,
    publish_policy,
)
from yaksok.settings import Settings


@dataclass
class Yaksok:
    """A running yaksok: its settings, database engine, keyring and the policy in force."""

    settings: Settings
    engine: Engine
    keyring: object  # yaksok.crypto.keyring.Keyring
    _published: PublishedPolicy | None = field(default=None, repr=False)
    _checked_at: float = field(default=0.0, repr=False)

    #: How often a long-running process looks for a version published by another process.
    POLICY_RECHECK_SECONDS = 5.0

    @property
    def published(self) -> PublishedPolicy:
        """The latest published policy version.

        Cached, but a version published by another process (``yaksok policy publish`` while the
        API runs) is picked up within ``POLICY_RECHECK_SECONDS`` at the cost of one tiny query.
        """
        now = time.monotonic()
        if self._published is not None and now - self._checked_at >= self.POLICY_RECHECK_SECONDS:
            self._checked_at = now
            if latest_version_id(self.engine) != self._published.id:
                self._published = None
        if self._published is None:
            self._published = current_policy(self.engine)
            self._checked_at = now
        return self._published

    @property
    def policy(self):
        return self.published.policy

    def refresh_policy(self) -> PublishedPolicy:
        self._published = None
        return self.published

    def close(self) -> None:
        external = getattr(self, "_external_engines", None)
        if external is not None:  # pools of the policy's external datasets (rights.external)
            external.dispose()
        self.engine.dispose()


def _prepare_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # the keyring lives here
    except OSError as exc:
        raise ConfigError(f"cannot use the data directory {path}: {exc.strerror}",
                          field="YAKSOK_DATA_DIR", fix="point it at a writable directory") from exc


def init_yaksok(settings: Settings, *, published_by: str = "yaksok init") -> Yaksok:
    """Create the data directory, migrate, create the keyring and publish the first policy.

    Safe to run again: it creates only what is missing, and publishes the policy file only when
    no version is published yet (later changes go through ``yaksok policy publish``).
    """
    from yaksok.crypto.keyring import FileKeyring
    from yaksok.store import make_engine, upgrade

    _prepare_data_dir(settings.data_dir)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    keyring_path = settings.effective_keyring_path
    keyring = FileKeyring.open(keyring_path) if keyring_path.exists() else FileKeyring.create(
        keyring_path)
    yk = Yaksok(settings, engine, keyring)
    try:
        current_policy(engine)
    except NotInitialised:
        from yaksok.policy.loader import load_file

        publish_policy(engine, load_file(settings.policy_path), published_by=published_by)
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
    yk = Yaksok(settings, engine, FileKeyring.open(keyring_path))
    yk.published  # noqa: B018 - fail now, not on the first request, if nothing is published
    return yk


def loaded_from_file(settings: Settings) -> LoadedPolicy:
    from yaksok.policy.loader import load_file

    return load_file(settings.policy_path)
