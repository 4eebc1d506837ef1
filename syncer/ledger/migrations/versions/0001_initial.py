"""Initial ledger: links, cursors, intents, quarantine, runs, conflicts, leases.

Revision ID: 0001
Revises:

Spelled out in full rather than taken from schema.py, so that later changes to schema.py are
made by later revisions and this one creates exactly what it always created.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pipeline", sa.String(100), nullable=False),
        sa.Column("hubspot_id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("match_key", sa.String(255)),
        sa.Column("base", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("pipeline", "hubspot_id", name="uq_links_hubspot"),
        sa.UniqueConstraint("pipeline", "external_id", name="uq_links_external"),
    )
    op.create_index("ix_links_match_key", "links", ["pipeline", "match_key"])
    op.create_table(
        "cursors",
        sa.Column("pipeline", sa.String(100), primary_key=True),
        sa.Column("side", sa.String(16), primary_key=True),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "intents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pipeline", sa.String(100), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(255)),
        sa.Column("target_id", sa.String(255)),
        sa.Column("unique_property", sa.String(100)),
        sa.Column("unique_value", sa.String(255)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("resolved_at", _TS),
    )
    op.create_index("ix_intents_pending", "intents", ["pipeline", "state"])
    _create_journal_tables()


def _create_journal_tables() -> None:
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pipeline", sa.String(100), nullable=False),
        sa.Column("source_side", sa.String(16), nullable=False),
        sa.Column("record_id", sa.String(255), nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("property", sa.String(100)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_seen", _TS, nullable=False),
        sa.Column("last_seen", _TS, nullable=False),
        sa.Column("next_retry_at", _TS, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.UniqueConstraint("pipeline", "source_side", "record_id", name="uq_quarantine_record"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pipeline", sa.String(100), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.Text),
        sa.Column("api_calls", sa.Integer),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pipeline", sa.String(100), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("hubspot_id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("hubspot_hash", sa.String(32), nullable=False),
        sa.Column("external_hash", sa.String(32), nullable=False),
        sa.Column("winner", sa.String(16), nullable=False),
        sa.Column("policy", sa.String(16), nullable=False),
        sa.Column("at", _TS, nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("pipeline", sa.String(100), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )


def downgrade() -> None:
    for name in ("leases", "conflicts", "runs", "quarantine", "intents", "cursors", "links"):
        op.drop_table(name)
