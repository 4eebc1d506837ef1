"""Named crash points, armed from the environment at start-up, for crash and fault tests.

`SYNCER_FAILPOINT=after_remote_accept` (or `name:N`, to act at the N-th hit) makes the process
exit at once with status 137, as if killed, at that point in the engine.

`name:stop` (or `name:N:stop`) makes the process SIGSTOP itself there instead, as if an
operator or the kernel paused it: the test sees the stop (waitpid with WUNTRACED), does what
it needs while the process holds its place (let its lease expire, start a rival), then sends
SIGCONT. A pause that the test ends, rather than a sleep, keeps the timing deterministic.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping

POINTS = (
    "after_intents",
    "after_key_clears",
    "after_remote_accept",
    "before_ledger_commit",
    "before_cursor_commit",
    "mid_collect",
)
ACTIONS = ("exit", "stop")

_armed: dict[str, tuple[int, str]] = {}  # point -> (hits left, action)


def arm_from_env(env: Mapping[str, str]) -> None:
    spec = env.get("SYNCER_FAILPOINT", "")
    if not spec:
        return
    name, *rest = spec.split(":")
    action = rest.pop() if rest and rest[-1] in ACTIONS else "exit"
    if name not in POINTS:
        raise ValueError(f"SYNCER_FAILPOINT: unknown point {name!r}; expected one of {POINTS}")
    if len(rest) > 1 or (rest and not rest[0].isdigit()):
        raise ValueError(f"SYNCER_FAILPOINT: expected name[:N][:{'|'.join(ACTIONS)}], got {spec!r}")
    _armed[name] = (int(rest[0]) if rest else 1, action)


def hit(name: str) -> None:
    armed = _armed.get(name)
    if armed is None:
        return
    remaining, action = armed
    if remaining > 1:
        _armed[name] = (remaining - 1, action)
        return
    del _armed[name]  # a stopped process, once continued, goes on past the point
    if action == "stop":
        os.kill(os.getpid(), signal.SIGSTOP)
    else:
        os._exit(137)
