"""The pull side: one page of changes in a device's scope, plus purges, from one snapshot."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import RowMapping

from hjdesk.sync.hub import schema, transfers
from hjdesk.sync.hub.devices import state_of
from hjdesk.sync.hub.store import HubStore, current_seq
from hjdesk.sync.protocol import AUDIT_KIND, Change, ChangesReply, Purge


def changes_since(store: HubStore, device: RowMapping, since: int, limit: int) -> ChangesReply:
    """Changes after `since` in the device's scope, oldest first; `next_since` is the cursor.

    Audit events stay on the hub (each laptop keeps its own chain), and a device is not sent
    the versions it wrote itself.
    """
    docs, est, pat = schema.documents, schema.establishments, schema.patients
    code, me = device["establishment"], device["id"]
    with store.reading() as conn:
        upto = current_seq(conn)
        here = select(est.c.id).where(est.c.code == code)
        on_roll_here = select(pat.c.id).where(
            pat.c.on_roll.is_(True), pat.c.establishment_id.in_(here)
        )
        rows = conn.execute(
            select(
                docs.c.change_seq,
                docs.c.kind,
                docs.c.id,
                docs.c.rev,
                docs.c.patient_id,
                docs.c.payload,
            )
            .where(
                docs.c.change_seq > since,
                docs.c.change_seq <= upto,
                docs.c.kind != AUDIT_KIND,
                or_(docs.c.last_device.is_(None), docs.c.last_device != me),
                or_(
                    and_(
                        docs.c.patient_id.is_(None),
                        or_(docs.c.est_code == code, docs.c.est_ref.in_(here)),
                    ),
                    # `|| ''` keeps SQLite from answering the OR through the patient_id index:
                    # that plan collects and sorts the whole scope for every page (a full pull
                    # was quadratic). Scanning the change_seq index from `since` reads only the
                    # changes after the cursor. A NULL patient_id stays NULL, as before.
                    (docs.c.patient_id + "").in_(on_roll_here),
                ),
            )
            .order_by(docs.c.change_seq)
            .limit(limit)
        ).all()
        more = len(rows) == limit
        # Not max(upto, since): a hub restored from a backup moves cursors back, and re-pulling
        # is harmless (applying is idempotent) where skipping would not be.
        page_upto = int(rows[-1].change_seq) if more else upto
        purges = conn.execute(
            select(schema.purges.c.seq, schema.purges.c.patient_id)
            .where(
                schema.purges.c.est_code == code,
                schema.purges.c.seq > since,
                schema.purges.c.seq <= page_upto,
            )
            .order_by(schema.purges.c.seq)
        ).all()
        notes = [] if more else transfers.notes_for(conn, code)
    return ChangesReply(
        changes=[
            Change(
                seq=r.change_seq,
                kind=r.kind,
                record_id=r.id,
                rev=r.rev,
                patient_id=r.patient_id,
                payload=r.payload,
            )
            for r in rows
        ],
        purges=[Purge(seq=p.seq, patient_id=p.patient_id) for p in purges],
        next_since=page_upto,
        more=more,
        device=state_of(device),
        transfers=notes,
    )
