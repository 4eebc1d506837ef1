"""Links remember, per side, how new the version they were settled with was (epoch
microseconds on that source's own clock), so an older version a lagging search serves later is
not taken for an edit. Links from before have NULLs: no version is judged stale against them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("hubspot_seen_us", sa.BigInteger))
        batch.add_column(sa.Column("external_seen_us", sa.BigInteger))


def downgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.drop_column("external_seen_us")
        batch.drop_column("hubspot_seen_us")
