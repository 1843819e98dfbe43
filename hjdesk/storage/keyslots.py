"""Key slots: the vault's data key wrapped once per user, like LUKS (architecture.md §3).

Argon2id(password, salt) gives a key-encryption key; AES-256-GCM wraps the 256-bit data key with the
user name and vault id as associated data, so a slot cannot be moved to another user or vault.
Changing a password rewrites one slot; the database is never re-encrypted.

Failed unlocks are counted here, per user, because the vault cannot be opened to record them; they
are copied into the audit chain at the next successful unlock. The file holds no patient data.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hjdesk.storage.errors import (
    InvalidInput,
    KnownError,
    UnknownUser,
    UserDisabled,
    UserLockedOut,
    VaultDamaged,
    WrongPassword,
)

FORMAT_VERSION = 1
FREE_ATTEMPTS = 5
MAX_DELAY_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost. Defaults: above OWASP's floor (m ≥ 64 MiB, t ≥ 3), ~0.3 s on two cores."""

    memory_kib: int = 128 * 1024
    iterations: int = 3
    lanes: int = 2


DEFAULT_KDF = KdfParams()


@dataclass(slots=True)
class Slot:
    username: str
    display_name: str
    role: str
    salt: str
    nonce: str
    wrapped_key: str
    kdf: KdfParams
    disabled: bool = False
    failed_count: int = 0
    last_failure: str | None = None
    unreported_failures: list[str] = field(default_factory=list)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _kek(password: str, salt: bytes, kdf: KdfParams) -> bytes:
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=kdf.iterations,
        memory_cost=kdf.memory_kib,
        parallelism=kdf.lanes,
        hash_len=32,
        type=Type.ID,
    )


def lockout_delay(failed_count: int) -> float:
    """Seconds to wait before the next try: none for the first five, then doubling from 30 s."""
    if failed_count < FREE_ATTEMPTS:
        return 0.0
    return float(min(MAX_DELAY_SECONDS, 30 * 2 ** (failed_count - FREE_ATTEMPTS)))


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def _checked(name: str, slot: Slot) -> Slot:
    """Raise ValueError/TypeError for a slot that would crash unlock instead of refusing it."""

    def need(ok: bool) -> None:
        if not ok:
            raise ValueError(f"key slot field out of range in slot {name!r}")

    for text in (slot.username, slot.display_name, slot.role, slot.salt, slot.nonce):
        need(isinstance(text, str))
    need(slot.username == name)
    need(len(_unb64(slot.salt)) >= 8 and len(_unb64(slot.nonce)) == 12)
    need(isinstance(slot.wrapped_key, str) and isinstance(slot.disabled, bool))
    _unb64(slot.wrapped_key)
    kdf = slot.kdf
    for value in (kdf.memory_kib, kdf.iterations, kdf.lanes):
        need(isinstance(value, int) and not isinstance(value, bool))
    need(1 <= kdf.lanes <= 64 and 1 <= kdf.iterations <= 100)
    need(8 * kdf.lanes <= kdf.memory_kib <= 4 * 1024 * 1024)
    need(type(slot.failed_count) is int and slot.failed_count >= 0)
    if slot.last_failure is not None:
        need(isinstance(slot.last_failure, str))
        need(datetime.fromisoformat(slot.last_failure).tzinfo is not None)
    need(isinstance(slot.unreported_failures, list))
    need(all(isinstance(at, str) for at in slot.unreported_failures))
    return slot


