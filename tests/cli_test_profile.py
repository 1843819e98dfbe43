"""`hjdesk` as test subprocesses run it: the test profile's KDF floor, then the real command.

Test vaults use a cheap Argon2id cost (tests/conftest.py FAST_KDF) that the application refuses
(keyslots.KDF_FLOOR); only the test process and the subprocesses it starts through this module
accept it. The application itself has no switch to lower the floor.
"""

from __future__ import annotations

import sys

from hjdesk.storage import keyslots

keyslots.KDF_FLOOR = keyslots.TEST_KDF_FLOOR

if __name__ == "__main__":
    from hjdesk.cli import main

    sys.exit(main())
