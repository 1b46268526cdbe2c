"""Connected accounts (Google/YouTube OAuth grants): revocation kept sealed under the KEK.

Revision ID: 0022
Revises: 0021

Hand-written (issue 16). ``connected_accounts`` has one row per member and provider
(``member_id`` leads the key): the vault value holding the tokens (an id, never the tokens), the
token a revocation needs sealed under the keyring's KEK (so it outlives the member's data key),
and the revocation's queue state, retried with the outbox's back-off (``yaksok.connected``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "connected_accounts",
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("value_id", sa.String(64), nullable=True),
        sa.Column("sealed", sa.LargeBinary, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", _TS, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("connected_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("member_id", "provider", name="pk_connected_accounts"),
        sa.UniqueConstraint("id", name="uq_connected_accounts_id"),
    )
    op.create_index("ix_connected_accounts_status_next_attempt_at", "connected_accounts",
                    ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_connected_accounts_status_next_attempt_at", table_name="connected_accounts")
    op.drop_table("connected_accounts")
