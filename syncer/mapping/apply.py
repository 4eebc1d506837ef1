"""A pipeline's compiled field mapping: records to canonical values and back to native values.

Canonical values are keyed by the HubSpot property name (the pipeline's field key) and live in
HubSpot's value space: an external value is passed through the inverse of the value map.
The mapping is built from settings by compile.py; this module imports no settings, so the
planner that uses it loads nothing but values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from syncer.errors import ConfigError
from syncer.mapping import enumerated
from syncer.mapping.convert import normalise_email, to_canonical, to_hubspot_text, to_native
from syncer.mapping.enumerated import UnmappedValue
from syncer.mapping.fit import check_length, fit_number
from syncer.mapping.readers import Convert, external_reader, external_writer, hubspot_reader
from syncer.mapping.references import (
    AssociationRef,
    NoResolver,
    OwnerRef,
    Reference,
    Resolver,
    id_list,
    is_pending,
)
from syncer.policies import Direction, Unmapped
from syncer.records import FieldShape, FieldType, Record, Side

Canonical = dict[str, str | None]


class FieldValueError(ValueError):
    """A record's value of one field cannot be read; `field` is the side's own field name."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"field {field!r}: {reason}")
        self.field = field


@dataclass(frozen=True, slots=True)
class FieldSpec:
    hubspot: str
    external: str | None  # None for a constant: a HubSpot property with no column
    direction: Direction
    canonical_type: FieldType
    external_type: FieldType
    to_external_values: Mapping[str, str]
    to_hubspot_values: Mapping[str, str]
    is_email: bool
    external_shape: FieldShape | None = None  # the external field's length, precision, scale
    constant: str | None = None  # what the external side always holds for a constant field
    options: frozenset[str] | None = None  # HubSpot's options, for an enumeration property
    default: str | None = None  # what a value with no mapping becomes
    unmapped: Unmapped = Unmapped.QUARANTINE  # without a default
    # An association or owner field: its values point at other records (references.py).
    reference: Reference | None = None
    # The sides values flow to, from `direction`: asked per field per record by the planner.
    _flows: frozenset[Side] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flows = frozenset(side for side in Side if self.direction.flows_to(side))
        object.__setattr__(self, "_flows", flows)

    def flows_to(self, side: Side) -> bool:
        return side in self._flows

    @property
    def column(self) -> str:
        """The external field, for a spec that has one: a match key always does."""
        if self.external is None:
            raise ValueError(f"{self.hubspot!r} is a constant: it has no external field")
        return self.external


# A field as FieldMap.canonical reads it (FieldMap._reader).
_Reader = tuple["FieldSpec", str, "str | None", "Convert | None"]


