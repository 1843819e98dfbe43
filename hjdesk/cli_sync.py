"""Sync commands of `hjdesk`: the hub (serve, enrol-code, revoke, wipe, audit-report) and the
laptop side (enrol, sync). Registered into the main parser by `hjdesk.cli`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from hjdesk.storage.vault import OpenVault


def register(
    sub: Any,
    vault_options: Callable[[argparse.ArgumentParser], None],
    open_vault: Callable[[argparse.Namespace], OpenVault],
) -> None:
    """Add the sync subcommands (none yet: the sync issue adds them)."""
