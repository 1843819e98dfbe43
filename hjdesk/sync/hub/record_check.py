"""Records a hub holds that today's payload rules refuse (`hjdesk hub check-records`).

The hub checks every pushed op against its kind's payload rules (`sync.payloads`), and laptops
check every pulled record the same way. A hub that took records before a rule existed (JSON
nested too deep to read before the eleventh session, JSON of the wrong shape before the twelfth)
still holds them: every laptop in scope sets each aside on its own, and the hub administrator
learns of them only from the laptops' Sync pages. This walks the stored records with the same
rules and names each one, with the device that pushed it: a device that pushed a record no laptop
can store is one to look at (`hjdesk hub revoke`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hjdesk.sync import payloads
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.store import HubStore

# Records read per snapshot: bounded memory on a hub of millions, each page its own read.
PAGE = 2000


@dataclass(frozen=True, slots=True)
class HeldRecord:
    """A stored record laptops set aside, and why."""

    kind: str
    record_id: str
    origin_device: str
    establishment: str  # of the device that pushed it ("?" if that device is no longer known)
    updated_at: datetime
    reason: str


def records_laptops_set_aside(store: HubStore, *, page: int = PAGE) -> list[HeldRecord]:
    """Every stored record that fails its kind's payload rules, oldest change first."""
    docs, devices = schema.documents, schema.devices
    query = (
        select(
            docs.c.kind,
            docs.c.id,
            docs.c.payload,
            docs.c.origin_device,
            devices.c.establishment,
            docs.c.updated_at,
            docs.c.change_seq,
        )
        .select_from(docs.outerjoin(devices, devices.c.id == docs.c.origin_device))
        .order_by(docs.c.change_seq)
        .limit(page)
    )
    found: list[HeldRecord] = []
    after = None
    while True:
        with store.reading() as conn:
            rows = conn.execute(
                query if after is None else query.where(docs.c.change_seq > after)
            ).all()
        for kind, record_id, payload, device, establishment, updated_at, _ in rows:
            why = (
                payloads.problem(kind, record_id, payload)
                if isinstance(payload, dict)
                else "the payload is not a JSON object"
            )
            if why is not None:
                found.append(
                    HeldRecord(kind, record_id, device, establishment or "?", updated_at, why)
                )
        if len(rows) < page:
            return found
        after = rows[-1].change_seq
