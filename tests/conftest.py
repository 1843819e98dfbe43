"""Shared fixtures: a cheap KDF, throwaway homes, and a small demo vault.

Qt runs offscreen; warnings fail tests (pyproject `filterwarnings = error`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from hjdesk.storage import keyslots
from hjdesk.storage.keyslots import KdfParams
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault

# Argon2id at production cost takes ~0.3 s per unlock; tests unlock hundreds of times. The cost
# is a slot parameter, so a cheap one exercises exactly the same code.
FAST_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)
PASSWORD = "correct horse"


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
    monkeypatch.setattr("hjdesk.storage.vault.DEFAULT_KDF", FAST_KDF, raising=False)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HJDESK_HOME", "HJDESK_USER", "HJDESK_PASSWORD", "HJDESK_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def home(tmp_path: Path) -> HomePaths:
    return HomePaths.resolve(tmp_path / "home")


@pytest.fixture
def vault(home: HomePaths) -> Iterator[OpenVault]:
    opened = Vault.create(home, admin="admin", password=PASSWORD, kdf=FAST_KDF)
    yield opened
    opened.lock()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 1,200-patient demo vault built per test run; tests copy it."""
    from hjdesk.services.demo import build_demo

    root = tmp_path_factory.mktemp("demo-template")
    opened, _ = build_demo(HomePaths.resolve(root), password=PASSWORD, kdf=FAST_KDF)
    opened.lock()
    return root


@pytest.fixture
def demo_home(demo_template: Path, tmp_path: Path) -> HomePaths:
    import shutil

    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return HomePaths.resolve(target)


@pytest.fixture
def demo(demo_home: HomePaths) -> Iterator[OpenVault]:
    opened = Vault(demo_home).unlock("nurse", PASSWORD)
    yield opened
    opened.lock()
