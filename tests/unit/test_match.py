"""The matcher over a real SQLite ledger and two in-memory CRMs.

Order of pairing: the ledger's links, then the external id a HubSpot record carries, then the
normalised match key among this run's records, then (incremental runs) a look-up on the other
side. A key that is already taken is refused with DUPLICATE_MATCH_KEY, never paired twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from syncer.connectors.memory import MemoryConnector
from syncer.engine.match import Matched, Matcher
from syncer.engine.plan import Pair
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, Link
from syncer.mapping.compile import compile_mapping
from syncer.records import FieldType, Record, Side
from tests.engine.conftest import EXT_TYPES, HUB_TYPES, make_pipeline

PIPELINE = "contacts"


@dataclass
class Rig:
    hub: MemoryConnector
    ext: MemoryConnector
    ledger: Ledger

    def link(self, hub_id: str, ext_id: str, key: str | None) -> None:
        epoch = self.ledger.acquire_lease(PIPELINE, "test", timedelta(minutes=1))
        commit = Commit(links=[Link(None, hub_id, ext_id, key, {})])
        self.ledger.commit(PIPELINE, epoch, commit, "run-1")
        self.ledger.release_lease(PIPELINE, epoch)

    def match(
        self, hub: list[Record], ext: list[Record], *, look_up: bool = True, **pipeline: Any
    ) -> Matched:
        hub_types = {**HUB_TYPES, "score": FieldType.NUMBER}
        ext_types = {**EXT_TYPES, "score": FieldType.TEXT}
        fields = {"email": "email", "firstname": "first_name", "score": "score"}
        settings = make_pipeline(fields=fields, **pipeline)
        matcher = Matcher(
            pipeline=PIPELINE,
            fieldmap=compile_mapping(settings, hub_types, ext_types),
            ledger=self.ledger,
            connectors={Side.HUBSPOT: self.hub, Side.EXTERNAL: self.ext},
            external_id_property="syncer_external_id",
            look_up_other_side=look_up,
        )
        return matcher.match(hub, ext)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    ledger = Ledger.open(f"sqlite:///{tmp_path}/ledger.db")
    yield Rig(MemoryConnector(HUB_TYPES, ordered_versions=True), MemoryConnector(EXT_TYPES), ledger)
    ledger.close()


def ids(pair: Pair) -> tuple[str | None, str | None]:
    return (
        pair.hubspot.id if pair.hubspot else None,
        pair.external.id if pair.external else None,
    )


def pairs_by_ids(matched: Matched) -> dict[tuple[str | None, str | None], Pair]:
    return {ids(p): p for p in matched.pairs}


def rejections(matched: Matched) -> list[tuple[Side, str, str]]:
    return [(r.source_side, r.record_id, r.category) for r in matched.rejected]


# -- how records pair ------------------------------------------------------------------------


def test_a_link_pairs_first_even_when_the_keys_no_longer_agree(rig: Rig) -> None:
    hub = rig.hub.put({"email": "renamed@example.com"})
    ext = rig.ext.put({"email": "ann@example.com"})
    rig.link(hub.id, ext.id, "ann@example.com")
    matched = rig.match([hub], [ext])
    [pair] = matched.pairs
    assert ids(pair) == (hub.id, ext.id)
    assert pair.link is not None and pair.link.hubspot_id == hub.id
    assert pair.match_key == "ann@example.com"  # the external side's key, as the link agreed
    assert matched.rejected == []


def test_a_link_pairs_a_record_whose_twin_did_not_change(rig: Rig) -> None:
    hub = rig.hub.put({"email": "ann@example.com"})
    rig.link(hub.id, "e-77", "ann@example.com")
    [pair] = rig.match([hub], []).pairs
    assert pair.link is not None and pair.link.external_id == "e-77"
    assert ids(pair) == (hub.id, None)


def test_a_carried_external_id_pairs_before_the_email(rig: Rig) -> None:
    ext_a = rig.ext.put({"email": "ann@example.com"})
    ext_b = rig.ext.put({"email": "bob@example.com"})
    hub = rig.hub.put({"email": "ann@example.com", "syncer_external_id": ext_b.id})
    pairs = pairs_by_ids(rig.match([hub], [ext_a, ext_b], look_up=False))
    assert (hub.id, ext_b.id) in pairs and (hub.id, ext_a.id) not in pairs
    assert pairs[(hub.id, ext_b.id)].link is None
    assert pairs[(hub.id, ext_b.id)].hubspot.carried_id == ext_b.id  # type: ignore[union-attr]


@pytest.mark.parametrize("look_up", [True, False], ids=["sync", "migrate"])
def test_a_key_held_by_a_record_paired_by_carried_id_is_taken(rig: Rig, look_up: bool) -> None:
    ext_a = rig.ext.put({"email": "ann@example.com"})
    ext_b = rig.ext.put({"email": "bob@example.com"})
    hub = rig.hub.put({"email": "ann@example.com", "syncer_external_id": ext_b.id})
    matched = rig.match([hub], [ext_a, ext_b], look_up=look_up)
    assert [ids(p) for p in matched.pairs] == [(hub.id, ext_b.id)]
    assert rejections(matched) == [(Side.EXTERNAL, ext_a.id, "DUPLICATE_MATCH_KEY")]


def test_a_match_key_pairs_records_of_this_run_whatever_the_spelling(rig: Rig) -> None:
    hub = rig.hub.put({"email": "  Ann@Example.COM "})
    ext = rig.ext.put({"email": "ann@example.com"})
    [pair] = rig.match([hub], [ext], look_up=False).pairs
    assert ids(pair) == (hub.id, ext.id)
    assert pair.link is None and pair.match_key == "ann@example.com"


def test_records_without_a_counterpart_stay_alone(rig: Rig) -> None:
    hub = rig.hub.put({"email": "ann@example.com"})
    ext = rig.ext.put({"email": None, "first_name": "No email"})
    pairs = pairs_by_ids(rig.match([hub], [ext]))
    assert set(pairs) == {(hub.id, None), (None, ext.id)}
    assert pairs[(None, ext.id)].match_key is None


@pytest.mark.parametrize("side", list(Side))
def test_an_incremental_run_looks_the_key_up_on_the_other_side(rig: Rig, side: Side) -> None:
    hub = rig.hub.put({"email": "ann@example.com", "firstname": "Ann"})
    ext = rig.ext.put({"email": "ANN@example.com", "first_name": "Ann"})
    changed = ([hub], []) if side is Side.HUBSPOT else ([], [ext])
    [pair] = rig.match(*changed).pairs
    assert ids(pair) == (hub.id, ext.id)
    assert pair.version(side.other) is not None
    assert pair.version(side.other).values["firstname"] == "Ann"  # type: ignore[union-attr]


def test_a_migration_does_not_look_up_the_other_side(rig: Rig) -> None:
    hub = rig.hub.put({"email": "ann@example.com"})
    rig.ext.put({"email": "ann@example.com"})
    calls = rig.ext.counter.calls
    [pair] = rig.match([hub], [], look_up=False).pairs
    assert ids(pair) == (hub.id, None)
    assert rig.ext.counter.calls == calls


def test_a_look_up_ignores_archived_records(rig: Rig) -> None:
    hub = rig.hub.put({"email": "ann@example.com"})
    ext = rig.ext.put({"email": "ann@example.com"})
    rig.ext.remove(ext.id)
    [pair] = rig.match([hub], []).pairs
    assert ids(pair) == (hub.id, None)


# -- what is refused -------------------------------------------------------------------------


def test_two_records_of_one_side_with_one_key_keep_the_oldest(rig: Rig) -> None:
    # Ids compare as numbers: "9" is older than "10".
    first = Record("9", {"email": "dup@example.com"})
    second = Record("10", {"email": " DUP@example.com"})
    matched = rig.match([], [second, first], look_up=False)
    assert rejections(matched) == [(Side.EXTERNAL, "10", "DUPLICATE_MATCH_KEY")]
    assert "record 9" in matched.rejected[0].message
    assert [ids(p) for p in matched.pairs] == [(None, "9")]


def test_a_key_already_held_by_a_link_is_refused(rig: Rig) -> None:
    rig.link("h-1", "e-1", "ann@example.com")
    newcomer = rig.ext.put({"email": "Ann@example.com"})
    matched = rig.match([], [newcomer])
    assert rejections(matched) == [(Side.EXTERNAL, newcomer.id, "DUPLICATE_MATCH_KEY")]
    assert "h-1/e-1" in matched.rejected[0].message
    assert matched.pairs == []


def test_a_look_up_that_finds_an_already_linked_record_is_refused(rig: Rig) -> None:
    hub = rig.hub.put({"email": "bob@example.com"})  # linked to e-1, since renamed to bob
    rig.link(hub.id, "e-1", "ann@example.com")
    newcomer = rig.ext.put({"email": "bob@example.com"})
    matched = rig.match([], [newcomer])
    assert rejections(matched) == [(Side.EXTERNAL, newcomer.id, "DUPLICATE_MATCH_KEY")]
    assert "already linked" in matched.rejected[0].message
    assert matched.pairs == []


def test_a_record_with_an_invalid_value_is_refused_and_the_rest_pair(rig: Rig) -> None:
    bad = rig.ext.put({"email": "bad@example.com", "score": "twelve"})
    good = rig.ext.put({"email": "ok@example.com", "score": "12.50"})
    hub = rig.hub.put({"email": "ok@example.com", "score": "12.5"})
    matched = rig.match([hub], [bad, good])
    assert rejections(matched) == [(Side.EXTERNAL, bad.id, "INVALID_VALUE")]
    [rejected] = matched.rejected
    assert "'score'" in rejected.message and "'twelve'" in rejected.message
    assert rejected.operation == "read"
    [pair] = matched.pairs
    assert ids(pair) == (hub.id, good.id)
    assert pair.external is not None and pair.external.values["score"] == "12.5"


@pytest.mark.parametrize(
    "look_up",
    [
        pytest.param(True, id="sync"),
        pytest.param(False, id="migrate"),
    ],
)
def test_a_key_a_linked_record_just_took_is_taken(rig: Rig, look_up: bool) -> None:
    twin = rig.ext.put({"email": None})
    hub = rig.hub.put({"email": "ann@example.com"})  # had no email when it was linked
    rig.link(hub.id, twin.id, None)
    newcomer = rig.ext.put({"email": "ann@example.com"})
    matched = rig.match([hub], [newcomer], look_up=look_up)
    assert [ids(p) for p in matched.pairs] == [(hub.id, None)]
    assert rejections(matched) == [(Side.EXTERNAL, newcomer.id, "DUPLICATE_MATCH_KEY")]


@pytest.mark.parametrize("look_up", [True, False], ids=["sync", "migrate"])
def test_an_archived_record_is_not_paired_by_its_key(rig: Rig, look_up: bool) -> None:
    hub = rig.hub.put({"email": "bob@example.com"})
    rig.hub.remove(hub.id)
    ext = rig.ext.put({"email": "bob@example.com"})
    pairs = pairs_by_ids(rig.match([rig.hub.rows[hub.id]], [ext], look_up=look_up))
    assert (hub.id, ext.id) not in pairs
    assert (None, ext.id) in pairs  # left to be created
