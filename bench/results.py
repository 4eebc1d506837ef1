"""Printing figures and verdicts, and collecting them for `bench/results/latest.json`."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.procs import REPO

RESULTS = Path(__file__).resolve().parent / "results"


def verdict(name: str, met: bool, detail: str) -> str:
    line = f"VERDICT {name}: {'MET' if met else 'NOT MET'} - {detail}"
    print(line, flush=True)
    return line


def show(name: str, figures: dict[str, Any]) -> None:
    print(f"[{name}]", flush=True)
    for key, value in figures.items():
        text = f"{value:,.3f}" if isinstance(value, float) else str(value)
        print(f"  {key:<34} {text}", flush=True)


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "commit": commit + ("+dirty" if dirty else ""),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write(results: dict[str, Any], path: Path = RESULTS / "latest.json") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def merge_section(
    name: str,
    figures: dict[str, Any],
    path: Path = RESULTS / "latest.json",
    *,
    keep_inner: bool = False,
) -> Path:
    """Replace one section of the results file, keeping the others' figures; with `keep_inner`,
    replace only the entries of the section that `figures` names."""
    results = json.loads(path.read_text()) if path.exists() else {}
    kept = results.get(name, {}) if keep_inner else {}
    results[name] = {**kept, **figures}
    return write(results, path)
