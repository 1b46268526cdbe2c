"""Staff enrolment on the console, temporary passwords, and idle sessions.

Revision ID: 0028
Revises: 0027

Hand-written (issue 19, the staff console). ``staff_accounts`` gains what an enrolment of the
authenticator on the console needs (``yaksok.accounts.enrolment``): the secret being enrolled,
sealed under the KEK (``totp_pending_enc``), the SHA-256 of the ticket that finishes it
(unique), its expiry and the wrong codes typed against it; and ``must_change_password`` for a
temporary password. ``staff_sessions.last_seen_at`` lets an idle session end; existing
sessions keep NULL there, read as their start.

Only columns and an index are added, so SQLite needs no table rebuild (which ``staff_sessions``'
foreign key to ``staff_accounts`` would make awkward): the ticket's uniqueness is a unique
index, as ``unique=True, index=True`` declares it in ``tables.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("staff_accounts", sa.Column("totp_pending_enc", sa.Text, nullable=True))
    op.add_column("staff_accounts",
                  sa.Column("enrol_ticket_hash", sa.String(64), nullable=True))
    op.add_column("staff_accounts", sa.Column("enrol_expires_at", _TS, nullable=True))
    op.add_column("staff_accounts", sa.Column("enrol_failures", sa.Integer, nullable=False,
                                              server_default="0"))
    op.add_column("staff_accounts", sa.Column("must_change_password", sa.Boolean,
                                              nullable=False, server_default=sa.false()))
    op.create_index("ix_staff_accounts_enrol_ticket_hash", "staff_accounts",
                    ["enrol_ticket_hash"], unique=True)
    op.add_column("staff_sessions", sa.Column("last_seen_at", _TS, nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch rebuild would drop staff_accounts, which
    # staff_sessions' foreign key forbids while sessions exist.
    op.drop_column("staff_sessions", "last_seen_at")
    op.drop_index("ix_staff_accounts_enrol_ticket_hash", table_name="staff_accounts")
    for column in ("must_change_password", "enrol_failures", "enrol_expires_at",
                   "enrol_ticket_hash", "totp_pending_enc"):
        op.drop_column("staff_accounts", column)
