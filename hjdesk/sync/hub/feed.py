"""The pull side: one page of changes in a device's scope, plus purges, from one snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Text, and_, cast, func, or_, select, type_coerce
from sqlalchemy.engine import Connection, Row, RowMapping

from hjdesk.sync.hub import schema, transfers
from hjdesk.sync.hub.devices import state_of
from hjdesk.sync.hub.store import HubStore, current_seq
from hjdesk.sync.protocol import AUDIT_KIND, ChangesReply, Purge, TransferNote


def _scoped(device: RowMapping) -> tuple[FromClause, ColumnElement[bool]]:
    """The documents a device pulls, as a FROM and a WHERE: its establishment's own records and
    its current patients', never audit events, and not the versions it wrote itself.

    A patient's placement is joined per document (the patients table's primary key) rather than
    asked as `patient_id IN (every patient on the roll here)`: that set was built again for
    every page, so each page cost as much as the establishment was large and a first sync grew
    faster than its record count (PostgreSQL: 1.84x per record from 10,000 to 200,000). With
    the join the plan reads the change_seq index from the cursor and stops at the page's end.
    """
    docs, est, pat = schema.documents, schema.establishments, schema.patients
    code, me = device["establishment"], device["id"]
    here = select(est.c.id).where(est.c.code == code)
    joined = docs.outerjoin(pat, pat.c.id == docs.c.patient_id)
    where = and_(
        docs.c.kind != AUDIT_KIND,
        or_(docs.c.last_device.is_(None), docs.c.last_device != me),
        or_(
            and_(
                docs.c.patient_id.is_(None),
                or_(docs.c.est_code == code, docs.c.est_ref.in_(here)),
            ),
            and_(pat.c.on_roll.is_(True), pat.c.establishment_id.in_(here)),
        ),
    )
    return joined, where


@dataclass(frozen=True, slots=True)
class _Page:
    """One page as read: each change's payload still the JSON text the hub stores."""

    rows: list[Row[Any]]
    purges: list[Purge]
    next_since: int
    more: bool
    remaining: int | None
    notes: list[TransferNote]


def _payload_text(conn: Connection) -> ColumnElement[str]:
    """The stored payload as its JSON text, not parsed: SQLite keeps the text itself, and
    PostgreSQL writes its JSONB out as text (`payload::text`)."""
    docs = schema.documents
    if conn.dialect.name == "postgresql":
        return cast(docs.c.payload, Text)
    return type_coerce(docs.c.payload, Text)


def _head(page: _Page, device: RowMapping) -> dict[str, Any]:
    return {
        "purges": page.purges,
        "next_since": page.next_since,
        "more": page.more,
        "device": state_of(device),
        "transfers": page.notes,
        "remaining": page.remaining,
    }


_EMPTY_CHANGES = b'{"changes":[]'


def changes_json(
    store: HubStore, device: RowMapping, since: int, limit: int, *, count: bool = False
) -> bytes:
    """The `ChangesReply` body for changes after `since` in the device's scope, oldest first
    (`next_since` is the cursor), each payload spliced in as the JSON text the hub stores.

    Audit events stay on the hub (each laptop keeps its own chain), and a device is not sent
    the versions it wrote itself. With `count`, the reply says how many changes in scope come
    after this page (one counting query: a client asks on its first page only, so a pull of n
    pages does not count n times); without it the `remaining` key is left out: a client that
    did not ask for it may be from before it, and refuses fields it does not know.

    Parsing every payload only to write it out again (and building and dumping a model per
    change) was about half of the hub's time serving a pull (docs/performance.md); the client
    parses and checks the whole reply as before."""
    page = _read_page(store, device, since, limit, count=count)
    head = ChangesReply(changes=[], **_head(page, device)).model_dump_json(
        exclude=None if count else {"remaining"}
    )
    encoded = head.encode()
    assert encoded.startswith(_EMPTY_CHANGES)  # `changes` is the model's first field
    parts = [
        json.dumps(
            {"seq": r.change_seq, "kind": r.kind, "record_id": r.id, "rev": r.rev,
             "patient_id": r.patient_id},
            ensure_ascii=False, separators=(",", ":"),
        )[:-1] + ',"payload":' + r.payload + "}"
        for r in page.rows
    ]  # fmt: skip
    return b'{"changes":[' + ",".join(parts).encode() + b"]" + encoded[len(_EMPTY_CHANGES) :]


def _read_page(
    store: HubStore, device: RowMapping, since: int, limit: int, *, count: bool
) -> _Page:
    """The page's changes (payloads as stored text), purges and notes, from one snapshot."""
    docs = schema.documents
    code = device["establishment"]
    with store.reading() as conn:
        if conn.dialect.name == "postgresql":
            # The plan must walk the change_seq index from the cursor and stop at the page's end.
            # PostgreSQL's statistics lag a hub that has just been filled (autovacuum analyses
            # a minute later, or never for a burst of pushes); with a table it believes tiny it
            # hashes every patient, reads every change after the cursor and sorts them, for every
            # page: a pull then costs the square of its size (measured: docs/performance.md).
            # For this snapshot's queries only (SET LOCAL), those plan shapes are off.
            for setting in (
                "enable_hashjoin",
                "enable_mergejoin",
                "enable_bitmapscan",
                "enable_sort",
            ):
                conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        upto = current_seq(conn)
        joined, scope = _scoped(device)
        rows = list(
            conn.execute(
                select(
                    docs.c.change_seq,
                    docs.c.kind,
                    docs.c.id,
                    docs.c.rev,
                    docs.c.patient_id,
                    _payload_text(conn).label("payload"),
                )
                .select_from(joined)
                .where(docs.c.change_seq > since, docs.c.change_seq <= upto, scope)
                .order_by(docs.c.change_seq)
                .limit(limit)
            ).all()
        )
        more = len(rows) == limit
        # Not max(upto, since): a hub restored from a backup moves cursors back, and re-pulling
        # is harmless (applying is idempotent) where skipping would not be.
        page_upto = int(rows[-1].change_seq) if more else upto
        remaining: int | None = None
        if count:
            remaining = (
                int(
                    conn.execute(
                        select(func.count())
                        .select_from(joined)
                        .where(docs.c.change_seq > page_upto, docs.c.change_seq <= upto, scope)
                    ).scalar_one()
                )
                if more
                else 0
            )
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
    return _Page(
        rows=rows,
        purges=[Purge(seq=p.seq, patient_id=p.patient_id) for p in purges],
        next_since=page_upto,
        more=more,
        remaining=remaining,
        notes=notes,
    )
