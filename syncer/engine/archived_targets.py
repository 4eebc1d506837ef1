"""Edges a side cannot hold because their target is archived there, under `deletes = "ignore"`.

HubSpot hides the associations of an archived record; a SQL row's foreign key may keep pointing
at a row hidden by its deleted flag. When the pipeline pointed at ignores deletes, that archive
must have no consequence on the other side: the record pointing at it has not changed its
edge. So, for association fields whose targets' pipeline ignores deletes, the resolver adds to a
side's value the agreed edges (the ledger's `edges`) whose targets are archived on that side;
the value then equals the base, and nothing is copied across. Looked up in bulk per page.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncer.ledger.store import Ledger
from syncer.records import Side


class ArchivedTargets:
    def __init__(self, ledger: Ledger, pipeline: str) -> None:
        self.ledger = ledger
        self.pipeline = pipeline
        self._keys: dict[tuple[Side, str], str] = {}  # a record's id -> its external key
        # external key -> field -> [(target key, side(s) the target is archived on)]
        self._held: dict[str, dict[str, list[tuple[str, str]]]] = {}

    def prime(self, side: Side, ids: Sequence[str]) -> None:
        wanted = [i for i in ids if (side, i) not in self._keys]
        if not wanted:
            return
        if side is Side.EXTERNAL:
            keys = {i: i for i in wanted}
        else:
            links = self.ledger.links_for(self.pipeline, side, wanted)
            keys = {i: link.external_id for i, link in links.items()}
        for record_id in wanted:
            self._keys[(side, record_id)] = keys.get(record_id, "")
        fresh = [k for k in keys.values() if k not in self._held]
        held = self.ledger.edges_to_archived(self.pipeline, fresh) if fresh else {}
        for key in fresh:
            self._held[key] = held.get(key, {})

    def kept(self, side: Side, record_id: str, field: str) -> list[str]:
        """The targets of the record's agreed edges of `field` archived on `side`."""
        key = self._keys.get((side, record_id))
        if not key:
            return []
        targets = self._held.get(key, {}).get(field, [])
        return [to for to, where in targets if where in (side.value, "both")]

    def forget(self) -> None:
        self._keys.clear()
        self._held.clear()
