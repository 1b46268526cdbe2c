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
from sqlalchemy.sql.naming import conv
from sqlalchemy.types import TypeDecorator

__all__ = [
    "metadata",
    "UTCDateTime",
    "policy_versions",
    "api_keys",
    "staff_accounts",
    "staff_sessions",
    "access_log",
    "access_log_head",
    "access_log_nodes",
    "access_log_checkpoints",
    "access_log_cosignatures",
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
    # Failed logins in a row; RESTRICT_AFTER of them set ``restricted_at`` (yaksok.accounts).
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    # Unused since migration 0014: no login locks an account (yaksok.throttle).
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled_at", UTCDateTime, nullable=True),
    # Since when the account is restricted (migration 0014); the privacy officer lifts it.
    sa.Column("restricted_at", UTCDateTime, nullable=True),
    # Enrolment on the console (migration 0028, yaksok.accounts.enrolment): the secret being
    # enrolled (sealed like ``totp_secret_enc``, its own AAD), the SHA-256 of the ticket that
    # finishes it, its expiry, and the wrong codes typed against it.
    sa.Column("totp_pending_enc", sa.Text, nullable=True),
    sa.Column("enrol_ticket_hash", sa.String(64), nullable=True, unique=True, index=True),
    sa.Column("enrol_expires_at", UTCDateTime, nullable=True),
    sa.Column("enrol_failures", sa.Integer, nullable=False, server_default="0"),
    # A temporary password (a new account's or a reset's) must be replaced at the next sign-in.
    sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
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
    # When the session was last used (written at most once a minute): an idle one ends
    # (Settings.staff_idle_seconds; migration 0028). NULL: not used since it began.
    sa.Column("last_seen_at", UTCDateTime, nullable=True),
)


# -- the access log (yaksok.auditlog) ----------------------------------------------------------
# Append-only: rows are inserted by ``auditlog.log.append`` and deleted only by retention, whole
# epochs at a time. ``seq`` is assigned by us from ``access_log_head`` (gap-free, 0-based, the
# leaf index in the Merkle tree), never by the database. On SQLite it is INTEGER PRIMARY KEY,
# i.e. the rowid itself: rows are stored in seq order and no second index is kept.
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=False),
    # Entries are numbered from 0; a row below can only be forged (migration 0018).
    sa.CheckConstraint("seq >= 0", name=conv("ck_access_log_seq")),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("actor_id", sa.String(128), nullable=False),
    sa.Column("actor_kind", sa.String(32), nullable=False),
    sa.Column("actor_role", sa.String(64), nullable=True),
    # The accessor's IP: the one personal datum an entry holds (the safety-measures standard).
    sa.Column("source_ip", sa.String(45), nullable=True),
    # The member's random internal id; "who saw my data" queries by it.
    sa.Column("subject_ref", sa.String(64), nullable=True, index=True),
    # Category keys, sorted, space-separated ("" for none).
    sa.Column("categories", sa.Text, nullable=False, server_default=""),
    sa.Column("operation", sa.String(16), nullable=False),
    sa.Column("purpose", sa.String(64), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("request_id", sa.String(128), nullable=True),
    sa.Column("task", sa.String(64), nullable=True),
    sa.Column("policy_version", sa.String(64), nullable=True),
    # SHA-256(0x00 || canonical encoding), computed at append (see docs/auditlog.md).
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
)

access_log_head = sa.Table(
    "access_log_head",
    metadata,
    # One row (id 1). Appenders lock it with UPDATE ... RETURNING, which serialises them: the
    # sequence has no gaps or forks, and a rolled-back append gives its numbers back.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("next_seq", sa.BigInteger, nullable=False),
    # Entries below this seq were dropped by retention (a multiple of the epoch size).
    sa.Column("expired_before", sa.BigInteger, nullable=False, server_default="0"),
    # The checkpoints' origin line, fixed by the first checkpoint so it never drifts.
    sa.Column("origin", sa.String(255), nullable=True),
)

access_log_nodes = sa.Table(
    "access_log_nodes",
    metadata,
    # The hash of the perfect subtree over leaves [idx * 2**level, (idx + 1) * 2**level). Levels
    # >= 4 are stored for every complete subtree up to the latest checkpoint; level 0 rows keep
    # the leaf hashes around old checkpoints once retention has dropped their entries.
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
)

