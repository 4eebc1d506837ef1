"""How a full listing of every live record is read, and why a listed page may still halt: a
mapped property reads left out must still exist (HubSpot ignores unknown names in `properties=`,
so a property deleted since the run started comes back absent, not null)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

from syncer.records import ChangePage, Cursor

from .parts import Parts
from .ranges import ListPage, RangedListing


def list_all(
    parts: Parts, readers: int, final_cursor: Cursor, first: ListPage | None = None
) -> Iterator[ChangePage]:
    """Every live record: one list cursor, or with `readers` > 1 (`listing_readers`) the list
    cursor and searches over id ranges at once (ranges.py). `first`: the list's first page,
    read already (read_ahead.py)."""
    reader = parts.reader
    if readers <= 1:
        return reader.list_all(final_cursor, first)
    list_page = reader.list_page if first is None else _starting_with(first, reader.list_page)
    listing = RangedListing(
        list_page, parts.search_call, reader.to_records, reader.requested, readers - 1
    )
    return listing.pages(final_cursor)


def _starting_with(
    first: ListPage, read: Callable[[str | None], ListPage]
) -> Callable[[str | None], ListPage]:
    """`read`, with `first` standing in for the first page the first time it is asked for."""
    unused = [first]

    def list_page(after: str | None) -> ListPage:
        return unused.pop() if after is None and unused else read(after)

    return list_page


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
