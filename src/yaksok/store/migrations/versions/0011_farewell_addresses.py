"""Farewell addresses: where to tell a requester their whole account was erased.

Revision ID: 0011
Revises: 0010

Hand-written like 0005. The address is sealed under the keyring's KEK (AES-256-GCM, AAD bound
to the row id), never stored in plaintext; it is wiped once the message is sent or given up and
the row is deleted by the ``farewell_addresses`` expiry kind 7 days after it was made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "farewell_addresses",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_farewell_addresses"),
        sa.UniqueConstraint("request_id", name="uq_farewell_addresses_request_id"),
    )
    op.create_index("ix_farewell_addresses_expires_at", "farewell_addresses", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_farewell_addresses_expires_at", table_name="farewell_addresses")
    op.drop_table("farewell_addresses")
