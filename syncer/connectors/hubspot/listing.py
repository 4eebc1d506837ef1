"""How a full listing of every live record is read, and why a listed page may still halt: a
mapped property reads left out must still exist (HubSpot ignores unknown names in `properties=`,
so a property deleted since the run started comes back absent, not null)."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from syncer.records import ChangePage, Cursor

from .parts import Parts
from .ranges import RangedListing


def list_all(parts: Parts, readers: int, final_cursor: Cursor) -> Iterator[ChangePage]:
    """Every live record: one list cursor, or with `readers` > 1 (`listing_readers`) the list
    cursor and searches over id ranges at once (ranges.py)."""
    reader = parts.reader
    if readers <= 1:
        return reader.list_all(final_cursor)
    listing = RangedListing(
        reader.list_page, parts.search_call, reader.to_records, reader.requested, readers - 1
    )
    return listing.pages(final_cursor)


def confirmed(
    parts: Parts, pages: Iterator[ChangePage], absent: set[str], mapped: Collection[str]
) -> Iterator[ChangePage]:
    """Pages whose left-out mapped properties still exist (ConfigError otherwise: a mapped
    property was deleted since the run started). `absent` is filled by the reads."""
    for page in pages:
        left_out = absent & set(mapped)
        absent.clear()
        if left_out:
            parts.catalog.confirm_present(sorted(left_out))
        yield page
