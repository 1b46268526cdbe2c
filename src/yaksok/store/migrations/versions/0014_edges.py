"""Staff restriction instead of lockout, and idempotency keys.

Revision ID: 0014
Revises: 0013

Hand-written. ``staff_accounts.restricted_at``: since when repeated failed logins restrict the
account (``yaksok.accounts.staff``); ``locked_until`` is no longer read or written. The table
``idempotency_keys`` keeps what a write answered to an ``Idempotency-Key`` for 24 hours
(``yaksok.store.idempotency``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("staff_accounts", sa.Column("restricted_at", _TS, nullable=True))
    op.create_table(
        "idempotency_keys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(32), nullable=True),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("body_mac", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )
    op.create_index("ix_idempotency_keys_member_id", "idempotency_keys", ["member_id"])
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_expires_at", "idempotency_keys")
    op.drop_index("ix_idempotency_keys_member_id", "idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_column("staff_accounts", "restricted_at")
