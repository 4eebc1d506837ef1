"""What the daemon writes at the default level: one line per pass, the scheduler kept quiet."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from syncer.commands import scheduled_pass
from syncer.logs import configure_logging
from syncer.service.daemon import Passes, serve
from syncer.settings import load_settings
from tests.integration.harness import deployment, seed

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The log stream at the daemon's default level (info, JSON as off a TTY)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "apscheduler")}
    stream = io.StringIO()
    configure_logging(level="info", stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)
    structlog.reset_defaults()


def events(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_pass_writes_one_info_line(
    tmp_path: Path, sql_url: str, unique_name: str, log_lines: io.StringIO
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=3, sql_count=3, shared=1)
        passes = Passes(scheduled_pass(load_settings(dep.config, os.environ)))
        log_lines.truncate(0)
        log_lines.seek(0)
        passes.run_once("contacts")  # writes: creates on both sides
        passes.run_once("contacts")  # nothing left to do
    lines = events(log_lines)
    assert [line["event"] for line in lines] == ["run finished", "run finished"], lines
    assert all(line["level"] == "info" and line["pipeline"] == "contacts" for line in lines)
    assert lines[0]["status"] == "ok"


def test_the_scheduler_says_nothing_below_warning(
    tmp_path: Path, sql_url: str, unique_name: str, log_lines: io.StringIO
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        settings = load_settings(dep.config, os.environ)
        stop = threading.Event()
        passes_run: list[str] = []

        def run_pass(pipeline: str) -> list[object]:
            passes_run.append(pipeline)
            stop.set()  # one firing is enough to hear what the scheduler says about it
            return []

        serve(settings.pipelines, stop, run_pass)  # type: ignore[arg-type]
    assert passes_run == ["contacts"]
    loggers = {str(line.get("logger")) for line in events(log_lines)}
    assert not any(name.startswith("apscheduler") for name in loggers), loggers
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
