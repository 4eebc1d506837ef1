"""Unique keys are compared as their side compares them, never with the email rules for all.

A side that treats ids as case-sensitive (Salesforce's) holds `sf1` and `SF1` as two records;
folding them together would adopt neither (two holders) or link two writes to one record.
"""

from __future__ import annotations

from syncer.connectors.memory import MemoryConnector
from syncer.engine.duplicates import adopt_duplicates, records_holding
from syncer.records import FieldType, Write

TYPES = {"email": FieldType.TEXT, "external_id": FieldType.TEXT}


def crm(exact_keys: frozenset[str]) -> MemoryConnector:
    side = MemoryConnector(TYPES, insert_only=True, exact_keys=exact_keys)
    side.put({"email": "ann@example.com", "external_id": "sf1"})
    side.put({"email": "bob@example.com", "external_id": "SF1"})
    return side


def create(key: str, value: str) -> Write:
    return Write(key, {"external_id": value}, unique_property="external_id", unique_value=value)


def test_ids_differing_only_in_case_are_two_keys_on_a_side_that_keeps_case() -> None:
    side = crm(frozenset({"external_id"}))
    found = records_holding(side, "external_id", ["sf1", "SF1"])
    assert found == {"sf1": ["1"], "SF1": ["2"]}


def test_each_refused_create_is_adopted_by_the_record_holding_its_own_id() -> None:
    side = crm(frozenset({"external_id"}))
    writes = [create("a", "sf1"), create("b", "SF1")]
    refused = side.write(writes)
    assert all(r.rejection is not None for r in refused)  # both ids are held already
    adopted = adopt_duplicates(side, writes, refused)
    assert [(r.key, r.id, r.ok, r.created) for r in adopted] == [
        ("a", "1", True, False),
        ("b", "2", True, False),
    ]


def test_a_side_that_folds_case_holds_one_key_for_both_spellings() -> None:
    side = crm(frozenset())
    found = records_holding(side, "external_id", ["sf1"])
    assert found == {"sf1": ["1", "2"]}  # two holders of one key: neither is adopted
    writes = [create("a", "SF1")]
    assert adopt_duplicates(side, writes, side.write(writes))[0].rejection is not None


def test_emails_compare_whatever_their_case_and_surrounding_space() -> None:
    side = crm(frozenset({"external_id"}))
    assert side.normalise_key("email", " Ann@Example.COM") == "ann@example.com"
    assert records_holding(side, "email", ["ANN@example.com"]) == {"ann@example.com": ["1"]}
