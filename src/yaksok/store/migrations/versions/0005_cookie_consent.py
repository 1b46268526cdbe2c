"""Cookie consent: the append-only history of each device's cookie choices.

Revision ID: 0005
Revises: 0004

Hand-written like 0001. ``id`` is BIGINT on PostgreSQL and INTEGER PRIMARY KEY (the rowid) on
SQLite. No column holds an IP address or a user agent; see docs/cookies.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cookie_choices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("member_id", sa.String(32), nullable=True),
        sa.Column("choices", sa.Text, nullable=False),
        sa.Column("gpc", sa.Boolean, nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("banner_language", sa.String(8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cookie_choices"),
    )
    op.create_index("ix_cookie_choices_device_id_at", "cookie_choices", ["device_id", "at"])
    op.create_index("ix_cookie_choices_member_id", "cookie_choices", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_cookie_choices_member_id", table_name="cookie_choices")
    op.drop_index("ix_cookie_choices_device_id_at", table_name="cookie_choices")
    op.drop_table("cookie_choices")
