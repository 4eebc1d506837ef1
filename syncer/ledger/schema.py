"""SQLAlchemy Core tables of the ledger. Alembic migrations create them; see migrations/.

No whole records are stored: links hold ids, the normalised match key and per-field hashes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData()

_ts = sa.DateTime(timezone=True)


def aware(moment: datetime) -> datetime:
    """A timestamp read back from a ledger column: SQLite (and MariaDB) return naive datetimes
    even for timezone-aware columns; the ledger stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


links = sa.Table(
    "links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pipeline", sa.String(100), nullable=False),
    sa.Column("hubspot_id", sa.String(64), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("match_key", sa.String(255)),
    sa.Column("base", sa.Text, nullable=False),  # JSON {field: hash} of the last agreed values
    sa.Column("archived_on", sa.String(16)),  # hubspot | external | both: writes stop there
    # Per side, epoch microseconds (the source's own clock) of the newest version the pair was
    # settled with: an older version read later (a lagging search) is stale, not an edit.
    # NULL: unknown.
    sa.Column("hubspot_seen_us", sa.BigInteger),
    sa.Column("external_seen_us", sa.BigInteger),
    sa.Column("created_at", _ts, nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
    sa.UniqueConstraint("pipeline", "hubspot_id", name="uq_links_hubspot"),
    sa.UniqueConstraint("pipeline", "external_id", name="uq_links_external"),
    sa.Index("ix_links_match_key", "pipeline", "match_key"),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("pipeline", sa.String(100), primary_key=True),
    sa.Column("side", sa.String(16), primary_key=True),
    sa.Column("position", sa.Text, nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
)

intents = sa.Table(
    "intents",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("pipeline", sa.String(100), nullable=False),
    sa.Column("run_id", sa.String(36), nullable=False),
    sa.Column("side", sa.String(16), nullable=False),  # the side written to
    sa.Column("operation", sa.String(16), nullable=False),  # create | update | archive
    sa.Column("source_id", sa.String(255)),  # the record on the other side it came from
    sa.Column("target_id", sa.String(255)),
    sa.Column("unique_property", sa.String(100)),
    sa.Column("unique_value", sa.String(255)),
    # a create's association lists as sent, JSON {field: [ids]}: how a side whose look-up by key
    # lags finds what a crashed create made (migration 0010)
    sa.Column("associations", sa.Text),
    sa.Column("state", sa.String(16), nullable=False),  # pending | applied | failed
    sa.Column("created_at", _ts, nullable=False),
    sa.Column("resolved_at", _ts),
    sa.Index("ix_intents_pending", "pipeline", "state"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pipeline", sa.String(100), nullable=False),
    sa.Column("source_side", sa.String(16), nullable=False),
    sa.Column("record_id", sa.String(255), nullable=False),
    sa.Column("operation", sa.String(16), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("property", sa.String(100)),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("first_seen", _ts, nullable=False),
    sa.Column("last_seen", _ts, nullable=False),
    sa.Column("next_retry_at", _ts, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # open | discarded
    # sha256 of the source version that was refused: unchanged, it waits for its retry time
    sa.Column("fingerprint", sa.String(64)),
    sa.UniqueConstraint("pipeline", "source_side", "record_id", name="uq_quarantine_record"),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("pipeline", sa.String(100), nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("started_at", _ts, nullable=False),
    sa.Column("finished_at", _ts),
    sa.Column("status", sa.String(16), nullable=False),  # running | ok | quarantined | failed
    sa.Column("counts", sa.Text),  # JSON
    sa.Column("api_calls", sa.Integer),
    sa.Column("error", sa.Text),
)

conflicts = sa.Table(
    "conflicts",
    metadata,
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
    sa.Column("at", _ts, nullable=False),
    # Both sides' values at the time (canonical text), for `syncer conflicts`: kept for
    # `[ledger] conflict_retention`, then cleared (the row, its hashes and winner stay).
    sa.Column("hubspot_value", sa.Text),
    sa.Column("external_value", sa.Text),
    sa.Column("values_kept", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("resolved_at", _ts),
    sa.Column("resolution", sa.String(16)),  # the side an operator took
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("pipeline", sa.String(100), primary_key=True),
    sa.Column("owner", sa.String(100), nullable=False),
    sa.Column("epoch", sa.Integer, nullable=False),
    sa.Column("expires_at", _ts, nullable=False),
)

# Schemas read from a CRM (HubSpot's property catalogue), kept between runs so a run does not
# pay an API call for one that has not changed; see ledger/schema_cache.py.
schema_cache = sa.Table(
    "schema_cache",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fetched_at", _ts, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # JSON
)

# -- relations (issue 11) ----------------------------------------------------------------------


def _ascii_name(length: int) -> sa.types.TypeEngine[str]:
    """A VARCHAR of names that are ASCII by validation (pipeline names, sides). MariaDB/MySQL
    keep it in the ascii character set (the collation names it), one byte a character: in
    utf8mb4's four, the relation tables' primary keys came to more than InnoDB's 3,072-byte
    limit and the ledger could not be created there. The same VARCHAR elsewhere."""
    return sa.String(length).with_variant(
        sa.String(length, collation="ascii_bin"), "mysql", "mariadb"
    )


# References not resolvable yet: a record points at a record of `to_pipeline` that is not linked
# (target_id is the id on the record's own side). Replaced each time the record is read.
pending_refs = sa.Table(
    "pending_refs",
    metadata,
    sa.Column("pipeline", _ascii_name(100), primary_key=True),
    sa.Column("side", _ascii_name(16), primary_key=True),
    sa.Column("record_id", sa.String(255), primary_key=True),
    sa.Column("field", sa.String(200), primary_key=True),  # labels may be any text
    sa.Column("target_id", sa.String(255), primary_key=True),
    sa.Column("to_pipeline", _ascii_name(100), nullable=False),
    sa.Column("first_seen", _ts, nullable=False),
    sa.Index("ix_pending_refs_target", "to_pipeline", "side", "target_id"),
)

# The agreed edges: each association field's targets of each linked record, by external keys,
# written with the link's base; a target archived, merged or restored finds its pointers here.
edges = sa.Table(
    "edges",
    metadata,
    sa.Column("pipeline", _ascii_name(100), primary_key=True),
    sa.Column("field", sa.String(200), primary_key=True),
    sa.Column("from_key", sa.String(255), primary_key=True),
    sa.Column("to_key", sa.String(255), primary_key=True),
    sa.Column("to_pipeline", _ascii_name(100), nullable=False),
    # Lost only because the target was archived: given back if the target is restored.
    sa.Column("dormant", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_edges_target", "to_pipeline", "to_key"),
)

# Records to read again on their pipeline's next run (by external key): their target changed.
revisits = sa.Table(
    "revisits",
    metadata,
    sa.Column("pipeline", sa.String(100), primary_key=True),
    sa.Column("external_id", sa.String(255), primary_key=True),
    sa.Column("queued_at", _ts, nullable=False),
)

# When each pipeline's associations were last read whole (`association_sweep`).
sweeps = sa.Table(
    "sweeps",
    metadata,
    sa.Column("pipeline", sa.String(100), primary_key=True),
    sa.Column("swept_at", _ts, nullable=False),
)

# Rate budgets the replicas of one ledger share (ledger/rate_grants.py): a row per budget, locked
# while a grant is decided, and a row per grant, its time in Unix seconds on the database's clock.
rate_budgets = sa.Table(
    "rate_budgets",
    metadata,
    sa.Column("budget", sa.String(64), primary_key=True),
    sa.Column("grants", sa.BigInteger, nullable=False),  # granted so far: the lock's write
)

rate_grants = sa.Table(
    "rate_grants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("budget", sa.String(64), nullable=False),
    sa.Column("holder", sa.String(100), nullable=False),  # host:pid, for the curious
    sa.Column("at", sa.Float(precision=53), nullable=False),
    sa.Index("ix_rate_grants_budget_at", "budget", "at"),
)

# What a ledger keeps about itself: `match_keys` says how its match keys are kept ("clear" or a
# check of the secret they are hashed under; see ledger/match_keys.py).
ledger_options = sa.Table(
    "ledger_options",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
)


def exact_text_on_mysql(dialect_name: str) -> None:
    """Ids are case-sensitive: Salesforce's 15-character ids, many legacy keys ('a1' and 'A1'
    are two records). MariaDB/MySQL compare text case-insensitively by default, so two such ids
    would meet in one unique key and the second link would replace the first. There every table
    is created utf8mb4 with binary comparison (the relation tables' ASCII names keep their own
    `ascii_bin`); the other databases compare text exactly already. Called only when a ledger is
    created there: naming the options loads that dialect, which no other run should import."""
    for table in metadata.tables.values():
        table.dialect_options[dialect_name]["charset"] = "utf8mb4"
        table.dialect_options[dialect_name]["collate"] = "utf8mb4_bin"
