"""Settings: read once from ``YAKSOK_*`` environment variables or given explicitly.

A ``Settings`` is a plain frozen value; nothing is read at import time, so a test builds its own
with a temporary data directory in one line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where yaksok keeps its data and which policy it enforces."""

    data_dir: Path = Path("./yaksok-data")
    #: SQLAlchemy URL; empty means the embedded SQLite file ``<data_dir>/yaksok.db``.
    database_url: str = ""
    policy_path: Path = Path("policies/somesing.yaml")
    #: The keyring file; empty means ``<data_dir>/keyring.json``.
    keyring_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    #: Staff sessions expire after this many seconds.
    staff_session_seconds: int = 8 * 3600
    #: The access log's external checkpoint file; empty means
    #: ``<data_dir>/access-log-checkpoints.txt``. Best kept on other storage than the database.
    audit_checkpoint_path: Path | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        """Build settings from ``YAKSOK_*`` variables; keyword overrides win (CLI options)."""
        env = os.environ if env is None else env
        values: dict = {}
        if env.get("YAKSOK_DATA_DIR"):
            values["data_dir"] = Path(env["YAKSOK_DATA_DIR"])
        if env.get("YAKSOK_DATABASE_URL"):
            values["database_url"] = env["YAKSOK_DATABASE_URL"]
        if env.get("YAKSOK_POLICY"):
            values["policy_path"] = Path(env["YAKSOK_POLICY"])
        if env.get("YAKSOK_KEYRING"):
            values["keyring_path"] = Path(env["YAKSOK_KEYRING"])
        if env.get("YAKSOK_AUDIT_CHECKPOINTS"):
            values["audit_checkpoint_path"] = Path(env["YAKSOK_AUDIT_CHECKPOINTS"])
        if env.get("YAKSOK_HOST"):
            values["host"] = env["YAKSOK_HOST"]
        if env.get("YAKSOK_PORT"):
            values["port"] = int(env["YAKSOK_PORT"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'yaksok.db').resolve()}"

    @property
    def effective_keyring_path(self) -> Path:
        return self.keyring_path or (self.data_dir / "keyring.json")

    @property
    def effective_audit_checkpoint_path(self) -> Path:
        return self.audit_checkpoint_path or (self.data_dir / "access-log-checkpoints.txt")

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)
