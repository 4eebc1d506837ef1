"""Data at rest (hardening issue, item 6): the ledger and every temporary file the syncer writes
are its own user's only (0600, a directory 0700), and a spool a killed process left behind is
removed by the next one."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncer.engine.spool import Spool, remove_stale_spools
from syncer.ledger.store import Ledger
from syncer.mapping.compile import compile_mapping
from syncer.records import Record, Side
from tests.engine.conftest import World

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The common default umask (022), under which a plain create is world-readable."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def own_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def _dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


def test_issue6_the_sqlite_ledger_is_created_owner_only(
    tmp_path: Path, permissive_umask: None
) -> None:
    path = tmp_path / "ledger.db"
    ledger = Ledger.open(f"sqlite:///{path}")
    try:
        assert ledger.link_count("contacts") == 0  # opened, migrated, written
        assert _mode(path) == 0o600
        for companion in tmp_path.glob("ledger.db-*"):  # the WAL and its index
            assert _mode(companion) == 0o600, companion.name
    finally:
        ledger.close()


def test_issue6_an_existing_ledger_keeps_the_mode_its_operator_chose(
    tmp_path: Path, permissive_umask: None
) -> None:
    path = tmp_path / "ledger.db"
    Ledger.open(f"sqlite:///{path}").close()
    path.chmod(0o640)
    Ledger.open(f"sqlite:///{path}").close()
    assert _mode(path) == 0o640


def test_issue6_the_spool_is_owner_only(
    world: World, own_tempdir: Path, permissive_umask: None
) -> None:
    fieldmap = compile_mapping(world.pipeline, world.hub.field_types(), world.ext.field_types())
    spool = Spool(fieldmap, Side.EXTERNAL, None)
    try:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        spool.add([Record("e1", {"email": "a@x.com", "first_name": "Ada"}, at)])
        [directory] = own_tempdir.iterdir()
        assert _mode(directory) == 0o700
        files = list(directory.iterdir())
        assert files
        assert all(_mode(f) == 0o600 for f in files), [(f.name, oct(_mode(f))) for f in files]
    finally:
        spool.close()
    assert list(own_tempdir.iterdir()) == []


def test_issue6_a_spool_left_by_a_dead_process_is_removed_at_start(
    world: World, own_tempdir: Path
) -> None:
    dead = own_tempdir / f"syncer-spool-{_dead_pid()}-external-abc123"
    dead.mkdir()
    (dead / "spool.db").write_text("emails and names")
    alive = own_tempdir / f"syncer-spool-{os.getppid()}-external-def456"
    alive.mkdir()
    unrelated = own_tempdir / "syncer-spool-notapid"
    unrelated.mkdir()
    fieldmap = compile_mapping(world.pipeline, world.hub.field_types(), world.ext.field_types())
    spool = Spool(fieldmap, Side.EXTERNAL, None)
    try:
        assert not dead.exists()
        assert alive.exists() and unrelated.exists()
    finally:
        spool.close()


def test_issue6_removing_stale_spools_names_what_it_removed(own_tempdir: Path) -> None:
    dead = own_tempdir / f"syncer-spool-{_dead_pid()}-hubspot-x"
    dead.mkdir()
    own = own_tempdir / f"syncer-spool-{os.getpid()}-hubspot-y"
    own.mkdir()
    assert remove_stale_spools(own_tempdir) == [dead]
    assert own.exists()
