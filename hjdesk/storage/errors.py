"""Errors a person can act on, each with a plain message; anything else is a bug.

The UI and the command line show `KnownError` messages as they are; every other exception goes to
the crash path (style.md 3).
"""

from __future__ import annotations


class KnownError(Exception):
    """An error with a message fit to show a user; never carries patient identifiers."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class VaultMissing(KnownError):
    pass


class VaultExists(KnownError):
    pass


class WrongPassword(KnownError):
    pass


class UnknownUser(KnownError):
    pass


class UserDisabled(KnownError):
    pass


class UserLockedOut(KnownError):
    """Too many failed unlocks: wait `seconds` before the next try."""

    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


class VaultDamaged(KnownError):
    pass


class WeakKeySlot(KnownError):
    """A key slot's KDF parameters are below the floor: refused before the KDF runs."""


class SlotTampered(KnownError):
    """A key slot's sealed metadata (role, disabled state, KDF, keys) was changed outside HJDesk."""


class VaultTooNew(KnownError):
    pass


class DiskFull(KnownError):
    pass


class VaultReadOnly(KnownError):
    pass


class VaultBusy(KnownError):
    pass


class VaultLocked(KnownError):
    pass


class PermissionDenied(KnownError):
    pass


class InvalidInput(KnownError):
    pass


def translate_database_error(exc: BaseException) -> KnownError | None:
    """Map a SQLite/SQLCipher error to a KnownError, or None when it is a bug.

    Messages come from SQLite's result codes (`sqlite3ErrStr`), which sqlcipher3 passes on.
    """
    text = str(exc).lower()
    if "file is not a database" in text or "malformed" in text or "hmac" in text:
        return VaultDamaged(
            "The vault is damaged and cannot be read. Do not delete it: contact IT support, "
            "who can restore it from the hub or a backup."
        )
    if "database or disk is full" in text or ("disk i/o error" in text and "full" in text):
        return DiskFull("The disk is full: free some space and try again. Nothing was saved.")
    if "readonly" in text or "read-only" in text:
        return VaultReadOnly("The vault is read-only on this disk: HJDesk cannot save anything.")
    if "database is locked" in text or "database is busy" in text:
        return VaultBusy("The vault is busy (is HJDesk open twice?). Try again in a moment.")
    if "unable to open database" in text:
        return VaultMissing("The vault file cannot be opened.")
    return None
