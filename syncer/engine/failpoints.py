"""Named crash points, armed from the environment at start-up, for crash tests.

`SYNCER_FAILPOINT=after_remote_accept` (or `name:N`, to crash at the N-th hit) makes the process
exit at once with status 137, as if killed, at that point in the engine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

_armed: dict[str, int] = {}

POINTS = ("after_intents", "after_remote_accept", "before_ledger_commit", "mid_collect")


def arm_from_env(env: Mapping[str, str]) -> None:
    spec = env.get("SYNCER_FAILPOINT", "")
    if not spec:
        return
    name, _, count = spec.partition(":")
    if name not in POINTS:
        raise ValueError(f"SYNCER_FAILPOINT: unknown point {name!r}; expected one of {POINTS}")
    _armed[name] = int(count or 1)


def hit(name: str) -> None:
    remaining = _armed.get(name)
    if remaining is None:
        return
    if remaining <= 1:
        os._exit(137)
    _armed[name] = remaining - 1
