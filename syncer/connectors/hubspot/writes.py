"""Batch writes: updates by id, creates as upserts on a unique property, archives.

What HubSpot's batch endpoints do that shapes this module:
- at most 100 inputs a call; the same id or unique value twice in one call fails the whole call,
  so repeated keys go to separate calls, in order;
- with an `objectWriteTraceId` on every input, bad inputs come back as 207 errors naming their
  trace id while the good ones are written; results may come back in any order;
- some failures still reject the whole batch with no per-record detail: the batch is split in
  halves until the bad record is alone;
- a batch larger than the portal accepts is refused with the maximum in the message ("The
  maximum number of inputs supported in a batch is 100"): the size adapts to it;
- a 409 "already exists. Existing ID: N" on a create means the record exists (often our own
  earlier attempt): adopt N by updating it with the write's properties.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from syncer.records import Rejection, RejectionKind, Write, WriteResult

from .api import HubSpotApi
from .associations import invalid_ids
from .outcomes import body_of
from .reads import RecordReader
from .rejections import CONFLICT, existing_id, rejection_from, stated_batch_maximum
from .results import map_batch_results

T = TypeVar("T")
ARCHIVE_LIMIT = 100
NO_KEY = Rejection(
    RejectionKind.REQUIRED_MISSING,
    "NO_UNIQUE_KEY",
    "a create needs unique_property and unique_value",
)


class BatchWriter:
    def __init__(
        self, api: HubSpotApi, object_type: str, batch_size: int, reader: RecordReader
    ) -> None:
        self._api = api
        self._path = f"/crm/v3/objects/{object_type}/batch"
        self._batch_size = batch_size
        self._reader = reader

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        _require_distinct_keys(writes)
        updates = [w for w in writes if w.target_id]
        creates = [w for w in writes if not w.target_id and w.unique_property and w.unique_value]
        results = self._in_rounds(split_rounds(updates, lambda w: w.target_id), self._update)
        by_property: dict[str, list[Write]] = defaultdict(list)
        for w in creates:
            by_property[str(w.unique_property)].append(w)
        for group in by_property.values():
            results.update(self._in_rounds(split_rounds(group, _unique_key), self._upsert))
        return [results.get(w.key) or WriteResult(w.key, None, rejection=NO_KEY) for w in writes]

    def create(
        self,
        writes: Sequence[Write],
        inline: Mapping[str, list[dict[str, Any]]],
        *,
        repeatable: bool = True,
    ) -> dict[str, WriteResult]:
        """Creates with their associations inline (`inline`: write key -> `associations`),
        by batch/create: batch upsert takes no associations. The unique property's value goes
        in the properties, so a resend (or a retry after a lost answer) is refused as taken
        rather than duplicated; the caller adopts the holder (relation_writes.py). Without a
        unique property (engagement_ids.py) pass `repeatable=False`: a create whose answer was
        lost is not sent again (RetryableError), the next attempt looks first."""
        return self._in_rounds(
            split_rounds(writes, _unique_key),
            lambda batch: self._create(batch, inline, repeatable),
        )

    def archive(self, ids: Sequence[str]) -> list[WriteResult]:
        unique = list(dict.fromkeys(ids))
        results = self._in_rounds([unique], self._archive, limit=ARCHIVE_LIMIT)
        return [results[i] for i in ids]

    def _in_rounds(
        self,
        rounds: list[list[T]],
        send: Callable[[list[T]], dict[str, WriteResult] | Rejection],
        *,
        limit: int | None = None,
    ) -> dict[str, WriteResult]:
        """Each round's batches in flight together; a round starts when the one before ended,
        so a key repeated in a later round is written after its earlier value."""
        size = limit or self._batch_size
        results: dict[str, WriteResult] = {}
        for items in rounds:
            batches = [items[start : start + size] for start in range(0, len(items), size)]
            for answered in self._api.in_flight.map(lambda b: self._isolating(b, send), batches):
                results.update(answered)
        return results

    def _isolating(
        self, batch: list[T], send: Callable[[list[T]], dict[str, WriteResult] | Rejection]
    ) -> dict[str, WriteResult]:
        """Send a batch; when HubSpot refuses it whole, halve it until the culprit is alone."""
        outcome = send(batch)
        if not isinstance(outcome, Rejection):
            return outcome
        maximum = stated_batch_maximum(outcome)
        if maximum is not None and maximum < len(batch):
            self._batch_size = min(self._batch_size, maximum)  # later batches start smaller
            chunks = [batch[i : i + maximum] for i in range(0, len(batch), maximum)]
            return {k: v for chunk in chunks for k, v in self._isolating(chunk, send).items()}
        if len(batch) == 1:
            key = _key_of(batch[0])
            return {key: WriteResult(key, None, rejection=outcome)}
        middle = len(batch) // 2
        return {**self._isolating(batch[:middle], send), **self._isolating(batch[middle:], send)}

    def _update(self, batch: list[Write]) -> dict[str, WriteResult] | Rejection:
        inputs = [
            {"id": w.target_id, "properties": dict(w.properties), "objectWriteTraceId": w.key}
            for w in batch
        ]
        return self._send("update", batch, inputs)

    def _upsert(self, batch: list[Write]) -> dict[str, WriteResult] | Rejection:
        inputs = [
            {
                "id": w.unique_value,
                "idProperty": w.unique_property,
                "properties": dict(w.properties),
                "objectWriteTraceId": w.key,
            }
            for w in batch
        ]
        results = self._send("upsert", batch, inputs)
        if isinstance(results, Rejection):
            return results
        return {key: self._adopt_if_conflict(result, batch) for key, result in results.items()}

    def _create(
        self, batch: list[Write], inline: Mapping[str, list[dict[str, Any]]], repeatable: bool
    ) -> dict[str, WriteResult] | Rejection:
        inputs = [
            {
                "properties": _with_unique_value(w),
                "associations": inline.get(w.key, []),
                "objectWriteTraceId": w.key,
            }
            for w in batch
        ]
        exchange = self._api.call(
            "POST",
            f"{self._path}/create",
            kind="batch/create",
            body={"inputs": inputs},
            repeatable=repeatable,
        )
        body = body_of(exchange.response)
        if not exchange.ok:
            return self._conflict_result(batch, body) or rejection_from(body)
        results = map_batch_results(batch, body)
        missing = _missing_targets(body)
        return {
            key: _refused_targets(key, missing[key]) if key in missing else replace(r, created=r.ok)
            for key, r in results.items()
        }

    def _archive(self, batch: list[str]) -> dict[str, WriteResult] | Rejection:
        exchange = self._api.call(
            "POST",
            f"{self._path}/archive",
            kind="batch/archive",
            body={"inputs": [{"id": i} for i in batch]},
        )
        if not exchange.ok:
            return rejection_from(body_of(exchange.response))
        return {i: WriteResult(i, i) for i in batch}

    def _send(
        self, op: str, batch: list[Write], inputs: list[dict[str, Any]]
    ) -> dict[str, WriteResult] | Rejection:
        exchange = self._api.call(
            "POST", f"{self._path}/{op}", kind=f"batch/{op}", body={"inputs": inputs}
        )
        body = body_of(exchange.response)
        if not exchange.ok:
            return self._conflict_result(batch, body) or rejection_from(body)
        return map_batch_results(batch, body)

    def _conflict_result(
        self, batch: list[Write], body: dict[str, Any]
    ) -> dict[str, WriteResult] | None:
        """A lone create refused with 409: the record exists, so adopt it."""
        existing = existing_id(body)
        if len(batch) != 1 or existing is None or batch[0].target_id:
            return None
        return {batch[0].key: self._adopt(batch[0], existing, rejection_from(body))}

    def _adopt_if_conflict(self, result: WriteResult, batch: list[Write]) -> WriteResult:
        rejection = result.rejection
        if rejection is None or rejection.code != CONFLICT:
            return result
        existing = existing_id({"category": CONFLICT, "message": rejection.message})
        write = next(w for w in batch if w.key == result.key)
        return self._adopt(write, existing, rejection) if existing else result

    def _adopt(self, write: Write, existing: str, conflict: Rejection) -> WriteResult:
        if not self._reader.read([existing]):
            return WriteResult(write.key, None, rejection=conflict)
        update = replace(write, target_id=existing)
        result = self._isolating([update], self._update)[write.key]
        return replace(result, created=False)


def _with_unique_value(write: Write) -> dict[str, Any]:
    properties: dict[str, Any] = dict(write.properties)
    properties[str(write.unique_property)] = write.unique_value
    return properties


def _missing_targets(body: dict[str, Any]) -> dict[str, list[str]]:
    """Write key -> the association targets HubSpot says do not exist, from a create's errors."""
    missing: dict[str, list[str]] = {}
    for error in body.get("errors") or []:
        if not isinstance(error, dict) or not invalid_ids(error):
            continue
        traces = (error.get("context") or {}).get("objectWriteTraceId") or []
        for key in traces if isinstance(traces, list) else []:
            missing[str(key)] = sorted(invalid_ids(error))
    return missing


