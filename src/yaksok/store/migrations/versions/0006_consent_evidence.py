"""Consent evidence: who gave a consent and in which language; a per-member consent generation.

Revision ID: 0006
Revises: 0005

``consent_events.given_by`` is ``member``, ``legal_guardian`` or ``authorised_agent``;
``given_by_ref`` is the guardian's or agent's reference id (never a name); ``language`` is the
language of the notice shown. ``members.consent_generation`` is bumped in the transaction of
every consent event, so a process can tell with one indexed read that its cached effective
consents of a member are still current (``yaksok.vault.gate``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent_events") as batch:
        batch.add_column(sa.Column("given_by", sa.String(24), nullable=False,
                                   server_default="member"))
        batch.add_column(sa.Column("given_by_ref", sa.String(64), nullable=True))
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("consent_generation", sa.BigInteger, nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("consent_generation")
    with op.batch_alter_table("consent_events") as batch:
        batch.drop_column("language")
        batch.drop_column("given_by_ref")
        batch.drop_column("given_by")
