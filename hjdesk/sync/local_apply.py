"""Store what the hub sends on the laptop: pulled records, and purges of patients who left.

Remote writes go through Core statements on a connection marked `REMOTE_KEY`, so they queue no
outbox ops and pass the signed-entry guard (they are the hub's copies, not edits). Rules:

- a record is written only when it is new here or its rev is higher than ours;
- a record with unsent local ops is left alone (the push will meet the hub's version and keep both
  as a conflict), and one with an open conflict only refreshes the conflict's hub version;
- a record that collides with a local one (a unique code) is kept as a "clash" conflict rather
  than stopping the sync;
- a record that is not a valid record of its kind, or a change to an entry signed here, is never
  applied: it is set aside in quarantine with the reason (`hjdesk.sync.quarantine`), and the rest
  of the page goes on;
- a staff row's role and active state are never taken from another laptop (they are decided on
  the person's own laptop), so an update leaves them as they are here;
- a name card (another establishment's staff member, as the hub describes them: H-37) is stored
  in its own read-only table, never as a staff row;
- a kind this version does not know (a newer version's) is kept on this laptop, as the hub
  sent it, in `held_for_newer` (newer revs replace older, never the other way round) and the
  pull goes on; the first sync of a version that knows the kind stores it through this same
  path (`held_changes`, called by `hjdesk.sync.cycle` before the pull's pages), so an update
  never leaves a record behind the cursor. (A laptop from before this table passed them over.)
  Other devices' audit events are never stored: the hub keeps them;
- references are not checked while applying (`PRAGMA foreign_keys` off for the pull): a laptop
  holds one establishment's slice, so a record may point at one it will never receive.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Enum,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    delete,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hjdesk.clinical import estate_ids
from hjdesk.storage.bulk import insert_many
from hjdesk.storage.models import (
    NAME_CARD_FIELDS,
    AuditEvent,
    Base,
    HeldForNewer,
    OutboxOp,
    Patient,
    RollLinkFlag,
    Signed,
    Staff,
    StaffNameCard,
    SyncConflict,
    Synced,
    SyncPendingPurge,
    TransferNotice,
    utcnow,
)
from hjdesk.storage.models.column_types import JsonText, from_text, member_of
from hjdesk.sync import payloads, quarantine
from hjdesk.sync.protocol import STAFF_CARD_KIND, Change, TransferNote

# What this version of the laptop's apply rules can store. Bump it (by one, never down) whenever a
# release learns to apply something an earlier one could not: a new kind, a field or value the
# payload rules used to refuse, a rule relaxed. A pulled record set aside is stamped with it
# (`quarantine.set_aside_pulled`), and the first sync under a higher number retries every pulled
# record set aside under a lower one (`quarantine.retry_set_aside_earlier`), so a record an older
# release could not store is stored once the laptop is updated, without anyone pressing retry.
# A number of its own rather than the app's version: releases that change nothing here retry
# nothing, and it compares as a plain integer. Forgetting a bump costs only the automatic retry
# (a person can still retry by hand); tests/sync/test_quarantine_auto_retry.py pins the kinds and
# fields each number knows, so adding one without a bump fails there.
APPLY_RULES_VERSION = 1

# Staff fields that say what a person may do: never applied from a pulled row.
STAFF_AUTHORITY = ("role", "active")


@cache
def synced_classes() -> dict[str, type[Synced]]:
    """Every synced ORM class by its `__sync_kind__` (all models are registered on import)."""
    found: dict[str, type[Synced]] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, Synced) and cls.__sync_kind__:
            found[cls.__sync_kind__] = cls
    return found


def _datetime_from_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date_from_text(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    """How a JSON value goes back to what the column takes (dates and datetimes travel as ISO
    text); None when it goes as it is."""
    if isinstance(column_type, JsonText):  # JSON travels as its stored text
        return from_text
    if isinstance(column_type, Enum):  # a value this version does not know is not stored
        return member_of(column_type)
    base = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(base, DateTime):
        return _datetime_from_text
    if isinstance(base, Date):
        return _date_from_text
    return None


_Plan = tuple[tuple[str, str, Callable[[Any], Any] | None], ...]
_PLANS: dict[tuple[type[Synced], Callable[[Any], Any]], _Plan] = {}


def _column_plan(
    cls: type[Synced], converter: Callable[[Any], Callable[[Any], Any] | None]
) -> _Plan:
    """(attribute, column name, converter) of each column, the converter chosen by `converter`
    from the column's type: worked out once per class, not per pulled record and field (those
    type checks were a seventh of a pull, docs/performance.md)."""
    found = _PLANS.get((cls, converter))
    if found is None:
        found = _PLANS[(cls, converter)] = tuple(
            (attr.key, attr.columns[0].name, converter(attr.columns[0].type))
            for attr in inspect(cls).column_attrs
        )
    return found


def to_row(cls: type[Synced], payload: dict[str, Any]) -> dict[str, Any]:
    """The payload's values for this class's columns; unknown keys (a newer version's) dropped."""
    return _row(_column_plan(cls, _converter), payload)


def _row(plan: _Plan, values: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, name, convert in plan:
        if key in values:
            value = values[key]
            row[name] = value if value is None or convert is None else convert(value)
    return row


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_converter(column_type: Any) -> Callable[[Any], Any] | None:
    """`_converter` for a value `payloads.read` has already checked: dates and datetimes come
    parsed, so only a naive datetime's zone is left to settle. A JSON column's value is already
    the text the column stores (`payloads.read` checked it with `stored_text`: JSON that cannot
    be read is refused there, the record set aside), so `_write` stores it as it is instead of
    parsing it here and serialising it again there."""
    if isinstance(column_type, JsonText):
        return None
    if isinstance(column_type, Enum):
        return _converter(column_type)
    base = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    return _as_utc if isinstance(base, DateTime) else None


def read_to_row(cls: type[Synced], values: dict[str, Any]) -> dict[str, Any]:
    """`to_row` for what `payloads.read` returned (the same row, without parsing dates again),
    except that a JSON column holds its stored text (`json_columns`), not the parsed value."""
    return _row(_column_plan(cls, _read_converter), values)


@cache
def json_columns(table: Table) -> frozenset[str]:
    """The table's `JsonText` columns: in a row from `read_to_row`, text already as stored."""
    return frozenset(column.name for column in table.c if isinstance(column.type, JsonText))


def applied_tables() -> list[str]:
    """The tables a pull writes records into (audit events are the hub's to keep, not stored)."""
    return sorted(table_of(cls).name for cls in synced_classes().values() if cls is not AuditEvent)


def table_of(cls: type[Synced]) -> Table:
    table = inspect(cls).local_table
    assert isinstance(table, Table)
    return table


@dataclass(slots=True)
class PageResult:
    applied: int = 0
    skipped: int = 0
    deferred: int = 0
    conflicts: int = 0
    unknown: int = 0
    quarantined: int = 0
    purged: int = 0
    purges_waiting: int = 0
    # Records of a kind this version does not know, kept in `held_for_newer` (also in `unknown`,
    # with other devices' audit events, which are never stored), and their kinds.
    kept: int = 0
    kept_kinds: set[str] = field(default_factory=set)


def apply_changes(session: Session, changes: list[Change], result: PageResult) -> None:
    """Apply one page of pulled records (the caller marks the connection REMOTE)."""
    unsent, conflicted = _held_back(session, [c.record_id for c in changes])
    by_kind: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_kind[change.kind].append(change)
    classes = synced_classes()
    for kind, group in by_kind.items():
        cls = classes.get(kind)
        if kind == STAFF_CARD_KIND:
            _apply_cards(session, group, result)
        elif cls is AuditEvent:
            result.unknown += len(group)  # another device's audit event: the hub keeps it
        elif cls is None:
            result.unknown += len(group)  # a newer version's record type: kept for it
            _hold(session, kind, group, result)
        elif kind in estate_ids.MIRRORED:
            _apply_mirrored(session, cls, kind, group, result)
        else:
            held = _HeldBack(unsent, {k[1]: c for k, c in conflicted.items() if k[0] == kind})
            _apply_plain(session, cls, kind, group, held, result)


def _held_table() -> Table:
    table = HeldForNewer.__table__
    assert isinstance(table, Table)
    return table


def _hold(session: Session, kind: str, group: list[Change], result: PageResult) -> None:
    """Keep records of a kind this version does not know, as the hub sent them, one row per
    record: a newer rev replaces the one held, an older or the same one is skipped. Never
    checked (this version has no rules for the kind); the version that knows it checks them
    when it stores them."""
    conn = session.connection()
    table = _held_table()
    held: dict[str, int] = {}
    ids = [c.record_id for c in group]
    for start in range(0, len(ids), 500):
        held.update(
            conn.execute(
                select(table.c.record_id, table.c.rev).where(
                    table.c.kind == kind, table.c.record_id.in_(ids[start : start + 500])
                )
            ).all()
        )
    now = utcnow()
    for change in group:
        mine = held.get(change.record_id)
        if mine is not None and mine >= change.rev:
            result.skipped += 1
            continue
        row = {
            "kind": kind, "record_id": change.record_id, "patient_id": change.patient_id,
            "rev": change.rev, "payload": json.dumps(change.payload, ensure_ascii=False),
            "received_at": now,
        }  # fmt: skip
        insert = sqlite_insert(table).values(row)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=[table.c.kind, table.c.record_id],
                set_={k: insert.excluded[k] for k in ("patient_id", "rev", "payload",
                                                      "received_at")},
                where=table.c.rev < insert.excluded.rev,
            )
        )  # fmt: skip
        held[change.record_id] = change.rev
        result.kept += 1
        result.kept_kinds.add(kind)


