"""`stamp_external_id = false`: only for a one-way extraction that has a match key."""

from __future__ import annotations

import pytest

from syncer.settings_pipeline import PipelineSettings

EMAIL = {"hubspot": "email", "external": "email"}


def pipeline(**keys: object) -> PipelineSettings:
    return PipelineSettings.model_validate(
        {"name": "contacts", "external_object": "customers", **keys}
    )


def test_stamping_is_the_default_and_may_be_turned_off_for_an_extraction_with_a_match_key() -> None:
    assert pipeline().stamp_external_id
    off = pipeline(direction="to_external", match=EMAIL, stamp_external_id=False)
    assert not off.stamp_external_id


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"match": EMAIL}, 'needs direction = "to_external"'),
        ({"match": EMAIL, "direction": "to_hubspot"}, 'needs direction = "to_external"'),
        ({"direction": "to_external"}, "needs a match rule"),
    ],
)
def test_turning_stamps_off_where_they_keep_records_paired_is_refused(
    keys: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        pipeline(stamp_external_id=False, **keys)
