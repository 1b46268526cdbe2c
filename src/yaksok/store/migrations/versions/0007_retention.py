"""Retention: held records in separated storage, destruction records, closure receipts.

Revision ID: 0007
Revises: 0006

Hand-written like 0005; see docs/retention.md. No column holds a plaintext personal value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "held_records",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("record_kind", sa.String(64), nullable=False),
        sa.Column("member_ref", sa.String(32), nullable=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_held_records"),
    )
    op.create_index("ix_held_records_member_ref", "held_records", ["member_ref"])
    op.create_index("ix_held_records_record_kind_expires_at", "held_records",
                    ["record_kind", "expires_at"])
    op.create_index("ix_held_records_expires_at", "held_records", ["expires_at"])
    op.create_table(
        "destruction_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("record_kind", sa.String(64), nullable=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("window_from", _TS, nullable=True),
        sa.Column("window_to", _TS, nullable=True),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("law", sa.Text, nullable=True),
        sa.Column("at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_destruction_records"),
    )
    op.create_index("ix_destruction_records_run_id", "destruction_records", ["run_id"])
    op.create_index("ix_destruction_records_at", "destruction_records", ["at"])
    op.create_table(
        "closure_receipts",
        sa.Column("member_ref", sa.String(32), nullable=False),
        sa.Column("closed_at", _TS, nullable=False),
        sa.Column("receipt", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("member_ref", name="pk_closure_receipts"),
    )


def downgrade() -> None:
    op.drop_table("closure_receipts")
    op.drop_index("ix_destruction_records_at", table_name="destruction_records")
    op.drop_index("ix_destruction_records_run_id", table_name="destruction_records")
    op.drop_table("destruction_records")
    op.drop_index("ix_held_records_expires_at", table_name="held_records")
    op.drop_index("ix_held_records_record_kind_expires_at", table_name="held_records")
    op.drop_index("ix_held_records_member_ref", table_name="held_records")
    op.drop_table("held_records")
