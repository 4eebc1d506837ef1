"""Which setting writes which field of which side, and the refusal of a field written from two
sources: with `firstname = "first_name"` and `lastname = "first_name"`, one side's first name
would be overwritten by the other's last name on every pass.

Besides the field mappings, syncer itself writes a pipeline's match key on either side (copied
from its twin on the other side) and the unique id property on HubSpot (the external record's
id: its primary key, the values of a composite key joined with ":"). A mapping may write one of
them only from that same twin. One source copied to two targets one way (a column feeding two
HubSpot properties) is fine: the two writes never meet. Key columns of the SQL table are guarded
where rows are written (an update never changes them), since a match-less pipeline creates rows
from mapped key columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from syncer.policies import Direction
from syncer.records import Side

if TYPE_CHECKING:
    from syncer.settings_pipeline import PipelineSettings


@dataclass(frozen=True, slots=True)
class _Writer:
    key: str  # the setting that makes the write, e.g. "pipelines[0].fields.lastname"
    source: str  # the other side's field whose value is written


def write_conflicts(
    pipeline: PipelineSettings, index: int, key_columns: Sequence[str] | None
) -> list[str]:
    """One line per setting that would write a field another setting writes from another
    source, naming both settings. `key_columns`: the columns whose values make the external id
    (None when the external side has no such columns)."""
    writers: dict[tuple[Side, str], list[_Writer]] = {}
    for side, target, writer in _writes(pipeline, f"pipelines[{index}]", key_columns):
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
    pipeline: PipelineSettings, prefix: str, key_columns: Sequence[str] | None
) -> list[tuple[Side, str, _Writer]]:
    """Every (side, target field, writer), syncer's own writes first."""
    id_source = ":".join(key_columns) if key_columns else "the external id"
    writes = [
        (
            Side.HUBSPOT,
            pipeline.external_id_property,
            _Writer(f"{prefix}.external_id_property", id_source),
        )
    ]
    if (match := pipeline.match) is not None:
        writes += [
            (Side.HUBSPOT, match.hubspot, _Writer(f"{prefix}.match.hubspot", match.external)),
            (Side.EXTERNAL, match.external, _Writer(f"{prefix}.match.external", match.hubspot)),
        ]
    for key, mapping in pipeline.fields.items():
        direction = (
            mapping.direction if pipeline.direction is Direction.BOTH else pipeline.direction
        )
        setting = f"{prefix}.fields.{key}"
        source = mapping.external if mapping.external is not None else f"{mapping.value!r}"
        if direction.flows_to(Side.HUBSPOT):
            writes.append((Side.HUBSPOT, key, _Writer(setting, source)))
        if direction.flows_to(Side.EXTERNAL) and mapping.external is not None:
            writes.append((Side.EXTERNAL, mapping.external, _Writer(setting, key)))
    return writes
