"""Users of one laptop: each holds a key slot; managing them never re-encrypts the vault."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select

from hjdesk.storage.errors import (
    InvalidInput,
    PermissionDenied,
    UnknownUser,
    UserDisabled,
    WrongPassword,
)
from hjdesk.storage.models import AuditEvent, OutboxOp, Staff
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import ROLES, Vault
from tests.conftest import FAST_KDF, PASSWORD

NEW = "a brand new secret"


def _slots(home: HomePaths) -> dict:
    return json.loads(home.keyslots.read_text(encoding="utf-8"))["slots"]


def _audit_actions(opened) -> list[str]:
    with opened.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_domain_roles():
    assert set(ROLES) == {
        "RN",
        "RMN",
        "HCA",
        "GP",
        "ANP",
        "PHARMACIST",
        "PSYCHOLOGIST",
        "OT",
        "SOCIAL_WORKER",
        "ADMIN",
    }


def test_admin_adds_users_who_can_unlock(admin_vault):
    staff_id = admin_vault.add_user(
        "Nurse", PASSWORD, display_name="Alex Morgan", role="rn", team="PRIMARY_CARE", kdf=FAST_KDF
    )
    assert _slots(admin_vault.home)["nurse"]["role"] == "RN"
    assert "user_added" in _audit_actions(admin_vault)
    admin_vault.lock()
    opened = Vault(admin_vault.home).unlock("nurse", PASSWORD)
    try:
        assert opened.actor.staff_id == staff_id
        assert opened.actor.role == "RN"
        with opened.session() as session:
            staff = session.scalar(select(Staff).where(Staff.username == "nurse"))
        assert (staff.display_name, staff.team, staff.active) == (
            "Alex Morgan",
            "PRIMARY_CARE",
            True,
        )
    finally:
        opened.lock()


@pytest.mark.parametrize("role", ["NURSE", "", "superuser", "R N"])
def test_a_role_outside_the_domain_list_is_refused(admin_vault, role):
    with pytest.raises(InvalidInput):
        admin_vault.add_user("x", PASSWORD, display_name="X", role=role, kdf=FAST_KDF)
    assert "x" not in _slots(admin_vault.home)
    with admin_vault.session() as session:
        assert session.scalar(select(Staff).where(Staff.username == "x")) is None


def test_duplicate_user_bad_name_and_short_password_are_refused(admin_vault):
    admin_vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    with pytest.raises(InvalidInput):
        admin_vault.add_user("NURSE", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    with pytest.raises(InvalidInput):
        admin_vault.add_user(
            "no spaces allowed", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF
        )
    with pytest.raises(InvalidInput):
        admin_vault.add_user("hca", "short", display_name="H", role="HCA", kdf=FAST_KDF)
    # Nothing half-done: no slot and no staff row for the refused user.
    assert "hca" not in _slots(admin_vault.home)
    with admin_vault.session() as session:
        assert session.scalar(select(Staff).where(Staff.username == "hca")) is None


def test_admin_resets_a_password(admin_vault):
    admin_vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    admin_vault.reset_password("nurse", NEW, kdf=FAST_KDF)
    assert "password_reset" in _audit_actions(admin_vault)
    admin_vault.lock()
    with pytest.raises(WrongPassword):
        Vault(admin_vault.home).unlock("nurse", PASSWORD)
    Vault(admin_vault.home).unlock("nurse", NEW).lock()


def test_reset_of_an_unknown_user(admin_vault):
    with pytest.raises(UnknownUser):
        admin_vault.reset_password("ghost", NEW, kdf=FAST_KDF)


def test_disabled_user_cannot_unlock_even_with_the_old_password(admin_vault):
    admin_vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    admin_vault.disable_user("nurse")
    assert "user_disabled" in _audit_actions(admin_vault)
    with admin_vault.session() as session:
        assert session.scalar(select(Staff.active).where(Staff.username == "nurse")) is False
    admin_vault.lock()
    with pytest.raises(UserDisabled):
        Vault(admin_vault.home).unlock("nurse", PASSWORD)
    infos = {u.username: u for u in Vault(admin_vault.home).users()}
    assert infos["nurse"].disabled
    # The key material is destroyed, not just flagged: clearing the flag in the file opens nothing.
    raw = json.loads(admin_vault.home.keyslots.read_text())
    assert raw["slots"]["nurse"]["wrapped_private"] == ""
    assert raw["slots"]["nurse"]["envelope"] is None
    raw["slots"]["nurse"]["disabled"] = False
    admin_vault.home.keyslots.write_text(json.dumps(raw))
    with pytest.raises(UserDisabled):
        Vault(admin_vault.home).unlock("nurse", PASSWORD)


def test_reset_re_enables_a_disabled_user(admin_vault):
    admin_vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    admin_vault.disable_user("nurse")
    admin_vault.reset_password("nurse", NEW, kdf=FAST_KDF)
    admin_vault.lock()
    opened = Vault(admin_vault.home).unlock("nurse", NEW)
    try:
        with opened.session() as session:
            assert session.scalar(select(Staff.active).where(Staff.username == "nurse")) is True
    finally:
        opened.lock()


def test_admin_cannot_disable_themself_or_an_unknown_user(admin_vault):
    with pytest.raises(InvalidInput):
        admin_vault.disable_user("admin")
    with pytest.raises(UnknownUser):
        admin_vault.disable_user("ghost")


def test_user_changes_their_own_password(admin_vault):
    admin_vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    admin_vault.lock()
    opened = Vault(admin_vault.home).unlock("nurse", PASSWORD)
    try:
        with pytest.raises(WrongPassword):
            opened.change_own_password("not my password", NEW, kdf=FAST_KDF)
        # The wrong current password counts, as a wrong unlock would.
        assert _slots(admin_vault.home)["nurse"]["failed_count"] == 1
        opened.change_own_password(PASSWORD, NEW, kdf=FAST_KDF)
        assert "password_changed" in _audit_actions(opened)
    finally:
        opened.lock()
    with pytest.raises(WrongPassword):
        Vault(admin_vault.home).unlock("nurse", PASSWORD)
    Vault(admin_vault.home).unlock("nurse", NEW).lock()


def test_non_admins_cannot_manage_users(admin_vault):
    admin_vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    admin_vault.add_user("hca", PASSWORD, display_name="H", role="HCA", kdf=FAST_KDF)
    admin_vault.lock()
    before = admin_vault.home.keyslots.read_bytes()
    opened = Vault(admin_vault.home).unlock("nurse", PASSWORD)
    try:
        with pytest.raises(PermissionDenied):
            opened.add_user("intruder", PASSWORD, display_name="I", role="ADMIN", kdf=FAST_KDF)
        with pytest.raises(PermissionDenied):
            opened.reset_password("hca", NEW, kdf=FAST_KDF)
        with pytest.raises(PermissionDenied):
            opened.reset_password("admin", NEW, kdf=FAST_KDF)
        with pytest.raises(PermissionDenied):
            opened.disable_user("hca")
        actions = _audit_actions(opened)
        assert actions[-1] == "unlock"  # nothing recorded after the refused attempts
        assert actions.count("user_added") == 2
    finally:
        opened.lock()
    slots = _slots(admin_vault.home)
    assert set(slots) == {"admin", "nurse", "hca"}
    assert {n: s["wrapped_key"] for n, s in slots.items()} == {
        n: s["wrapped_key"] for n, s in json.loads(before)["slots"].items()
    }


def test_no_user_change_but_a_disable_re_encrypts_the_database(admin_vault, tmp_path):
    """Adding users and changing passwords keep the data key: the new key slots open a copy of
    the database taken before. (Disabling a user rotates it: tests/storage/test_rekey.py.)"""
    admin_vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    admin_vault.add_user("hca", PASSWORD, display_name="H", role="HCA", kdf=FAST_KDF)
    admin_vault.lock()  # folds the WAL into vault.db
    old_db = tmp_path / "old-admin_vault.db"
    shutil.copy2(admin_vault.home.vault, old_db)

    admin = Vault(admin_vault.home).unlock("admin", PASSWORD)
    admin.add_user("gp", PASSWORD, display_name="G", role="GP", kdf=FAST_KDF)
    admin.reset_password("hca", NEW, kdf=FAST_KDF)
    admin.change_own_password(PASSWORD, NEW, kdf=FAST_KDF)
    admin.lock()

    other = HomePaths.resolve(tmp_path / "other")
    other.ensure()
    shutil.copy2(old_db, other.vault)
    shutil.copy2(admin_vault.home.keyslots, other.keyslots)
    for user, password in (("admin", NEW), ("hca", NEW)):
        opened = Vault(other).unlock(user, password)
        try:
            with opened.session() as session:
                names = set(session.scalars(select(Staff.username)))
            assert names == {"admin", "nurse", "hca"}  # the old data, read with the new slots
        finally:
            opened.lock()
    # And the live vault holds the later changes under the same key.
    opened = Vault(admin_vault.home).unlock("admin", NEW)
    try:
        with opened.session() as session:
            assert set(session.scalars(select(Staff.username))) == {"admin", "nurse", "hca", "gp"}
    finally:
        opened.lock()


def test_admin_renames_a_user_and_the_change_goes_to_the_hub(admin_vault):
    """The staff row and the sealed slot take the new name together (the slot still opens);
    the staff row's change is queued for the hub, which refreshes the name cards other
    prisons hold of them (H-37, tests/sync/test_name_cards.py)."""
    staff_id = admin_vault.add_user(
        "nurse", PASSWORD, display_name="Alex Morgan", role="RN", kdf=FAST_KDF
    )
    with pytest.raises(InvalidInput):
        admin_vault.rename_user("nurse", "   ")
    with pytest.raises(UnknownUser):
        admin_vault.rename_user("nobody", "Someone")
    admin_vault.rename_user("nurse", "  Alex   Morgan-Reid ")
    assert _slots(admin_vault.home)["nurse"]["display_name"] == "Alex Morgan-Reid"
    assert _audit_actions(admin_vault)[-1] == "user_renamed"
    with admin_vault.session() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        assert staff.display_name == "Alex Morgan-Reid"
        queued = session.scalars(
            select(OutboxOp).where(OutboxOp.kind == "staff", OutboxOp.record_id == staff_id)
        ).all()
        assert json.loads(queued[-1].payload)["display_name"] == "Alex Morgan-Reid"
    admin_vault.lock()
    opened = Vault(admin_vault.home).unlock("nurse", PASSWORD)
    try:
        assert opened.actor_name == "Alex Morgan-Reid"
        with pytest.raises(PermissionDenied):
            opened.rename_user("admin", "Not Allowed")
    finally:
        opened.lock()
