"""A create's intent keeps the association lists it was sent with (`intents.associations`,
JSON): a side whose look-up by key lags behind its writes (HubSpot's search, for engagements
without a unique property) finds what a crashed create made through the records it pointed at.
Intents recorded before have none; they are looked up by key as before.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intents") as batch:
        batch.add_column(sa.Column("associations", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intents") as batch:
        batch.drop_column("associations")