def held_changes(session: Session, limit: int = 500) -> list[Change]:
    """Up to `limit` held records of kinds this version now knows, as pulled changes (key
    order). The caller applies them (`apply_changes`) and drops them (`drop_held`) in one
    transaction, on the pull's REMOTE connection."""
    table = _held_table()
    known = sorted(set(synced_classes()) | {STAFF_CARD_KIND})
    rows = session.connection().execute(
        select(table.c.kind, table.c.record_id, table.c.patient_id, table.c.rev,
               table.c.payload)
        .where(table.c.kind.in_(known))
        .order_by(table.c.kind, table.c.record_id)
        .limit(limit)
    ).all()  # fmt: skip
    changes: list[Change] = []
    for kind, record_id, patient_id, rev, raw in rows:
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        changes.append(
            Change(
                seq=0, kind=kind, record_id=record_id, rev=rev, patient_id=patient_id,
                payload=payload if isinstance(payload, dict) else {},
            )
        )  # fmt: skip
    return changes


def drop_held(session: Session, changes: list[Change]) -> None:
    """Remove these held records (they have just been applied, in the caller's transaction)."""
    table = _held_table()
    conn = session.connection()
    for change in changes:
        conn.execute(
            delete(table).where(
                table.c.kind == change.kind,
                table.c.record_id == change.record_id,
            )
        )


