"""`create_in`: the sides a pipeline may create unmatched records on, within its direction."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.records import Side
from syncer.settings import load_settings
from syncer.settings_pipeline import PipelineSettings

HUB, EXT = Side.HUBSPOT, Side.EXTERNAL


def pipeline(**keys: object) -> PipelineSettings:
    return PipelineSettings.model_validate(
        {"name": "contacts", "external_object": "customers", **keys}
    )


@pytest.mark.parametrize(
    ("keys", "sides"),
    [
        ({}, {HUB, EXT}),
        ({"direction": "to_hubspot"}, {HUB}),
        ({"direction": "to_external"}, {EXT}),
        ({"create_in": ["hubspot"]}, {HUB}),
        ({"create_in": ["external"]}, {EXT}),
        ({"create_in": ["hubspot", "external"]}, {HUB, EXT}),
        ({"create_in": ["hubspot"], "direction": "to_hubspot"}, {HUB}),
    ],
)
def test_creates_go_to_create_in_else_where_direction_writes(
    keys: dict[str, object], sides: set[Side]
) -> None:
    assert pipeline(**keys).creates_to() == sides


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"create_in": []}, "create_in names no side"),
        ({"create_in": ["salesforce"]}, "create_in.0"),
        (
            {"create_in": ["external"], "direction": "to_hubspot"},
            'create_in names "external", which direction = "to_hubspot" never writes to',
        ),
    ],
)
def test_create_in_outside_the_direction_is_refused(keys: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pipeline(**keys)


def test_create_in_is_read_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "syncer.toml"
    path.write_text(
        '[external]\nurl = "sqlite:///legacy.db"\n\n[[pipelines]]\nname = "contacts"\n'
        'external_object = "customers"\ncreate_in = ["hubspot"]\n',
        encoding="utf-8",
    )
    [contacts] = load_settings(path, env={}).pipelines
    assert contacts.creates_to() == {HUB}
