"""The form a ledger keeps its match keys in, checked and, when hashing is turned on, adopted.

A ledger remembers its form in `ledger_options` (`match_keys`). Opened with hashing on, a ledger
that kept keys in clear is converted in one transaction: every link's match key and every
intent's unique value is replaced by its keyed hash. There is no way back (a hash cannot be
undone), so a hashed ledger opened with hashing off, or with another secret, is refused: it
would no longer find its own keys, and matching would pair or duplicate records it holds.
"""

from __future__ import annotations

import sqlalchemy as sa

from syncer.errors import ConfigError
from syncer.ledger.schema import intents, ledger_options, links
from syncer.ledger.values import MatchKeyForm
from syncer.logs import get_logger

log = get_logger(__name__)

OPTION = "match_keys"
CLEAR = "clear"
_BATCH = 1000


def adopt(engine: sa.Engine, form: MatchKeyForm) -> None:
    """Make the ledger keep its keys in `form`, or refuse (ConfigError) when it cannot."""
    try:
        _adopt(engine, form)
    except sa.exc.IntegrityError:  # another process wrote the form first: check against it
        _adopt(engine, form)


def _adopt(engine: sa.Engine, form: MatchKeyForm) -> None:
    with engine.begin() as conn:
        kept = conn.execute(
            sa.select(ledger_options.c.value).where(ledger_options.c.name == OPTION)
        ).scalar()
        in_clear = kept in (None, CLEAR)  # a ledger from before the option kept keys in clear
        if kept == form.check() or (in_clear and not form.hashed):
            return
        if not in_clear:
            raise ConfigError(_refusal(form))
        # Written first: a second process converting at the same moment fails on the key
        # (its whole transaction rolls back) instead of hashing the hashes.
        conn.execute(sa.insert(ledger_options).values(name=OPTION, value=form.check()))
        converted = _convert(conn, form)
        log.info("ledger match keys hashed", links=converted[0], intents=converted[1])


def _refusal(form: MatchKeyForm) -> str:
    if form.hashed:
        return (
            "ledger.match_key_secret: this ledger's match keys were hashed with another "
            "secret; use the secret it was converted with"
        )
    return (
        "ledger.hash_match_keys: this ledger keeps its match keys hashed; set "
        "hash_match_keys = true with the secret it was converted with (there is no way back)"
    )


def _convert(conn: sa.Connection, form: MatchKeyForm) -> tuple[int, int]:
    """Every key in clear replaced by its hash, in batches of rows read by primary key."""
    counts = []
    for table, column in ((links, links.c.match_key), (intents, intents.c.unique_value)):
        key = table.c.id
        update = (
            sa.update(table)
            .where(key == sa.bindparam("row_id"))
            .values({column.name: sa.bindparam("hashed")})
        )
        rows = conn.execute(sa.select(key, column).where(column.is_not(None))).all()
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            conn.execute(update, [{"row_id": r[0], "hashed": form.stored(r[1])} for r in batch])
        counts.append(len(rows))
    return counts[0], counts[1]