@dataclass(frozen=True, slots=True)
class _HeldBack:
    """What this laptop holds back from a pull: records with unsent ops, open conflicts (by id)."""

    unsent: set[str]
    conflicts: dict[str, SyncConflict]


def _held_back(
    session: Session, ids: list[str]
) -> tuple[set[str], dict[tuple[str, str], SyncConflict]]:
    unsent: set[str] = set()
    conflicted: dict[tuple[str, str], SyncConflict] = {}
    # A laptop with nothing unsent (or no open conflict) has nothing to look up per record: one
    # indexed probe instead of a query per 500 records (a first sync's case, every page). This
    # reads this laptop's own state inside the page's write transaction, so nothing changes it
    # before the page is stored.
    any_unsent = session.scalar(select(OutboxOp.seq).where(OutboxOp.acked_at.is_(None)).limit(1))
    any_open = session.scalar(
        select(SyncConflict.id).where(SyncConflict.resolved_seq.is_(None)).limit(1)
    )
    for start in range(0, len(ids), 500) if any_unsent is not None else ():
        unsent.update(
            session.scalars(
                select(OutboxOp.record_id)
                .where(
                    OutboxOp.acked_at.is_(None), OutboxOp.record_id.in_(ids[start : start + 500])
                )
                .distinct()
            )
        )
    for start in range(0, len(ids), 500) if any_open is not None else ():
        for conflict in session.scalars(
            select(SyncConflict).where(
                SyncConflict.record_id.in_(ids[start : start + 500]),
                SyncConflict.resolved_seq.is_(None),
            )
        ):
            conflicted[(conflict.kind, conflict.record_id)] = conflict
    return unsent, conflicted


