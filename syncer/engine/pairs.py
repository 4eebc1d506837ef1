"""The planner's values: what it is given (a Pair of Versions, a Policy) and what it gives
(a PairPlan), and how a link remembers archived sides. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from syncer.ledger.values import Link
from syncer.mapping.apply import Canonical, FieldMap
from syncer.policies import ConflictPolicy, DeletePolicy
from syncer.records import Record, Rejection, Side

# Per association field, the target keys a record lost to an archive and gets back now that
# they are live again (plan_pair's `restorable`, from the ledger's dormant edges).
Restored = Mapping[str, Sequence[str]]


# Not frozen, though never assigned to: one is built per record per run, and a frozen
# dataclass's __init__ costs three times as much (object.__setattr__ per field).
@dataclass(slots=True)
class Version:
    """One side's current view of a record in this run (values None: not read this run)."""

    id: str
    values: Canonical
    modified_at: datetime | None = None
    archived: bool = False
    carried_id: str | None = None  # HubSpot only: the external id the record carries


def read_version(record: Record, side: Side, fieldmap: FieldMap, id_property: str) -> Version:
    """The record as the engine compares it: canonical mapped values, and on HubSpot the
    external id it carries. Raises ValueError naming a field whose value cannot be read,
    unless the record is archived: its values are never copied, only its being gone is."""
    try:
        values = fieldmap.canonical(record, side)
    except ValueError:
        if not record.archived:
            raise
        values = {}
    carried = record.properties.get(id_property) if side is Side.HUBSPOT else None
    carried_id = str(carried) if carried not in (None, "") else None
    return Version(record.id, values, record.modified_at, record.archived, carried_id)


# Not frozen, though never assigned to: one is built per record per run, and a frozen
# dataclass's __init__ costs three times as much (object.__setattr__ per field).
@dataclass(slots=True)
class Pair:
    """The two sides of one logical record as far as this run knows them."""

    link: Link | None
    hubspot: Version | None
    external: Version | None
    match_key: str | None

    def version(self, side: Side) -> Version | None:
        return self.hubspot if side is Side.HUBSPOT else self.external


@dataclass(frozen=True, slots=True)
class Policy:
    conflict: ConflictPolicy
    deletes: DeletePolicy
    creates_to: frozenset[Side]  # sides the pipeline may create records on
    # Sides values flow to but `create_in` keeps creates from: such a record is left uncreated
    # and counted, every time it is planned, rather than silently dropped.
    withheld: frozenset[Side] = frozenset()
    first_link: ConflictPolicy = ConflictPolicy.NEWEST  # who wins a difference at first link
    # HubSpot records are told their twin's external id (off: a one-way extraction that pairs
    # again by its match key; see PipelineSettings.stamp_external_id).
    stamps_external_id: bool = True
    # Fields whose blank is never copied across (the match key, the unique id property): a
    # record left without its key (a swap's giver whose new key was refused) is quarantined.
    keys: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FieldConflict:
    field: str
    hubspot_hash: str
    external_hash: str
    winner: Side
    hubspot_value: str | None = None  # both values at the time, for `syncer conflicts`
    external_value: str | None = None


@dataclass(slots=True)
class PairPlan:
    pair: Pair
    writes: dict[Side, Canonical] = field(default_factory=dict)
    create_on: Side | None = None
    create_withheld: Side | None = None  # a create `create_in` does not allow: reported only
    archive_on: Side | None = None
    base: dict[str, str] = field(default_factory=dict)  # hashes once every write succeeds
    conflicts: list[FieldConflict] = field(default_factory=list)
    first_link_differences: int = 0  # fields two records disagreed on when first linked
    stamp_external_id: bool = False  # HubSpot must be told the external id of a new link
    archived: frozenset[Side] = frozenset()  # sides whose record is archived, after this plan
    # Association fields whose base this plan sets: the value both sides hold after it (the
    # ledger keeps it as edges, so a target's archive finds the records pointing at it).
    agreed: dict[str, str | None] = field(default_factory=dict)
    # Writes refused before they are sent, by target side: a blank key this plan will not copy.
    refused: dict[Side, Rejection] = field(default_factory=dict)

    @property
    def is_noop(self) -> bool:
        """Nothing to send and nothing new to remember."""
        pair, link = self.pair, self.pair.link
        sends = self.writes or self.refused or self.stamp_external_id
        quiet = not sends and self.archive_on is None
        if link is None:  # nothing to remember unless this plan pairs two records
            return quiet and not (pair.hubspot is not None and pair.external is not None)
        remembered = encode_sides(self.archived) == link.archived_on
        return quiet and self.base == link.base and remembered


def encode_sides(sides: frozenset[Side]) -> str | None:
    """How a link stores a set of sides: None, "hubspot", "external" or "both"."""
    if len(sides) == 2:
        return "both"
    return next(iter(sides)).value if sides else None


def decode_sides(text: str | None) -> frozenset[Side]:
    if text == "both":
        return frozenset(Side)
    return frozenset({Side(text)}) if text else frozenset()


def external_id_of(pair: Pair) -> str | None:
    """The external id a HubSpot record should carry: its twin's, as seen now or as linked."""
    if pair.external is not None:
        return pair.external.id
    return pair.link.external_id if pair.link else None
