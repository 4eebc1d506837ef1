"""Relations in the config: pipelines run after those their records point at; an association to
an unknown pipeline, a cycle, or an owner field without [owners] is refused at load."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from syncer.relations import association_fields, run_order
from syncer.settings import Settings

SQL = {"kind": "sql", "url": "sqlite:///x.db"}


def pipeline(name: str, *points_at: str, **extra: Any) -> dict[str, Any]:
    associations = [{"to": to, "external": f"{to}_id"} for to in points_at]
    return {"name": name, "external_object": name, "associations": associations, **extra}


def test_pipelines_run_after_those_they_point_at() -> None:
    settings = Settings(
        external=SQL,
        pipelines=[
            pipeline("notes", "contacts"),
            pipeline("contacts", "companies"),
            pipeline("deals", "companies"),
            pipeline("companies"),
        ],
    )
    order = [p.name for p in settings.pipelines_in_order()]
    assert order == ["companies", "contacts", "notes", "deals"]


def test_a_record_pointing_at_its_own_kind_orders_nothing() -> None:
    assert run_order(["companies"], {"companies": ["companies"]}) == ["companies"]


@pytest.mark.parametrize(
    ("pipelines", "expected"),
    [
        (
            [pipeline("a", "b"), pipeline("b", "c"), pipeline("c", "a")],
            "associations form a cycle: a -> b -> c -> a",
        ),
        ([pipeline("a", "nowhere")], "pipelines.a.associations: no pipeline is named 'nowhere'"),
        (
            [pipeline("a", fields={"hubspot_owner_id": {"external": "rep", "owner": True}})],
            "pipelines.a.fields.hubspot_owner_id: owner = true needs an [owners] section",
        ),
        (
            [
                pipeline("lines", sql={"primary_key": ["order_no", "line_no"]}),
                pipeline("shipments", "lines"),
            ],
            "pipelines.shipments.associations[0].external: 1 of 2 columns named for the key of "
            "pipeline 'lines': order_no, line_no",
        ),
    ],
)
def test_bad_relations_are_refused_by_name(pipelines: list[dict[str, Any]], expected: str) -> None:
    with pytest.raises(ValidationError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        Settings(external=SQL, pipelines=pipelines)


def test_a_join_table_is_an_association_field_of_its_first_pipeline() -> None:
    settings = Settings(
        external=SQL,
        pipelines=[pipeline("contacts"), pipeline("companies", hubspot_object="companies")],
        associations=[
            {
                "between": ["contacts", "companies"],
                "table": "contact_companies",
                "columns": ["contact_id", "company_id"],
                "label": "Employee",
            }
        ],
    )
    contacts, companies = settings.pipelines
    (field,) = association_fields(settings, contacts)
    assert field.name == "@companies:Employee"
    assert field.join is not None and field.join.to_column == "company_id"
    assert field.many
    assert association_fields(settings, companies) == []


def test_a_join_table_between_composite_keys_is_refused_by_name() -> None:
    lines = pipeline("lines", sql={"primary_key": ["order_no", "line_no"]})
    join = {"between": ["tags", "lines"], "table": "line_tags", "columns": ["tag_id", "line"]}
    with pytest.raises(ValidationError, match=r"associations\[0\]\.columns: .* 'lines' has 2"):
        Settings(external=SQL, pipelines=[pipeline("tags"), lines], associations=[join])