def _apply_plain(
    session: Session,
    cls: type[Synced],
    kind: str,
    group: list[Change],
    held: _HeldBack,
    result: PageResult,
) -> None:
    """Records a laptop owns outright: the checks below, in this order, then one write."""
    conn = session.connection()
    local = _local_revs(conn, table_of(cls), [c.record_id for c in group])
    signed = _signed_here(conn, cls, [c.record_id for c in group if c.record_id in local])
    writes: list[tuple[Change, dict[str, Any], bool]] = []
    for change in group:
        rid = change.record_id
        values = _payload_read(session, kind, change, result)
        if values is None:
            continue
        if rid in signed and change.rev > local[rid]:
            quarantine.set_aside_pulled(
                session, change, "signed-write-once",
                "a change to an entry signed here; the signed original is kept",
            )  # fmt: skip
            result.quarantined += 1
        elif rid in held.conflicts:
            conflict = held.conflicts[rid]
            if change.rev > conflict.hub_rev:
                conflict.hub_rev, conflict.hub_payload = change.rev, json.dumps(change.payload)
            result.conflicts += 1
        elif rid in held.unsent:
            result.deferred += 1
        elif rid in local and change.rev <= local[rid]:
            result.skipped += 1
        else:
            row = _readable_row(session, cls, change, values, result)
            if row is not None:
                writes.append(
                    (change, _without_authority(cls, row, rid in local), rid not in local)
                )
    _write(session, cls, writes, result)
    if cls is Patient:
        arrived = [c.record_id for c in group]
        session.execute(delete(SyncPendingPurge).where(SyncPendingPurge.patient_id.in_(arrived)))


def _apply_cards(session: Session, group: list[Change], result: PageResult) -> None:
    """The hub's name cards for other establishments' staff (H-37): checked like any record,
    stored only in their own table when newer than the one held, never as a staff row (a card
    gives no authority) and never queued for the hub (written here through Core, on the pull's
    REMOTE connection)."""
    conn = session.connection()
    table = _card_table()
    held: dict[str, tuple[str, int]] = {}
    wanted = [c.payload.get("staff_id") for c in group]
    ids = [w for w in wanted if isinstance(w, str)]
    for start in range(0, len(ids), 500):
        for staff_id, card_id, rev in conn.execute(
            select(table.c.staff_id, table.c.card_id, table.c.rev).where(
                table.c.staff_id.in_(ids[start : start + 500])
            )
        ):
            held[staff_id] = (card_id, rev)
    now = utcnow()
    for change in group:
        values = _payload_read(session, STAFF_CARD_KIND, change, result)
        if values is None:
            continue
        mine = held.get(values["staff_id"])
        if mine is not None and mine[0] == change.record_id and mine[1] >= change.rev:
            result.skipped += 1
            continue
        row = {name: values[name] for name in NAME_CARD_FIELDS}
        row |= {"card_id": change.record_id, "rev": change.rev, "received_at": now}
        insert = sqlite_insert(table).values(row)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=[table.c.staff_id],
                set_={k: v for k, v in row.items() if k != "staff_id"},
            )
        )
        held[values["staff_id"]] = (change.record_id, change.rev)
        result.applied += 1


def _card_table() -> Table:
    table = StaffNameCard.__table__
    assert isinstance(table, Table)
    return table


def _without_authority(cls: type[Synced], row: dict[str, Any], known: bool) -> dict[str, Any]:
    """A pulled staff row never changes what this laptop's own key slots decide."""
    if cls is Staff and known:
        for name in STAFF_AUTHORITY:
            row.pop(name, None)
    return row


def _payload_read(
    session: Session, kind: str, change: Change, result: PageResult
) -> dict[str, Any] | None:
    """The payload's checked values; None, the record set aside, when the payload rules (the
    same rules the hub applies) refuse it."""
    why, values = payloads.read(kind, change.record_id, change.payload)
    if why is None:
        return values
    quarantine.set_aside_pulled(session, change, "payload-invalid", why)
    result.quarantined += 1
    return None


def _readable_row(
    session: Session,
    cls: type[Synced],
    change: Change,
    values: dict[str, Any],
    result: PageResult,
) -> dict[str, Any] | None:
    """The record as a row, with its id; set aside (None) if its values cannot be read."""
    try:
        row = read_to_row(cls, values)
    except (ValueError, TypeError):
        quarantine.set_aside_pulled(
            session, change, "payload-invalid", "its values could not be read"
        )
        result.quarantined += 1
        return None
    row["id"] = change.record_id
    return row


def _signed_here(conn: Connection, cls: type[Synced], ids: list[str]) -> set[str]:
    """Which of these records are signed entries on this laptop (never changed by a pull)."""
    if not issubclass(cls, Signed) or not ids:
        return set()
    table = table_of(cls)
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        found.update(
            conn.execute(
                select(table.c.id).where(
                    table.c.id.in_(ids[start : start + 500]), table.c.signed_at.is_not(None)
                )
            ).scalars()
        )
    return found


