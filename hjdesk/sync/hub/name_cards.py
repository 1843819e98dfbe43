"""Name cards: who another establishment's staff are, for the records that name them (H-37).

Staff rows are establishment records: a laptop holds its own prison's staff only. A person who
arrives by transfer brings records written, signed and owned by the previous prison's staff, so
the next prison could not tell who wrote them or whom to ask. When the hub re-announces a
person's history to the establishment they arrive at (`scope.Scope.flush`), or stores a record
written elsewhere about a person placed there, it reads the staff those records name
(`payloads.staff_fields`) and writes, for each who is not staff of that establishment, a name
card: a hub-made document (`STAFF_CARD_KIND`) of that establishment, with the staff id, name,
role and establishment code from the hub's stored staff document, and nothing else. It reaches
every laptop of the establishment through the change log, including laptops enrolled later.

A card is never authority: it is not a staff row, a laptop stores it read-only, and no device may
push one (`authorise.Authority`). Its id comes from (staff id, establishment), so a second
arrival naming the same person refreshes the one card instead of adding another.

A card follows its person: when the hub stores a staff document whose name or role changed (a
rename or new role pushed by their own establishment), it refreshes every card of them that
exists (`cards_held`), with a new rev and change sequence, so the other prisons' laptops take the
new name at their next pull.

Histories that reached an establishment before the hub made cards get theirs from the
administrator's `hjdesk hub name-cards` (`card_backfill`), which writes only the cards missing or
stale (`write_cards(..., keep_current=True)`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, select
from sqlalchemy.dialects import postgresql, sqlite

from hjdesk.clinical import estate_ids
from hjdesk.sync import payloads
from hjdesk.sync.bulk import among
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.schema import utcnow
from hjdesk.sync.hub.store import SeqAllocator, documents_by_key
from hjdesk.sync.protocol import STAFF_CARD_KIND

STAFF_KIND = "staff"
# The hub writes cards itself; no device did.
HUB_ORIGIN = "hub"


def person_columns() -> list[ColumnElement[Any]]:
    """The staff-naming fields of a document's payload, as text columns to select beside it:
    read in the query that already lists an arrival's documents, not by loading payloads."""
    docs = schema.documents
    return [docs.c.payload[name].as_string().label(name) for name in payloads.staff_fields()]


def people_of(rows: Iterable[Row[Any] | Mapping[str, Any]]) -> set[str]:
    """The staff ids named in rows selected with `person_columns` (or in payloads)."""
    found: set[str] = set()
    for row in rows:
        values = row if isinstance(row, Mapping) else row._mapping
        for name in payloads.staff_fields():
            value = values.get(name)
            if isinstance(value, str) and 0 < len(value) <= 36:
                found.add(value)
    return found


def card_fields_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether a staff document's change alters what a card of them says (name or role)."""
    return any(before.get(field) != after.get(field) for field in ("display_name", "role"))


def cards_held(
    conn: Connection, staff_ids: Sequence[str], codes: Iterable[str]
) -> dict[str, set[str]]:
    """The establishments (by code) that hold a card of each of `staff_ids`.

    A card's id is derived from (staff id, establishment code), and every establishment a card
    was written for is one the hub knows (`Scope.codes`: cards go where a patient is placed). So
    the candidate ids are one per known establishment, and they are looked up by the documents'
    primary key (`store.documents_by_key`): a few index probes per renamed person, with no scan
    of the cards and no index on the payload, on SQLite and PostgreSQL alike. It runs only when
    a staff document's name or role changed, which is rare."""
    places = sorted({code for code in codes if code})
    candidates = {
        estate_ids.staff_card_id(staff_id, code): (staff_id, code)
        for staff_id in staff_ids
        for code in places
    }
    keys = sorted((STAFF_CARD_KIND, card_id) for card_id in candidates)
    held: defaultdict[str, set[str]] = defaultdict(set)
    docs = schema.documents
    for start in range(0, len(keys), 500):
        query = documents_by_key(conn, keys[start : start + 500]).with_only_columns(docs.c.id)
        for (card_id,) in conn.execute(query):
            staff_id, code = candidates[card_id]
            held[code].add(staff_id)
    return dict(held)


