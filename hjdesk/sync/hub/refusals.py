"""Ops the hub refused: the 422 a push gets, and the record the hub keeps of each.

A refused batch stores nothing of its ops (its transaction rolls back); the refusals themselves
are then written in a transaction of their own, because they matter twice: the administrator sees
which device tried what (`hjdesk hub refusals`), and a laptop that has set a refused op aside may
send the ops after it without the hub taking the missing seq for ops lost on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select

from hjdesk.sync.hub import schema
from hjdesk.sync.hub.authorise import Refusal
from hjdesk.sync.hub.devices import HubRefusal
from hjdesk.sync.hub.schema import utcnow
from hjdesk.sync.hub.store import HubStore
from hjdesk.sync.protocol import Withdrawn


class OpsRefused(HubRefusal):
    """422: these ops break the hub's rules; nothing of the batch was stored."""

    def __init__(self, refusals: list[Refusal]) -> None:
        first = refusals[0]
        more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
        super().__init__(
            f"op {first.op_id} ({first.kind}) refused by rule '{first.rule}': {first.reason}{more}",
            422,
        )
        self.refusals = refusals


def record(store: HubStore, device_id: str, refusals: list[Refusal]) -> None:
    """Remember the refusals (a batch sent again is refused again: one row per seq)."""
    table = schema.refusals
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(
            delete(table).where(
                table.c.device_id == device_id, table.c.seq.in_([r.seq for r in refusals])
            )
        )
        conn.execute(
            table.insert(),
            [
                {"device_id": device_id, "seq": r.seq, "op_id": r.op_id[:80], "kind": r.kind,
                 "record_id": r.record_id, "rule": r.rule[:40], "reason": r.reason[:300],
                 "refused_at": now}
                for r in refusals
            ],
        )  # fmt: skip


TOO_LARGE = "too-large"


def withdraw(conn: Connection, device_id: str, withdrawn: list[Withdrawn]) -> None:
    """Ops the laptop set aside as too large to send, recorded as refused (in the push's
    transaction)."""
    table = schema.refusals
    seqs = [w.seq for w in withdrawn]
    conn.execute(delete(table).where(table.c.device_id == device_id, table.c.seq.in_(seqs)))
    conn.execute(
        table.insert(),
        [
            {"device_id": device_id, "seq": w.seq, "op_id": f"{device_id}:{w.seq}"[:80],
             "kind": w.kind, "record_id": w.record_id, "rule": TOO_LARGE,
             "reason": "larger than the hub takes in one request; set aside on the laptop",
             "refused_at": utcnow()}
            for w in withdrawn
        ],
    )  # fmt: skip


def refused_seqs(conn: Connection, device_id: str, first: int, last: int) -> set[int]:
    """The seqs between `first` and `last` the hub refused for this device."""
    table = schema.refusals
    return set(
        conn.execute(
            select(table.c.seq).where(
                table.c.device_id == device_id, table.c.seq.between(first, last)
            )
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class RefusalRow:
    device_id: str
    establishment: str
    seq: int
    kind: str
    record_id: str
    rule: str
    reason: str
    refused_at: datetime


def list_refusals(store: HubStore) -> list[RefusalRow]:
    """Every refused op, newest first, with its device's establishment."""
    table, devices = schema.refusals, schema.devices
    with store.reading() as conn:
        rows = conn.execute(
            select(table, devices.c.establishment)
            .join(devices, devices.c.id == table.c.device_id)
            .order_by(table.c.refused_at.desc(), table.c.seq.desc())
        ).mappings()
        return [
            RefusalRow(
                device_id=r["device_id"],
                establishment=r["establishment"],
                seq=int(r["seq"]),
                kind=r["kind"],
                record_id=r["record_id"],
                rule=r["rule"],
                reason=r["reason"],
                refused_at=r["refused_at"],
            )
            for r in rows
        ]
