"""The worker's passes.

Revision ID: 0029
Revises: 0028

Hand-written (issue 19, the console's retention page). ``worker_passes`` keeps one row per pass
of the retention worker (``yaksok.retention.passes``): when it started and finished, whether it
finished, was stopped or failed, how many items each expiry kind destroyed and how many rows of
erased members were purged, and for a failed pass the kind it was running and the error's kind
(a domain error's message, which never carries a value, or only the exception's type). Nothing
about any member: a pass is counts and times.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "worker_passes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("destroyed", sa.Integer, nullable=False),
        sa.Column("purged", sa.Integer, nullable=False),
        sa.Column("kinds", sa.Text, nullable=False),
        sa.Column("failed_kind", sa.String(64), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_worker_passes"),
    )
    op.create_index("ix_worker_passes_started_at", "worker_passes", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_worker_passes_started_at", table_name="worker_passes")
    op.drop_table("worker_passes")
