"""A member's password hash, sealed under the member's data key.

Revision ID: 0016
Revises: 0015

Hand-written. ``members.password_sealed`` holds the argon2id hash sealed under the member's own
data key (``password_key`` names it), so a database backup taken before an erasure holds no
crackable hash once the member's key is destroyed and the KEK rotated. ``password_hash`` stays
for rows written before: the next good login seals it and empties the column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("password_key", sa.String(32), nullable=True))
    op.add_column("members", sa.Column("password_sealed", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    op.drop_column("members", "password_sealed")
    op.drop_column("members", "password_key")