def write_cards(
    conn: Connection,
    seqs: SeqAllocator,
    named: Mapping[str, set[str]],
    *,
    keep_current: bool = False,
) -> tuple[dict[str, int], int]:
    """For each establishment code, a card for each staff id named there who is a member of
    staff of another establishment and whose staff document the hub holds.

    By default every such card is written, a card already there refreshed (a new rev and change
    sequence: an arrival or a rename re-announces it). With `keep_current`, a card that already
    says what it would say is left as it is, so laptops do not pull it again: how the
    administrator's `hjdesk hub name-cards` stays a no-op when run again (`card_backfill`).

    Returns the cards written per establishment code, and how many were left as current."""
    wanted = sorted({staff for people in named.values() for staff in people})
    if not wanted:
        return {}, 0
    staff = _staff(conn, wanted)
    cards = [
        (code, estate_ids.staff_card_id(staff_id, code), card)
        for code, people in sorted(named.items())
        for staff_id in sorted(people)
        if (card := staff.get(staff_id)) is not None and card["establishment"] != code
    ]
    current = 0
    if keep_current and cards:
        held = _held_payloads(conn, [card_id for _, card_id, _ in cards])
        fresh = [c for c in cards if held.get(c[1]) != c[2]]
        current, cards = len(cards) - len(fresh), fresh
    now = utcnow()
    rows = [
        {
            "kind": STAFF_CARD_KIND,
            "id": card_id,
            "rev": 1,
            "patient_id": None,
            "est_code": code,
            "est_ref": None,
            "payload": card,
            "hlc": "",
            "origin_device": HUB_ORIGIN,
            "last_device": None,
            "updated_at": now,
            "conflict": False,
            "change_seq": seqs.next(),
        }
        for code, card_id, card in cards
    ]
    if rows:
        conn.execute(_upsert(conn), rows)
    written: defaultdict[str, int] = defaultdict(int)
    for code, _, _ in cards:
        written[code] += 1
    return dict(written), current


def _held_payloads(conn: Connection, card_ids: Sequence[str]) -> dict[str, Any]:
    """The payloads of the cards the hub holds among `card_ids`, by card id (primary-key
    probes, 500 a query)."""
    docs = schema.documents
    keys = sorted((STAFF_CARD_KIND, card_id) for card_id in card_ids)
    held: dict[str, Any] = {}
    for start in range(0, len(keys), 500):
        query = documents_by_key(conn, keys[start : start + 500]).with_only_columns(
            docs.c.id, docs.c.payload
        )
        for card_id, payload in conn.execute(query):
            held[card_id] = payload
    return held


def _staff(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """The cards' payloads, by staff id, from the hub's staff documents (one query per 500)."""
    docs = schema.documents
    name = docs.c.payload["display_name"].as_string()
    role = docs.c.payload["role"].as_string()
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(ids), 500):
        for staff_id, code, shown, held_role in conn.execute(
            select(docs.c.id, docs.c.est_code, name, role).where(
                docs.c.kind == STAFF_KIND, among(conn, docs.c.id, ids[start : start + 500])
            )
        ):
            if code and isinstance(shown, str) and shown.strip():
                found[staff_id] = {
                    "staff_id": staff_id,
                    "name": shown[:120],
                    "role": (held_role or "")[:20],
                    "establishment": code,
                }
    return found


def _upsert(conn: Connection) -> Any:
    """INSERT a card, or refresh the one there (name and role as the hub now holds them, a new
    rev and change sequence so every laptop of the establishment pulls it again)."""
    docs = schema.documents
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(docs)
    return insert.on_conflict_do_update(
        index_elements=[docs.c.kind, docs.c.id],
        set_={
            "rev": docs.c.rev + 1,
            "payload": insert.excluded.payload,
            "change_seq": insert.excluded.change_seq,
            "last_device": None,
            "updated_at": insert.excluded.updated_at,
        },
    )
