"""Rights requests: lifecycle, transition events, verification codes, agents' documents.

Revision ID: 0008
Revises: 0007

Hand-written like 0005. No column holds a plaintext personal value: a request's personal inputs
and an agent's power of attorney are sealed under the member's data key, a verification code
is kept as an HMAC (and, until it is delivered or dies, sealed under a keyring key).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("member_id", sa.String(32), nullable=True),
        sa.Column("right", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("requester", sa.String(32), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("acknowledge_by", _TS, nullable=True),
        sa.Column("acknowledged_at", _TS, nullable=True),
        sa.Column("extensions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("refusal_reason", sa.String(64), nullable=True),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
        sa.Column("personal", sa.LargeBinary, nullable=True),
        sa.Column("personal_key_id", sa.String(32), nullable=True),
        sa.Column("verified_at", _TS, nullable=True),
        sa.Column("verification", sa.String(64), nullable=True),
        sa.Column("agent_check", sa.String(16), nullable=True),
        sa.Column("agent_checked_by", sa.String(128), nullable=True),
        sa.Column("agent_checked_at", _TS, nullable=True),
        sa.Column("progress", sa.Text, nullable=False, server_default="{}"),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("submitted_by", sa.String(128), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False, server_default="ko"),
        sa.PrimaryKeyConstraint("id", name="pk_rights_requests"),
    )
    op.create_index("ix_rights_requests_member_id", "rights_requests", ["member_id"])
    op.create_index("ix_rights_requests_status_due_at", "rights_requests", ["status", "due_at"])
    op.create_table(
        "rights_request_events",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rights_request_events"),
    )
    op.create_index("ix_rights_request_events_request_id", "rights_request_events",
                    ["request_id"])
    op.create_table(
        "verification_codes",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("code_mac", sa.String(64), nullable=False),
        sa.Column("mac_version", sa.Integer, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("used_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_verification_codes"),
    )
    op.create_index("ix_verification_codes_request_id", "verification_codes", ["request_id"])
    op.create_index("ix_verification_codes_expires_at", "verification_codes", ["expires_at"])
    op.create_table(
        "rights_documents",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_at", _TS, nullable=False),
        sa.Column("uploaded_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rights_documents"),
    )
    op.create_index("ix_rights_documents_request_id", "rights_documents", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_rights_documents_request_id", table_name="rights_documents")
    op.drop_table("rights_documents")
    op.drop_index("ix_verification_codes_expires_at", table_name="verification_codes")
    op.drop_index("ix_verification_codes_request_id", table_name="verification_codes")
    op.drop_table("verification_codes")
    op.drop_index("ix_rights_request_events_request_id", table_name="rights_request_events")
    op.drop_table("rights_request_events")
    op.drop_index("ix_rights_requests_status_due_at", table_name="rights_requests")
    op.drop_index("ix_rights_requests_member_id", table_name="rights_requests")
    op.drop_table("rights_requests")
