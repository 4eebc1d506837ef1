"""The daemon stops on SIGTERM even when a thread other than the main one takes the signal.

A process-directed signal goes to whichever thread the kernel picks or that unblocks it first,
and a thread being started does (glibc blocks every signal while it starts one, then unblocks
them): the daemon's passes start threads all the time. CPython then runs the Python handler only
when the main thread next runs Python code, and a main thread parked in an untimed
`Event.wait()` never does: the daemon went on with its passes and never stopped (one replica of
three in tests/faults/test_replicas.py, about one run in twenty; 22 of 40 in a bare reproduction
whose threads come and go).

The child below makes that deterministic: its main thread blocks SIGTERM, so the kernel must
hand it to the other thread, as the race does; the signal is sent once the main thread sleeps
in the kernel after the daemon started (a signal arriving earlier, while it still runs Python
code, is handled there: the test would pass without the fix, never fail with it).
"""

from __future__ import annotations

import platform
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# The futex syscall's number, where a thread parked on a lock or an event sleeps.
FUTEX = {"x86_64": "202", "aarch64": "98"}.get(platform.machine())

CHILD = """
import signal, threading, time
from syncer.service.daemon import serve
from syncer.service.signals import stopped_by_signals

# Started before the main thread blocks SIGTERM, so it keeps it unblocked: the one taker.
threading.Thread(target=lambda: time.sleep(3600), daemon=True).start()
with stopped_by_signals() as stop:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    print("ready", flush=True)
    serve([], stop, lambda pipeline: [])
print("stopped", flush=True)
"""


@pytest.mark.skipif(FUTEX is None, reason=f"no futex syscall number for {platform.machine()}")
def test_sigterm_taken_by_another_thread_still_stops_the_daemon() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        while "daemon started" not in (line := child.stdout.readline()):
            assert line, "the child ended before the daemon started"
        main = Path(f"/proc/{child.pid}/task/{child.pid}/syscall")
        while main.read_text().split()[0] != FUTEX:
            pass
        child.send_signal(signal.SIGTERM)
        # Not a timing assertion: a daemon that missed the signal never ends; this bounds it.
        out, err = child.communicate(timeout=60)
        assert (child.returncode, out.splitlines()[-1:]) == (0, ["stopped"]), err
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
