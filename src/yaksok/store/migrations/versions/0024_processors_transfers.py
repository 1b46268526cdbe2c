"""Processor contracts and supervision, transfer records.

Revision ID: 0024
Revises: 0023

Hand-written (issue 16, items 3-4). ``processor_contracts`` the entrustment contracts (signed
day, each required clause with the contract's article, the document's SHA-256 — never the
document); ``processor_checks`` the supervision of each processor (when, who, findings, next
due); ``transfer_records`` what left the EU or Switzerland, to whom, under which mechanism. No
table holds a member's row or value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "processor_contracts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("processor", sa.String(64), nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("clauses", sa.Text, nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_processor_contracts"),
    )
    op.create_index("ix_processor_contracts_processor", "processor_contracts", ["processor"])
    op.create_table(
        "processor_checks",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("processor", sa.String(64), nullable=False),
        sa.Column("checked_on", sa.Date, nullable=False),
        sa.Column("checked_by", sa.String(128), nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("next_due", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_processor_checks"),
    )
    op.create_index("ix_processor_checks_processor", "processor_checks", ["processor"])
    op.create_table(
        "transfer_records",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("destination", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("mechanism", sa.String(48), nullable=False),
        sa.Column("transferred_on", sa.Date, nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transfer_records"),
    )
    op.create_index("ix_transfer_records_transferred_on", "transfer_records",
                    ["transferred_on"])


def downgrade() -> None:
    op.drop_index("ix_transfer_records_transferred_on", "transfer_records")
    op.drop_table("transfer_records")
    op.drop_index("ix_processor_checks_processor", "processor_checks")
    op.drop_table("processor_checks")
    op.drop_index("ix_processor_contracts_processor", "processor_contracts")
    op.drop_table("processor_contracts")
