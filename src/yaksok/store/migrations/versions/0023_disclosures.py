"""Disclosures to authorities and provisions to third parties.

Revision ID: 0023
Revises: 0022

Hand-written (issue 16). ``disclosures`` is the register of what an authority asked for under
one of the policy's exceptions (the request document sealed under the KEK), with its approval;
``disclosure_members`` the members in its scope (member_id leads the key: a member's own
question reads one range); ``third_party_provisions`` what was provided to a named recipient;
``access_log_withheld`` the access-log entries a deferred notice keeps from their member until
the deferral ends. No member's value is stored in any of them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "disclosures",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("exception", sa.String(64), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("authority_ref", sa.String(200), nullable=False),
        sa.Column("recipient_country", sa.String(2), nullable=False),
        sa.Column("legal_citation", sa.String(500), nullable=False),
        sa.Column("request_document", sa.LargeBinary, nullable=True),
        sa.Column("document_sha256", sa.String(64), nullable=True),
        sa.Column("document_type", sa.String(100), nullable=True),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("period_from", _TS, nullable=True),
        sa.Column("period_until", _TS, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notice_deferred_until", _TS, nullable=True),
        sa.Column("deferral_ground", sa.String(500), nullable=True),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_note", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_disclosures"),
    )
    op.create_table(
        "disclosure_members",
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("disclosure_id", sa.String(32), nullable=False),
        sa.Column("produced", sa.Integer, nullable=False),
        sa.Column("last_produced_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("member_id", "disclosure_id", name="pk_disclosure_members"),
    )
    op.create_index("ix_disclosure_members_disclosure_id", "disclosure_members",
                    ["disclosure_id"])
    op.create_table(
        "third_party_provisions",
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("consent_item", sa.String(64), nullable=True),
        sa.Column("legal_citation", sa.String(500), nullable=True),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("provided_by", sa.String(64), nullable=False),
        sa.Column("provided_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("member_id", "id", name="pk_third_party_provisions"),
    )
    op.create_table(
        "access_log_withheld",
        sa.Column("subject_ref", sa.String(64), nullable=False),
        sa.Column("seq", _SEQ, nullable=False, autoincrement=False),
        sa.Column("until", _TS, nullable=False),
        sa.Column("ground", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("subject_ref", "seq", name="pk_access_log_withheld"),
    )


def downgrade() -> None:
    op.drop_table("access_log_withheld")
    op.drop_table("third_party_provisions")
    op.drop_index("ix_disclosure_members_disclosure_id", table_name="disclosure_members")
    op.drop_table("disclosure_members")
    op.drop_table("disclosures")
