"""Organisational measures: evidence, training, changes of access rights.

Revision ID: 0025
Revises: 0024

Hand-written (issue 16). ``measure_evidence`` keeps, per organisational security measure of the
policy, who owns it, the evidence (a SHA-256 and where the document lives), when it was last
done and when it is next reviewed — every record kept, the latest counts. ``staff_training`` the
staff's training records. ``access_right_changes`` every grant and revocation of access rights
(the safety-measures standard: at least 3 years; kept for good).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "measure_evidence",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("measure", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("location", sa.String(512), nullable=False),
        sa.Column("done_on", sa.Date, nullable=False),
        sa.Column("next_review", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_measure_evidence"),
    )
    op.create_index("ix_measure_evidence_measure", "measure_evidence", ["measure"])
    op.create_table(
        "staff_training",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("staff_id", sa.String(32), nullable=False),
        sa.Column("course", sa.String(256), nullable=False),
        sa.Column("completed_on", sa.Date, nullable=False),
        sa.Column("next_due", sa.Date, nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=True),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_training"),
    )
    op.create_index("ix_staff_training_staff_id", "staff_training", ["staff_id"])
    op.create_table(
        "access_right_changes",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("rights", sa.String(512), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_right_changes"),
    )
    op.create_index("ix_access_right_changes_at", "access_right_changes", ["at"])


def downgrade() -> None:
    op.drop_index("ix_access_right_changes_at", "access_right_changes")
    op.drop_table("access_right_changes")
    op.drop_index("ix_staff_training_staff_id", "staff_training")
    op.drop_table("staff_training")
    op.drop_index("ix_measure_evidence_measure", "measure_evidence")
    op.drop_table("measure_evidence")
