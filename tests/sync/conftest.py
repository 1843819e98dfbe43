"""Fixtures for the hub and client tests: every hub test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.sync.helpers import HubProcess, Laptop
from tests.sync.pg import PgServer, postgres_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    server = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip(
            "PostgreSQL is not installed (apt-get install postgresql) and HJDESK_TEST_PG_URL "
            "is not set"
        )
    return server.new_database()


@pytest.fixture
def hub(hub_db_url: str, tmp_path: Path) -> Iterator[HubProcess]:
    process = HubProcess(hub_db_url, tmp_path / "hubdir").start()
    yield process
    process.close()


@pytest.fixture
def make_laptop(tmp_path: Path) -> Callable[[str], Laptop]:
    def make(name: str) -> Laptop:
        return Laptop(tmp_path / "laptops", name)

    return make
