"""Export links per holder: the officer's link no longer replaces the member's.

Revision ID: 0012
Revises: 0011

Hand-written. A download link was one token per export (``export_files.token_hash``), which any
caller allowed to mint one replaced; now ``export_links`` keeps one link per export and holder
(``member`` or ``officer``), keyed by the member first (docs/access.md). Live member links are
carried over; the old columns go.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "export_links",
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("export_id", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "export_id", "holder", name="pk_export_links"),
    )
    op.create_index("ix_export_links_token_hash", "export_links", ["token_hash"])
    op.execute(
        "INSERT INTO export_links (member_id, export_id, holder, token_hash, expires_at, "
        "created_at, created_by) SELECT member_ref, id, 'member', token_hash, token_expires_at, "
        "created_at, created_by FROM export_files WHERE token_hash IS NOT NULL "
        "AND token_expires_at IS NOT NULL")
    with op.batch_alter_table("export_files") as batch:
        batch.drop_constraint("uq_export_files_token_hash", type_="unique")
        batch.drop_column("token_hash")
        batch.drop_column("token_expires_at")


def downgrade() -> None:
    with op.batch_alter_table("export_files") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("token_expires_at", _TS, nullable=True))
        batch.create_unique_constraint("uq_export_files_token_hash", ["token_hash"])
    op.drop_index("ix_export_links_token_hash", table_name="export_links")
    op.drop_table("export_links")