def _refused_targets(key: str, ids: list[str]) -> WriteResult:
    message = f"the record's associations point at records HubSpot does not have: {', '.join(ids)}"
    rejection = Rejection(RejectionKind.NOT_FOUND, "INVALID_OBJECT_IDS", message)
    return WriteResult(key, None, rejection=rejection)


def split_rounds(items: Sequence[T], key: Callable[[T], Hashable]) -> list[list[T]]:
    """Items in rounds with no key twice in one round; repeats keep their order."""
    rounds: list[list[T]] = []
    seen: dict[Hashable, int] = defaultdict(int)
    for item in items:
        index = seen[key(item)]
        seen[key(item)] += 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(item)
    return rounds


def split_batches(items: Sequence[T], key: Callable[[T], Hashable], size: int) -> list[list[T]]:
    """Batches of at most `size` with no key twice in one batch; repeats keep their order."""
    return [
        r[start : start + size]
        for r in split_rounds(items, key)
        for start in range(0, len(r), size)
    ]


def _unique_key(write: Write) -> tuple[str, str]:
    # HubSpot compares emails case-insensitively; treat every unique value that way to be safe.
    return (str(write.unique_property), str(write.unique_value).strip().casefold())


def _key_of(item: object) -> str:
    return item.key if isinstance(item, Write) else str(item)


def _require_distinct_keys(writes: Sequence[Write]) -> None:
    repeated = sorted(k for k, n in Counter(w.key for w in writes).items() if n > 1)
    if repeated:
        raise ValueError(f"Write.key must be unique within one call; repeated: {repeated[:5]}")
