"""The day a minor member turns 18, sealed under the member's key (P3.1).

Revision ID: 0013
Revises: 0012

Hand-written. ``members.adult_from`` holds the sealed date (``yaksok.vault.minors``) and
``adult_from_key`` the id of the member's data key it is sealed under; both are empty for adults.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("adult_from_key", sa.String(32), nullable=True))
    op.add_column("members", sa.Column("adult_from", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    op.drop_column("members", "adult_from")
    op.drop_column("members", "adult_from_key")
