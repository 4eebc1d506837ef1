"""Which setting writes which field of which side, and the refusal of a field written from two
sources: with `firstname = "first_name"` and `lastname = "first_name"`, one side's first name
would be overwritten by the other's last name on every pass.

Besides the field mappings, syncer itself writes three targets: the match key on either side
(copied from its twin on the other side) and the unique id property on HubSpot (the external
record's id, its primary key). A mapping may write one of them only from that same twin. One
source copied to two targets one way (a column feeding two HubSpot properties) is fine: the two
writes never meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from syncer.records import Side

if TYPE_CHECKING:
    from syncer.settings import PipelineSettings


@dataclass(frozen=True, slots=True)
class _Writer:
    key: str  # the setting that makes the write, e.g. "pipelines[0].fields.lastname"
    source: str  # the other side's field whose value is written


def write_conflicts(
    pipeline: PipelineSettings, index: int, external_id_column: str | None
) -> list[str]:
    """One line per setting that would write a field another setting writes from another
    source, naming both settings. `external_id_column`: the column holding the external id."""
    writers: dict[tuple[Side, str], list[_Writer]] = {}
    for side, target, writer in _writes(pipeline, f"pipelines[{index}]", external_id_column):
        writers.setdefault((side, target), []).append(writer)
    problems = []
    for (side, target), found in writers.items():
        first = found[0]
        problems += [
            f"{other.key}: would write {side.value} field {target!r} from {other.source!r}, "
            f"but {first.key} writes it from {first.source!r}; a field may be written from "
            "one source only (one source mapped to two targets one way is fine)"
            for other in found[1:]
            if other.source != first.source
        ]
    return problems


def _writes(
    pipeline: PipelineSettings, prefix: str, external_id_column: str | None
) -> list[tuple[Side, str, _Writer]]:
    """Every (side, target field, writer), syncer's own writes first."""
    match = pipeline.match
    id_source = external_id_column or "the external id"
    writes = [
        (Side.HUBSPOT, match.hubspot, _Writer(f"{prefix}.match.hubspot", match.external)),
        (Side.EXTERNAL, match.external, _Writer(f"{prefix}.match.external", match.hubspot)),
        (
            Side.HUBSPOT,
            pipeline.external_id_property,
            _Writer(f"{prefix}.external_id_property", id_source),
        ),
    ]
    if external_id_column is not None:
        primary_key = _Writer(f"{prefix}.sql.primary_key", pipeline.external_id_property)
        writes.append((Side.EXTERNAL, external_id_column, primary_key))
    for key, mapping in pipeline.fields.items():
        direction = mapping.direction if pipeline.direction == "both" else pipeline.direction
        setting = f"{prefix}.fields.{key}"
        if direction in ("both", "to_hubspot"):
            writes.append((Side.HUBSPOT, key, _Writer(setting, mapping.external)))
        if direction in ("both", "to_external"):
            writes.append((Side.EXTERNAL, mapping.external, _Writer(setting, key)))
    return writes
