"""Relations: pending references, the agreed edges, records queued for a revisit, and the time
of each pipeline's last association sweep.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pending_refs",
        sa.Column("pipeline", sa.String(100), primary_key=True),
        sa.Column("side", sa.String(16), primary_key=True),
        sa.Column("record_id", sa.String(255), primary_key=True),
        sa.Column("field", sa.String(200), primary_key=True),
        sa.Column("target_id", sa.String(255), primary_key=True),
        sa.Column("to_pipeline", sa.String(100), nullable=False),
        sa.Column("first_seen", _ts, nullable=False),
    )
    op.create_index("ix_pending_refs_target", "pending_refs", ["to_pipeline", "side", "target_id"])
    op.create_table(
        "edges",
        sa.Column("pipeline", sa.String(100), primary_key=True),
        sa.Column("field", sa.String(200), primary_key=True),
        sa.Column("from_key", sa.String(255), primary_key=True),
        sa.Column("to_key", sa.String(255), primary_key=True),
        sa.Column("to_pipeline", sa.String(100), nullable=False),
    )
    op.create_index("ix_edges_target", "edges", ["to_pipeline", "to_key"])
    op.create_table(
        "revisits",
        sa.Column("pipeline", sa.String(100), primary_key=True),
        sa.Column("external_id", sa.String(255), primary_key=True),
        sa.Column("queued_at", _ts, nullable=False),
    )
    op.create_table(
        "sweeps",
        sa.Column("pipeline", sa.String(100), primary_key=True),
        sa.Column("swept_at", _ts, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sweeps")
    op.drop_table("revisits")
    op.drop_index("ix_edges_target", "edges")
    op.drop_table("edges")
    op.drop_index("ix_pending_refs_target", "pending_refs")
    op.drop_table("pending_refs")