class KeySlots:
    """The `keyslots.json` file beside a vault."""

    def __init__(self, path: Path, vault_id: str, slots: dict[str, Slot]) -> None:
        self.path = path
        self.vault_id = vault_id
        self._slots = slots

    # -- file -----------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path) -> KeySlots:
        return cls(path, vault_id=os.urandom(16).hex(), slots={})

    @classmethod
    def load(cls, path: Path) -> KeySlots:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or not isinstance(raw.get("slots"), dict):
                raise TypeError("not a key slot file")
            if raw.get("format") != FORMAT_VERSION:
                raise VaultDamaged("The key slot file is from an unknown version of HJDesk.")
            slots = {}
            for name, data in raw["slots"].items():
                data = dict(data)
                data["kdf"] = KdfParams(**data["kdf"])
                slots[name] = _checked(name, Slot(**data))
            return cls(path, vault_id=str(raw["vault_id"]), slots=slots)
        except KnownError:
            raise
        except FileNotFoundError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultDamaged(
                "The key slot file (keyslots.json) is damaged: the vault cannot be unlocked."
            ) from exc

    def save(self) -> None:
        """Write atomically: a crash mid-write must never lose every user's slot."""
        payload: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "vault_id": self.vault_id,
            "slots": {name: asdict(slot) for name, slot in self._slots.items()},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".keyslots.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- slots ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Slot]:
        return iter(sorted(self._slots.values(), key=lambda s: s.username))

    def get(self, username: str) -> Slot:
        try:
            return self._slots[username]
        except KeyError:
            raise UnknownUser(f"There is no user called {username!r} on this laptop.") from None

    def __contains__(self, username: object) -> bool:
        return username in self._slots

    def _aad(self, username: str) -> bytes:
        return f"hjdesk-slot:{self.vault_id}:{username}".encode()

    def set_password(
        self,
        username: str,
        password: str,
        data_key: bytes,
        *,
        display_name: str,
        role: str,
        kdf: KdfParams = DEFAULT_KDF,
    ) -> None:
        """Create or replace a user's slot (wrapping the same data key under a new password)."""
        check_password_strength(password)
        salt, nonce = os.urandom(16), os.urandom(12)
        wrapped = AESGCM(_kek(password, salt, kdf)).encrypt(nonce, data_key, self._aad(username))
        self._slots[username] = Slot(
            username=username,
            display_name=display_name,
            role=role,
            salt=_b64(salt),
            nonce=_b64(nonce),
            wrapped_key=_b64(wrapped),
            kdf=kdf,
        )

    def disable(self, username: str) -> None:
        """Destroy the wrapped key so the old password opens nothing; keep the name for records."""
        slot = self.get(username)
        slot.disabled = True
        slot.wrapped_key = ""

    def unwrap(self, username: str, password: str, *, now: datetime | None = None) -> bytes:
        """Return the data key, or raise; counts failures and enforces the lockout delay.

        The caller must `save()` afterwards either way so the counter persists.
        """
        slot = self.get(username)
        if slot.disabled:
            raise UserDisabled(f"User {username!r} is disabled: ask an administrator.")
        current = now or datetime.now(UTC)
        wait = self.seconds_to_wait(username, now=current)
        if wait > 0:
            raise UserLockedOut(
                f"Too many wrong passwords for {username!r}: try again in {int(wait) + 1} s.", wait
            )
        kek = _kek(password, _unb64(slot.salt), slot.kdf)
        try:
            key = AESGCM(kek).decrypt(
                _unb64(slot.nonce), _unb64(slot.wrapped_key), self._aad(username)
            )
        except InvalidTag:
            slot.failed_count += 1
            slot.last_failure = current.isoformat()
            slot.unreported_failures.append(current.isoformat())
            del slot.unreported_failures[:-50]
            raise WrongPassword(f"Wrong password for {username!r}.") from None
        slot.failed_count = 0
        slot.last_failure = None
        return key

    def seconds_to_wait(self, username: str, *, now: datetime | None = None) -> float:
        slot = self.get(username)
        delay = lockout_delay(slot.failed_count)
        if delay == 0 or slot.last_failure is None:
            return 0.0
        elapsed = (now or datetime.now(UTC)) - datetime.fromisoformat(slot.last_failure)
        return max(0.0, delay - elapsed.total_seconds())

    def take_unreported_failures(self, username: str) -> list[str]:
        slot = self.get(username)
        taken, slot.unreported_failures = slot.unreported_failures, []
        return taken
