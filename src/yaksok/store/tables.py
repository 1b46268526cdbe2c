"""The database schema, as SQLAlchemy Core tables.

This module describes the schema; the migrations in ``migrations/versions`` create it. A test
(``test_migrations_match_tables``) compares the two, so a column added here without a migration
fails the suite.

No key material is ever stored here: secrets are either hashed (API keys, session tokens,
passwords) or sealed with a key that lives only in the keyring (``totp_secret_enc``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

__all__ = [
    "metadata",
    "UTCDateTime",
    "policy_versions",
    "api_keys",
    "staff_accounts",
    "staff_sessions",
]

# Deterministic constraint names, so a later migration can drop or alter a constraint by name on
# both backends (SQLite batch mode needs names; PostgreSQL would otherwise invent its own).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime, stored as UTC, returned aware in UTC on every backend.

    PostgreSQL keeps it as ``timestamptz``. SQLite has no time zones, so the value is converted to
    UTC and stored without an offset; the fixed-width text still sorts chronologically. Naive
    datetimes are refused: guessing their zone is how audit timestamps end up hours off.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused; use datetime.now(UTC) or attach a tzinfo")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, aware, in UTC: the only way yaksok code should read the clock for stored times."""
    return datetime.now(UTC)


policy_versions = sa.Table(
    "policy_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # The policy's own version label ("2024-06"), not a number we invent.
    sa.Column("version", sa.String(64), nullable=False, unique=True),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    # The YAML exactly as published, so any past version can be shown and re-verified.
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("published_at", UTCDateTime, nullable=False),
    sa.Column("published_by", sa.String(128), nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    # Public id shown in lists and logs ("ak_..."); the secret part is never stored.
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    # SHA-256 hex of the secret: the secret is high-entropy random, so a slow hash adds nothing.
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    # Space-separated scope names.
    sa.Column("scopes", sa.String(512), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("last_used_at", UTCDateTime, nullable=True),
)

staff_accounts = sa.Table(
    "staff_accounts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    # argon2id PHC string: passwords are low-entropy, so they do need the slow hash.
    sa.Column("password_hash", sa.String(255), nullable=False),
    # base64 of ``crypto.secretbox.seal(...)``; NULL until TOTP is enrolled.
    sa.Column("totp_secret_enc", sa.Text, nullable=True),
    # The last TOTP time step accepted, so a code cannot be used twice.
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled_at", UTCDateTime, nullable=True),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    # SHA-256 hex of the bearer token; a database leak does not leak live sessions.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "staff_id",
        sa.String(32),
        sa.ForeignKey("staff_accounts.id"),
        nullable=False,
        index=True,
    ),
    # The role granted at login, copied so a session's rights are fixed for its lifetime.
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)
