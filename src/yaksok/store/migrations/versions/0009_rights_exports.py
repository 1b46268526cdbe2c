"""Rights exports: export files (encrypted at rest) and their downloads.

Revision ID: 0009
Revises: 0008

Hand-written like 0005. No column holds a plaintext personal value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "export_files",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("member_ref", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("categories", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("token_expires_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_export_files"),
        sa.UniqueConstraint("token_hash", name="uq_export_files_token_hash"),
    )
    op.create_index("ix_export_files_request_id", "export_files", ["request_id"])
    op.create_index("ix_export_files_member_ref", "export_files", ["member_ref"])
    op.create_index("ix_export_files_expires_at", "export_files", ["expires_at"])
    op.create_table(
        "export_downloads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("export_id", sa.String(32), nullable=False),
        sa.Column("member_ref", sa.String(32), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=False),
        sa.Column("actor_kind", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_export_downloads"),
    )
    op.create_index("ix_export_downloads_export_id", "export_downloads", ["export_id"])
    op.create_index("ix_export_downloads_member_ref", "export_downloads", ["member_ref"])


def downgrade() -> None:
    op.drop_index("ix_export_downloads_member_ref", table_name="export_downloads")
    op.drop_index("ix_export_downloads_export_id", table_name="export_downloads")
    op.drop_table("export_downloads")
    op.drop_index("ix_export_files_expires_at", table_name="export_files")
    op.drop_index("ix_export_files_member_ref", table_name="export_files")
    op.drop_index("ix_export_files_request_id", table_name="export_files")
    op.drop_table("export_files")
