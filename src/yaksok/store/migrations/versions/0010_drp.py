"""Data Rights Protocol: registered agents and DRP request ids.

Revision ID: 0010
Revises: 0009

Hand-written like 0005. No column holds a plaintext personal value.
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    pass  # PLACEHOLDER: filled in by the work on this revision


def downgrade() -> None:
    pass
