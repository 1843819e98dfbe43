"""An unlock writes the key-slot file only when it changes it (docs/performance.md, "One entry
and unlock: fourth session"): the failed-attempt count before Argon2id and its reset after are
always written; the seals and the report of earlier failures only when there is something new."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from hjdesk.storage.errors import WrongPassword
from hjdesk.storage.keyslots import KeySlots
from hjdesk.storage.models import AuditEvent
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from tests.conftest import PASSWORD


@pytest.fixture
def saves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = KeySlots.save

    def counting(self: KeySlots, path: Path | None = None) -> None:
        calls.append(1)
        original(self, path)

    monkeypatch.setattr(KeySlots, "save", counting)
    return calls


def test_unlocking_an_up_to_date_vault_writes_the_count_and_its_reset_only(
    vault_template: Path, tmp_path: Path, saves: list[int]
) -> None:
    home = HomePaths.resolve(tmp_path / "h")
    shutil.copytree(vault_template, home.root)
    Vault(home).unlock("admin", PASSWORD).lock()  # brings the slots up to date
    before = json.loads(home.keyslots.read_text(encoding="utf-8"))
    saves.clear()
    Vault(home).unlock("admin", PASSWORD).lock()
    assert len(saves) == 2
    assert json.loads(home.keyslots.read_text(encoding="utf-8")) == before


def test_a_wrong_password_before_is_still_written_away_and_audited(
    vault_template: Path, tmp_path: Path, saves: list[int]
) -> None:
    home = HomePaths.resolve(tmp_path / "h")
    shutil.copytree(vault_template, home.root)
    Vault(home).unlock("admin", PASSWORD).lock()
    with pytest.raises(WrongPassword):
        Vault(home).unlock("admin", "not the password")
    saves.clear()
    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert len(saves) == 3  # the count, its reset, the failure taken for the audit chain
        slot = json.loads(home.keyslots.read_text(encoding="utf-8"))["slots"]["admin"]
        assert slot["unreported_failures"] == []
        with opened.session() as session:
            actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        assert actions[-2:] == ["unlock_failed", "unlock"]
    finally:
        opened.lock()
