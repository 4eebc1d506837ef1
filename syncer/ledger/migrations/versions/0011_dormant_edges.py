"""Dormant edges: an edge a record lost only because the record it pointed at was archived is
kept, marked dormant, so that restoring the target gives the record its edge back.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("edges") as batch:
        batch.add_column(
            sa.Column("dormant", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("edges") as batch:
        batch.drop_column("dormant")
