"""What a run reads: both sides' listings, served to the page loop (page.py) as pages.

Two shapes, one contract. A whole listing (whole.py) holds both sides' records in memory and
serves them as one page. A streamed listing (stream.py) keeps HubSpot's listing in an on-disk
spool and serves the external side a page at a time, each with the HubSpot records it may pair
with. The run (run.py) opens one, applies each side's merges and archives to it (side_events.py),
runs its pages, and commits the cursors it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from syncer.connectors.base import Connector, ReportsMerges
from syncer.engine.page import Page
from syncer.records import Cursor, Record, Side

MergedIds = Callable[[list[Record]], dict[str, str]]  # {merged-away id: survivor id}


class Listing(Protocol):
    collected: dict[Side, int]  # records listed per side, for the report
    held_back: int  # quarantined records left to their back-off, not in any page

    def merged(self, side: Side) -> dict[str, str]:
        """The merges `side`'s records name ({merged-away id: survivor id})."""

    def add_archived(self, side: Side, records: Iterable[Record]) -> None:
        """Archived records of `side` (HubSpot's recycle bin), for the ids not listed already."""

    def pages(self) -> Iterator[Page]:
        """The pages to run, in order; each is run (executed and committed) before the next
        is drawn, so a page may rely on what the ledger learnt from the ones before it."""

    def cursors(self) -> dict[str, Cursor]:
        """The sides' cursors to commit once every page ran."""

    def close(self) -> None:
        """Release what the listing holds; closing twice is harmless."""


def merges_of(connector: Connector) -> MergedIds:
    """How to ask `connector` which ids its records absorbed; nothing, if it has no merges."""
    if connector.capabilities.merges and isinstance(connector, ReportsMerges):
        return connector.merged_ids
    return _no_merges


def _no_merges(records: list[Record]) -> dict[str, str]:
    return {}
