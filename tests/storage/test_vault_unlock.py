"""The vault: create, unlock, wrong passwords, the persisted lockout, lock (architecture.md §3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hjdesk.storage.errors import (
    InvalidInput,
    KnownError,
    UnknownUser,
    UserLockedOut,
    VaultExists,
    VaultLocked,
    VaultMissing,
    WrongPassword,
)
from hjdesk.storage.keyslots import FREE_ATTEMPTS, MAX_DELAY_SECONDS, lockout_delay
from hjdesk.storage.models import AuditEvent, Staff
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD

WRONG = "not the password"


def _slot(home: HomePaths, username: str) -> dict:
    return json.loads(home.keyslots.read_text(encoding="utf-8"))["slots"][username]


def _actions(opened) -> list[tuple[str, str]]:
    with opened.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    return [(e.action, e.actor_username) for e in events]


def _fail(home: HomePaths, username: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(WrongPassword):
            Vault(home).unlock(username, WRONG)


def _age_last_failure(home: HomePaths, username: str, seconds: float) -> None:
    """Pretend the last failure happened `seconds` ago (instead of sleeping through a lockout)."""
    raw = json.loads(home.keyslots.read_text(encoding="utf-8"))
    when = datetime.now(UTC) - timedelta(seconds=seconds)
    raw["slots"][username]["last_failure"] = when.isoformat()
    home.keyslots.write_text(json.dumps(raw), encoding="utf-8")


@pytest.fixture
def two_users(vault):
    vault.add_user("nurse", PASSWORD, display_name="Nurse", role="RN", kdf=FAST_KDF)
    vault.lock()
    return vault.home


# -- create -----------------------------------------------------------------------------------


def test_create_makes_an_encrypted_vault_and_a_key_slot_file(home):
    opened = Vault.create(home, admin="Admin", password=PASSWORD, kdf=FAST_KDF)
    try:
        assert home.vault.is_file()
        assert home.keyslots.is_file()
        assert opened.actor.username == "admin"
        assert opened.actor.role == "ADMIN"
    finally:
        opened.lock()
    header = home.vault.read_bytes()[:16]
    assert header != b"SQLite format 3\x00"
    assert not home.vault.read_bytes().startswith(b"SQLite format 3")
    slot = _slot(home, "admin")
    assert slot["role"] == "ADMIN"
    assert slot["failed_count"] == 0
    assert slot["wrapped_key"] == ""  # the format-1 field; the data key is in the envelope
    assert len(slot["wrapped_private"]) > 40  # 32-byte private key + 16-byte tag, base64
    assert set(slot["envelope"]) == {"ephemeral", "nonce", "sealed_key"}
    assert slot["seal"]


def test_create_records_the_creation_in_the_audit_chain(vault):
    assert _actions(vault) == [("vault_created", "admin")]


def test_create_refuses_an_existing_vault(vault):
    vault.lock()
    before = vault.home.vault.read_bytes()
    with pytest.raises(VaultExists):
        Vault.create(vault.home, admin="other", password=PASSWORD, kdf=FAST_KDF)
    assert vault.home.vault.read_bytes() == before
    assert "other" not in json.loads(vault.home.keyslots.read_text())["slots"]


def test_create_with_a_short_password_writes_nothing(home):
    with pytest.raises(InvalidInput):
        Vault.create(home, admin="admin", password="short", kdf=FAST_KDF)
    assert not home.vault.exists()
    assert not home.keyslots.exists()
    assert not Vault(home).exists()


def test_create_refuses_a_bad_user_name(home):
    with pytest.raises(InvalidInput):
        Vault.create(home, admin="rm -rf /", password=PASSWORD, kdf=FAST_KDF)
    assert not home.vault.exists()


# -- unlock -----------------------------------------------------------------------------------


def test_right_password_unlocks_and_reads_the_data(vault):
    vault.lock()
    opened = Vault(vault.home).unlock("admin", PASSWORD)
    try:
        with opened.session() as session:
            assert session.scalars(select(Staff.username)).all() == ["admin"]
        assert _actions(opened) == [("vault_created", "admin"), ("unlock", "admin")]
    finally:
        opened.lock()


def test_user_names_are_case_insensitive(vault):
    vault.lock()
    Vault(vault.home).unlock("  ADMIN ", PASSWORD).lock()


def test_wrong_password_raises_and_counts_in_the_slot_file(vault):
    vault.lock()
    with pytest.raises(WrongPassword) as caught:
        Vault(vault.home).unlock("admin", WRONG)
    assert isinstance(caught.value, KnownError)
    slot = _slot(vault.home, "admin")
    assert slot["failed_count"] == 1
    assert slot["last_failure"] is not None
    assert len(slot["unreported_failures"]) == 1
    _fail(vault.home, "admin", 1)
    assert _slot(vault.home, "admin")["failed_count"] == 2


def test_unknown_user_and_missing_vault(vault, tmp_path):
    vault.lock()
    with pytest.raises(UnknownUser):
        Vault(vault.home).unlock("nobody", PASSWORD)
    with pytest.raises(VaultMissing):
        Vault(HomePaths.resolve(tmp_path / "empty")).unlock("admin", PASSWORD)
    with pytest.raises(VaultMissing):
        Vault(HomePaths.resolve(tmp_path / "empty")).users()


def test_missing_vault_file_beside_key_slots_is_missing_not_a_crash(vault):
    vault.lock()
    vault.home.vault.unlink()
    with pytest.raises(VaultMissing):
        Vault(vault.home).unlock("admin", PASSWORD)


def test_success_resets_the_counter(vault):
    vault.lock()
    _fail(vault.home, "admin", FREE_ATTEMPTS - 1)
    Vault(vault.home).unlock("admin", PASSWORD).lock()
    slot = _slot(vault.home, "admin")
    assert slot["failed_count"] == 0
    assert slot["last_failure"] is None
    assert slot["unreported_failures"] == []


# -- lockout ----------------------------------------------------------------------------------


def test_lockout_delay_values():
    assert [lockout_delay(n) for n in range(FREE_ATTEMPTS)] == [0.0] * FREE_ATTEMPTS
    assert lockout_delay(5) == 30.0
    assert lockout_delay(6) == 60.0
    assert lockout_delay(7) == 120.0
    assert lockout_delay(9) == 480.0
    assert lockout_delay(10) == MAX_DELAY_SECONDS == 900
    assert lockout_delay(1000) == MAX_DELAY_SECONDS


def test_five_failures_lock_the_user_out_even_with_the_right_password(vault):
    vault.lock()
    _fail(vault.home, "admin", FREE_ATTEMPTS)
    with pytest.raises(UserLockedOut) as caught:
        Vault(vault.home).unlock("admin", PASSWORD)
    assert 0 < caught.value.seconds <= 30
    assert isinstance(caught.value, KnownError)
    # A locked-out try is not another failure: the delay does not grow while waiting; but it is
    # recorded, for the audit chain.
    slot = _slot(vault.home, "admin")
    assert slot["failed_count"] == FREE_ATTEMPTS
    assert slot["unreported_failures"][-1].endswith(" locked-out")


def test_lockout_survives_a_restart(vault):
    vault.lock()
    _fail(vault.home, "admin", FREE_ATTEMPTS)
    # A new Vault object reads only the file, as a restarted app would.
    restarted = Vault(HomePaths.resolve(vault.home.root))
    with pytest.raises(UserLockedOut) as caught:
        restarted.unlock("admin", PASSWORD)
    assert caught.value.seconds > 0
    (info,) = restarted.users()
    assert info.username == "admin"
    assert info.seconds_to_wait > 0


def test_lockout_is_per_user(two_users):
    home = two_users
    _fail(home, "nurse", FREE_ATTEMPTS)
    with pytest.raises(UserLockedOut):
        Vault(home).unlock("nurse", PASSWORD)
    opened = Vault(home).unlock("admin", PASSWORD)
    opened.lock()
    waits = {u.username: u.seconds_to_wait for u in Vault(home).users()}
    assert waits["admin"] == 0
    assert waits["nurse"] > 0
    assert _slot(home, "admin")["failed_count"] == 0


def test_lockout_ends_after_the_delay_and_the_next_failure_doubles_it(vault):
    vault.lock()
    _fail(vault.home, "admin", FREE_ATTEMPTS)
    _age_last_failure(vault.home, "admin", 31)
    _fail(vault.home, "admin", 1)
    with pytest.raises(UserLockedOut) as caught:
        Vault(vault.home).unlock("admin", PASSWORD)
    assert 30 < caught.value.seconds <= 60
    _age_last_failure(vault.home, "admin", 61)
    Vault(vault.home).unlock("admin", PASSWORD).lock()


def test_failures_are_audited_at_the_next_successful_unlock(two_users):
    home = two_users
    _fail(home, "nurse", 3)
    _fail(home, "admin", 1)
    opened = Vault(home).unlock("nurse", PASSWORD)
    try:
        actions = _actions(opened)
        assert actions[-4:] == [
            ("unlock_failed", "nurse"),
            ("unlock_failed", "nurse"),
            ("unlock_failed", "nurse"),
            ("unlock", "nurse"),
        ]
        with opened.session() as session:
            details = session.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "unlock_failed")
            ).all()
        assert all("at" in json.loads(d) for d in details)
    finally:
        opened.lock()
    # Reported once: the next unlock does not repeat them; admin's own failure waits for admin.
    assert _slot(home, "nurse")["unreported_failures"] == []
    assert len(_slot(home, "admin")["unreported_failures"]) == 1
    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        actions = _actions(opened)
        assert actions.count(("unlock_failed", "nurse")) == 3
        assert actions.count(("unlock_failed", "admin")) == 1
        assert actions[-2:] == [("unlock_failed", "admin"), ("unlock", "admin")]
    finally:
        opened.lock()


def test_admin_work_in_an_open_vault_does_not_erase_anothers_failures(two_users):
    """The open vault's copy of the key slots is older than the failures counted since."""
    home = two_users
    admin = Vault(home).unlock("admin", PASSWORD)
    try:
        _fail(home, "nurse", FREE_ATTEMPTS)
        admin.add_user("hca", PASSWORD, display_name="HCA", role="HCA", kdf=FAST_KDF)
        admin.reset_password("hca", "another password", kdf=FAST_KDF)
    finally:
        admin.lock()
    assert _slot(home, "nurse")["failed_count"] == FREE_ATTEMPTS
    with pytest.raises(UserLockedOut):
        Vault(home).unlock("nurse", PASSWORD)


# -- lock -------------------------------------------------------------------------------------


def test_lock_disposes_the_engine_and_drops_the_key(vault):
    vault.lock()
    assert vault.is_locked
    with pytest.raises(VaultLocked):
        vault.session()
    with pytest.raises(VaultLocked):
        _ = vault.engine
    with pytest.raises(VaultLocked):
        vault.audit("should_fail")
    with pytest.raises(VaultLocked):
        vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    assert vault._key is None
    vault.lock()  # locking twice is harmless


def test_unlocking_again_reads_what_was_written_before_the_lock(vault):
    vault.add_user("nurse", PASSWORD, display_name="Nurse One", role="RN", kdf=FAST_KDF)
    vault.lock()
    opened = Vault(vault.home).unlock("nurse", PASSWORD)
    try:
        assert opened.actor.role == "RN"
        with opened.session() as session:
            names = session.scalars(select(Staff.display_name).order_by(Staff.username)).all()
        assert names == ["admin", "Nurse One"]
    finally:
        opened.lock()
    with pytest.raises(VaultLocked):
        opened.session()
