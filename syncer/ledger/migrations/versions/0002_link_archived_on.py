"""Links remember which side archived their record, so writes stop going to it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("archived_on", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.drop_column("archived_on")
