"""Key slots: the vault's data key, once per user, like LUKS (architecture.md §3, docs/vault.md).

Each slot holds the user's X25519 private key wrapped under Argon2id(password) and the data key
sealed to the user's public key, so the data key can be replaced (a rekey, when a user is disabled)
without anyone's password. The slot's metadata (role, disabled state, KDF parameters, names, key
material) carries a MAC under a key derived from the data key: editing it without the data key is
found at the next unlock. The failed-attempt count must be written before anyone knows a password,
so nothing can authenticate it; instead it rises before the KDF runs, under an exclusive lock on
the file, and every attempt is audited at the next unlock.

Slots written by earlier releases (format 1: the data key wrapped directly under the password)
still open; the first successful unlock converts the user's slot and seals every slot.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hjdesk.storage import filelock, slot_crypto
from hjdesk.storage.errors import (
    InvalidInput,
    KnownError,
    UnknownUser,
    UserDisabled,
    UserLockedOut,
    VaultDamaged,
    WeakKeySlot,
    WrongPassword,
)
from hjdesk.storage.slot_crypto import InvalidTag, KdfParams, b64, unb64

__all__ = ["DEFAULT_KDF", "KDF_FLOOR", "TEST_KDF_FLOOR", "KdfParams", "KeySlots", "Slot"]

FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)
FREE_ATTEMPTS = 5
MAX_DELAY_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 8
# Marks an attempt refused during a lockout in `unreported_failures` ("<ISO time> locked-out").
LOCKED_OUT = "locked-out"

DEFAULT_KDF = KdfParams()
# OWASP's Argon2id floor: a slot below it is refused when read, before the KDF runs.
KDF_FLOOR = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=1)
# The explicit test profile: tests lower `KDF_FLOOR` to this (tests/conftest.py); the application
# never does.
TEST_KDF_FLOOR = KdfParams(memory_kib=1024, iterations=1, lanes=1)


@dataclass(slots=True)
class Slot:
    username: str
    display_name: str
    role: str
    salt: str
    nonce: str
    kdf: KdfParams
    disabled: bool = False
    # Format 2: the private key under the password, the public key, the data key's envelope.
    wrapped_private: str = ""
    public_key: str = ""
    envelope: dict[str, str] | None = None
    seal: str | None = None
    # Format 1 (before this release): the data key wrapped directly under the password.
    wrapped_key: str = ""
    failed_count: int = 0
    last_failure: str | None = None
    unreported_failures: list[str] = field(default_factory=list)

    def sealed_fields(self, vault_id: str) -> dict[str, Any]:
        """What the seal authenticates: everything but the failure counters."""
        return {
            "vault_id": vault_id, "username": self.username, "display_name": self.display_name,
            "role": self.role, "disabled": self.disabled, "kdf": asdict(self.kdf),
            "salt": self.salt, "nonce": self.nonce, "wrapped_private": self.wrapped_private,
            "public_key": self.public_key, "envelope": self.envelope,
            "wrapped_key": self.wrapped_key,
        }  # fmt: skip

    @property
    def legacy(self) -> bool:
        return bool(self.wrapped_key)

    @property
    def needs_reset(self) -> bool:
        """Not disabled, but holding no key (a rekey could not carry an unconverted slot)."""
        return not self.disabled and not self.wrapped_key and self.envelope is None


@dataclass(frozen=True, slots=True)
class Opened:
    """A successful unwrap: the data key and what converting a format-1 slot needs."""

    data_key: bytes
    kek: bytes
    private_key: bytes | None


def lockout_delay(failed_count: int) -> float:
    """Seconds to wait before the next try: none for the first five, then doubling from 30 s."""
    if failed_count < FREE_ATTEMPTS:
        return 0.0
    return float(min(MAX_DELAY_SECONDS, 30 * 2 ** (failed_count - FREE_ATTEMPTS)))


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def check_kdf(kdf: KdfParams) -> None:
    if not kdf.at_least(KDF_FLOOR):
        raise WeakKeySlot(
            "This key slot's password hashing is below HJDesk's minimum (Argon2id, 64 MiB, 3 "
            "passes): it is refused. An administrator can reset the password to rewrite it."
        )


def _need(ok: bool, name: str) -> None:
    if not ok:
        raise ValueError(f"key slot field out of range in slot {name!r}")


def _checked(name: str, slot: Slot) -> Slot:
    """Raise ValueError/TypeError for a slot that would crash unlock instead of refusing it."""
    for text in (slot.username, slot.display_name, slot.role, slot.salt, slot.nonce,
                 slot.wrapped_private, slot.public_key, slot.wrapped_key):  # fmt: skip
        _need(isinstance(text, str), name)
    _need(slot.username == name and isinstance(slot.disabled, bool), name)
    _need(len(unb64(slot.salt)) >= 8 and len(unb64(slot.nonce)) == 12, name)
    unb64(slot.wrapped_key)
    unb64(slot.wrapped_private)
    _need(len(unb64(slot.public_key)) in (0, 32), name)
    if slot.envelope is not None:
        _need(isinstance(slot.envelope, dict), name)
        for part in ("ephemeral", "nonce", "sealed_key"):
            unb64(slot.envelope[part])
    _need(slot.seal is None or isinstance(slot.seal, str), name)
    kdf = slot.kdf
    for value in (kdf.memory_kib, kdf.iterations, kdf.lanes):
        _need(isinstance(value, int) and not isinstance(value, bool), name)
    _need(1 <= kdf.lanes <= 64 and 1 <= kdf.iterations <= 100, name)
    _need(8 * kdf.lanes <= kdf.memory_kib <= 4 * 1024 * 1024, name)
    _need(type(slot.failed_count) is int and slot.failed_count >= 0, name)
    if slot.last_failure is not None:
        _need(isinstance(slot.last_failure, str), name)
        _need(datetime.fromisoformat(slot.last_failure).tzinfo is not None, name)
    _need(isinstance(slot.unreported_failures, list), name)
    _need(all(isinstance(at, str) for at in slot.unreported_failures), name)
    return slot


def _parse(raw: Any) -> tuple[str, str | None, dict[str, Slot]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("slots"), dict):
        raise TypeError("not a key slot file")
    if raw.get("format") not in READABLE_FORMATS:
        raise VaultDamaged("The key slot file is from an unknown version of HJDesk.")
    slots = {}
    for name, data in raw["slots"].items():
        data = dict(data)
        data["kdf"] = KdfParams(**data["kdf"])
        slots[name] = _checked(name, Slot(**data))
    check = raw.get("key_check")
    if check is not None and not isinstance(check, str):
        raise TypeError("key_check")
    return str(raw["vault_id"]), check, slots


class KeySlots:
    """The `keyslots.json` file beside a vault."""

    def __init__(
        self, path: Path, vault_id: str, slots: dict[str, Slot], key_check: str | None = None
    ) -> None:
        self.path = path
        self.vault_id = vault_id
        self.key_check = key_check
        self._slots = slots

    # -- file -----------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path) -> KeySlots:
        return cls(path, vault_id=os.urandom(16).hex(), slots={})

    @classmethod
    def load(cls, path: Path) -> KeySlots:
        try:
            vault_id, check, slots = _parse(json.loads(path.read_text(encoding="utf-8")))
            return cls(path, vault_id=vault_id, slots=slots, key_check=check)
        except KnownError:
            raise
        except FileNotFoundError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultDamaged(
                "The key slot file (keyslots.json) is damaged: the vault cannot be unlocked."
            ) from exc

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive use of the file: re-read it, change it, save it, with no one in between."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with filelock.exclusive(self.lock_path):
            if self.path.exists():
                fresh = KeySlots.load(self.path)
                self.vault_id, self.key_check, self._slots = (
                    fresh.vault_id, fresh.key_check, fresh._slots
                )  # fmt: skip
            yield

    def save(self, path: Path | None = None) -> None:
        """Write atomically: a crash mid-write must never lose every user's slot."""
        target = path or self.path
        payload: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "vault_id": self.vault_id,
            "key_check": self.key_check,
            "slots": {name: asdict(slot) for name, slot in self._slots.items()},
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".keyslots.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
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
        """Create or replace a user's slot: a new key pair under the new password, sealed."""
        check_password_strength(password)
        check_kdf(kdf)
        salt = os.urandom(16)
        private, public = slot_crypto.new_keypair()
        nonce, wrapped = slot_crypto.wrap(
            slot_crypto.kek(password, salt, kdf), private, self._aad(username)
        )
        old = self._slots.get(username)
        slot = Slot(
            username=username, display_name=display_name, role=role, salt=b64(salt),
            nonce=nonce, kdf=kdf, wrapped_private=wrapped, public_key=b64(public),
        )  # fmt: skip
        if old is not None:  # failures still to be audited stay with the user
            slot.unreported_failures = old.unreported_failures
        self._slots[username] = self._sealed(slot, data_key)

    def _sealed(self, slot: Slot, data_key: bytes) -> Slot:
        if slot.public_key and not slot.disabled:
            slot.envelope = slot_crypto.seal_envelope(
                unb64(slot.public_key), data_key, self._aad(slot.username)
            )
        slot.seal = slot_crypto.seal(data_key, self.vault_id, slot.sealed_fields(self.vault_id))
        self.key_check = slot_crypto.key_check(data_key, self.vault_id)
        return slot

    def reseal(self, username: str, data_key: bytes, **changes: Any) -> None:
        """Change sealed metadata (role, display name) of a slot, as an administrator."""
        self._slots[username] = self._sealed(replace(self.get(username), **changes), data_key)

    def disable(self, username: str, data_key: bytes) -> None:
        """Destroy the slot's key material so the password opens nothing; keep the name."""
        slot = self.get(username)
        slot.disabled = True
        slot.wrapped_key = slot.wrapped_private = ""
        slot.envelope = None
        self._sealed(slot, data_key)

    # -- unlock ---------------------------------------------------------------------------
    def open(self, username: str, password: str, *, now: datetime | None = None) -> Opened:
        """Return the data key, or raise; the attempt is counted before the KDF runs.

        Reads and writes the file itself, under its lock; the caller need not save."""
        current = now or datetime.now(UTC)
        stamp = current.isoformat()
        with self.locked():
            slot = self.get(username)
            if slot.disabled:
                raise UserDisabled(f"User {username!r} is disabled: ask an administrator.")
            if slot.needs_reset:
                raise UserDisabled(
                    f"User {username!r} needs a new password since the vault key was changed: "
                    "ask an administrator to reset it."
                )
            wait = self.seconds_to_wait(username, now=current)
            if wait > 0:
                # Refused without trying the password: recorded for the audit chain, but the
                # count (and so the delay) does not grow while a person waits it out.
                slot.unreported_failures.append(f"{stamp} {LOCKED_OUT}")
                del slot.unreported_failures[:-50]
                self.save()
                raise UserLockedOut(
                    f"Too many wrong passwords for {username!r}: try again in {int(wait) + 1} s.",
                    wait,
                )
            # Counted before the KDF runs: a process killed or raced during it still counts.
            slot.failed_count += 1
            slot.last_failure = stamp
            slot.unreported_failures.append(stamp)
            del slot.unreported_failures[:-50]
            self.save()
            check_kdf(slot.kdf)
        opened = self._unwrap(slot, password)
        with self.locked():
            slot = self.get(username)
            slot.failed_count = 0
            slot.last_failure = None
            if stamp in slot.unreported_failures:
                slot.unreported_failures.remove(stamp)
            self.save()
        return opened

    def _unwrap(self, slot: Slot, password: str) -> Opened:
        kek = slot_crypto.kek(password, unb64(slot.salt), slot.kdf)
        aad = self._aad(slot.username)
        try:
            if slot.legacy:
                key = slot_crypto.unwrap(kek, slot.nonce, slot.wrapped_key, aad)
                private = None
            else:
                if slot.envelope is None:
                    raise InvalidTag
                private = slot_crypto.unwrap(kek, slot.nonce, slot.wrapped_private, aad)
                key = slot_crypto.open_envelope(private, slot.envelope, aad)
        except InvalidTag:
            raise WrongPassword(f"Wrong password for {slot.username!r}.") from None
        if self.key_check is not None and slot_crypto.key_check(key, self.vault_id) != (
            self.key_check
        ):
            # A slot restored from before a rekey: its key no longer opens the vault.
            raise WrongPassword(
                f"The key slot of {slot.username!r} is out of date (the vault key has changed): "
                "ask an administrator to reset the password."
            )
        return Opened(key, kek, private)

    def unwrap(self, username: str, password: str, *, now: datetime | None = None) -> bytes:
        """The data key (see `open`)."""
        return self.open(username, password, now=now).data_key

    def seconds_to_wait(self, username: str, *, now: datetime | None = None) -> float:
        slot = self.get(username)
        delay = lockout_delay(slot.failed_count)
        if delay == 0 or slot.last_failure is None:
            return 0.0
        elapsed = (now or datetime.now(UTC)) - datetime.fromisoformat(slot.last_failure)
        return max(0.0, delay - elapsed.total_seconds())

    def take_unreported_failures(self, username: str) -> list[str]:
        with self.locked():
            slot = self.get(username)
            taken, slot.unreported_failures = slot.unreported_failures, []
            if taken:  # `locked` has just read the file: with nothing taken it is unchanged
                self.save()
        return taken

    # -- authority ------------------------------------------------------------------------
    def seal_valid(self, username: str, data_key: bytes) -> bool:
        slot = self.get(username)
        fields = slot.sealed_fields(self.vault_id)
        return slot.seal is not None and slot_crypto.seal_ok(
            data_key, self.vault_id, fields, slot.seal
        )

    def verify(self, username: str, opened: Opened) -> list[str]:
        """After a successful unlock: check every slot's seal and bring older slots up to date.

        Returns the users whose sealed metadata was changed without the data key. Unsealed
        slots (format 1) are sealed as they stand: trust on first use, once."""
        key = opened.data_key
        tampered = []
        with self.locked():
            before = self.key_check
            changed = False
            for slot in self._slots.values():
                if slot.seal is None:
                    self._sealed(slot, key)
                    changed = True
                elif not slot_crypto.seal_ok(
                    key, self.vault_id, slot.sealed_fields(self.vault_id), slot.seal
                ):
                    tampered.append(slot.username)
            own = self.get(username)
            if own.legacy and username not in tampered:
                private, public = slot_crypto.new_keypair()
                own.nonce, own.wrapped_private = slot_crypto.wrap(
                    opened.kek, private, self._aad(username)
                )
                own.public_key, own.wrapped_key = b64(public), ""
                self._sealed(own, key)
                changed = True
            self.key_check = slot_crypto.key_check(key, self.vault_id)
            # Written only when it changed (`locked` has just read it): an unlock of an
            # up-to-date vault wrote and fsynced the same file four times (docs/performance.md).
            if changed or self.key_check != before:
                self.save()
        return sorted(tampered)

    def rekeyed(self, new_key: bytes) -> tuple[KeySlots, list[str]]:
        """A copy of these slots for a new data key, and the users it could not carry.

        Every converted slot gets a new envelope for its public key; a format-1 slot (its user
        has not unlocked since the upgrade) cannot be re-wrapped without its password and is
        left holding no key until an administrator resets it."""
        copy = KeySlots(self.path, self.vault_id, {})
        stranded = []
        for slot in self._slots.values():
            moved = replace(slot, unreported_failures=list(slot.unreported_failures))
            if moved.legacy:
                moved.wrapped_key = ""
                stranded.append(slot.username)
            copy._slots[slot.username] = copy._sealed(moved, new_key)
        copy.key_check = slot_crypto.key_check(new_key, self.vault_id)
        return copy, sorted(stranded)

    def envelope_key(self, username: str, opened: Opened) -> bytes | None:
        """The data key this file's slot seals for a user already opened elsewhere (a rekey in
        progress has the same private key in both files)."""
        slot = self._slots.get(username)
        if slot is None or slot.envelope is None or opened.private_key is None:
            return None
        try:
            return slot_crypto.open_envelope(opened.private_key, slot.envelope, self._aad(username))
        except InvalidTag:
            return None

    def counters_from(self, other: KeySlots) -> None:
        """Carry the failure counters of `other` (the live file) into this copy."""
        for slot in self._slots.values():
            if slot.username in other:
                live = other.get(slot.username)
                slot.failed_count, slot.last_failure = live.failed_count, live.last_failure
                slot.unreported_failures = list(live.unreported_failures)
