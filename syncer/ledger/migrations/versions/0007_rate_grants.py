"""Rate budgets shared by the replicas of one ledger: each request's grant, so that replicas
running passes at once stay together within HubSpot's limits.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column("budget", sa.String(64), primary_key=True),
        sa.Column("grants", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "rate_grants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("budget", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("at", sa.Float(precision=53), nullable=False),
    )
    op.create_index("ix_rate_grants_budget_at", "rate_grants", ["budget", "at"])


def downgrade() -> None:
    op.drop_index("ix_rate_grants_budget_at", "rate_grants")
    op.drop_table("rate_grants")
    op.drop_table("rate_budgets")
