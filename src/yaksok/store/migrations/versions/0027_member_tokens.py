"""The account's own links: email verification and password reset.

Revision ID: 0027
Revises: 0026

Hand-written (issue 18, the privacy center). ``member_tokens`` keeps one live link per member and
kind (``verify_email``, ``reset_password``): the HMAC of its token under a key derived from the
keyring's index key, never the token; the token sealed under the KEK only until the email is
sent or the link used (``yaksok.members.tokens``); the expiry kind ``member_tokens`` deletes
expired and used rows. ``email_verifications`` says when a member proved their email address,
and for which stored value (the vault's stamp of it), so a changed address is unverified.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "member_tokens",
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("token_mac", sa.String(64), nullable=False),
        sa.Column("mac_version", sa.Integer, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=True),
        sa.Column("stamp", sa.String(64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("member_id", "kind", name="pk_member_tokens"),
        sa.UniqueConstraint("id", name="uq_member_tokens_id"),
        sa.UniqueConstraint("token_mac", name="uq_member_tokens_token_mac"),
    )
    op.create_index("ix_member_tokens_expires_at", "member_tokens", ["expires_at"])
    op.create_table(
        "email_verifications",
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("verified_at", _TS, nullable=False),
        sa.Column("stamp", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_email_verifications"),
    )


def downgrade() -> None:
    op.drop_table("email_verifications")
    op.drop_index("ix_member_tokens_expires_at", table_name="member_tokens")
    op.drop_table("member_tokens")
