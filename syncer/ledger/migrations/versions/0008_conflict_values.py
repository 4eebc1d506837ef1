"""Conflicts keep both sides' values at the time, for `syncer conflicts list|show|resolve`
(cleared after `[ledger] conflict_retention`), and an operator's resolution.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COLUMNS = ("hubspot_value", "external_value", "values_kept", "resolved_at", "resolution")


def upgrade() -> None:
    with op.batch_alter_table("conflicts") as table:
        table.add_column(sa.Column("hubspot_value", sa.Text))
        table.add_column(sa.Column("external_value", sa.Text))
        table.add_column(
            sa.Column("values_kept", sa.Boolean, nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("resolution", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("conflicts") as table:
        for name in reversed(_COLUMNS):
            table.drop_column(name)
