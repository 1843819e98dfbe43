"""Conflicts on the laptop: listed with both versions, resolved by writing a new revision.

A conflict is never settled by sync itself. The hub keeps both versions and tells the laptop whose
edit lost the race; the laptop keeps showing its own version until a person chooses. Resolving
first takes the hub's version as the base (a remote write, no op), then writes the chosen content
on top as an ordinary edit — rev = hub rev + 1, queued in the outbox — that names the conflict, so
the hub applies it and closes the conflict.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import OutboxOp, SyncConflict, utcnow
from hjdesk.storage.outbox import REMOTE_KEY
from hjdesk.storage.vault import OpenVault
from hjdesk.sync import payloads
from hjdesk.sync.local_apply import synced_classes, table_of, to_row
from hjdesk.sync.protocol import ConflictInfo

# Bookkeeping every synced row carries; a resolution never copies these from either version.
SYNC_FIELDS = frozenset({"id", "rev", "hlc", "origin_device", "author_id", "updated_at"})
Choice = Literal["mine", "hub"] | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ConflictView:
    """One conflict as the conflicts list shows it; plain values, safe across threads.

    `reason` is "edit" (two edits of one revision) or "clash" (a pulled record collides with a
    local one). `mine` is this laptop's version (None for a clash), `hub` the hub's.
    """

    id: int
    reason: str
    kind: str
    record_id: str
    patient_id: str | None
    mine: dict[str, Any] | None
    mine_rev: int | None
    hub: dict[str, Any]
    hub_rev: int
    detected_at: datetime
    changed_fields: tuple[str, ...]


def _view(c: SyncConflict) -> ConflictView:
    mine = json.loads(c.local_payload) if c.local_payload and c.reason == "edit" else None
    hub = json.loads(c.hub_payload)
    changed = tuple(
        sorted(k for k in set(hub) | set(mine or {}) if k not in SYNC_FIELDS and mine is not None
               and hub.get(k) != mine.get(k))
    )  # fmt: skip
    return ConflictView(
        id=c.id, reason=c.reason, kind=c.kind, record_id=c.record_id, patient_id=c.patient_id,
        mine=mine, mine_rev=c.local_rev, hub=hub, hub_rev=c.hub_rev, detected_at=c.detected_at,
        changed_fields=changed,
    )  # fmt: skip


def list_conflicts(vault: OpenVault, *, patient_id: str | None = None) -> list[ConflictView]:
    """Conflicts waiting for a person, oldest first (resolved ones waiting to be sent are not)."""
    with vault.session() as session:
        query = select(SyncConflict).where(SyncConflict.resolved_seq.is_(None))
        if patient_id is not None:
            query = query.where(SyncConflict.patient_id == patient_id)
        return [_view(c) for c in session.scalars(query.order_by(SyncConflict.id))]


def count_open(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_seq.is_(None))
    ) or 0  # fmt: skip


def store_hub_conflicts(
    session: Session, found: Iterable[ConflictInfo], *, complete: bool = False
) -> int:
    """Upsert conflicts the hub reports. With `complete` (the hub's full open list), drop local
    "edit" conflicts the hub no longer has open, unless resolved here and not yet sent."""
    seen: set[int] = set()
    new = 0
    for info in found:
        seen.add(info.id)
        row = session.scalar(select(SyncConflict).where(SyncConflict.hub_id == info.id))
        if row is None:
            # A newer conflict on the same record from this laptop supersedes older ones.
            session.execute(
                delete(SyncConflict).where(
                    SyncConflict.reason == "edit",
                    SyncConflict.kind == info.kind,
                    SyncConflict.record_id == info.record_id,
                    SyncConflict.resolved_seq.is_(None),
                )
            )
            row = SyncConflict(hub_id=info.id, reason="edit", detected_at=utcnow())
            session.add(row)
            new += 1
        row.kind, row.record_id, row.patient_id = info.kind, info.record_id, info.patient_id
        row.local_rev, row.local_payload = info.your_rev, json.dumps(info.your_payload)
        if row.hub_payload is None or info.hub_rev >= row.hub_rev:
            row.hub_rev, row.hub_payload = info.hub_rev, json.dumps(info.hub_payload)
    if complete:
        stale = delete(SyncConflict).where(
            SyncConflict.reason == "edit", SyncConflict.resolved_seq.is_(None)
        )
        if seen:
            stale = stale.where(SyncConflict.hub_id.not_in(seen))
        session.execute(stale)
    session.flush()
    return new


def resolutions(session: Session, first_seq: int, last_seq: int) -> dict[int, list[int]]:
    """Outbox seq → hub conflict ids that op resolves, for the ops about to be pushed."""
    rows = session.execute(
        select(SyncConflict.resolved_seq, SyncConflict.hub_id).where(
            SyncConflict.resolved_seq.between(first_seq, last_seq),
            SyncConflict.hub_id.is_not(None),
        )
    ).all()
    found: dict[int, list[int]] = {}
    for seq, hub_id in rows:
        if seq is not None and hub_id is not None:
            found.setdefault(int(seq), []).append(int(hub_id))
    return found


def forget_resolved(session: Session, acked_seq: int) -> None:
    session.execute(delete(SyncConflict).where(SyncConflict.resolved_seq <= acked_seq))


def resolve_conflict(vault: OpenVault, conflict_id: int, keep: Choice) -> None:
    """Settle a conflict: keep "mine", keep "hub", or give the merged field values to keep.

    Writes a new revision based on the hub's current one; the next sync sends it.
    """
    with vault.transaction() as session:
        conflict = session.get(SyncConflict, conflict_id)
        if conflict is None or conflict.resolved_seq is not None:
            raise InvalidInput("That conflict is already resolved.")
        if conflict.reason == "clash":
            # The pulled record could not be stored beside the local one it collides with; the
            # laptop keeps its own and the hub keeps both. Only dismissing it makes sense here.
            if keep != "mine":
                raise InvalidInput(
                    "This record collides with one on this laptop: it can only be dismissed here."
                )
            session.delete(conflict)
            vault.audit("conflict_dismissed", patient_id=conflict.patient_id,
                        detail={"kind": conflict.kind, "record_id": conflict.record_id},
                        session=session)  # fmt: skip
            return
        cls = synced_classes().get(conflict.kind)
        if cls is None:
            raise InvalidInput("This version of HJDesk cannot edit that kind of record.")
        hub = json.loads(conflict.hub_payload)
        if keep == "hub":
            chosen = hub
        elif keep == "mine":
            if not conflict.local_payload:
                raise InvalidInput("There is no local version to keep for this conflict.")
            chosen = json.loads(conflict.local_payload)
        else:
            chosen = {**hub, **dict(keep)}
        values = _merged_row(cls, conflict.kind, conflict.record_id, chosen)
        _adopt_hub_version(session, cls, conflict.record_id, hub)
        record = session.get(cls, conflict.record_id)
        assert record is not None
        for key, value in values.items():
            if key not in SYNC_FIELDS:
                setattr(record, key, value)
        # Always a new revision, even when the hub's version is kept: it tells the hub (and
        # through it everyone) that a person has settled this.
        flag_modified(record, "updated_at")
        session.flush()
        conflict.resolved_seq = session.scalar(
            select(func.max(OutboxOp.seq)).where(OutboxOp.record_id == conflict.record_id)
        )
        conflict.resolved_at = utcnow()
        vault.audit(
            "conflict_resolved",
            patient_id=conflict.patient_id,
            detail={"kind": conflict.kind, "record_id": conflict.record_id,
                    "kept": keep if isinstance(keep, str) else "merged"},
            session=session,
        )  # fmt: skip


def _merged_row(cls: type, kind: str, record_id: str, chosen: dict[str, Any]) -> dict[str, Any]:
    """The chosen version as the row to write; refused in words where a person typed what the
    record cannot hold (the payload rules every record meets, then its model's own codes), not
    a ValueError that would reach the crash path."""
    why = payloads.problem(kind, record_id, chosen)
    try:
        values = None if why else to_row(cls, chosen)
    except ValueError as error:  # e.g. a code the model does not know
        why = str(error)
    if values is None:
        raise InvalidInput(f"This version cannot be saved: {why}.")
    return values


def _adopt_hub_version(session: Session, cls: type, record_id: str, hub: dict[str, Any]) -> None:
    """Make the hub's version the local base without queueing an op (it came from the hub)."""
    conn = session.connection()
    table = table_of(cls)
    row = {**to_row(cls, hub), "id": record_id}
    conn.info[REMOTE_KEY] = True
    session.info[REMOTE_KEY] = True
    try:
        exists = conn.execute(select(table.c.id).where(table.c.id == record_id)).first()
        if exists:
            conn.execute(table.update().where(table.c.id == record_id).values(row))
        else:
            conn.execute(table.insert().values(row))
    finally:
        conn.info.pop(REMOTE_KEY, None)
        session.info.pop(REMOTE_KEY, None)
    session.expire_all()
