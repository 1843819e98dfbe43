"""The sync client's scalar state, kept in the vault's `settings` table (so it is encrypted).

The device token never leaves the vault except in the Authorization header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from hjdesk.storage.models import Setting

HUB_URL = "sync.hub_url"
TOKEN = "sync.token"  # noqa: S105 - a settings key, not a secret
CA_BUNDLE = "sync.ca_bundle"
ESTABLISHMENT = "sync.establishment"
CURSOR = "sync.cursor"
REVOKED = "sync.revoked"
LAST_RECEIPT = "last_sync_receipt"  # read by the status bar (services/settings/status.py)


@dataclass(frozen=True, slots=True)
class SyncConfig:
    """Where this laptop syncs to; plain values, safe to hand to a worker thread."""

    hub_url: str
    token: str
    establishment: str
    ca_bundle: Path | None

    def __repr__(self) -> str:  # never print the token
        return f"SyncConfig(hub_url={self.hub_url!r}, establishment={self.establishment!r})"


def get(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return None if row is None else row.value


def put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def delete(session: Session, key: str) -> None:
    row = session.get(Setting, key)
    if row is not None:
        session.delete(row)


def config(session: Session) -> SyncConfig | None:
    url, token, establishment = (
        get(session, HUB_URL),
        get(session, TOKEN),
        get(session, ESTABLISHMENT),
    )
    if not url or not token or not establishment:
        return None
    bundle = get(session, CA_BUNDLE)
    return SyncConfig(url, token, establishment, Path(bundle) if bundle else None)


def cursor(session: Session) -> int:
    return int(get(session, CURSOR) or 0)


def last_receipt(session: Session) -> datetime | None:
    value = get(session, LAST_RECEIPT)
    return datetime.fromisoformat(value) if value else None
