"""Rights requests: lifecycle, transition events, verification codes, agents' documents.

Revision ID: 0008
Revises: 0007

Hand-written like 0005. No column holds a plaintext personal value.
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    pass  # PLACEHOLDER: filled in by the work on this revision


def downgrade() -> None:
    pass
