"""Key slot metadata is authenticated; the role lives there; the lockout holds against a race
(docs/vault.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from hjdesk.storage import keyslots
from hjdesk.storage.errors import (
    InvalidInput,
    SlotTampered,
    UserLockedOut,
    WeakKeySlot,
    WrongPassword,
)
from hjdesk.storage.keyslots import FREE_ATTEMPTS, KeySlots
from hjdesk.storage.models import AuditEvent, Staff
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.slot_crypto import b64, kek, unb64
from hjdesk.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
WRONG = "not the password"


def _raw(home: HomePaths) -> dict:
    return json.loads(home.keyslots.read_text(encoding="utf-8"))


def _write(home: HomePaths, raw: dict) -> None:
    home.keyslots.write_text(json.dumps(raw), encoding="utf-8")


def _audit(opened, action: str) -> list[dict]:
    with opened.session() as session:
        found = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == action))
        return [json.loads(d) for d in found]


@pytest.fixture
def ward(admin_vault):
    admin_vault.add_user("nurse", PASSWORD, display_name="Nurse", role="RN", kdf=FAST_KDF)
    admin_vault.lock()
    return admin_vault.home


def test_the_role_comes_from_the_slot_not_the_staff_row(ward):
    """A synced staff row saying ADMIN gives nothing: authority is the sealed slot's."""
    admin = Vault(ward).unlock("admin", PASSWORD)
    with admin.transaction() as session:
        row = session.scalar(select(Staff).where(Staff.username == "nurse"))
        row.role = "ADMIN"
    admin.lock()
    nurse = Vault(ward).unlock("nurse", PASSWORD)
    try:
        assert nurse.actor.role == "RN"
    finally:
        nurse.lock()


def test_an_edited_role_is_refused_and_audited_at_the_next_unlock(ward):
    raw = _raw(ward)
    raw["slots"]["nurse"]["role"] = "ADMIN"
    _write(ward, raw)
    with pytest.raises(SlotTampered):
        Vault(ward).unlock("nurse", PASSWORD)
    admin = Vault(ward).unlock("admin", PASSWORD)
    try:
        # Once by the nurse's refused unlock, once by the administrator's.
        assert _audit(admin, "key_slot_tampered") == [{"username": "nurse"}] * 2
        with pytest.raises(InvalidInput, match="role"):
            admin.reset_password("nurse", "a new password", kdf=FAST_KDF)
        admin.set_role("nurse", "RN")  # the way back: the administrator states the role
        admin.reset_password("nurse", "a new password", kdf=FAST_KDF)
    finally:
        admin.lock()
    nurse = Vault(ward).unlock("nurse", "a new password")
    assert nurse.actor.role == "RN"
    nurse.lock()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("disabled", True),
        ("display_name", "Someone Else"),
        ("kdf", {"memory_kib": 2048, "iterations": 1, "lanes": 1}),
    ],
)
def test_other_sealed_fields_are_authenticated_too(ward, field, value):
    raw = _raw(ward)
    raw["slots"]["nurse"][field] = value
    _write(ward, raw)
    with pytest.raises((SlotTampered, WrongPassword, keyslots.UserDisabled)):
        Vault(ward).unlock("nurse", PASSWORD)
    admin = Vault(ward).unlock("admin", PASSWORD)
    try:
        assert {"username": "nurse"} in _audit(admin, "key_slot_tampered")
    finally:
        admin.lock()


def test_kdf_parameters_below_the_floor_are_refused_when_read(ward, monkeypatch):
    monkeypatch.setattr(keyslots, "KDF_FLOOR", keyslots.KdfParams(64 * 1024, 3, 1))
    with pytest.raises(WeakKeySlot):
        Vault(ward).unlock("nurse", PASSWORD)
    # Refused before the KDF, and counted: the attempt reaches the audit chain.
    assert _raw(ward)["slots"]["nurse"]["failed_count"] == 1
    with pytest.raises(WeakKeySlot):
        keyslots.check_kdf(keyslots.KdfParams(8, 1, 1))
    keyslots.check_kdf(keyslots.DEFAULT_KDF.__class__())  # the production default meets it


