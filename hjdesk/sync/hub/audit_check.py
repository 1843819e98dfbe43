"""Verify each device's audit chain as its events arrive; record (never refuse) a break.

A break is evidence, so the events are stored regardless and the break is reported by
`hjdesk hub audit-report`. After a break the chain continues from the event received, so one
tampering is reported once rather than for every later event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from hjdesk.storage.audit import GENESIS, chain_hash
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.schema import utcnow
from hjdesk.sync.hub.store import HubStore
from hjdesk.sync.protocol import WireOp

# The hashed fields of an event, as hjdesk.storage.audit.event_body names them.
BODY_FIELDS = (
    "id", "seq", "at", "actor_id", "actor_username", "actor_role", "patient_id", "action",
    "detail", "device_id",
)  # fmt: skip


def event_body(payload: dict[str, Any]) -> dict[str, Any]:
    return {name: payload.get(name) for name in BODY_FIELDS}


class ChainChecker:
    """Holds each device's chain tail for one push transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tails: dict[str, tuple[int, str, bool]] = {}  # device → (seq, hash, stored?)

    def _tail(self, device_id: str) -> tuple[int, str, bool]:
        if device_id not in self._tails:
            row = self._conn.execute(
                select(schema.audit_chains.c.last_seq, schema.audit_chains.c.last_hash).where(
                    schema.audit_chains.c.device_id == device_id
                )
            ).first()
            self._tails[device_id] = (int(row[0]), row[1], True) if row else (0, GENESIS, False)
        return self._tails[device_id]

    def check(self, device_id: str, op: WireOp) -> None:
        payload = op.payload
        last_seq, last_hash, stored = self._tail(device_id)
        seq, event_hash = payload.get("seq"), payload.get("hash")
        reason = None
        if op.base_rev is not None:
            reason = "an audit event was changed after it was written"
        elif not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(event_hash, str):
            reason = "the event has no sequence number or hash"
        elif payload.get("device_id") != device_id:
            reason = "the event names another device"
        elif seq > last_seq + 1:
            reason = f"events {last_seq + 1} to {seq - 1} are missing"
        elif seq <= last_seq:
            reason = f"event {seq} arrived again or out of order"
        elif payload.get("prev_hash") != last_hash:
            reason = "it does not follow the event before it (removed or reordered)"
        elif chain_hash(last_hash, event_body(payload)) != event_hash:
            reason = "its content was altered"
        if reason is not None:
            self._conn.execute(
                schema.audit_breaks.insert().values(
                    device_id=device_id,
                    seq=seq if isinstance(seq, int) and abs(seq) < 2**62 else None,
                    event_id=op.record_id,
                    reason=reason[:200],
                    detected_at=utcnow(),
                )
            )
        if isinstance(seq, int) and isinstance(event_hash, str) and abs(seq) < 2**62:
            self._tails[device_id] = (max(seq, last_seq), event_hash[:64], stored)

    def save(self) -> None:
        for device_id, (seq, digest, stored) in self._tails.items():
            table = schema.audit_chains
            if stored:
                self._conn.execute(
                    table.update()
                    .where(table.c.device_id == device_id)
                    .values(last_seq=seq, last_hash=digest)
                )
            elif seq:
                self._conn.execute(
                    table.insert().values(device_id=device_id, last_seq=seq, last_hash=digest)
                )


@dataclass(frozen=True, slots=True)
class ChainStatus:
    device_id: str
    establishment: str
    verified_to: int
    breaks: tuple[tuple[int | None, str | None, str, datetime], ...]


def audit_report(store: HubStore) -> list[ChainStatus]:
    """Every enrolled device's chain: how far it is verified, and each break found."""
    with store.reading() as conn:
        tails = dict(
            conn.execute(
                select(schema.audit_chains.c.device_id, schema.audit_chains.c.last_seq)
            ).all()
        )
        breaks: dict[str, list[tuple[int | None, str | None, str, datetime]]] = {}
        for row in conn.execute(
            select(schema.audit_breaks).order_by(schema.audit_breaks.c.id)
        ).mappings():
            breaks.setdefault(row["device_id"], []).append(
                (row["seq"], row["event_id"], row["reason"], row["detected_at"])
            )
        devices = conn.execute(
            select(schema.devices.c.id, schema.devices.c.establishment).order_by(
                schema.devices.c.enrolled_at
            )
        ).all()
    return [
        ChainStatus(
            device_id=device_id,
            establishment=establishment,
            verified_to=int(tails.get(device_id, 0)),
            breaks=tuple(breaks.get(device_id, [])),
        )
        for device_id, establishment in devices
    ]
