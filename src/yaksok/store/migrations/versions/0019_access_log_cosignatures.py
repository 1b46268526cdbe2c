"""Witness cosignatures of the access log's checkpoints.

Revision ID: 0019
Revises: 0018

Hand-written. ``access_log_cosignatures`` keeps each witness's cosignature line (C2SP
tlog-cosignature) on a checkpoint, so proofs handed out carry them and the sealer knows the
size the witness last cosigned (``yaksok.auditlog.witnessing``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_log_cosignatures",
        sa.Column("witness", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("line", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("witness", "size", name="pk_access_log_cosignatures"),
    )


def downgrade() -> None:
    op.drop_table("access_log_cosignatures")
