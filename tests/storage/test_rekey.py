"""Disabling a user rotates the vault key: no copy of an old key slot opens the vault again, and a
rekey killed at any step leaves a vault the remaining users open (docs/vault.md, "Rekey")."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from hjdesk.storage import rekey
from hjdesk.storage.errors import UserDisabled, VaultBusy, VaultDamaged, WrongPassword
from hjdesk.storage.models import AuditEvent
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _actions(opened) -> list[str]:
    with opened.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


@pytest.fixture
def ward(admin_vault):
    for name, role in (("nurse", "RN"), ("hca", "HCA"), ("leaver", "RN")):
        admin_vault.add_user(name, PASSWORD, display_name=name.title(), role=role, kdf=FAST_KDF)
    return admin_vault


def _opens(home: HomePaths, user: str) -> bool:
    opened = Vault(home).unlock(user, PASSWORD)
    try:
        with opened.session() as session:
            return session.scalar(select(AuditEvent.seq).limit(1)) is not None
    finally:
        opened.lock()


def test_a_key_slot_file_from_before_a_disable_opens_nothing_afterwards(ward, tmp_path):
    home = ward.home
    old_slots = tmp_path / "keyslots-before.json"
    shutil.copy2(home.keyslots, old_slots)
    assert ward.disable_user("leaver") == []
    assert _actions(ward)[-2:] == ["user_disabled", "vault_rekeyed"]
    ward.lock()
    # Everyone else still opens the rotated vault.
    for user in ("admin", "nurse", "hca"):
        assert _opens(home, user)
    # The whole old file, restored: its key no longer reads the vault, for anyone. (SQLCipher
    # cannot tell an old key from a damaged file: both are refused as unreadable.)
    live = home.keyslots.read_bytes()
    shutil.copy2(old_slots, home.keyslots)
    for user in ("leaver", "nurse"):
        with pytest.raises(VaultDamaged):
            Vault(home).unlock(user, PASSWORD)
    # Only the leaver's old slot, put into the live file: out of date, refused.
    home.keyslots.write_bytes(live)
    raw = json.loads(live)
    raw["slots"]["leaver"] = json.loads(old_slots.read_text())["slots"]["leaver"]
    home.keyslots.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(WrongPassword, match="out of date"):
        Vault(home).unlock("leaver", PASSWORD)
    home.keyslots.write_bytes(live)
    with pytest.raises(UserDisabled):
        Vault(home).unlock("leaver", PASSWORD)


def test_an_administrator_rekeys_on_demand(ward, tmp_path):
    old_slots = tmp_path / "keyslots-before.json"
    shutil.copy2(ward.home.keyslots, old_slots)
    before = json.loads(old_slots.read_text())["key_check"]
    assert ward.rekey() == []
    assert json.loads(ward.home.keyslots.read_text())["key_check"] != before
    assert _actions(ward)[-1] == "vault_rekeyed"  # the open vault carries on with the new key
    ward.lock()
    assert _opens(ward.home, "hca")


@pytest.mark.parametrize("step", ["pending-written", "rekeyed", "slots-replaced"])
def test_a_rekey_killed_at_each_step_leaves_a_vault_the_remaining_users_open(ward, step):
    home = ward.home
    ward.disable_user("leaver")
    ward.lock()
    run = subprocess.run(
        [sys.executable, "-m", "tests.storage.slot_driver", "rekey", str(home.root), "admin",
         PASSWORD, step],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == -9, run.stderr  # SIGKILL at the step, not an error before it
    for user in ("nurse", "hca", "admin"):
        assert _opens(home, user)
    # The first unlock finished (or undid) the rekey: no journal is left behind.
    assert not rekey.pending_path(home.keyslots).exists()
    with pytest.raises(UserDisabled):
        Vault(home).unlock("leaver", PASSWORD)


def test_a_rekey_carries_no_slot_it_cannot_rewrap_and_says_so(ward):
    """A format-1 slot (its user has not unlocked since the upgrade) has no public key: the rekey
    cannot re-wrap it without the password, so its user needs a reset, which is reported."""
    raw = json.loads(ward.home.keyslots.read_text())
    old_style = raw["slots"]["hca"]
    old_style.update(wrapped_key=old_style["wrapped_private"], public_key="", envelope=None)
    ward.home.keyslots.write_text(json.dumps(raw), encoding="utf-8")
    assert ward.rekey() == ["hca"]
    ward.lock()
    with pytest.raises(UserDisabled, match="reset"):
        Vault(ward.home).unlock("hca", PASSWORD)
    admin = Vault(ward.home).unlock("admin", PASSWORD)
    admin.reset_password("hca", "a new password", kdf=FAST_KDF)
    admin.lock()
    Vault(ward.home).unlock("hca", "a new password").lock()


def test_a_rekey_while_the_vault_is_open_elsewhere_is_refused_and_undone(ward):
    """Another HJDesk (here: another unlocked vault, in a read) keeps the file: the rekey cannot
    run, says why, and leaves everything as it was."""
    before = ward.home.keyslots.read_bytes()
    other = Vault(ward.home).unlock("nurse", PASSWORD)
    try:
        with other.session() as session:
            session.scalar(select(AuditEvent.seq).limit(1))  # a read transaction stays open
            with pytest.raises(VaultBusy, match="open elsewhere"):
                ward.rekey()
    finally:
        other.lock()
    assert not rekey.pending_path(ward.home.keyslots).exists()
    assert (
        json.loads(ward.home.keyslots.read_text())["key_check"] == json.loads(before)["key_check"]
    )
    assert _actions(ward)[-1] != "vault_rekeyed"  # the open vault carries on with the old key
    ward.lock()
    assert _opens(ward.home, "hca")
