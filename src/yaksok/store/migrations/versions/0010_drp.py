"""Data Rights Protocol: registered agents and DRP request ids.

Revision ID: 0010
Revises: 0009

Hand-written like 0005. No column holds a plaintext personal value: a DRP request's identity
claims are used for the blind-index lookup and dropped; only the member's random id is kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drp_agents",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("verify_key", sa.String(64), nullable=False),
        sa.Column("web_url", sa.String(500), nullable=True),
        sa.Column("identity_assurance_url", sa.String(500), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("token_issued_at", _TS, nullable=True),
        sa.Column("setup_issued_at", _TS, nullable=True),
        sa.Column("registered_at", _TS, nullable=False),
        sa.Column("registered_by", sa.String(128), nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.Column("revoked_by", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_drp_agents"),
        sa.UniqueConstraint("token_hash", name="uq_drp_agents_token_hash"),
    )
    op.create_table(
        "drp_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("agent_request_id", sa.String(128), nullable=True),
        sa.Column("drp_version", sa.String(16), nullable=False),
        sa.Column("exercise", sa.String(32), nullable=False),
        sa.Column("regime", sa.String(16), nullable=False),
        sa.Column("member_ref", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("status_callback", sa.String(2048), nullable=True),
        sa.Column("callback_sent", sa.String(64), nullable=True),
        sa.Column("message_sha256", sa.String(64), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("message_expires_at", _TS, nullable=False),
        sa.Column("verify_by", _TS, nullable=True),
        sa.Column("codes_sent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drp_requests"),
        sa.UniqueConstraint("message_sha256", name="uq_drp_requests_message_sha256"),
        sa.UniqueConstraint("agent_id", "agent_request_id",
                            name="uq_drp_requests_agent_id_agent_request_id"),
    )
    op.create_index("ix_drp_requests_member_ref", "drp_requests", ["member_ref"])
    op.create_table(
        "drp_request_rights",
        sa.Column("drp_request_id", sa.String(36), nullable=False),
        sa.Column("rights_request_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("drp_request_id", "rights_request_id",
                                name="pk_drp_request_rights"),
    )
    op.create_index("ix_drp_request_rights_rights_request_id", "drp_request_rights",
                    ["rights_request_id"])


def downgrade() -> None:
    op.drop_index("ix_drp_request_rights_rights_request_id", table_name="drp_request_rights")
    op.drop_table("drp_request_rights")
    op.drop_index("ix_drp_requests_member_ref", table_name="drp_requests")
    op.drop_table("drp_requests")
    op.drop_table("drp_agents")
