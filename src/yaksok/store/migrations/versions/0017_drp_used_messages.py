"""DRP signed messages used, each good once.

Revision ID: 0017
Revises: 0016

Hand-written. ``drp_used_messages`` keeps the SHA-256 of every signed message an agent sent
that did not open a request of its own (a repeated exercise, a revoke, a key setup), so the same
bytes cannot be used again (``yaksok.rights.drp.replay``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drp_used_messages",
        sa.Column("message_sha256", sa.String(64), primary_key=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("drp_request_id", sa.String(36), nullable=True),
        sa.Column("used_at", _TS, nullable=False),
        sa.Column("keep_until", _TS, nullable=False),
    )
    op.create_index("ix_drp_used_messages_keep_until", "drp_used_messages", ["keep_until"])


def downgrade() -> None:
    op.drop_index("ix_drp_used_messages_keep_until", "drp_used_messages")
    op.drop_table("drp_used_messages")