def _apply_mirrored(
    session: Session, cls: type[Synced], kind: str, group: list[Change], result: PageResult
) -> None:
    """Roll-mirrored records (patients, alerts) never conflict: the hub's version and this
    laptop's merge field by field, the newest roll winning each (estate_ids.merge_mirrored), even
    while this laptop has unsent ops for them — the hub makes the same merge when they arrive."""
    conn = session.connection()
    table = table_of(cls)
    fields = (*estate_ids.MIRRORED[kind], estate_ids.STAMPS)
    placed = kind == "patient"
    if placed:
        fields = (*fields, *estate_ids.PLACEMENT)
    held: dict[str, dict[str, Any]] = {}
    ids = [c.record_id for c in group]
    for start in range(0, len(ids), 500):
        for found in conn.execute(select(table).where(table.c.id.in_(ids[start : start + 500]))):
            held[found.id] = dict(found._mapping)
    writes: list[tuple[Change, dict[str, Any], bool]] = []
    for change in group:
        values = _payload_read(session, kind, change, result)
        if values is None:
            continue
        incoming = _readable_row(session, cls, change, values, result)
        if incoming is None:
            continue
        mine = held.get(change.record_id)
        if mine is None:
            writes.append((change, incoming, True))
            continue
        row = _merged(kind, fields, mine, incoming)
        if all(row.get(name) == mine.get(name) for name in row):
            result.skipped += 1
            continue
        row["id"] = change.record_id
        row["rev"] = max(int(mine["rev"]), change.rev)
        writes.append((change, row, False))
    _write(session, cls, writes, result)
    if placed:  # back in this laptop's scope: a purge still waiting is void
        session.execute(delete(SyncPendingPurge).where(SyncPendingPurge.patient_id.in_(ids)))


def _merged(
    kind: str, fields: tuple[str, ...], mine: dict[str, Any], incoming: dict[str, Any]
) -> dict[str, Any]:
    """The mirrored fields merged (newest roll wins each), and for a patient the newer placement."""
    merged = estate_ids.merge_mirrored(mine, incoming, estate_ids.MIRRORED[kind])
    if kind == "patient" and estate_ids.newer_placement(mine, incoming):
        merged = estate_ids.take_placement(merged, incoming)
    return {name: merged[name] for name in fields if name in merged}


def _local_revs(conn: Connection, table: Table, ids: list[str]) -> dict[str, int]:
    revs: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        revs.update(
            conn.execute(
                select(table.c.id, table.c.rev).where(table.c.id.in_(ids[start : start + 500]))
            ).all()
        )
    return revs


def _write(
    session: Session,
    cls: type[Synced],
    writes: list[tuple[Change, dict[str, Any], bool]],
    result: PageResult,
) -> None:
    """All rows at once; if one collides, again one by one so only that one is held back."""
    if not writes:
        return
    try:
        with session.begin_nested():
            _execute(session.connection(), table_of(cls), writes)
        result.applied += len(writes)
        return
    except IntegrityError:
        pass
    for write in writes:
        try:
            with session.begin_nested():
                _execute(session.connection(), table_of(cls), [write])
            result.applied += 1
        except IntegrityError:
            _clash(session, write[0], "it collides with a record on this laptop")
            result.conflicts += 1


def _execute(
    conn: Connection, table: Table, writes: list[tuple[Change, dict[str, Any], bool]]
) -> None:
    """Write rows from `read_to_row` (or merged from them): JSON columns hold their stored text,
    so they are bound as plain text, not through `JsonText` again."""
    groups: dict[tuple[bool, tuple[str, ...]], list[dict[str, Any]]] = defaultdict(list)
    for _, row, new in writes:
        groups[(new, tuple(sorted(row)))].append(row)
    as_text = json_columns(table)
    for (new, keys), rows in groups.items():
        if new:
            # In key order: each index page the keys land on is visited once per page pulled,
            # not once per record (the keys are random UUIDs).
            rows.sort(key=lambda row: str(row["id"]))
            insert_many(conn, table, rows, as_stored=as_text)
        else:
            statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    {
                        k: bindparam(k, type_=Text()) if k in as_text else bindparam(k)
                        for k in keys
                        if k != "id"
                    }
                )
            )
            conn.execute(statement, [{**r, "b_id": r["id"]} for r in rows])


