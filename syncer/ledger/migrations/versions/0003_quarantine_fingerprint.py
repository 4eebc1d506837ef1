"""Quarantine entries remember a fingerprint of the refused record, so an unchanged record
re-read before its retry time waits for it instead of being sent again at once.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_column("fingerprint")
