"""`syncer conflicts list|show|resolve`: the conflicts a pass settled, with both sides' values
as they were (kept for `[ledger] conflict_retention`), and an operator's second opinion.

`resolve ID --take hubspot|external` writes the chosen value to both records of the pair,
holding the pipeline's lease meanwhile (no pass runs beside it), and checks HubSpot's answer:
a value HubSpot accepts and does not apply is reported, not recorded as resolved. For a
conflict HubSpot decided itself (policy `not_applied`, a lifecyclestage moved backwards) the
HubSpot field is cleared first, as HubSpot asks before such a move.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from syncer.commands import load, opened_ledger
from syncer.connectors.base import Connector
from syncer.engine.compiled import compiled_mapping
from syncer.engine.read_back import NOT_APPLIED, not_applied
from syncer.errors import ConfigError, FatalError
from syncer.ledger.store import Ledger
from syncer.ledger.values import ConflictEntry
from syncer.mapping.apply import FieldMap, FieldSpec
from syncer.records import Side, Write
from syncer.settings import Settings
from syncer.wiring import pipeline_run, select_pipelines

EXIT_OK = 0
SHOWN = 40  # characters of a value in a list line


def command(args: argparse.Namespace) -> int:
    settings = load(args)
    with opened_ledger(settings) as ledger:
        if args.action == "list":
            _list(ledger, args.pipeline, pending_only=not args.all, limit=args.limit)
        elif args.action == "show":
            print(_describe(_entry(ledger, args.id)))
        else:
            _resolve(settings, ledger, _entry(ledger, args.id), Side(args.take))
    return EXIT_OK


def _list(ledger: Ledger, pipeline: str | None, *, pending_only: bool, limit: int) -> None:
    entries = ledger.conflicts(pipeline, pending_only=pending_only, limit=limit)
    if not entries:
        print("no conflicts" + (" waiting for a look" if pending_only else ""))
    for e in entries:
        values = (
            f"hubspot={_short(e.hubspot_value)} external={_short(e.external_value)}"
            if e.values_kept
            else "values no longer kept"
        )
        resolved = f" resolved: took {e.resolution.value}" if e.resolution else ""
        print(
            f"#{e.id} {e.at:%Y-%m-%d %H:%M:%S}Z {e.pipeline} {e.field} "
            f"hubspot:{e.hubspot_id} external:{e.external_id} {values} "
            f"winner={e.winner.value} ({e.policy}){resolved}"
        )


def _describe(e: ConflictEntry) -> str:
    lines = [
        f"conflict #{e.id} in pipeline {e.pipeline!r}, {e.at:%Y-%m-%d %H:%M:%S} UTC",
        f"  run       {e.run_id}",
        f"  field     {e.field}",
        f"  hubspot   record {e.hubspot_id}: {_value(e, e.hubspot_value)}",
        f"  external  record {e.external_id}: {_value(e, e.external_value)}",
        f"  winner    {e.winner.value}, by {_why(e.policy)}",
    ]
    if e.resolution is not None and e.resolved_at is not None:
        lines.append(f"  resolved  took {e.resolution.value} at {e.resolved_at:%Y-%m-%d %H:%M:%S}")
    return "\n".join(lines)


def _resolve(settings: Settings, ledger: Ledger, entry: ConflictEntry, take: Side) -> None:
    if entry.resolution is not None:
        raise ConfigError(f"conflict #{entry.id} was resolved already (took {entry.resolution})")
    if not entry.values_kept:
        raise ConfigError(
            f"conflict #{entry.id}: its values are no longer kept "
            "(older than [ledger] conflict_retention); nothing to write back"
        )
    value = entry.hubspot_value if take is Side.HUBSPOT else entry.external_value
    [pipeline] = select_pipelines(settings, entry.pipeline)
    with pipeline_run(settings, ledger, pipeline) as ctx:
        epoch = ledger.acquire_lease(pipeline.name, ctx.owner, ctx.lease_ttl)
        try:
            for connector in ctx.connectors.values():
                connector.prepare()
            fieldmap = compiled_mapping(pipeline, ctx.connectors, associations=ctx.associations)
            spec = _writable(fieldmap, entry, take)
            for side in Side:
                if side is Side.HUBSPOT or spec.external is not None:
                    _write(ctx.connectors[side], fieldmap, entry, side, value)
        finally:
            ledger.release_lease(pipeline.name, epoch)
    ledger.conflict_resolved(entry.id, take, datetime.now(UTC))
    print(f"conflict #{entry.id}: {entry.field} = {_short(value)} written to both records")


def _writable(fieldmap: FieldMap, entry: ConflictEntry, take: Side) -> FieldSpec:
    spec = next((s for s in fieldmap.fields if s.hubspot == entry.field), None)
    if spec is None or spec.reference is not None:
        raise ConfigError(
            f"conflict #{entry.id}: field {entry.field!r} is not a mapped value field of "
            f"pipeline {entry.pipeline!r} (any more); it cannot be written back"
        )
    if not spec.flows_to(take.other):
        raise ConfigError(
            f"conflict #{entry.id}: {entry.field!r} flows only from the {take.other.value} side, "
            f"its source of truth; --take {take.other.value}"
        )
    return spec


def _write(
    connector: Connector, fieldmap: FieldMap, entry: ConflictEntry, side: Side, value: str | None
) -> None:
    """Write the value to one record (cleared first in HubSpot after a not_applied conflict),
    and read HubSpot's answer back: a value it did not apply is an error, not a resolution."""
    target = entry.hubspot_id if side is Side.HUBSPOT else entry.external_id
    writes = []
    if side is Side.HUBSPOT and entry.policy == NOT_APPLIED:
        writes.append(Write("clear", {entry.field: ""}, target_id=target))
    writes.append(Write("set", fieldmap.native({entry.field: value}, side), target_id=target))
    for write in writes:
        [result] = connector.write([write])
        if not result.ok:
            reason = result.rejection.message if result.rejection else "no answer"
            raise FatalError(
                f"conflict #{entry.id}: {side.value} record {target} refused: {reason}"
            )
    if not_applied(fieldmap, side, {entry.field: value}, result.applied):
        raise FatalError(
            f"conflict #{entry.id}: {side.value} accepted {entry.field!r} and kept its own value"
        )


def _entry(ledger: Ledger, conflict_id: int) -> ConflictEntry:
    entry = ledger.conflict(conflict_id)
    if entry is None:
        raise ConfigError(f"no conflict #{conflict_id} (see `syncer conflicts list --all`)")
    return entry


def _value(e: ConflictEntry, value: str | None) -> str:
    if not e.values_kept:
        return "(value no longer kept: older than [ledger] conflict_retention)"
    return "(empty)" if value is None else repr(value)


def _short(value: str | None) -> str:
    if value is None:
        return "(empty)"
    return repr(value if len(value) <= SHOWN else value[: SHOWN - 1] + "…")


def _why(policy: str) -> str:
    if policy == NOT_APPLIED:
        return "HubSpot: it accepted the other value and kept its own (not_applied)"
    return f'the conflict policy "{policy}"'
