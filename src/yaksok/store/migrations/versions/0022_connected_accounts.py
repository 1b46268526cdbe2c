"""Connected accounts (Google/YouTube OAuth grants): revocation kept sealed under the KEK.

Revision ID: 0022
Revises: 0021

Hand-written (issue 16).
"""

from __future__ import annotations

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
