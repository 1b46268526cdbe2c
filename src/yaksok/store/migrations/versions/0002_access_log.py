"""The tamper-evident access log: entries, the sequence head, tree nodes and checkpoints.

Revision ID: 0002
Revises: 0001

Hand-written like 0001. ``seq`` is BIGINT on PostgreSQL and INTEGER on SQLite, where ``INTEGER
PRIMARY KEY`` makes it the rowid itself (rows stored in seq order, no extra index). The head row
is created here so appenders only ever UPDATE it (the row lock is what serialises them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _seq() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("seq", _seq(), autoincrement=False, nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=False),
        sa.Column("actor_kind", sa.String(32), nullable=False),
        sa.Column("actor_role", sa.String(64), nullable=True),
        sa.Column("source_ip", sa.String(45), nullable=True),
        sa.Column("subject_ref", sa.String(64), nullable=True),
        sa.Column("categories", sa.Text, nullable=False, server_default=""),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("task", sa.String(64), nullable=True),
        sa.Column("policy_version", sa.String(64), nullable=True),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_access_log"),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_index("ix_access_log_subject_ref", "access_log", ["subject_ref"])

    head = op.create_table(
        "access_log_head",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("next_seq", sa.BigInteger, nullable=False),
        sa.Column("expired_before", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("origin", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_log_head"),
    )
    op.bulk_insert(head, [{"id": 1, "next_seq": 0, "expired_before": 0, "origin": None}])

    op.create_table(
        "access_log_nodes",
        sa.Column("level", sa.SmallInteger, autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_access_log_nodes"),
    )

    op.create_table(
        "access_log_checkpoints",
        sa.Column("size", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("key_version", sa.Integer, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("size", name="pk_access_log_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("access_log_checkpoints")
    op.drop_table("access_log_nodes")
    op.drop_table("access_log_head")
    op.drop_index("ix_access_log_subject_ref", table_name="access_log")
    op.drop_index("ix_access_log_at", table_name="access_log")
    op.drop_table("access_log")