def test_a_format_1_slot_file_opens_and_is_upgraded_at_the_first_unlock(ward):
    """Slot files written by the previous release (data key wrapped directly, no seal)."""
    key = KeySlots.load(ward.keyslots).unwrap("admin", PASSWORD)
    raw = _raw(ward)
    raw["format"] = 1
    raw.pop("key_check")
    for name, slot in raw["slots"].items():
        nonce = os.urandom(12)
        wrapping = kek(PASSWORD, unb64(slot["salt"]), keyslots.KdfParams(**slot["kdf"]))
        aad = f"hjdesk-slot:{raw['vault_id']}:{name}".encode()
        slot.update(nonce=b64(nonce), wrapped_key=b64(AESGCM(wrapping).encrypt(nonce, key, aad)))
        for new_field in ("wrapped_private", "public_key", "envelope", "seal"):
            slot.pop(new_field)
    _write(ward, raw)
    opened = Vault(ward).unlock("nurse", PASSWORD)
    assert opened.actor.role == "RN"
    opened.lock()
    upgraded = _raw(ward)
    assert upgraded["format"] == keyslots.FORMAT_VERSION
    assert upgraded["key_check"]
    nurse, admin = upgraded["slots"]["nurse"], upgraded["slots"]["admin"]
    assert nurse["wrapped_key"] == ""
    assert nurse["envelope"]
    assert nurse["seal"]
    assert admin["wrapped_key"]
    assert admin["seal"]
    Vault(ward).unlock("admin", PASSWORD).lock()
    assert _raw(ward)["slots"]["admin"]["wrapped_key"] == ""
    Vault(ward).unlock("nurse", PASSWORD).lock()


def test_concurrent_threads_count_every_failure(ward):
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: _try_here(ward), range(4)))
    assert outcomes.count("WrongPassword") == 4
    assert _raw(ward)["slots"]["nurse"]["failed_count"] == 4


def _try_here(home: HomePaths) -> str:
    try:
        Vault(home).unlock("nurse", WRONG)
    except WrongPassword as exc:
        return type(exc).__name__
    return "opened"


def _attempt(home: HomePaths, password: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.storage.slot_driver", "try", str(home.root), "nurse",
         password],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_sixteen_wrong_passwords_from_eight_processes_are_all_counted_and_audited(ward):
    outcomes: Counter[str] = Counter()
    for _ in range(2):  # 8 processes at a time, twice
        running = [_attempt(ward, WRONG) for _ in range(8)]
        for process in running:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            outcomes[out.strip()] += 1
    # Five passwords tried (each counted before its KDF ran), the rest refused by the lockout.
    assert outcomes == {"WrongPassword": FREE_ATTEMPTS, "UserLockedOut": 16 - FREE_ATTEMPTS}
    slot = _raw(ward)["slots"]["nurse"]
    assert slot["failed_count"] == FREE_ATTEMPTS
    assert len(slot["unreported_failures"]) == 16
    # The right password is refused during the delay that follows.
    with pytest.raises(UserLockedOut):
        Vault(ward).unlock("nurse", PASSWORD)
    admin = Vault(ward).unlock("admin", PASSWORD)
    admin.lock()
    # The nurse's 16 (and the refused right one) reach the chain at the nurse's next unlock.
    raw = _raw(ward)
    raw["slots"]["nurse"]["last_failure"] = "2000-01-01T00:00:00+00:00"  # skip the wait
    _write(ward, raw)
    nurse = Vault(ward).unlock("nurse", PASSWORD)
    try:
        audited = _audit(nurse, "unlock_failed")
    finally:
        nurse.lock()
    assert len(audited) == 17
    assert sum(1 for d in audited if d.get("refused") == "locked-out") == 12
