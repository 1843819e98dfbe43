"""Every file HJDesk keeps, in one place: the home folder and what lives in it.

The home is `--home`, else `HJDESK_HOME`, else the platform's per-user data folder. Folders are
created 0700 because the key slots and the vault together are the laptop's whole secret.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "HJDESK_HOME"


def default_home() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "HJDesk"
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "hjdesk"


@dataclass(frozen=True, slots=True)
class HomePaths:
    """The files of one HJDesk home folder."""

    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> HomePaths:
        chosen = home if home is not None else os.environ.get(HOME_ENV) or default_home()
        return cls(Path(chosen).expanduser().absolute())

    @property
    def vault(self) -> Path:
        return self.root / "vault.db"

    @property
    def keyslots(self) -> Path:
        return self.root / "keyslots.json"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def log(self) -> Path:
        return self.root / "hjdesk.log"

    def ensure(self) -> None:
        """Create the home folder (and parents) private to this user."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.name == "posix":
            self.root.chmod(0o700)
