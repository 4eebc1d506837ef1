"""Shared fixtures: server-backed database URLs.

PostgreSQL and MariaDB tests read SYNCER_TEST_POSTGRES_URL / SYNCER_TEST_MYSQL_URL. In CI
(CI=true) a missing or unreachable server is a failure; on a laptop the tests skip with a reason.

Property-based tests are derandomised everywhere (the same examples on every run, no example
database), so CI never fails at random; a failure one of them finds is kept as an explicit
`@example`. Set HYPOTHESIS_PROFILE=explore on a laptop to search afresh.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

settings.register_profile("derandomised", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "derandomised"))


def _server_url(var: str) -> str:
    url = os.environ.get(var)
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    if not url:
        if in_ci:
            pytest.fail(f"{var} is not set, and CI must run the server-backed tests")
        pytest.skip(f"{var} is not set: no server to test against")
    try:
        with sa.create_engine(url).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        if in_ci:
            pytest.fail(f"{var} points at an unreachable server: {exc}")
        pytest.skip(f"{var} server unreachable: {exc}")
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return _server_url("SYNCER_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def mysql_url() -> str:
    return _server_url("SYNCER_TEST_MYSQL_URL")


@pytest.fixture
def unique_name() -> str:
    """A table-name-safe unique suffix, so tests sharing one server database never collide."""
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def sql_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A SQLAlchemy URL for each backend the SQL connector supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sql')}/crm.db"
    elif request.param == "postgres":
        yield request.getfixturevalue("postgres_url")
    else:
        yield request.getfixturevalue("mysql_url")


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path, unique_name: str) -> Iterator[str]:
    """A ledger database on each supported backend; on PostgreSQL, a schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/ledger.db"
        return
    server = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(server)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{unique_name}"'))
    separator = "&" if "?" in server else "?"
    yield f"{server}{separator}options=-csearch_path%3D{unique_name}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{unique_name}" CASCADE'))
    engine.dispose()
