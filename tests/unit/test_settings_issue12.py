"""The configuration keys issue 12 added: `[ledger] conflict_retention`, a pipeline's
`first_link`, a field's `default` and `unmapped`; each refused with its key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.errors import ConfigError
from syncer.policies import ConflictPolicy, Unmapped
from syncer.settings import load_settings
from tests.unit.test_settings import EXAMPLE, pipeline_config, write


def test_the_example_sets_them_all() -> None:
    env = {"SYNCER_HUBSPOT__TOKEN": "pat-na1-example", "SYNCER_EXTERNAL__PASSWORD": "crm-pass"}
    settings = load_settings(EXAMPLE, env=env)
    assert settings.ledger.conflict_retention == "30d"
    [pipeline] = settings.pipelines
    assert pipeline.first_link is ConflictPolicy.NEWEST
    assert pipeline.fields["lifecyclestage"].unmapped is Unmapped.QUARANTINE


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('[ledger]\nconflict_retention = "a month"\n', "ledger.conflict_retention", "<n>d"),
        (pipeline_config(first_link="oldest"), "pipelines[0].first_link", "newest"),
    ],
)
def test_a_wrong_value_names_its_key(tmp_path: Path, text: str, key: str, expected: str) -> None:
    if not text.startswith("[ledger]"):
        path = write(tmp_path, text)
    else:
        path = write(tmp_path, text + pipeline_config())
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert key in str(caught.value) and expected in str(caught.value), caught.value


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            '{ external = "status", values = { lead = "L" }, default = "x" }',
            "default 'x' must be one of the HubSpot values of `values` (lead)",
        ),
        (
            '{ external = "status", default = "lead", unmapped = "skip_field" }',
            "set default (what an unmapped value becomes) or unmapped, not both",
        ),
        ('{ external = "status", unmapped = "drop" }', "quarantine"),
    ],
)
def test_a_field_has_one_rule_for_unmapped_values(
    tmp_path: Path, field: str, expected: str
) -> None:
    text = pipeline_config() + f"\n[pipelines.fields]\nlifecyclestage = {field}\n"
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), env={})
    assert "pipelines[0].fields.lifecyclestage" in str(caught.value), caught.value
    assert expected in str(caught.value), caught.value
