"""A demo vault shared by a module's read-only FHIR tests (exports only add audit events)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from tests.conftest import PASSWORD


@pytest.fixture(scope="module")
def shared_fhir_demo(demo_template, tmp_path_factory) -> Iterator[OpenVault]:
    target = tmp_path_factory.mktemp("fhir-demo") / "demo"
    shutil.copytree(demo_template, target)
    opened = Vault(HomePaths.resolve(target)).unlock("nurse", PASSWORD)
    yield opened
    opened.lock()
