"""Options a ledger keeps about itself: how its match keys are kept (`match_keys`: "clear", or
hashed under a secret), written when a ledger is first opened with `hash_match_keys` and its
keys converted (ledger/match_keys.py: the conversion needs the secret, which no migration has).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_options",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(255), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ledger_options")