access_log_checkpoints = sa.Table(
    "access_log_checkpoints",
    metadata,
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    # The whole signed note (C2SP tlog-checkpoint), exactly as also appended to the external file.
    sa.Column("note", sa.Text, nullable=False),
    # The keyring version of the log_signing key that signed it; the key itself is never here.
    sa.Column("key_version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

access_log_cosignatures = sa.Table(
    "access_log_cosignatures",
    metadata,
    # A witness's cosignature line (C2SP tlog-cosignature) on the checkpoint of this size.
    sa.Column("witness", sa.String(255), primary_key=True),
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("cosigned_at", UTCDateTime, nullable=False),
    sa.Column("line", sa.Text, nullable=False),
)


# -- the vault (yaksok.vault) and the consent ledger's core (yaksok.consent) -------------------
# Personal values live only in ``vault_values``, AES-256-GCM encrypted under their member's data
# key; data keys live only wrapped under a keyring KEK (``data_keys.wrapped``). No table here
# holds a plaintext personal value: members are known by a random id (``m_`` + 24 hex), which is
# also the pseudonymous ``subject_ref`` of the access log. Foreign keys deliberately stop at
# ``member_sessions``: erasure destroys a key and purges rows itself, it never relies on cascades.

members = sa.Table(
    "members",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("jurisdiction", sa.String(8), nullable=False),
    # 'active' | 'closed' | 'erased'
    sa.Column("status", sa.String(16), nullable=False),
    # "age checked: at least N" (the jurisdiction's minimum); the birth date itself is not here.
    sa.Column("age_verified_min", sa.Integer, nullable=True),
    sa.Column("age_checked_at", UTCDateTime, nullable=True),
    # For a member under 18 at the age check: the day they turn 18, sealed under their data key
    # (yaksok.vault.minors); empty for adults. Never the birth date itself.
    sa.Column("adult_from_key", sa.String(32), nullable=True),
    sa.Column("adult_from", sa.LargeBinary, nullable=True),
    # argon2id PHC string, for rows from before migration 0016 only (a good login seals it).
    sa.Column("password_hash", sa.String(255), nullable=True),
    # The argon2id hash sealed under the member's data key (``password_key``): it dies with the
    # member's erasure, in backups too (yaksok.vault.credentials).
    sa.Column("password_key", sa.String(32), nullable=True),
    sa.Column("password_sealed", sa.LargeBinary, nullable=True),
    # Unused since migration 0014: no login locks an account; tries are rate-limited
    # (yaksok.throttle), and nothing here tells which logins failed.
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    # The coarse origin of the member's data under the transfer rules, from the sign-up
    # country: EU, CH, or NULL (migration 0026; yaksok.vault.transfer).
    sa.Column("transfer_origin", sa.String(8), nullable=True),
    sa.Column("erased_at", UTCDateTime, nullable=True),
)

member_sessions = sa.Table(
    "member_sessions",
    metadata,
    # SHA-256 hex of the bearer token.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.String(32), sa.ForeignKey("members.id"), nullable=False,
              index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

data_keys = sa.Table(
    "data_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    # Not a foreign key: erasure must not depend on cascades.
    sa.Column("member_id", sa.String(32), nullable=False),
    # 'member', or 'hold:<record_kind>' for records under a statutory hold.
    sa.Column("scope", sa.String(64), nullable=False, server_default="member"),
    # nonce || AES-256-GCM(kek, data key) || tag; NULL once destroyed.
    sa.Column("wrapped", sa.LargeBinary, nullable=True),
    sa.Column("kek_version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("destroyed_at", UTCDateTime, nullable=True),
    # Its index also serves lookups by member_id.
    sa.UniqueConstraint("member_id", "scope"),
)

vault_values = sa.Table(
    "vault_values",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("member_id", sa.String(32), nullable=False),
    sa.Column("category", sa.String(128), nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    # format byte || nonce || AES-256-GCM ciphertext || tag (see yaksok/vault/README.md).
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    # HMAC-SHA256 blind index, for categories looked up by exact value; NULL otherwise.
    sa.Column("blind", sa.LargeBinary(32), nullable=True),
    # The index-key version the blind was made under (migration 0015; NULL: made before it was
    # recorded). A rotation remakes the others, so the old version can be destroyed.
    sa.Column("blind_version", sa.Integer, nullable=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("flow", sa.String(32), nullable=True),
    sa.Column("collected_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index(None, "member_id", "category"),
    sa.Index(None, "category", "blind"),
)

consent_events = sa.Table(
    "consent_events",
    metadata,
    # Append-only: there is no update or delete API (only the purge of erased members).
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(32), nullable=False, index=True),
    sa.Column("consent_key", sa.String(64), nullable=False),
    # 'given' | 'refused' | 'withdrawn'
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("policy_version", sa.String(64), nullable=False),
    # SHA-256 hex of the exact notice text shown; the text itself is in the published policy.
    sa.Column("notice_sha256", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("actor_id", sa.String(128), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

processing_restrictions = sa.Table(
    "processing_restrictions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(32), nullable=False, index=True),
    # NULL: every purpose except legal compliance storage.
    sa.Column("purpose", sa.String(64), nullable=True),
    # A code ('accuracy-disputed', ...), never free text.
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("lifted_at", UTCDateTime, nullable=True),
)

objections = sa.Table(
    "objections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(32), nullable=False, index=True),
    # 'purpose' | 'decision'
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target_key", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("lifted_at", UTCDateTime, nullable=True),
)

erasures = sa.Table(
    "erasures",
    metadata,
    # The list a restore re-applies (also kept outside the database: <data_dir>/erasures.txt).
    sa.Column("member_id", sa.String(32), primary_key=True),
    sa.Column("erased_at", UTCDateTime, nullable=False),
    # The KEK version active at erasure: rotating past it and destroying it defeats old copies.
    sa.Column("kek_version", sa.Integer, nullable=False),
)

__all__ += [  # noqa: PLE0605 - appended with the tables above
    "members",
    "member_sessions",
    "data_keys",
    "vault_values",
    "consent_events",
    "processing_restrictions",
    "objections",
    "erasures",
]


# -- policy notices, the outbox and re-consent marks (yaksok.publishing.notices, yaksok.notify) ----
# None of these holds a personal value: members appear only by their random internal id, email
# addresses are read from the vault at send time, and notice texts are the same for everyone.

policy_notices = sa.Table(
    "policy_notices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # One notice per published version (P0.1, P11.1).
    sa.Column("version", sa.String(64), sa.ForeignKey("policy_versions.version"), nullable=False,
              unique=True),
    sa.Column("previous_version", sa.String(64), nullable=True),
    sa.Column("posted_at", UTCDateTime, nullable=False),
    sa.Column("title_ko", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text, nullable=False),
    sa.Column("body_ko", sa.Text, nullable=False),
    sa.Column("body_en", sa.Text, nullable=False),
    # The structured diff against ``previous_version`` (yaksok.policy.diff.PolicyDiff.to_json).
    sa.Column("diff", sa.Text, nullable=False),
    # How many individual notices were queued (members x channels; duplicates not counted).
    sa.Column("queued", sa.Integer, nullable=False, server_default="0"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    # "ob_" + random hex; the Message-ID of an email is derived from it, so a retry after a
    # crash carries the same Message-ID and the receiving side can drop the duplicate.
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),  # 'email' | 'in_app'
    # The member's internal id; the address is resolved through the vault at delivery.
    sa.Column("recipient_ref", sa.String(32), nullable=False, index=True),
    sa.Column("template", sa.String(64), nullable=False),
    # JSON of short tokens only (checked at enqueue): ids and version labels, no personal values.
    sa.Column("params", sa.Text, nullable=False, server_default="{}"),
    # 'pending' | 'sending' | 'sent' | 'failed' (will retry) | 'dead' (gave up)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # When the row may be claimed next: the retry time, or the end of a sender's lease.
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    # The SMTP code and reply with any address masked; never a personal value.
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("dedupe_key", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("claimed_until", UTCDateTime, nullable=True),
    sa.UniqueConstraint("channel", "dedupe_key"),
    sa.Index(None, "status", "next_attempt_at"),
)

member_notices = sa.Table(
    "member_notices",
    metadata,
    sa.Column("member_id", sa.String(32), primary_key=True),
    sa.Column("notice_id", sa.Integer, sa.ForeignKey("policy_notices.id"), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("read_at", UTCDateTime, nullable=True),
)

consent_renewals = sa.Table(
    "consent_renewals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(32), nullable=False),
    # Processing for this purpose is refused until the member consents under since_version.
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("since_version", sa.String(64), nullable=False),
    # Space-separated category keys the new consent is needed for; NULL: the whole purpose (new,
    # or newly resting on consent).
    sa.Column("categories", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("member_id", "purpose", "since_version"),
)

__all__ += [  # noqa: PLE0605 - appended with the tables above
    "policy_notices",
    "outbox",
    "member_notices",
    "consent_renewals",
]


# -- cookie consent (yaksok.consent.cookies) ---------------------------------------------------
# Append-only: one row per decision; a device's latest row is its choice. A device is known by
# the random id its banner made (not a fingerprint); no IP address or user agent is stored.

cookie_choices = sa.Table(
    "cookie_choices",
    metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("device_id", sa.String(64), nullable=False),
    # The member's random internal id when the choice was made in a member's session; not a
    # foreign key, like the vault's tables: erasure handles its rows itself.
    sa.Column("member_id", sa.String(32), nullable=True, index=True),
    # JSON object of every category key of the policy to true/false, keys sorted.
    sa.Column("choices", sa.Text, nullable=False),
    # Whether a Global Privacy Control signal was present when the choice was made.
    sa.Column("gpc", sa.Boolean, nullable=False),
    sa.Column("policy_version", sa.String(64), nullable=False),
    sa.Column("banner_language", sa.String(8), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index(None, "device_id", "at"),
)

__all__ += ["cookie_choices"]  # noqa: PLE0605 - appended with the table above


# -- consent evidence (yaksok.vault.ledger, migration 0006) -----------------------------------
# Who gave a consent ('member' | 'legal_guardian' | 'authorised_agent') and the guardian's or
# agent's reference id (never a name); the language of the notice shown. The members' consent
# generation is bumped in the transaction of every consent event (yaksok.vault.gate).
consent_events.append_column(
    sa.Column("given_by", sa.String(24), nullable=False, server_default="member"))
consent_events.append_column(sa.Column("given_by_ref", sa.String(64), nullable=True))
consent_events.append_column(sa.Column("language", sa.String(8), nullable=True))
members.append_column(
    sa.Column("consent_generation", sa.BigInteger, nullable=False, server_default="0"))


# -- retention (yaksok.retention, migration 0007) -----------------------------------------------
# Records under a statutory hold, in storage separated from the vault's values (P12.7): each is
# sealed under a hold key (data_keys scope ``hold:<record_kind>:<YYYY-MM of expiry>``, one key
# per kind and expiry month for every member), so destruction at expiry is one key deletion.
# ``member_ref`` is the member's random id; nothing else identifying is kept beside the record.

held_records = sa.Table(
    "held_records",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("record_kind", sa.String(64), nullable=False),
    sa.Column("member_ref", sa.String(32), nullable=True, index=True),
    sa.Column("key_id", sa.String(32), nullable=False),
    # format byte || nonce || AES-256-GCM(hold key, JSON of the values) || tag;
    # AAD = "yaksok-held|1|" id "|" record_kind "|" key_id.
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index(None, "record_kind", "expires_at"),
    sa.Index(None, "expires_at"),
)

# One row per run, kind and batch that destroyed something; never a destroyed value.
destruction_records = sa.Table(
    "destruction_records",
    metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(32), nullable=False, index=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("record_kind", sa.String(64), nullable=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("window_from", UTCDateTime, nullable=True),
    sa.Column("window_to", UTCDateTime, nullable=True),
    # 'key deletion' | 'row delete' | 'overwrite'
    sa.Column("method", sa.String(32), nullable=False),
    sa.Column("rule", sa.String(128), nullable=False),
    sa.Column("law", sa.Text, nullable=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
)

# The receipt of each account closure (what was destroyed and what is held: kinds, counts and
# dates, never a value), keyed by the member's random id.
closure_receipts = sa.Table(
    "closure_receipts",
    metadata,
    sa.Column("member_ref", sa.String(32), primary_key=True),
    sa.Column("closed_at", UTCDateTime, nullable=False),
    sa.Column("receipt", sa.Text, nullable=False),
)

# One row per pass of the worker (yaksok.retention.passes, migration 0029): when it ran, what
# each expiry kind destroyed, and why a failed pass failed (an error's kind, never a value).
# Counts only; passes older than ``passes.KEEP_DAYS`` are pruned by the next pass.
worker_passes = sa.Table(
    "worker_passes",
    metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(32), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False, index=True),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    # 'done' | 'stopped' (the server shutting down) | 'failed'
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("destroyed", sa.Integer, nullable=False),
    sa.Column("purged", sa.Integer, nullable=False),
    # JSON {expiry kind: items destroyed} of every kind the pass ran
    sa.Column("kinds", sa.Text, nullable=False),
    sa.Column("failed_kind", sa.String(64), nullable=True),
    sa.Column("error", sa.String(200), nullable=True),
)

__all__ += ["held_records", "destruction_records", "closure_receipts",  # noqa: PLE0605
            "worker_passes"]

# -- rights requests (migration 0008) -------------------------------------------------------
# A data-subject request and its lifecycle (yaksok.rights). ``details`` and ``result`` are JSON of
# codes and counts only; personal inputs (a rectification's new value) are sealed under the
# member's data key in ``personal`` (AAD binds them to the request), so an erasure shreds them.
rights_requests = sa.Table(
    "rights_requests",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # "rq_" + 24 hex
    sa.Column("member_id", sa.String(32), nullable=True, index=True),
    sa.Column("right", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    # received | verified | in_progress | extended | completed | refused | cancelled
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("jurisdiction", sa.String(8), nullable=False),
    sa.Column("requester", sa.String(32), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("acknowledge_by", UTCDateTime, nullable=True),
    sa.Column("acknowledged_at", UTCDateTime, nullable=True),
    sa.Column("extensions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("refusal_reason", sa.String(64), nullable=True),
    sa.Column("details", sa.Text, nullable=False, server_default="{}"),
    sa.Column("personal", sa.LargeBinary, nullable=True),
    sa.Column("personal_key_id", sa.String(32), nullable=True),
    sa.Column("verified_at", UTCDateTime, nullable=True),
    # How identity was checked: password | code | session | staff:<method>
    sa.Column("verification", sa.String(64), nullable=True),
    # For agents and representatives: pending | accepted | rejected (NULL for the member).
    sa.Column("agent_check", sa.String(16), nullable=True),
    sa.Column("agent_checked_by", sa.String(128), nullable=True),
    sa.Column("agent_checked_at", UTCDateTime, nullable=True),
    # The steps carried out so far (JSON), so a retried carry_out never applies one twice.
    sa.Column("progress", sa.Text, nullable=False, server_default="{}"),
    sa.Column("result", sa.Text, nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("submitted_by", sa.String(128), nullable=False),
    # The requester's language (ko | en): messages about the request are in it first.
    sa.Column("lang", sa.String(8), nullable=False, server_default="ko"),
    sa.Index(None, "status", "due_at"),
)

# Every transition of a request (and every agent check): who, when, from, to, a reason code.
rights_request_events = sa.Table(
    "rights_request_events",
    metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(32), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.String(128), nullable=False),
    sa.Column("actor_kind", sa.String(16), nullable=False),
    sa.Column("from_status", sa.String(16), nullable=True),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64), nullable=True),
)

# One-time codes: an HMAC (keyring-derived key, version ``mac_version``) to check against, and
# the code sealed under the keyring's KEK for the outbox to open at delivery (wiped once used).
verification_codes = sa.Table(
    "verification_codes",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # "vc_" + 24 hex
    sa.Column("request_id", sa.String(32), nullable=False, index=True),
    sa.Column("code_mac", sa.String(64), nullable=False),
    sa.Column("mac_version", sa.Integer, nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("used_at", UTCDateTime, nullable=True),
)

# Powers of attorney, AES-256-GCM under the member's data key (AAD: document, request, member,
# key), so the document dies with the member's key.
rights_documents = sa.Table(
    "rights_documents",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # "pd_" + 24 hex
    sa.Column("request_id", sa.String(32), nullable=False, index=True),
    sa.Column("member_id", sa.String(32), nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("uploaded_by", sa.String(128), nullable=False),
)

__all__ += ["rights_requests", "rights_request_events", "verification_codes",  # noqa: PLE0605
            "rights_documents"]

# -- rights exports (migration 0009) --------------------------------------------------------
# An export (access or portability) is a ZIP sealed under its own random key; that key is
# stored wrapped under the member's data key (not the KEK), so destroying the member key on
# erasure makes every export of the member unreadable in the same instant. A download link is a
# random token kept only as its SHA-256; a new link replaces the previous one.
export_files = sa.Table(
    "export_files",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("request_id", sa.String(64), nullable=False, index=True),
    sa.Column("member_ref", sa.String(32), nullable=False, index=True),
    # 'access' | 'portability'
    sa.Column("kind", sa.String(16), nullable=False),
    # The member-scope data key the export key is wrapped under.
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    # The category keys it holds, space-separated (for the download's access-log entry).
    sa.Column("categories", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# Download links of exports (migration 0012): one per export and holder, so the link the privacy
# officer mints never replaces the member's own. Only the token's SHA-256 is kept.
export_links = sa.Table(
    "export_links",
    metadata,
    sa.Column("member_id", sa.String(32), nullable=False),
    sa.Column("export_id", sa.String(32), nullable=False),
    # 'member' (the owner's link, used with the owner's session) | 'officer'
    sa.Column("holder", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, index=True),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.PrimaryKeyConstraint("member_id", "export_id", "holder"),
)

# One row per download while the file lives (the access log keeps the lasting record, with IP).
export_downloads = sa.Table(
    "export_downloads",
    metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("export_id", sa.String(32), nullable=False, index=True),
    sa.Column("member_ref", sa.String(32), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.String(128), nullable=False),
    sa.Column("actor_kind", sa.String(32), nullable=False),
)

__all__ += ["export_files", "export_links", "export_downloads"]  # noqa: PLE0605


# -- Data Rights Protocol (migration 0010) --------------------------------------------------
# Agents the privacy officer registered (the Ed25519 verify key of each, base64) and the DRP
# requests they sent. A request keeps its agent's id and the member's random id, never the
# identity claims; ``message_sha256`` (of the signed message) makes each message usable once.
drp_agents = sa.Table(
    "drp_agents",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # the DRP ``agent-id``
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("verify_key", sa.String(64), nullable=False),
    sa.Column("web_url", sa.String(500), nullable=True),
    sa.Column("identity_assurance_url", sa.String(500), nullable=True),
    # 'active' | 'revoked'
    sa.Column("status", sa.String(16), nullable=False),
    # SHA-256 hex of the pair-wise bearer token (POST /v1/agent/{id}); the token is shown once.
    sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("token_issued_at", UTCDateTime, nullable=True),
    # ``issued-at`` of the last accepted key-setup message: a replayed one is not newer.
    sa.Column("setup_issued_at", UTCDateTime, nullable=True),
    sa.Column("registered_at", UTCDateTime, nullable=False),
    sa.Column("registered_by", sa.String(128), nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("revoked_by", sa.String(128), nullable=True),
)

drp_requests = sa.Table(
    "drp_requests",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),  # the DRP ``request_id`` (a UUID)
    sa.Column("agent_id", sa.String(64), nullable=False),
    sa.Column("agent_request_id", sa.String(128), nullable=True),
    sa.Column("drp_version", sa.String(16), nullable=False),
    # 'access' | 'deletion' | 'sale:opt-out'
    sa.Column("exercise", sa.String(32), nullable=False),
    # 'ccpa' | 'voluntary'
    sa.Column("regime", sa.String(16), nullable=False),
    sa.Column("member_ref", sa.String(32), nullable=True, index=True),
    # 'open' (the rights requests decide) | 'denied' | 'revoked': set by the DRP layer itself.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(32), nullable=True),
    sa.Column("status_callback", sa.String(2048), nullable=True),
    # "<status>/<reason>" last delivered to ``status_callback``.
    sa.Column("callback_sent", sa.String(64), nullable=True),
    sa.Column("message_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("issued_at", UTCDateTime, nullable=False),
    sa.Column("message_expires_at", UTCDateTime, nullable=False),
    # Until when the member may confirm the request (need_user_verification).
    sa.Column("verify_by", UTCDateTime, nullable=True),
    # One-time codes sent for it: a cap, so the code cannot be guessed one code after another.
    sa.Column("codes_sent", sa.Integer, nullable=False, server_default="0"),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("agent_id", "agent_request_id"),
)

# Each DRP request's rights requests; ``action`` says what each does (e.g.
# 'consent_withdrawal:customised_ads', 'objection:consented_marketing').
drp_request_rights = sa.Table(
    "drp_request_rights",
    metadata,
    sa.Column("drp_request_id", sa.String(36), primary_key=True),
    sa.Column("rights_request_id", sa.String(64), primary_key=True, index=True),
    sa.Column("action", sa.String(64), nullable=False),
)

__all__ += ["drp_agents", "drp_requests", "drp_request_rights"]  # noqa: PLE0605

# -- farewell addresses (migration 0011) --------------------------------------------------------
# Where to tell a requester that their whole account was erased (yaksok.rights.farewell): the
# address, read from the vault before the erasure, sealed under the keyring's KEK (AAD bound to
# the row id), because the member key that sealed it in the vault dies with the account. Wiped
# (sealed = NULL) once the message is sent or given up; the row goes 7 days after it was made.
farewell_addresses = sa.Table(
    "farewell_addresses",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # "fw_" + 24 hex
    # One farewell per request: a retried carry_out finds the row instead of sealing again.
    sa.Column("request_id", sa.String(32), nullable=False, unique=True),
    sa.Column("sealed", sa.LargeBinary, nullable=True),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
)

__all__ += ["farewell_addresses"]  # noqa: PLE0605

# -- idempotency keys (migration 0014) ------------------------------------------------------------
# What a write answered to a client's ``Idempotency-Key`` (yaksok.store.idempotency), written in
# the write's own transaction, so a retry after a lost answer replays it instead of writing
# twice. ``key_hash`` is an HMAC of the caller, the operation and the key; ``body_mac`` an HMAC of
# the request body; ``result`` holds ids only (never a personal value). The member id is a column
# (the erasure purge and a sharded store find the rows by it), not the key's lead: a sign-up's key
# is looked up before there is a member. Rows go after ``expires_at`` (24 hours).
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.String(32), nullable=True, index=True),
    sa.Column("operation", sa.String(32), nullable=False),
    sa.Column("body_mac", sa.String(64), nullable=False),
    # The index-key version the body MAC was made under (destroyed by ``keys rotate --retire``).
    sa.Column("mac_version", sa.Integer, nullable=True),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

__all__ += ["idempotency_keys"]  # noqa: PLE0605

# -- DRP signed messages used (migration 0017) ----------------------------------------------------
# Every signed message an agent sends is good once (yaksok.rights.drp.replay): a repeated
# exercise answered with the open request, a revoke (tied to the request it revoked), a key
# setup. The SHA-256 of the message as received, never the message; kept until ``keep_until``
# (its own expiry, or a year for a message without one), then deleted by the worker.
drp_used_messages = sa.Table(
    "drp_used_messages",
    metadata,
    sa.Column("message_sha256", sa.String(64), primary_key=True),
    sa.Column("agent_id", sa.String(64), nullable=False),
    # 'exercise' | 'revoke' | 'key-setup'
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("drp_request_id", sa.String(36), nullable=True),
    sa.Column("used_at", UTCDateTime, nullable=False),
    sa.Column("keep_until", UTCDateTime, nullable=False, index=True),
)

__all__ += ["drp_used_messages"]  # noqa: PLE0605

# -- the breach register (yaksok.incidents, migration 0021) --------------------------------------
# Every incident is kept (GDPR 33(5)), notified or not. Nothing here is a member's value: the
# affected members by internal id, the texts the officer wrote for each stage, the reports.
incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("nature", sa.Text, nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    # JSON list of category keys.
    sa.Column("categories", sa.Text, nullable=False),
    sa.Column("measures", sa.Text, nullable=False),
    # A *possible* breach (PIPA 34 since 2026-09-11: notify within 72 h of suspecting one).
    sa.Column("possible", sa.Boolean, nullable=False),
    sa.Column("sensitive", sa.Boolean, nullable=False),
    sa.Column("unique_ids", sa.Boolean, nullable=False),
    sa.Column("outside_access", sa.Boolean, nullable=False),
    # GDPR 34: likely to result in a high risk to the rights and freedoms of the members.
    sa.Column("high_risk", sa.Boolean, nullable=False),
    sa.Column("occurred_from", UTCDateTime, nullable=True),
    sa.Column("occurred_until", UTCDateTime, nullable=True),
    sa.Column("discovered_at", UTCDateTime, nullable=False),
    # When the controller became aware: the 72-hour clocks run from here.
    sa.Column("aware_at", UTCDateTime, nullable=False),
    sa.Column("contained_at", UTCDateTime, nullable=True),
    sa.Column("affected_frozen_at", UTCDateTime, nullable=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

incident_members = sa.Table(
    "incident_members",
    metadata,
    sa.Column("member_id", sa.String(32), primary_key=True),
    sa.Column("incident_id", sa.String(32), primary_key=True, index=True),
    # The member's jurisdiction when the list was frozen (which clocks apply).
    sa.Column("jurisdiction", sa.String(8), nullable=False),
    # "access_log" (computed from entries) or "list" (given by the officer).
    sa.Column("source", sa.String(16), nullable=False),
)

incident_stages = sa.Table(
    "incident_stages",
    metadata,
    sa.Column("incident_id", sa.String(32), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    # preliminary | supplement | final
    sa.Column("kind", sa.String(16), nullable=False),
    # JSON {"ko": {item: text}, "en": {...}}: the items the law names, in both languages.
    sa.Column("texts", sa.Text, nullable=False),
    # Posted on the public notice board until then (members whose contact is unknown).
    sa.Column("board_until", UTCDateTime, nullable=True),
    sa.Column("recipients", sa.Integer, nullable=False),
    sa.Column("issued_by", sa.String(64), nullable=False),
    sa.Column("issued_at", UTCDateTime, nullable=False),
)

incident_reports = sa.Table(
    "incident_reports",
    metadata,
    # Appended, never overwritten (GDPR 33(5): the record of every incident and what was done).
    sa.Column("incident_id", sa.String(32), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    # report | exemption (why no report is owed to that authority: Decree 40, GDPR 33(1))
    sa.Column("kind", sa.String(16), nullable=False),
    # pipc (PIPC/KISA) | eu_sa (an EU supervisory authority) | ca_ag (California's AG)
    sa.Column("authority", sa.String(32), nullable=False),
    sa.Column("reference", sa.String(128), nullable=True),
    sa.Column("ground", sa.Text, nullable=True),
    # When the report was made (an exemption: when it was recorded).
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", sa.String(64), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

__all__ += ["incidents", "incident_members", "incident_stages", "incident_reports"]  # noqa: PLE0605

# -- disclosures to authorities and provisions to third parties (yaksok.disclosures, 0023) -------
# P4.1 and P9.1: nothing leaves for an authority or a third party unless it is recorded here
# first. No member's value is stored: members by internal id; the authority's request document
# (which may name the member) only sealed under the KEK (``request_document``, rewrapped on
# ``keys rotate``).
disclosures = sa.Table(
    "disclosures",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    # The policy's ``disclosure.exceptions[].key`` it rests on (statute | investigation).
    sa.Column("exception", sa.String(64), nullable=False),
    sa.Column("authority", sa.String(200), nullable=False),
    sa.Column("authority_ref", sa.String(200), nullable=False),
    # The authority's country (ISO 3166 alpha-2): the transfer gate's destination.
    sa.Column("recipient_country", sa.String(2), nullable=False),
    sa.Column("legal_citation", sa.String(500), nullable=False),
    # KEK-sealed bytes of the request document (investigation); NULL when none is required.
    sa.Column("request_document", sa.LargeBinary, nullable=True),
    sa.Column("document_sha256", sa.String(64), nullable=True),
    sa.Column("document_type", sa.String(100), nullable=True),
    # JSON list of category keys; the period values were collected in (both ends optional).
    sa.Column("categories", sa.Text, nullable=False),
    sa.Column("period_from", UTCDateTime, nullable=True),
    sa.Column("period_until", UTCDateTime, nullable=True),
    # recorded -> approved | rejected
    sa.Column("status", sa.String(16), nullable=False),
    # When a statute defers telling the member: until when, and on which ground.
    sa.Column("notice_deferred_until", UTCDateTime, nullable=True),
    sa.Column("deferral_ground", sa.String(500), nullable=True),
    sa.Column("policy_version", sa.String(64), nullable=False),
    sa.Column("recorded_by", sa.String(64), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("decision_note", sa.String(500), nullable=True),
)

disclosure_members = sa.Table(
    "disclosure_members",
    metadata,
    sa.Column("member_id", sa.String(32), primary_key=True),
    sa.Column("disclosure_id", sa.String(32), primary_key=True, index=True),
    # Times data of this member was produced under the disclosure (last one kept).
    sa.Column("produced", sa.Integer, nullable=False, default=0),
    sa.Column("last_produced_at", UTCDateTime, nullable=True),
)

third_party_provisions = sa.Table(
    "third_party_provisions",
    metadata,
    sa.Column("member_id", sa.String(32), primary_key=True),
    sa.Column("id", sa.String(32), primary_key=True),
    # The policy's ``third_party_provision.recipients[].key``.
    sa.Column("recipient", sa.String(64), nullable=False),
    sa.Column("basis", sa.String(16), nullable=False),  # consent | law
    sa.Column("consent_item", sa.String(64), nullable=True),
    sa.Column("legal_citation", sa.String(500), nullable=True),
    sa.Column("categories", sa.Text, nullable=False),
    sa.Column("policy_version", sa.String(64), nullable=False),
    sa.Column("provided_by", sa.String(64), nullable=False),
    sa.Column("provided_at", UTCDateTime, nullable=False),
)

# An access-log entry the law lets us keep from its member for a while (a disclosure whose
# notice is deferred): the entry stays in the log, provable like any other; the member's history
# and export leave it out until ``until``.
access_log_withheld = sa.Table(
    "access_log_withheld",
    metadata,
    sa.Column("subject_ref", sa.String(64), primary_key=True),
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=False),
    sa.Column("until", UTCDateTime, nullable=False),
    sa.Column("ground", sa.String(500), nullable=False),
)

__all__ += ["disclosures", "disclosure_members", "third_party_provisions",  # noqa: PLE0605
            "access_log_withheld"]

# -- connected accounts (issue 16 item 7, P12.9) ----------------------------------------------------
# One row per member and provider (the policy's ``integrations[].key``): the vault value that
# holds the OAuth tokens (its id only), the token a revocation needs sealed under the KEK (it
# must outlive the member's data key: closure and erasure revoke too), and the revocation's
# queue state, retried with the outbox's back-off (``yaksok.connected``). Never a token in clear.
connected_accounts = sa.Table(
    "connected_accounts",
    metadata,
    sa.Column("member_id", sa.String(32), primary_key=True),
    sa.Column("provider", sa.String(64), primary_key=True),
    # "ca_" + hex: the row's own id, which the sealed copy's AAD names (KEK rotation rewraps by it).
    sa.Column("id", sa.String(32), nullable=False, unique=True),
    sa.Column("value_id", sa.String(64), nullable=True),
    sa.Column("sealed", sa.LargeBinary, nullable=True),
    # connected | revoking | revoked | dead (given up; the sealed copy is wiped)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(16), nullable=True),  # member | erasure
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=True),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("claimed_until", UTCDateTime, nullable=True),
    # The provider's status and error code, or the kind of network failure; never a token.
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.Column("connected_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Index(None, "status", "next_attempt_at"),
)

__all__ += ["connected_accounts"]  # noqa: PLE0605

# -- organisational measures (yaksok.measures, yaksok.accounts.rights_log; migration 0025) -------
# Evidence that the organisation does what the policy's organisational security measures say,
# staff training, and every change of access rights. No member's data.
measure_evidence = sa.Table(
    "measure_evidence",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    # The key of a ``security_measures`` entry enforced by the organisation.
    sa.Column("measure", sa.String(64), nullable=False, index=True),
    sa.Column("owner", sa.String(128), nullable=False),
    # SHA-256 of the evidence document, and where the document itself lives.
    sa.Column("document_sha256", sa.String(64), nullable=False),
    sa.Column("location", sa.String(512), nullable=False),
    sa.Column("done_on", sa.Date, nullable=False),
    sa.Column("next_review", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.String(128), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

staff_training = sa.Table(
    "staff_training",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("staff_id", sa.String(32), nullable=False, index=True),
    sa.Column("course", sa.String(256), nullable=False),
    sa.Column("completed_on", sa.Date, nullable=False),
    sa.Column("next_due", sa.Date, nullable=False),
    sa.Column("document_sha256", sa.String(64), nullable=True),
    sa.Column("recorded_by", sa.String(128), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

access_right_changes = sa.Table(
    "access_right_changes",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    # The actor's id, or ``cli:operator`` for a command run on the server itself.
    sa.Column("by", sa.String(128), nullable=False),
    # A staff account id or an API key id.
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("subject_kind", sa.String(16), nullable=False),
    # granted | revoked
    sa.Column("change", sa.String(16), nullable=False),
    # ``role:<key>`` or ``scopes:<a,b>``
    sa.Column("rights", sa.String(512), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
)

__all__ += ["measure_evidence", "staff_training", "access_right_changes"]  # noqa: PLE0605

# -- processors' contracts and supervision, transfer records (yaksok.processors, migration 0024) --
# No member's value and no per-member row: processors by policy key, the contract by its SHA-256
# (the file itself stays where the company keeps its contracts), transfers by route.

processor_contracts = sa.Table(
    "processor_contracts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("processor", sa.String(64), nullable=False, index=True),
    sa.Column("signed_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=True),
    # JSON {clause key: the contract's article}: each clause PIPA 26(1), Decree 28(1) and, for EU
    # members' data, GDPR 28(3) require, ticked with where the contract says it.
    sa.Column("clauses", sa.Text, nullable=False),
    sa.Column("document_sha256", sa.String(64), nullable=False),
    sa.Column("recorded_by", sa.String(128), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

processor_checks = sa.Table(
    "processor_checks",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("processor", sa.String(64), nullable=False, index=True),
    sa.Column("checked_on", sa.Date, nullable=False),
    sa.Column("checked_by", sa.String(128), nullable=False),
    sa.Column("findings", sa.Text, nullable=False),
    sa.Column("next_due", sa.Date, nullable=False),
    sa.Column("recorded_by", sa.String(128), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

transfer_records = sa.Table(
    "transfer_records",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("origin", sa.String(8), nullable=False),
    sa.Column("destination", sa.String(8), nullable=False),
    sa.Column("recipient", sa.String(64), nullable=False),
    sa.Column("categories", sa.Text, nullable=False),  # JSON list of category keys
    sa.Column("mechanism", sa.String(48), nullable=False),
    sa.Column("transferred_on", sa.Date, nullable=False, index=True),
    sa.Column("policy_version", sa.String(64), nullable=False),
    sa.Column("recorded_by", sa.String(128), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

__all__ += ["processor_contracts", "processor_checks", "transfer_records"]  # noqa: PLE0605

# -- the account's own links: email verification and password reset (migration 0027) ------------

# One live link per member and kind ('verify_email' | 'reset_password'): a newer one replaces the
# row. Never the token itself: its HMAC-SHA256 under a key derived from the keyring's index key
# (``mac_version``), and the token sealed under the KEK only until the email is sent or the link
# used (yaksok.members.tokens). ``stamp``: which email value a verification link was sent for.
member_tokens = sa.Table(
    "member_tokens",
    metadata,
    sa.Column("member_id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("id", sa.String(32), nullable=False, unique=True),  # "mt_" + 24 hex
    sa.Column("token_mac", sa.String(64), nullable=False, unique=True),
    sa.Column("mac_version", sa.Integer, nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=True),
    sa.Column("stamp", sa.String(64), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
    sa.Column("used_at", UTCDateTime, nullable=True),
)

# When a member proved they receive mail at their email address, and for which stored value
# (``stamp``: the vault's stamp of the email value then); a changed address no longer matches.
email_verifications = sa.Table(
    "email_verifications",
    metadata,
    sa.Column("member_id", sa.String(32), primary_key=True),
    sa.Column("verified_at", UTCDateTime, nullable=False),
    sa.Column("stamp", sa.String(64), nullable=False),
)

__all__ += ["member_tokens", "email_verifications"]  # noqa: PLE0605
