"""Idempotency body MACs under the index key, with its version.

Revision ID: 0020
Revises: 0019

Hand-written. ``idempotency_keys.mac_version`` names the index-key version the body's MAC was
made under (``yaksok.store.idempotency``), so ``keys rotate --retire`` makes the MACs in any
backup unlinkable to the personal values a body held. Rows from before have none: they expire
within 24 hours and replay without the body check meanwhile.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("idempotency_keys", sa.Column("mac_version", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("mac_version")
