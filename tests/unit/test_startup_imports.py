"""Start-up imports only what the command needs (issue 15: start-up to the first request).

Structural, not timed: each case runs the command in a fresh interpreter and reads its
`sys.modules`. `syncer --help` and `--version` load no library at all; a migration on SQLite
has, by the time its first request reaches HubSpot, loaded no other database's dialect or
driver, nor what only the daemon, the sandbox or the demo use.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

# What no command needs to print its help or version.
LIBRARIES = ("sqlalchemy", "pydantic", "pydantic_settings", "httpx", "structlog", "alembic")
# What a migration between SQLite databases does not need before its first request.
NOT_FOR_A_SQLITE_MIGRATION = (
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.mysql",
    "psycopg",
    "pymysql",
    "alembic",
    "apscheduler",
    "waitress",
    "prometheus_client",
    "syncer.service.daemon",
    "syncer.sandbox",
    "syncer.demo",
    "syncer.status_view",
)

# Runs the CLI; prints the loaded module names when it exits (or, with a port, when the first
# request reaches the listener on it, and stops the process there).
_PROBE = """
import json, os, socket, sys, threading
from syncer.cli import main

def report():
    print("MODULES=" + json.dumps(sorted(sys.modules)), flush=True)

port = int(os.environ.get("PROBE_PORT", "0"))
if port:
    listener = socket.create_server(("127.0.0.1", port))
    def first_request():
        connection, _ = listener.accept()
        head = b""
        while b"\\r\\n\\r\\n" not in head:
            head += connection.recv(65536)
        report()
        os._exit(0)
    threading.Thread(target=first_request, daemon=True).start()
try:
    main(sys.argv[1:])
finally:
    report()
"""


def loaded_modules(*argv: str, port: int = 0) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PROBE_PORT": str(port), "SYNCER_LOG_LEVEL": "warning"},
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("MODULES=")]
    assert lines, done.stdout + done.stderr
    return set(json.loads(lines[0].removeprefix("MODULES=")))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name in modules]


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["migrate", "--help"]])
def test_help_and_version_load_no_library(argv: list[str]) -> None:
    assert loaded(loaded_modules(*argv), LIBRARIES) == []


def test_a_sqlite_migration_loads_no_other_database_before_its_first_request(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:  # a free port for the stand-in HubSpot
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    legacy = tmp_path / "legacy.db"
    with sqlite3.connect(legacy) as db:
        db.execute(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT UNIQUE, "
            "first_name TEXT, updated_at TIMESTAMP NOT NULL)"
        )
    config = tmp_path / "syncer.toml"
    config.write_text(
        f"""
[ledger]
url = "sqlite:///{tmp_path / "ledger.db"}"

[hubspot]
base_url = "http://127.0.0.1:{port}"
token = "pat-na1-00000000-0000-0000-0000-000000000000"
allow_private_network = true

[external]
kind = "sql"
url = "sqlite:///{legacy}"

[[pipelines]]
name = "contacts"
external_object = "customers"
external_id_property = "legacy_id"
match = {{ hubspot = "email", external = "email" }}

[pipelines.sql]
primary_key = "id"
updated_at = "updated_at"

[pipelines.fields]
email = "email"
firstname = "first_name"
"""
    )
    modules = loaded_modules("migrate", "-c", str(config), port=port)
    assert "syncer.connectors.hubspot" in modules  # it did get as far as HubSpot
    assert loaded(modules, NOT_FOR_A_SQLITE_MIGRATION) == []