def _clash(session: Session, change: Change, why: str) -> None:
    existing = session.scalar(
        select(SyncConflict).where(
            SyncConflict.reason == "clash",
            SyncConflict.kind == change.kind,
            SyncConflict.record_id == change.record_id,
        )
    )
    if existing is None:
        existing = SyncConflict(
            reason="clash", kind=change.kind, record_id=change.record_id, detected_at=utcnow()
        )
        session.add(existing)
    existing.patient_id = change.patient_id
    existing.hub_rev, existing.hub_payload = change.rev, json.dumps(change.payload)
    existing.local_payload = json.dumps({"problem": why})


def store_transfer_notes(session: Session, notes: list[TransferNote]) -> None:
    """Replace the pending transfers this laptop knows of with the hub's list."""
    session.execute(delete(TransferNotice))
    for note in notes:
        if note.direction not in ("arriving", "leaving"):
            continue
        session.add(
            TransferNotice(
                patient_id=note.patient_id,
                hub_id=note.id,
                direction=note.direction,
                from_code=note.from_code[:10],
                to_code=note.to_code[:10],
                claimed_at=_datetime_from_text(note.claimed_at),
            )
        )


# -- purge ------------------------------------------------------------------------------------


def _unsent_work(session: Session, patient_id: str) -> bool:
    """Unacknowledged ops, or local-only rows (drafts) of the patient: purge would lose them."""
    if session.scalar(
        select(OutboxOp.seq)
        .where(OutboxOp.patient_id == patient_id, OutboxOp.acked_at.is_(None))
        .limit(1)
    ):
        return True
    for table in Base.metadata.sorted_tables:
        if table.name in _LOCAL_ONLY_SKIP or table.name in _synced_tables():
            continue
        if (
            "patient_id" in table.c
            and session.connection()
            .execute(select(table.c.patient_id).where(table.c.patient_id == patient_id).limit(1))
            .first()
        ):
            return True
    return False


# Set-aside records never reach the office by syncing, so they do not hold a purge back; they stay
# in quarantine (and count against the handover check) until a person deals with them. Notes and
# flags about the patient (pending transfers, NHS-number flags) are dropped with the patient.
# Today's marks (worklist_changes) are not work either: the purge's own deletes raise the mark,
# so the kept lists drop the person at the next call.
# Records held for a newer version (`held_for_newer`) are the hub's copies, not work made here:
# the purge takes them with the patient.
_LOCAL_ONLY_SKIP = {
    "outbox", "sync_conflicts", "sync_pending_purges", "audit_events", "sync_quarantine",
    "transfer_notices", "roll_link_flags", "worklist_changes", "held_for_newer",
}  # fmt: skip


@cache
def _synced_tables() -> frozenset[str]:
    return frozenset(table_of(cls).name for cls in synced_classes().values())


def purge_patient(session: Session, patient_id: str) -> bool:
    """Delete the patient's records here, or keep a pending purge while work is unsent.

    Audit events stay: they hold ids and codes only, and removing them would break this laptop's
    chain. Acknowledged outbox ops keep their seq (reusing one would make the hub skip a new op as
    already seen) but lose their payload.
    """
    if _unsent_work(session, patient_id):
        if session.get(SyncPendingPurge, patient_id) is None:
            session.add(SyncPendingPurge(patient_id=patient_id, requested_at=utcnow()))
        return False
    conn = session.connection()
    for cls in synced_classes().values():
        table = table_of(cls)
        if cls is AuditEvent:
            continue
        if cls is Patient:
            conn.execute(delete(table).where(table.c.id == patient_id))
        elif "patient_id" in table.c:
            conn.execute(delete(table).where(table.c.patient_id == patient_id))
    session.execute(delete(SyncConflict).where(SyncConflict.patient_id == patient_id))
    held = _held_table()
    conn.execute(delete(held).where(held.c.patient_id == patient_id))
    session.execute(delete(TransferNotice).where(TransferNotice.patient_id == patient_id))
    session.execute(
        delete(RollLinkFlag).where(
            (RollLinkFlag.patient_id == patient_id) | (RollLinkFlag.other_patient_id == patient_id)
        )
    )
    session.execute(delete(SyncPendingPurge).where(SyncPendingPurge.patient_id == patient_id))
    conn.execute(
        update(OutboxOp)
        .where(OutboxOp.patient_id == patient_id, OutboxOp.acked_at.is_not(None))
        .values(payload="{}")
    )
    return True
