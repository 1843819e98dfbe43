"""The hub's receipt for one device (the handover check, `hjdesk sync --check`): from the hub's
own tables, which of the device's ops up to a seq it holds, which it refused, and how far it has
verified the device's audit chain. A laptop is handed over or wiped only when this says
everything it holds is at the office."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping

from hjdesk.sync.hub import schema
from hjdesk.sync.hub.devices import state_of
from hjdesk.sync.hub.store import HubStore
from hjdesk.sync.protocol import Receipt


def receipt(store: HubStore, device: RowMapping, upto: int) -> Receipt:
    ops, refusals, chains = schema.ops, schema.refusals, schema.audit_chains
    me = device["id"]
    with store.reading() as conn:
        held = set(
            conn.execute(
                select(ops.c.seq).where(ops.c.device_id == me, ops.c.seq <= upto)
            ).scalars()
        )
        refused = sorted(
            conn.execute(
                select(refusals.c.seq).where(refusals.c.device_id == me, refusals.c.seq <= upto)
            ).scalars()
        )
        breaks = conn.execute(
            select(func.count()).where(schema.audit_breaks.c.device_id == me)
        ).scalar_one()
        chain = conn.execute(
            select(chains.c.last_seq, chains.c.last_hash).where(chains.c.device_id == me)
        ).first()
    # Gaps between the seqs held, walked over those seqs only (never over 1..upto: a device
    # could name any upto).
    missing: list[tuple[int, int]] = []
    previous = 0
    for seq in sorted(held | set(refused)):
        if seq > previous + 1:
            missing.append((previous + 1, seq - 1))
        previous = seq
    if upto > previous:
        missing.append((previous + 1, upto))
    return Receipt(
        upto=upto,
        missing=missing[:1000],
        refused=refused[:10_000],
        audit_seq=int(chain[0]) if chain else 0,
        audit_hash=chain[1] if chain else None,
        audit_breaks=int(breaks),
        device=state_of(device),
    )
