"""A field written from two sources is refused when the settings load (hardening issue, item 1):
two mappings onto one column, a mapping onto the match key or the unique id from anything but
its twin. Every command loads the settings first, so each refuses it before touching anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.errors import ConfigError
from syncer.mapping.compile import compile_mapping
from syncer.records import FieldType
from syncer.settings import load_settings
from syncer.settings_pipeline import PipelineSettings

HEAD = """
[external]
url = "sqlite:///legacy.db"

[[pipelines]]
name = "contacts"
external_object = "customers"
external_id_property = "legacy_id"
match = { hubspot = "email", external = "email" }
"""


def load(tmp_path: Path, fields: str, pipeline: str = "") -> list[str]:
    """The problem lines of loading HEAD with `pipeline` keys and these [pipelines.fields]
    lines; [] when it loads."""
    path = tmp_path / "syncer.toml"
    path.write_text(f"{HEAD}{pipeline}\n[pipelines.fields]\n{fields}\n", encoding="utf-8")
    try:
        load_settings(path, env={})
    except ConfigError as exc:
        return str(exc).splitlines()
    return []


def test_issue1_one_column_mapped_to_two_properties_is_refused_naming_both(tmp_path: Path) -> None:
    """`lastname = "first_name"` next to `firstname = "first_name"` rewrote a contact's first
    name with its last name."""
    [line] = load(tmp_path, 'firstname = "first_name"\nlastname = "first_name"')
    assert "pipelines[0].fields.lastname: would write external field 'first_name'" in line
    assert "pipelines[0].fields.firstname writes it" in line


def test_issue1_a_field_mapped_onto_the_match_column_is_refused_naming_both(tmp_path: Path) -> None:
    """`lastname = "email"` overwrote the legacy row's email with a last name."""
    [line] = load(tmp_path, 'email = "email"\nlastname = "email"')
    assert "pipelines[0].fields.lastname: would write external field 'email'" in line
    assert "pipelines[0].match.external writes it from 'email'" in line


def test_the_match_property_written_from_another_column_is_refused(tmp_path: Path) -> None:
    [line] = load(tmp_path, 'email = { external = "alt_email", direction = "to_hubspot" }')
    assert "pipelines[0].fields.email: would write hubspot field 'email'" in line
    assert "pipelines[0].match.hubspot writes it from 'email'" in line


def test_issue1_the_unique_id_property_written_from_another_column_is_refused(
    tmp_path: Path,
) -> None:
    [line] = load(tmp_path, 'legacy_id = { external = "code", direction = "to_hubspot" }')
    assert "pipelines[0].fields.legacy_id: would write hubspot field 'legacy_id'" in line
    assert "pipelines[0].external_id_property writes it from 'id'" in line


def test_the_unique_id_property_of_a_composite_key_takes_the_joined_key_only(
    tmp_path: Path,
) -> None:
    sql = '\n[pipelines.sql]\nprimary_key = ["order_number", "line"]\n'
    [line] = load(
        tmp_path, 'legacy_id = { external = "order_number", direction = "to_hubspot" }', sql
    )
    assert "pipelines[0].fields.legacy_id: would write hubspot field 'legacy_id'" in line
    assert "pipelines[0].external_id_property writes it from 'order_number:line'" in line


def test_a_pipeline_without_match_maps_its_key_columns_freely(tmp_path: Path) -> None:
    """Without a match, rows are created from their mapped key columns."""
    path = tmp_path / "syncer.toml"
    path.write_text(
        '[external]\nurl = "sqlite:///legacy.db"\n\n[[pipelines]]\nname = "lines"\n'
        'hubspot_object = "line_items"\nexternal_object = "orderdetails"\n\n'
        '[pipelines.sql]\nprimary_key = ["orderNumber", "productCode"]\n\n'
        '[pipelines.fields]\norder_number = "orderNumber"\nhs_sku = "productCode"\n',
        encoding="utf-8",
    )
    assert load_settings(path, env={}).pipelines[0].match is None


def test_every_conflict_of_every_pipeline_is_listed(tmp_path: Path) -> None:
    lines = load(tmp_path, 'firstname = "first_name"\nlastname = "first_name"\nphone = "email"')
    assert [line.split(": ", 2)[1] for line in lines] == [
        "pipelines[0].fields.phone",
        "pipelines[0].fields.lastname",
    ]


@pytest.mark.parametrize(
    ("fields", "pipeline"),
    [
        # the twins of syncer's own writes
        ('email = "email"\nlegacy_id = "id"', ""),
        # one source copied to two targets one way: the writes never meet
        (
            'firstname = { external = "first_name", direction = "to_hubspot" }\n'
            'nickname = { external = "first_name", direction = "to_hubspot" }\n'
            'lastname = { external = "email", direction = "to_hubspot" }',
            "",
        ),
        ('firstname = "first_name"\nlastname = "first_name"', 'direction = "to_hubspot"'),
        (
            'firstname = { external = "first_name", direction = "to_external" }\n'
            'email = { external = "contact_email", direction = "to_external" }',
            "",
        ),
    ],
)
def test_one_source_to_two_targets_one_way_and_the_twins_load(
    tmp_path: Path, fields: str, pipeline: str
) -> None:
    assert load(tmp_path, fields, pipeline) == []


def test_a_one_way_copy_of_the_match_property_does_not_become_the_match_rule() -> None:
    """`email = { external = "contact_email", direction = "to_external" }` copies the email into
    a second column; the match stays on the rule's `email` column, where creates upsert."""
    pipeline = PipelineSettings.model_validate(
        {
            "name": "contacts",
            "external_object": "customers",
            "match": {"hubspot": "email", "external": "email"},
            "fields": {"email": {"external": "contact_email", "direction": "to_external"}},
        }
    )
    text = FieldType.TEXT
    external = {"email": text, "contact_email": text}
    fieldmap = compile_mapping(pipeline, {"email": text, "syncer_external_id": text}, external)
    assert fieldmap.match is not None
    assert (fieldmap.match.hubspot, fieldmap.match.external) == ("email", "email")
    assert [(f.hubspot, f.external) for f in fieldmap.fields] == [("email", "contact_email")]
