"""A real process for the key-slot tests: unlock attempts racing from several processes, and a
rekey SIGKILLed at a chosen step.

    python -m tests.storage.slot_driver try HOME USER PASSWORD    -> prints the outcome's class name
    python -m tests.storage.slot_driver rekey HOME USER PASSWORD STEP

The test profile's KDF floor is set here as in tests/conftest.py (the application never lowers it).
"""

from __future__ import annotations

import os
import signal
import sys

from hjdesk.storage import keyslots, rekey
from hjdesk.storage.errors import KnownError
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault

keyslots.KDF_FLOOR = keyslots.TEST_KDF_FLOOR


def _try(home: str, user: str, password: str) -> str:
    try:
        Vault(HomePaths.resolve(home)).unlock(user, password).lock()
    except KnownError as exc:
        return type(exc).__name__
    return "opened"


def _rekey(home: str, user: str, password: str, step: str) -> None:
    def die_at(name: str) -> None:
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    rekey._step = die_at
    opened = Vault(HomePaths.resolve(home)).unlock(user, password)
    opened.rekey(reason="test")
    opened.lock()


def main() -> None:
    command, home, user, password = sys.argv[1:5]
    if command == "try":
        print(_try(home, user, password), flush=True)
    else:
        _rekey(home, user, password, sys.argv[5])


if __name__ == "__main__":
    main()
