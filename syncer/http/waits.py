"""Waits a stop cuts short: the rate budgets' and the retry back-off's sleeps.

A stop asked for (SIGTERM, Ctrl-C) ends a run at its next chunk boundary, or between two pages
of a listing; but a thread waiting out HubSpot's rate limit (up to a 10-second window, or a
Retry-After) used to sleep to the end of the wait first. `sleep` here wakes at once when the
process is asked to stop and raises RunStopped before the request it was waiting for is sent:
nothing half-sent, and what the run sent but did not record is resolved by the next run (its
intents), as after any interruption. service/signals.py says when the process is stopping.
"""

from __future__ import annotations

import threading

from syncer.errors import RunStopped

_stopping = threading.Event()


def stop_waiting() -> None:
    """The process is stopping: every wait ends now, and no new one begins."""
    _stopping.set()


def resume_waiting() -> None:
    """The stop was dealt with (the signal handlers are gone): waits run their course again."""
    _stopping.clear()


def sleep(seconds: float) -> None:
    """Like time.sleep, unless the process is stopping: then RunStopped, at once."""
    if _stopping.wait(max(seconds, 0.0)):
        raise RunStopped("stopped while waiting for HubSpot's rate limit; the request was not sent")
