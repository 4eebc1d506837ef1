"""A run paces the cycle collector and gives the old pace back, even when it fails."""

from __future__ import annotations

import gc

import pytest

from syncer.engine.collector_pacing import RUN_THRESHOLDS, fewer_collections


def test_thresholds_are_raised_for_the_run_and_restored_after_a_failure() -> None:
    before = gc.get_threshold()
    assert before != RUN_THRESHOLDS
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == RUN_THRESHOLDS
        raise RuntimeError("the run failed")
    assert gc.get_threshold() == before
