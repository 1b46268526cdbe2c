"""The vault: members, their sessions, data keys, encrypted values, consents, restrictions,
objections and the list of erasures.

Revision ID: 0003
Revises: 0002

Hand-written like 0001. No table holds a plaintext personal value: values are AES-256-GCM
ciphertexts under per-member data keys, which are stored only wrapped under a keyring KEK.
``data_keys`` and ``vault_values`` have no foreign keys on purpose: erasure destroys a key and
purges rows itself and must never depend on cascades.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("age_verified_min", sa.Integer, nullable=True),
        sa.Column("age_checked_at", _utc(), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.Column("erased_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
    )

    op.create_table(
        "member_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("revoked_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_member_sessions"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name="fk_member_sessions_member_id_members"),
    )
    op.create_index("ix_member_sessions_member_id", "member_sessions", ["member_id"])

    op.create_table(
        "data_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False, server_default="member"),
        sa.Column("wrapped", sa.LargeBinary, nullable=True),
        sa.Column("kek_version", sa.Integer, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("destroyed_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_data_keys"),
        sa.UniqueConstraint("member_id", "scope", name="uq_data_keys_member_id_scope"),
    )

    op.create_table(
        "vault_values",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("category", sa.String(128), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("blind", sa.LargeBinary(32), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("flow", sa.String(32), nullable=True),
        sa.Column("collected_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vault_values"),
    )
    op.create_index("ix_vault_values_member_id_category", "vault_values",
                    ["member_id", "category"])
    op.create_index("ix_vault_values_category_blind", "vault_values", ["category", "blind"])

    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("consent_key", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("notice_sha256", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_events"),
    )
    op.create_index("ix_consent_events_member_id", "consent_events", ["member_id"])

    op.create_table(
        "processing_restrictions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("lifted_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_processing_restrictions"),
    )
    op.create_index("ix_processing_restrictions_member_id", "processing_restrictions",
                    ["member_id"])

    op.create_table(
        "objections",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_key", sa.String(64), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("lifted_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_objections"),
    )
    op.create_index("ix_objections_member_id", "objections", ["member_id"])

    op.create_table(
        "erasures",
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("erased_at", _utc(), nullable=False),
        sa.Column("kek_version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_erasures"),
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_index("ix_objections_member_id", table_name="objections")
    op.drop_table("objections")
    op.drop_index("ix_processing_restrictions_member_id", table_name="processing_restrictions")
    op.drop_table("processing_restrictions")
    op.drop_index("ix_consent_events_member_id", table_name="consent_events")
    op.drop_table("consent_events")
    op.drop_index("ix_vault_values_category_blind", table_name="vault_values")
    op.drop_index("ix_vault_values_member_id_category", table_name="vault_values")
    op.drop_table("vault_values")
    op.drop_table("data_keys")
    op.drop_index("ix_member_sessions_member_id", table_name="member_sessions")
    op.drop_table("member_sessions")
    op.drop_table("members")
