"""A laptop's first start: create its vault with the first administrator and the establishment,
and tell a vault that cannot be opened from one that is not there yet.

`hjdesk init` and the desktop app's first-run screen both create a vault through `create_vault`,
so the rules (user name, password length, establishment code) are the same wherever it is made.
Enrolling with a hub (`sync.client.enrol`) and importing a roll (`services.roll_import`) are the
same calls the Sync and Admin pages make; the first-run screen only offers them early.

`diagnose` runs before the first paint, so this module imports nothing heavy at the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from hjdesk.clinical.identifiers import normalise_establishment_code
from hjdesk.storage.errors import InvalidInput, KnownError, VaultDamaged, VaultTooNew
from hjdesk.storage.keyslots import MIN_PASSWORD_LENGTH
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault

PASSWORD_RULE = f"At least {MIN_PASSWORD_LENGTH} characters. A short sentence is easy to remember."
MAX_FULL_NAME = 80


def check_establishment(code: str) -> str:
    """The establishment code in its stored form, or InvalidInput saying what is wrong."""
    try:
        return normalise_establishment_code(code)
    except ValueError as exc:
        raise InvalidInput(f"The {exc}.") from None


def create_vault(
    home: HomePaths,
    *,
    admin: str,
    password: str,
    full_name: str = "",
    establishment: str = "",
) -> OpenVault:
    """Create the vault with its first administrator and, when given, the establishment code.

    Everything the person typed is checked before a file is written."""
    name = " ".join(full_name.split())
    if len(name) > MAX_FULL_NAME:
        raise InvalidInput(f"A full name has at most {MAX_FULL_NAME} characters.")
    code = check_establishment(establishment) if establishment.strip() else ""
    # With the code known now, the administrator gets the estate-wide staff id at once (§5a).
    return Vault.create(
        home,
        admin=admin,
        password=password,
        display_name=name or None,
        establishment=code or None,
    )


class VaultState(Enum):
    NONE = "none"  # a new laptop: nothing in the folder yet
    READY = "ready"  # a vault with its key slots, ready to unlock
    DAMAGED = "damaged"
    TOO_NEW = "too_new"


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    taken: datetime
    size: int


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What the start-up found, and for a vault that cannot be opened, what to do."""

    state: VaultState
    what_happened: str = ""
    what_to_do: str = ""
    backups: tuple[Backup, ...] = ()


def find_backups(home: HomePaths) -> tuple[Backup, ...]:
    """Vault copies in `backups/` (made before every migration), newest first."""
    if not home.backups.is_dir():
        return ()
    found = []
    for path in home.backups.glob("*.db"):
        stat = path.stat()
        found.append(Backup(path, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size))
    return tuple(sorted(found, key=lambda b: b.taken, reverse=True))


def diagnose(vault: Vault) -> Diagnosis:
    """Look at the home folder without a password: new, ready, or a vault that cannot open.

    A vault file without its key slots (or the reverse) is damaged, never "new": creating a
    fresh vault over it would bury the old one."""
    home = vault.home
    has_vault, has_slots = home.vault.exists(), home.keyslots.exists()
    if not has_vault and not has_slots:
        return Diagnosis(VaultState.NONE)
    if has_vault != has_slots:
        missing = "key slot file (keyslots.json)" if has_vault else "vault file (vault.db)"
        return problem(vault, VaultDamaged(f"The {missing} is missing from {home.root}."))
    try:
        vault.users()
    except KnownError as exc:
        return problem(vault, exc)
    return Diagnosis(VaultState.READY)


def problem(vault: Vault, exc: KnownError) -> Diagnosis:
    """The diagnosis for an error met opening the vault (at start-up or on unlock)."""
    home = vault.home
    backups = find_backups(home)
    if isinstance(exc, VaultTooNew):
        return Diagnosis(
            VaultState.TOO_NEW,
            what_happened=f"{exc.message} This copy of HJDesk cannot open it, and has not "
            "changed it.",
            what_to_do="Install the newer HJDesk on this laptop (IT support has it), then "
            "start it again. Do not delete or move the files in the HJDesk folder.",
            backups=backups,
        )
    if backups:
        restore = (
            f"Ask IT support to restore the newest copy from {home.backups} (listed below) "
            "over vault.db, keeping keyslots.json, then choose Check again."
        )
    else:
        restore = (
            f"There is no copy in {home.backups}. If this laptop was enrolled with a hub, IT "
            "support can set it up again and its records come back at the first sync."
        )
    return Diagnosis(
        VaultState.DAMAGED,
        what_happened=exc.message,
        what_to_do=f"Do not delete anything in {home.root}. {restore} Records not yet sent to "
        "the hub may only be in the damaged file: IT support can try to recover them.",
        backups=backups,
    )
