"""Breach register: incidents, the members they touch, notices per stage.

Revision ID: 0021
Revises: 0020

Hand-written (issue 16). ``incidents`` keeps every incident, notified or not (GDPR 33(5));
``incident_members`` the affected members, frozen with the incident (member_id leads the key,
so a member's own question "was I affected?" reads one shard); ``incident_stages`` what was said
at each stage (preliminary, supplements, final) in Korean and English — no personal value, the
notices render from it at send time; ``incident_reports`` every report to an authority and
every exemption from one, appended, never overwritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("nature", sa.Text, nullable=False),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("possible", sa.Boolean, nullable=False),
        sa.Column("sensitive", sa.Boolean, nullable=False),
        sa.Column("unique_ids", sa.Boolean, nullable=False),
        sa.Column("outside_access", sa.Boolean, nullable=False),
        sa.Column("high_risk", sa.Boolean, nullable=False),
        sa.Column("occurred_from", _TS, nullable=True),
        sa.Column("occurred_until", _TS, nullable=True),
        sa.Column("discovered_at", _TS, nullable=False),
        sa.Column("aware_at", _TS, nullable=False),
        sa.Column("contained_at", _TS, nullable=True),
        sa.Column("affected_frozen_at", _TS, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_table(
        "incident_members",
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "incident_id", name="pk_incident_members"),
    )
    op.create_index("ix_incident_members_incident_id", "incident_members", ["incident_id"])
    op.create_table(
        "incident_stages",
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("texts", sa.Text, nullable=False),
        sa.Column("board_until", _TS, nullable=True),
        sa.Column("recipients", sa.Integer, nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "seq", name="pk_incident_stages"),
    )
    op.create_table(
        "incident_reports",
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("authority", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(128), nullable=True),
        sa.Column("ground", sa.Text, nullable=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "seq", name="pk_incident_reports"),
    )


def downgrade() -> None:
    op.drop_table("incident_reports")
    op.drop_table("incident_stages")
    op.drop_index("ix_incident_members_incident_id", "incident_members")
    op.drop_table("incident_members")
    op.drop_table("incidents")
