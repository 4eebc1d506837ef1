"""Processes under measurement: the HubSpot sandbox (its own process, over loopback HTTP) and
`syncer` commands, whose CPU seconds and peak RSS come from the kernel (`wait4` rusage)."""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

TOKEN = "pat-na1-bench-00000000-0000-0000-0000-000000000000"
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Sandbox:
    url: str
    process: subprocess.Popen[bytes]

    def admin(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120)

    def stats(self) -> dict[str, int]:
        with self.admin() as client:
            response = client.get("/_sandbox/stats")
            response.raise_for_status()
            stats: dict[str, int] = response.json()
            return stats

    def trace(self) -> list[dict[str, Any]]:
        """The API requests the sandbox served (its `/_sandbox/trace`), oldest first."""
        with self.admin() as client:
            response = client.get("/_sandbox/trace")
            response.raise_for_status()
            entries: list[dict[str, Any]] = response.json()["results"]
            return entries

    def reset_stats(self) -> None:
        with self.admin() as client:
            client.post("/_sandbox/stats/reset").raise_for_status()

    def set_limits(self, **limits: int) -> None:
        """New burst, daily and search limits or latency (0 = none); its rate windows restart
        empty, so requests made before (seeding) count against nothing."""
        with self.admin() as client:
            client.post("/_sandbox/limits", json=limits).raise_for_status()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def sandbox(
    *, burst_limit: int = 0, latency_ms: int = 0, daily_limit: int = 0, search_per_second: int = 0
) -> Iterator[Sandbox]:
    """`python -m syncer sandbox hubspot` in its own process; 0 means unlimited."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "syncer",
        "sandbox",
        "hubspot",
        "--port",
        str(port),
        "--token",
        TOKEN,
        "--burst-limit",
        str(burst_limit),
        "--latency-ms",
        str(latency_ms),
        "--daily-limit",
        str(daily_limit),
        "--search-per-second",
        str(search_per_second),
    ]
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process)
        yield Sandbox(f"http://127.0.0.1:{port}", process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sandbox did not listen on port {port} within 30 s")


@dataclass
class Measured:
    """One `syncer` command: wall seconds, CPU seconds, peak RSS, what its report printed."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    exit_code: int
    report: dict[str, Any]
    output: str
    started_at: float = 0.0  # wall time (time.time()) the process was started, for traces


def compile_syncer() -> None:
    """Compile the syncer's modules to bytecode, as the image does (`compileall` in the
    Dockerfile). Where PYTHONDONTWRITEBYTECODE is set (this machine, the image) nothing else
    writes it, and every `python -m syncer` of a source checkout compiled its ~200 modules
    anew: about 0.2 CPU s of each start that a deployment never pays. Cheap once done."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "syncer")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def run_syncer(
    *args: str, env: dict[str, str] | None = None, profile: Path | None = None
) -> Measured:
    """Run `python -m syncer ARGS` and measure it; with `profile`, under pyinstrument."""
    compile_syncer()
    launcher = [sys.executable]
    if profile is not None:
        launcher += ["-m", "pyinstrument", "-r", "text", "-o", str(profile), "-m"]
    else:
        launcher += ["-m", "bench.peak"]  # the child's own peak memory (see bench/peak.py)
    with tempfile.NamedTemporaryFile(prefix="bench-peak-", delete=False) as peak_file:
        peak_path = Path(peak_file.name)
    environment = {
        **os.environ,
        "SYNCER_LOG_LEVEL": "warning",
        "BENCH_PEAK_FILE": str(peak_path),
        **(env or {}),
    }
    start, started_at = time.perf_counter(), time.time()
    process = subprocess.Popen(
        [*launcher, "syncer", *args],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    peak_kib = int(peak_path.read_text() or 0) if peak_path.exists() else 0
    peak_path.unlink(missing_ok=True)
    return Measured(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=(peak_kib or usage.ru_maxrss) / 1024,
        exit_code=process.returncode,
        report=parse_report(output),
        output=output,
        started_at=started_at,
    )


_LINES = {
    "read": r"read\s+(\d+) from HubSpot,\s+(\d+) external",
    "created": r"created\s+(\d+) in HubSpot,\s+(\d+) external",
    "updated": r"updated\s+(\d+) in HubSpot,\s+(\d+) external",
    "archived": r"archived\s+(\d+) in HubSpot,\s+(\d+) external",
    "api_calls": r"API calls\s+(\d+) HubSpot,\s+(\d+) external",
}


def parse_report(output: str) -> dict[str, Any]:
    """The figures of the run report `syncer migrate|sync` prints."""
    report: dict[str, Any] = {}
    for name, pattern in _LINES.items():
        found = re.search(pattern, output)
        if found:
            report[name] = {"hubspot": int(found[1]), "external": int(found[2])}
    status = re.search(r"^(?:migrate|sync) \S+: (\S+) in ([\d.]+) s", output, re.M)
    if status:
        report["status"], report["seconds"] = status[1], float(status[2])
    return report


def sized_run_args(doc: str | None, *, profiled: str) -> argparse.Namespace:
    """The command line shared by the 100,000-contact benchmarks."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--ledger", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help=f"write a pyinstrument text profile of the {profiled} here",
    )
    return parser.parse_args()
