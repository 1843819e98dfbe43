"""The clinic world most service tests share (tests/services/clinic_world.py): built once per
session, copied for each test so no test sees another's writes. Modules that need the care
world import its `world` fixture from tests/services/care_world.py instead, which overrides this
one for them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.clinic_world import World, make_template, open_world


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("world"))


@pytest.fixture
def world(world_template: Path, tmp_path: Path) -> Iterator[World]:
    opened = open_world(world_template, tmp_path / "world")
    yield opened
    opened.vault.lock()
