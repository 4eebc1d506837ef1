"""Mapping a batch response (200 or 207) back to the writes that caused it.

Results and errors come back in any order. Each input carries `objectWriteTraceId` = Write.key,
which HubSpot echoes on results and in error contexts; when it does not, results are matched by
record id (updates) or unique value (upserts), and errors by `context.ids`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from syncer.records import Rejection, Write, WriteResult

from .rejections import rejection_from

UNANSWERED = Rejection(
    "MISSING_FROM_RESPONSE",
    "HubSpot answered the batch without a result or an error for this record "
    "(a merged-away id does this)",
    retryable=True,
)


def map_batch_results(batch: Sequence[Write], body: dict[str, Any]) -> dict[str, WriteResult]:
    lookup = _WriteLookup(batch)
    mapped: dict[str, WriteResult] = {}
    for error in body.get("errors") or []:
        rejection = rejection_from(error)
        for write in lookup.for_error(error, alone=len(batch) == 1):
            mapped[write.key] = WriteResult(write.key, None, rejection=rejection)
    for obj in body.get("results") or []:
        answered = lookup.for_result(obj)
        if answered is not None:
            mapped[answered.key] = WriteResult(
                answered.key, str(obj["id"]), created=bool(obj.get("new", False))
            )
    for write in batch:
        mapped.setdefault(write.key, WriteResult(write.key, None, rejection=UNANSWERED))
    return mapped


class _WriteLookup:
    def __init__(self, batch: Sequence[Write]) -> None:
        self._batch = list(batch)
        self._by_key = {w.key: w for w in batch}
        self._by_target = {w.target_id: w for w in batch if w.target_id}
        self._by_unique = {_fold(w.unique_value): w for w in batch if w.unique_value}

    def for_result(self, obj: dict[str, Any]) -> Write | None:
        traced = self._by_key.get(str(obj.get("objectWriteTraceId")))
        if traced is not None:
            return traced
        by_id = self._by_target.get(str(obj.get("id")))
        if by_id is not None:
            return by_id
        properties = obj.get("properties") or {}
        for write in self._batch:
            value = properties.get(str(write.unique_property))
            if (
                write.unique_value
                and value is not None
                and _fold(value) == _fold(write.unique_value)
            ):
                return write
        return None

    def for_error(self, error: dict[str, Any], *, alone: bool) -> list[Write]:
        context = error.get("context") or {}
        traced = [
            self._by_key[k] for k in context.get("objectWriteTraceId") or [] if k in self._by_key
        ]
        if traced:
            return traced
        ids = [str(i) for i in context.get("ids") or []]
        named = [w for i in ids if (w := self._by_target.get(i) or self._by_unique.get(_fold(i)))]
        return named or (self._batch if alone else [])


def _fold(value: object) -> str:
    return str(value).strip().casefold()
