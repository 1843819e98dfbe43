"""What the app does while the password is typed (docs/performance.md, "One entry and unlock:
fourth session"): configure the ORM and run the first page's query once on an empty in-memory
vault. It must work on every start (a failure there is only logged, and the unlock would then
pay the cost again), hold no patient data and write no file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import inspect

from hjdesk.services.worklists import today_worklists
from hjdesk.storage import audit
from hjdesk.storage.errors import VaultLocked
from hjdesk.storage.vault import OpenVault, rehearsal_vault
from hjdesk.ui.app import _import_for_unlock


def test_the_rehearsal_vault_has_every_table_of_a_real_vault_and_no_rows(
    admin_vault: OpenVault,
) -> None:
    rehearsal = rehearsal_vault()
    try:
        real = set(inspect(admin_vault.engine).get_table_names()) - {"alembic_version"}
        assert real <= set(inspect(rehearsal.engine).get_table_names())
        lists = today_worklists(rehearsal)
        assert all(items == () for _, items in lists.named())
    finally:
        rehearsal.lock()
    with pytest.raises(VaultLocked):
        rehearsal.session()


def test_preparing_for_unlock_runs_whole_and_writes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin_vault: OpenVault
) -> None:
    monkeypatch.chdir(tmp_path)
    _import_for_unlock()  # raises if the rehearsal's query fails
    assert list(tmp_path.iterdir()) == [tmp_path / "admin-home"]  # the fixture's vault only
    assert not Path(os.devnull, "rehearsal").exists()
    # The real vault is untouched by it: its chain still verifies.
    with admin_vault.session() as session:
        assert audit.verify(session).ok
