"""Benchmark 9: process start-up to the first request, `syncer migrate` as a user runs it.

A listener on loopback stands in for HubSpot and notes when the first request's head arrives;
the child's CPU seconds (user + system) at that moment come from /proc/PID/stat, so the figure
that the target is about can be told apart from a busy machine's waiting. The listener answers
nothing: the child is killed once the first request is in. Repeated `--runs` times; the median
is the figure. Target: <= 0.5 s on an idle machine (the wall time), the CPU seconds reported
beside it. The syncer's modules are compiled to bytecode first, as the image's are.

    python -m bench.startup [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.deploy import deployment, seed_sql
from bench.procs import REPO, Sandbox, compile_syncer
from bench.results import show, verdict

TARGET_SECONDS = 0.5
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a running process (fields 14 and 15 of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass(frozen=True, slots=True)
class FirstRequest:
    wall: float  # seconds from starting the child to its first request's head
    cpu: float  # the child's CPU seconds then
    request_line: str  # what it asked first ("GET /crm/v3/... HTTP/1.1")


def migrate_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "syncer", "migrate", "-c", str(config)]


def first_request(command: Sequence[str], listener: socket.socket) -> FirstRequest:
    """Start `command` and time it to its first request on `listener`, then kill it."""
    drain_backlog(listener)  # the previous child's other connections are not this one's
    environment = {**os.environ, "SYNCER_LOG_LEVEL": "warning"}
    start = time.perf_counter()
    child = subprocess.Popen(
        list(command),
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        head = request_head(listener)
        wall = time.perf_counter() - start
        cpu = cpu_seconds(child.pid)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    return FirstRequest(wall, cpu, head.split(b"\r\n", 1)[0].decode("latin-1"))


def request_head(listener: socket.socket) -> bytes:
    """The head of the first request on the next connection `listener` accepts."""
    listener.settimeout(60)
    connection, _ = listener.accept()
    with connection:
        connection.settimeout(60)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = connection.recv(65536)
            if not chunk:
                raise RuntimeError("the syncer closed its connection before a request")
            head += chunk
    return head


def drain_backlog(listener: socket.socket) -> int:
    """Close every connection already queued on `listener`; how many there were. A child opens
    several connections at once (its set-up calls go concurrently) and is killed after the
    first request: the others stay queued, head and all, and the next run's accept would take
    one as its own child's first request at once (the 0.000 s minimum it used to report)."""
    listener.setblocking(False)
    drained = 0
    try:
        while True:
            try:
                connection, _ = listener.accept()
            except BlockingIOError:
                return drained
            connection.close()
            drained += 1
    finally:
        listener.setblocking(True)


def run(runs: int = 7) -> dict[str, Any]:
    compile_syncer()  # the image's bytecode (see compile_syncer)
    with (
        tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp,
        socket.create_server(("127.0.0.1", 0)) as listener,
    ):
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        stand_in = Sandbox(url, process=None)  # type: ignore[arg-type]  # only its url is used
        with deployment(Path(tmp), stand_in, burst_limit=100) as dep:
            seed_sql(dep, 10)
            command = migrate_command(dep.config)
            measured = [first_request(command, listener) for _ in range(runs)]
    walls, cpus = [m.wall for m in measured], [m.cpu for m in measured]
    figures: dict[str, Any] = {
        "runs": runs,
        "seconds_median": statistics.median(walls),
        "seconds_min": min(walls),
        "seconds_max": max(walls),
        "cpu_seconds_median": statistics.median(cpus),
        "load_average_1m": os.getloadavg()[0],
    }
    show("9 start-up to the first request", figures)
    figures["verdict"] = verdict(
        "9 start-up",
        figures["seconds_median"] <= TARGET_SECONDS,
        f"{figures['seconds_median']:.3f} s to the first request, median of {runs} "
        f"({figures['cpu_seconds_median']:.3f} CPU s; target <= {TARGET_SECONDS} s)",
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    run(parser.parse_args().runs)


if __name__ == "__main__":
    main()
