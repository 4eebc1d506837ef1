"""The search side of a collection: what search can see, which lags the records by a delay.

HubSpot indexes writes asynchronously, so a search shows each record as it was when it was last
indexed: a new record is missing and an updated one shows its old values until the delay has
passed. Archived records leave the index at once (they never appear in search).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Iterator

from syncer.sandbox.hubspot.timefmt import parse_epoch_ms

Properties = dict[str, str]


class SortedIds:
    """(numeric value, id) pairs in order, to answer range filters without scanning everything.

    Writes mostly carry the newest timestamp, so inserts land at the end and stay cheap.
    """

    def __init__(self) -> None:
        self._pairs: list[tuple[int, int]] = []

    def add(self, value: int, record_id: int) -> None:
        insort(self._pairs, (value, record_id))

    def remove(self, value: int, record_id: int) -> None:
        at = bisect_left(self._pairs, (value, record_id))
        if at < len(self._pairs) and self._pairs[at] == (value, record_id):
            del self._pairs[at]

    def ids_between(self, low: int | None, high: int | None) -> Iterator[int]:
        """Ids whose value is in [low, high] (either end open when None), in value order."""
        start = 0 if low is None else bisect_left(self._pairs, (low, -1))
        stop = len(self._pairs) if high is None else bisect_right(self._pairs, (high, 2**63))
        for index in range(start, stop):
            yield self._pairs[index][1]


class SearchIndex:
    def __init__(self, lag_ms: int, ranged_properties: tuple[str, ...]) -> None:
        self.lag_ms = lag_ms
        self.visible: dict[int, Properties] = {}
        self.version = 0  # bumps whenever what search can see changes
        # request key -> (version, ordered matching ids), so paging does not redo the work
        self.results_cache: dict[str, tuple[int, list[int]]] = {}
        self._pending: deque[tuple[int, int, Properties]] = deque()
        self._withdrawn: set[int] = set()
        self._ranges = {name: SortedIds() for name in ranged_properties}

    def publish(self, record_id: int, properties: Properties, now_ms: int) -> None:
        """Schedule a record's new state; `properties` must not be mutated afterwards."""
        self._pending.append((now_ms + self.lag_ms, record_id, properties))
        self.catch_up(now_ms)

    def withdraw(self, record_id: int) -> None:
        """Remove a record for good (ids are never reused, so later pending states are dropped)."""
        self._withdrawn.add(record_id)
        self._replace(record_id, None)

    def catch_up(self, now_ms: int) -> None:
        while self._pending and self._pending[0][0] <= now_ms:
            _, record_id, properties = self._pending.popleft()
            if record_id not in self._withdrawn:
                self._replace(record_id, properties)

    def clear(self) -> None:
        self.visible.clear()
        self._pending.clear()
        self._withdrawn.clear()
        self._ranges = {name: SortedIds() for name in self._ranges}
        self.version += 1

    def has_range(self, name: str) -> bool:
        return name in self._ranges

    def ids_between(self, name: str, low: int | None, high: int | None) -> Iterator[int]:
        return self._ranges[name].ids_between(low, high)

    def _replace(self, record_id: int, properties: Properties | None) -> None:
        old = self.visible.pop(record_id, None)
        for name, ranged in self._ranges.items():
            old_value = _numeric(old, name)
            if old_value is not None:
                ranged.remove(old_value, record_id)
            new_value = _numeric(properties, name)
            if new_value is not None:
                ranged.add(new_value, record_id)
        if properties is not None:
            self.visible[record_id] = properties
        self.version += 1


def _numeric(properties: Properties | None, name: str) -> int | None:
    if properties is None or name not in properties:
        return None
    return parse_epoch_ms(properties[name])
