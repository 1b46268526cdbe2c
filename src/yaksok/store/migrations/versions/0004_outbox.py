"""Policy notices, the outbox, members' in-app notices and re-consent marks.

Revision ID: 0004
Revises: 0003

Hand-written like 0001. No column holds a personal value: members appear by their internal id
only; email addresses are read from the vault when a message is sent (see docs/notices.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "policy_notices",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("previous_version", sa.String(64), nullable=True),
        sa.Column("posted_at", _utc(), nullable=False),
        sa.Column("title_ko", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text, nullable=False),
        sa.Column("body_ko", sa.Text, nullable=False),
        sa.Column("body_en", sa.Text, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("queued", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_policy_notices"),
        sa.UniqueConstraint("version", name="uq_policy_notices_version"),
        sa.ForeignKeyConstraint(["version"], ["policy_versions.version"],
                                name="fk_policy_notices_version_policy_versions"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient_ref", sa.String(32), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("params", sa.Text, nullable=False, server_default="{}"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("channel", "dedupe_key", name="uq_outbox_channel_dedupe_key"),
    )
    op.create_index("ix_outbox_recipient_ref", "outbox", ["recipient_ref"])
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])

    op.create_table(
        "member_notices",
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("notice_id", sa.Integer, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("read_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("member_id", "notice_id", name="pk_member_notices"),
        sa.ForeignKeyConstraint(["notice_id"], ["policy_notices.id"],
                                name="fk_member_notices_notice_id_policy_notices"),
    )

    op.create_table(
        "consent_renewals",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("since_version", sa.String(64), nullable=False),
        sa.Column("categories", sa.Text, nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("resolved_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_consent_renewals"),
        sa.UniqueConstraint("member_id", "purpose", "since_version",
                            name="uq_consent_renewals_member_id_purpose_since_version"),
    )


def downgrade() -> None:
    op.drop_table("consent_renewals")
    op.drop_table("member_notices")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_index("ix_outbox_recipient_ref", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("policy_notices")
