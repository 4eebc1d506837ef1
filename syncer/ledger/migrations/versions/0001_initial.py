"""Initial ledger: links, cursors, intents, quarantine, runs, conflicts, leases.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from syncer.ledger.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The first revision creates the tables as schema.py defines them today; later revisions
# must spell out their own changes (never edit this one).
_TABLES = ["links", "cursors", "intents", "quarantine", "runs", "conflicts", "leases"]


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind, tables=[metadata.tables[name] for name in _TABLES])


def downgrade() -> None:
    bind = op.get_bind()
    metadata.drop_all(bind, tables=[metadata.tables[name] for name in reversed(_TABLES)])
