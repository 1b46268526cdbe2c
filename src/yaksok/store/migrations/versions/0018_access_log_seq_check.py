"""No access-log entry below seq 0.

Revision ID: 0018
Revises: 0017

Hand-written. Entries are numbered from 0 by ``access_log_head``; a row below that can only be
forged. A CHECK constraint refuses it; SQLite cannot add one to a table in place, so there the
table is rebuilt once (Alembic's batch mode: copy, swap, indexes recreated). Whoever can drop the
constraint can also insert; ``audit verify`` and every reader look only inside the head's range
regardless.
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_log") as batch:
        batch.create_check_constraint(op.f("ck_access_log_seq"), "seq >= 0")


def downgrade() -> None:
    with op.batch_alter_table("access_log") as batch:
        batch.drop_constraint(op.f("ck_access_log_seq"), type_="check")
