"""Association and owner fields in the mapping: one spec per association field, canonical values
as external keys (HubSpot ids turned into keys through the target pipeline's links, looked up in
bulk per page), PENDING for a target not linked yet, and native values back on each side."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

import pytest

from syncer.connectors.memory import MemoryConnector
from syncer.engine.references import LinkResolver
from syncer.errors import ConfigError
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, Link
from syncer.mapping.apply import FieldMap
from syncer.mapping.compile import compile_mapping
from syncer.mapping.references import PENDING, AssociationRef, OwnerRef
from syncer.records import FieldType, Record, Side
from syncer.settings_pipeline import PipelineSettings
from tests.engine.relations_world import COMPANIES

HUB, EXT = Side.HUBSPOT, Side.EXTERNAL
FIELD = COMPANIES.name


class CountingLedger(Ledger):
    """The real ledger, counting its look-ups of links."""

    look_ups = 0

    def links_for(self, pipeline: str, side: Side, ids: Iterable[str]) -> dict[str, Link]:
        self.look_ups += 1
        return super().links_for(pipeline, side, ids)


@pytest.fixture
def ledger(tmp_path: object) -> Iterator[CountingLedger]:
    ledger = CountingLedger.open(f"sqlite:///{tmp_path}/ledger.db")
    epoch = ledger.acquire_lease("companies", "test", timedelta(minutes=1))
    links = [Link(None, f"h{n}", f"k{n}", None, {}) for n in (1, 2, 3)]
    ledger.commit("companies", epoch, Commit(links=links), "run-1")
    yield ledger
    ledger.close()


def pipeline(owner: bool = False) -> PipelineSettings:
    fields: dict[str, object] = {"email": "email"}
    if owner:
        fields["hubspot_owner_id"] = {"external": "rep", "owner": True}
    return PipelineSettings.model_validate(
        {
            "name": "contacts",
            "external_object": "customers",
            "match": {"hubspot": "email", "external": "email"},
            "fields": fields,
        }
    )


def fieldmap(ledger: Ledger, owner: bool = False) -> FieldMap:
    hub_types = {"email": FieldType.TEXT, "hubspot_owner_id": FieldType.ENUMERATION}
    ext_types = {"email": FieldType.TEXT, "rep": FieldType.NUMBER}
    mapping = compile_mapping(pipeline(owner), hub_types, ext_types, associations=[COMPANIES])
    hub = MemoryConnector({}, owners={"7": "Ann@Example.com"})
    ext = MemoryConnector({}, owners={"1002": "ann@example.com"})
    refs = [s.reference for s in mapping.fields if isinstance(s.reference, AssociationRef)]
    mapping.resolver = LinkResolver(ledger, {HUB: hub, EXT: ext}, refs)
    return mapping


def record(record_id: str, ids: object, **properties: object) -> Record:
    return Record(record_id, {FIELD: ids, "email": "a@x.com", **properties})


def test_one_spec_per_association_field_and_owner_fields_marked(ledger: Ledger) -> None:
    specs = {s.hubspot: s for s in fieldmap(ledger, owner=True).fields}
    assert specs[FIELD].reference == AssociationRef(FIELD, "companies", ("company_id",))
    assert (specs[FIELD].external, specs[FIELD].direction) == (FIELD, COMPANIES.direction)
    assert specs["hubspot_owner_id"].reference == OwnerRef()
    assert specs["email"].reference is None


def test_an_owner_column_that_does_not_exist_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="rep"):
        compile_mapping(
            pipeline(owner=True),
            {"email": FieldType.TEXT, "hubspot_owner_id": FieldType.TEXT},
            {"email": FieldType.TEXT},
        )


def test_hubspot_ids_become_the_external_keys_sorted(ledger: Ledger) -> None:
    mapping = fieldmap(ledger)
    assert mapping.canonical(record("c1", ["h3", "h1", "h3"]), HUB)[FIELD] == "k1\nk3"
    assert mapping.canonical(record("c1", []), HUB)[FIELD] is None
    assert mapping.canonical(record("e1", ["k2", "k1"]), EXT)[FIELD] == "k1\nk2"


def test_a_target_not_linked_is_pending_and_remembered(ledger: Ledger) -> None:
    mapping = fieldmap(ledger)
    assert mapping.canonical(record("c1", ["h1", "h9"]), HUB)[FIELD] == PENDING
    assert mapping.canonical(record("e1", ["k9"]), EXT)[FIELD] == PENDING
    resolver = mapping.resolver
    assert isinstance(resolver, LinkResolver)
    found = resolver.forget()
    assert sorted((r.side, r.record_id, r.target_id) for r in found.pending.values()) == [
        (EXT, "e1", "k9"),
        (HUB, "c1", "h9"),
    ]
    assert found.read == {(HUB, "c1"), (EXT, "e1")}


def test_a_page_is_looked_up_in_bulk(ledger: CountingLedger) -> None:
    mapping = fieldmap(ledger)
    page = [record(f"c{n}", [f"h{n % 3 + 1}", "h9"]) for n in range(300)]
    before = ledger.look_ups
    mapping.prime(page, HUB)
    for item in page:
        mapping.canonical(item, HUB)
    assert ledger.look_ups - before == 1


def test_native_values_are_each_sides_own_ids(ledger: Ledger) -> None:
    mapping = fieldmap(ledger)
    assert mapping.native({FIELD: "k1\nk3"}, HUB) == {FIELD: ["h1", "h3"]}
    assert mapping.native({FIELD: "k1\nk3"}, EXT) == {FIELD: ["k1", "k3"]}
    assert mapping.native({FIELD: None}, HUB) == {FIELD: []}
    with pytest.raises(ValueError, match="pending"):
        mapping.native({FIELD: PENDING}, HUB)


def test_a_value_that_is_no_list_of_ids_names_the_field(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match=r"@companies.*list of record ids"):
        fieldmap(ledger).canonical(record("c1", "h1"), HUB)


def test_owners_are_their_email_and_back(ledger: Ledger) -> None:
    mapping = fieldmap(ledger, owner=True)
    assert mapping.canonical(record("c1", [], hubspot_owner_id="7"), HUB)["hubspot_owner_id"] == (
        "ann@example.com"
    )
    ext = mapping.canonical(record("e1", [], rep=1002), EXT)
    assert ext["hubspot_owner_id"] == "ann@example.com"
    assert mapping.native({"hubspot_owner_id": "ann@example.com"}, HUB) == {"hubspot_owner_id": "7"}
    assert mapping.native({"hubspot_owner_id": "ann@example.com"}, EXT) == {"rep": 1002}


def test_an_owner_with_no_twin_of_that_email_names_it(ledger: Ledger) -> None:
    mapping = fieldmap(ledger, owner=True)
    assert isinstance(mapping.resolver, LinkResolver)
    mapping.resolver.connectors[EXT] = MemoryConnector({}, owners={"1003": "bob@example.com"})
    with pytest.raises(ValueError, match=r"bob@example\.com"):
        mapping.canonical(record("e1", [], rep=1003), EXT)


def test_owner_fields_need_a_side_that_says_its_users(ledger: Ledger) -> None:
    mapping = fieldmap(ledger, owner=True)
    assert isinstance(mapping.resolver, LinkResolver)
    mapping.resolver.connectors[HUB] = MemoryConnector({})
    with pytest.raises(ValueError, match="hubspot connector cannot say its users"):
        mapping.canonical(record("c1", [], hubspot_owner_id="7"), HUB)


def test_a_live_record_without_its_association_field_stops_the_run(ledger: Ledger) -> None:
    """Absent is not empty: read as [], it would clear every reference on the other side."""
    mapping = fieldmap(ledger)
    with pytest.raises(ConfigError, match="record c1 without association field '@companies'"):
        mapping.canonical(Record("c1", {"email": "a@x.com"}), HUB)
    gone = Record("c2", {}, archived=True)  # a stand-in for a record a listing no longer shows
    assert mapping.canonical(gone, HUB)[FIELD] is None
