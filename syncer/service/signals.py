"""SIGTERM and SIGINT as a request to stop, not a kill.

Containers get SIGTERM some seconds before SIGKILL. Turned into an event, it ends a run at its
next chunk boundary with everything it sent recorded and its cursors unmoved; the daemon then
starts no other pass and exits 0. A second signal while stopping interrupts at once (a crash
the next run recovers from by its intents), for an operator who will not wait.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from syncer.http import waits
from syncer.logs import get_logger

log = get_logger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stopped_by_signals() -> Iterator[threading.Event]:
    """An event the signals set; the previous handlers come back afterwards. Handlers can only
    be installed from the main thread: elsewhere the event is returned and never set."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        log.info("stopping at the next chunk boundary", signal=signal.Signals(signum).name)
        stop.set()
        waits.stop_waiting()  # a wait for HubSpot's rate limit ends now, not at its end

    previous = {number: signal.signal(number, on_signal) for number in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        waits.resume_waiting()
