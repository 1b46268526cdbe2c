"""Where a member's data comes from, for the transfer gate.

Revision ID: 0026
Revises: 0025

Hand-written (issue 16). ``members.transfer_origin`` is the coarse origin of the member's data
under the transfer rules — ``EU`` (an EU/EEA sign-up country) or ``CH`` — taken from the sign-up
country, apart from the rights jurisdiction: a policy without a Swiss jurisdiction files a Swiss
member under its default for rights, but their data still leaves Switzerland only under a
mechanism (``yaksok.vault.transfer``). A code like ``jurisdiction``, not a personal value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("transfer_origin", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("transfer_origin")
