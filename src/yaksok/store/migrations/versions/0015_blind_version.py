"""The index-key version each blind was made under.

Revision ID: 0015
Revises: 0014

Hand-written. ``vault_values.blind_version``: the ``index`` key version of the row's blind, so
an index-key rotation can remake the older ones and then destroy the old version
(``yaksok.vault.reindex``). Rows written before are NULL: not known, remade by the next rotation.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("vault_values", sa.Column("blind_version", sa.Integer, nullable=True))


def downgrade() -> None:
    op.drop_column("vault_values", "blind_version")
