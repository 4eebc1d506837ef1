"""Mapping a batch response (200 or 207) back to the writes that caused it.

Results and errors come back in any order. Each input carries `objectWriteTraceId` = Write.key,
which HubSpot echoes on results and in error contexts; when it does not, results are matched by
record id (updates) or unique value (upserts), and errors by `context.ids`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from syncer.records import Rejection, RejectionKind, Write, WriteResult

from .rejections import rejection_from
from .shapes import objects_of, record_id

UNANSWERED = Rejection(
    RejectionKind.NO_ANSWER,
    "MISSING_FROM_RESPONSE",
    "HubSpot answered the batch without a result or an error for this record "
    "(a merged-away id does this)",
    retryable=True,
)


def map_batch_results(batch: Sequence[Write], body: dict[str, Any]) -> dict[str, WriteResult]:
    """Per write, its result; MalformedResponse when the answer is not the documented shape
    (the writes' intents stay pending and are resolved by a look-up on the next run)."""
    lookup = _WriteLookup(batch)
    mapped: dict[str, WriteResult] = {}
    for error in _objects(body, "errors"):
        rejection = rejection_from(error)
        for write in lookup.for_error(error, alone=len(batch) == 1):
            mapped[write.key] = WriteResult(write.key, None, rejection=rejection)
    for obj in _objects(body, "results"):
        answered = lookup.for_result(obj)
        if answered is not None:
            properties = obj.get("properties")
            mapped[answered.key] = WriteResult(
                answered.key,
                record_id(obj, "batch write answer"),
                created=obj.get("new") is True,
                applied=properties if isinstance(properties, dict) else None,
            )
    for write in batch:
        mapped.setdefault(write.key, WriteResult(write.key, None, rejection=UNANSWERED))
    return mapped


def _objects(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """`results` or `errors` of a batch answer: absent is none, anything but a list of objects
    is malformed."""
    if body.get(key) is None:
        return []
    return objects_of({"results": body[key]}, f"batch write answer ('{key}')")


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
        properties = obj.get("properties")
        if not isinstance(properties, dict):
            return None
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
        context = error.get("context")
        context = context if isinstance(context, dict) else {}
        traced = [
            self._by_key[str(k)]
            for k in _listed(context.get("objectWriteTraceId"))
            if str(k) in self._by_key
        ]
        if traced:
            return traced
        ids = [str(i) for i in _listed(context.get("ids"))]
        named = [w for i in ids if (w := self._by_target.get(i) or self._by_unique.get(_fold(i)))]
        return named or (self._batch if alone else [])


def _listed(value: object) -> list[object]:
    """A context entry HubSpot documents as a list; anything else names nothing."""
    return value if isinstance(value, list) else []


def _fold(value: object) -> str:
    return str(value).strip().casefold()
