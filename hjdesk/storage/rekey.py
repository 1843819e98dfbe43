"""Replacing the vault's data key (docs/vault.md, "Rekey"): after a user is disabled, or by
`hjdesk users rekey`, so no copy of an old key slot opens the vault again.

The steps, each leaving a vault that opens:
1. under the slot file's lock, write `keyslots.json.rekey`: every remaining slot with an envelope
   for the new key (the old file still opens the old key);
2. `PRAGMA rekey` (rollback journal, so SQLite itself makes it all or nothing);
3. replace `keyslots.json` by the new file, then remove `keyslots.json.rekey`.
An unlock that finds `keyslots.json.rekey` finishes the job (`settle`): whichever key opens the
vault, it ends with the new key and the new slots, or leaves both files as they are when it cannot.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlcipher3

from hjdesk.storage import filelock
from hjdesk.storage.engine import connect_raw
from hjdesk.storage.errors import VaultBusy, translate_database_error
from hjdesk.storage.keyslots import KeySlots, Opened


def pending_path(keyslots: Path) -> Path:
    return keyslots.with_name(keyslots.name + ".rekey")


def _step(name: str) -> None:
    """Between steps: nothing. Tests replace it to kill the process at each step."""


def opens(vault: Path, key: bytes) -> bool:
    """Whether `key` reads the vault (a wrong key fails on the first read)."""
    try:
        conn = connect_raw(vault, key)
    except sqlcipher3.DatabaseError:
        return False
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def _pragma_rekey(vault: Path, old: bytes, new: bytes) -> None:
    conn = connect_raw(vault, old)
    try:
        # The rekey must be one rollback-journal transaction: out of WAL first, back after.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute(f"PRAGMA rekey = \"x'{new.hex()}'\"")
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlcipher3.DatabaseError as exc:
        known = translate_database_error(exc)
        if isinstance(known, VaultBusy):
            raise VaultBusy(
                "HJDesk has this vault open elsewhere on this laptop: lock or close it there, "
                "then run 'hjdesk users rekey'."
            ) from exc
        raise
    finally:
        conn.close()


def rekey(vault: Path, keyslots: Path, old_key: bytes) -> tuple[bytes, list[str]]:
    """Move the vault and every remaining slot to a new random key; return it and the users
    whose (older-format) slots could not be carried. Every connection must be closed first."""
    new_key = os.urandom(32)
    pending = pending_path(keyslots)
    with filelock.exclusive(keyslots.with_name(keyslots.name + ".lock")):
        current = KeySlots.load(keyslots)
        copy, stranded = current.rekeyed(new_key)
        copy.save(pending)
        _step("pending-written")
        try:
            _pragma_rekey(vault, old_key, new_key)
        except BaseException:
            if opens(vault, old_key):
                pending.unlink(missing_ok=True)
            raise
        _step("rekeyed")
        _promote(copy, keyslots)
    return new_key, stranded


def _promote(copy: KeySlots, keyslots: Path) -> None:
    """The new slots become the file (keeping the live failure counters), then the journal goes."""
    copy.counters_from(KeySlots.load(keyslots))
    copy.save(keyslots)
    _step("slots-replaced")
    pending_path(keyslots).unlink(missing_ok=True)


def settle(vault: Path, keyslots: Path, username: str, opened: Opened) -> bytes:
    """The key that opens the vault now, finishing an interrupted rekey if one is pending."""
    pending = pending_path(keyslots)
    key = opened.data_key
    if not pending.exists():
        return key
    with filelock.exclusive(keyslots.with_name(keyslots.name + ".lock")):
        if not pending.exists():
            return key if opens(vault, key) else _current_key(keyslots, username, opened, key)
        copy = KeySlots.load(pending)
        new_key = copy.envelope_key(username, opened)
        if new_key is None:
            return key  # this user cannot finish it (no slot there); the next one will
        if new_key == key or opens(vault, new_key):
            _promote(copy, keyslots)
            return new_key
        if opens(vault, key):
            _pragma_rekey(vault, key, new_key)
            _promote(copy, keyslots)
            return new_key
    return key


def _current_key(keyslots: Path, username: str, opened: Opened, fallback: bytes) -> bytes:
    """Another process finished the rekey after this unlock read the old file."""
    found = KeySlots.load(keyslots).envelope_key(username, opened)
    return found if found is not None else fallback