class FieldMap:
    """Converts records of both sides of one pipeline to canonical values and back."""

    def __init__(
        self,
        fields: list[FieldSpec],
        match: FieldSpec | None,
        external_tz: tzinfo,
        resolver: Resolver | None = None,
    ) -> None:
        """`match`: the key unlinked records pair by; None when they pair only by carried id.
        `resolver`: resolves association and owner fields (the engine's, for one run)."""
        self.fields = fields
        self.match = match
        self.external_tz = external_tz
        self.resolver: Resolver = resolver or NoResolver()
        self._by_key = {spec.hubspot: spec for spec in fields}
        self._readers = {side: [self._reader(spec, side) for spec in fields] for side in Side}
        # The external side's native value of each plain field with a column (native()).
        self._to_external = {
            spec.hubspot: (spec.external, external_writer(spec, external_tz))
            for spec in fields
            if spec.reference is None and spec.external is not None
        }

    def _reader(self, spec: FieldSpec, side: Side) -> _Reader:
        """How `canonical` reads `spec` on `side`: the field name, a constant standing for the
        value, and the compiled conversion (None for a reference: resolved per record)."""
        name = spec.hubspot if side is Side.HUBSPOT or spec.external is None else spec.external
        constant = spec.constant if side is Side.EXTERNAL and spec.external is None else None
        if spec.reference is not None:
            return spec, name, constant, None
        if side is Side.HUBSPOT:
            return spec, name, constant, hubspot_reader(spec, lambda text: _fitted(spec, text))
        return spec, name, constant, external_reader(spec, self.external_tz)

    @property
    def has_references(self) -> bool:
        return any(spec.reference is not None for spec in self.fields)

    def edge_targets(self) -> dict[str, str]:
        """{association field: the pipeline whose records it points at}."""
        return {
            spec.hubspot: spec.reference.to_pipeline
            for spec in self.fields
            if isinstance(spec.reference, AssociationRef)
        }

    def prime(self, records: Sequence[Record], side: Side) -> None:
        """Look up in bulk what these records' references need, before they are read."""
        if self.has_references and records:
            self.resolver.prime(records, side)

    def canonical(self, record: Record, side: Side) -> Canonical:
        """Mapped field values of `record` as canonical text; raises ValueError naming the field.
        A reference not resolvable yet is PENDING (references.py). A field whose value has
        no mapping and is to be skipped (`unmapped = "skip_field"`) is left out: the record has
        nothing to say about it."""
        out: Canonical = {}
        properties = record.properties
        for spec, name, constant, convert in self._readers[side]:
            try:
                if convert is None:
                    out[spec.hubspot] = self._canonical_one(spec, record, side)
                else:
                    raw = properties.get(name) if constant is None else constant
                    out[spec.hubspot] = convert(raw)
            except UnmappedValue:
                continue
            except FieldValueError:
                raise
            except ValueError as exc:
                raise FieldValueError(name, str(exc)) from None
        return out

    def canonical_field(self, key: str, record: Record, side: Side) -> str | None:
        """One field of `record` as canonical text (ValueError, or UnmappedValue for a value
        the mapping skips, when it cannot be read)."""
        return self._canonical_one(self._by_key[key], record, side)

    def match_key(self, record: Record, side: Side) -> str | None:
        if self.match is None:
            return None
        name = self.match.hubspot if side is Side.HUBSPOT else self.match.column
        value = record.properties.get(name)
        if self.match.is_email:
            return normalise_email(value)
        return to_canonical(value, self.match.canonical_type)

    def native(self, values: Canonical, side: Side) -> dict[str, Any]:
        """Canonical values as the target side's native values, under its own field names."""
        out: dict[str, Any] = {}
        to_external = self._to_external
        for key, text in values.items():
            if is_pending(text):
                raise ValueError(f"{key}: a pending reference cannot be written")
            plain = to_external.get(key) if side is Side.EXTERNAL else None
            if plain is not None:  # most fields: compiled once (readers.external_writer)
                name, convert = plain
                out[name] = convert(text)
                continue
            spec = self._by_key[key]
            if spec.reference is not None:
                name = spec.hubspot if side is Side.HUBSPOT else spec.column
                out[name] = self._native_ref(spec, side, text)
            elif side is Side.HUBSPOT:
                out[spec.hubspot] = to_hubspot_text(text)
            elif spec.external is not None:
                mapped = spec.to_external_values.get(text, text) if text is not None else None
                out[spec.external] = to_native(mapped, spec.external_type, self.external_tz)
        return out

    def _native_ref(self, spec: FieldSpec, side: Side, text: str | None) -> Any:
        if isinstance(spec.reference, AssociationRef):
            return self.resolver.association_native(spec.reference, side, text)
        owner = self.resolver.owner_native(side, text)
        if side is Side.HUBSPOT:
            return owner
        return to_native(owner, spec.external_type, self.external_tz)  # a user key, as the column

    def _canonical_ref(self, spec: FieldSpec, record: Record, side: Side, raw: Any) -> str | None:
        reference = spec.reference
        if isinstance(reference, AssociationRef):
            if reference.name not in record.properties and not record.archived:
                # Absent is not empty: read as [], it would clear the other side's references.
                # (An archived record's values are never copied: a stand-in holds none.)
                raise ConfigError(
                    f"the {side.value} connector returned record {record.id} without association "
                    f"field {reference.name!r}: it was not built with the pipeline's associations"
                )
            ids = id_list(raw, reference.name)
            flows = spec.flows_to(side.other)
            return self.resolver.association_value(reference, side, record.id, ids, flows)
        assert isinstance(reference, OwnerRef)
        return self.resolver.owner_value(side, raw, spec.flows_to(side.other))

    def _canonical_one(self, spec: FieldSpec, record: Record, side: Side) -> str | None:
        name = spec.hubspot if side is Side.HUBSPOT or spec.external is None else spec.external
        raw = spec.constant if side is Side.EXTERNAL and spec.external is None else None
        raw = record.properties.get(name) if raw is None else raw
        try:
            if spec.reference is not None:
                return self._canonical_ref(spec, record, side, raw)
            if spec.is_email:
                return normalise_email(raw)
            if side is Side.EXTERNAL:
                text = to_canonical(raw, spec.external_type, self.external_tz)
                if text is not None and spec.external is not None:
                    text = enumerated.from_external(spec, text)
                return to_canonical(text, spec.canonical_type, self.external_tz)
            text = to_canonical(raw, spec.canonical_type)
            if text is not None and spec.flows_to(Side.EXTERNAL):
                text = enumerated.from_hubspot(spec, text)
            return _fitted(spec, text)
        except UnmappedValue:
            raise
        except ValueError as exc:
            raise FieldValueError(name, str(exc)) from None


def _fitted(spec: FieldSpec, text: str | None) -> str | None:
    """A HubSpot value as the external field will keep it, when it is copied there: rounded to
    a DECIMAL's scale; ValueError when it cannot fit the column at all."""
    shape = spec.external_shape
    if shape is None or text is None or not spec.flows_to(Side.EXTERNAL):
        return text
    if spec.external_type is FieldType.NUMBER and spec.canonical_type is FieldType.NUMBER:
        return fit_number(text, shape)
    if spec.external_type is FieldType.TEXT:
        check_length(spec.to_external_values.get(text, text), shape)
    return text
