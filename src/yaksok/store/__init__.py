"""Storage: the engine, the schema and its migrations. See README.md for this layer's rules."""

from yaksok.store.engine import IMMEDIATE, make_engine, mask_url
from yaksok.store.migrate import (
    current_revision,
    head_revision,
    is_up_to_date,
    require_up_to_date,
    upgrade,
)
from yaksok.store.tables import (
    UTCDateTime,
    api_keys,
    metadata,
    policy_versions,
    staff_accounts,
    staff_sessions,
    utcnow,
)

__all__ = [
    "IMMEDIATE",
    "make_engine",
    "mask_url",
    "upgrade",
    "current_revision",
    "head_revision",
    "is_up_to_date",
    "require_up_to_date",
    "metadata",
    "UTCDateTime",
    "utcnow",
    "policy_versions",
    "api_keys",
    "staff_accounts",
    "staff_sessions",
]
