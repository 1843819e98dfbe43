"""Transfers between establishments, decided at the hub (architecture.md §5a, "transfers").

A patient's placement — establishment, location, on roll — is written only by rolls. When a roll
import at establishment B lists a patient the hub holds at A, the op is a *claim*:

- if the patient is on no roll (A's roll dropped them, or they were released), it takes effect at
  once;
- otherwise it waits as a *pending* transfer, seen by both prisons' laptops (leaving / arriving),
  until A's roll drops the patient — or a hub administrator confirms it (`hjdesk hub transfers`);
- B's roll dropping the patient again cancels B's claim.

A claim counts only when it comes from a roll import (the op's placement carries a roll stamp newer
than the hub's: estate_ids.newer_placement) and names the sending device's own establishment. When
a claim takes effect, `Scope.observe` sees the placement change: A gets a purge instruction (each
laptop carries it out once its unsent work for the patient is acknowledged) and the patient's whole
history is re-announced to B.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.engine import RowMapping

from hjdesk.clinical import estate_ids
from hjdesk.sync.hub import admin_log, schema
from hjdesk.sync.hub.devices import HubRefusal
from hjdesk.sync.hub.schema import utcnow
from hjdesk.sync.hub.scope import Scope
from hjdesk.sync.hub.store import HubStore
from hjdesk.sync.protocol import PATIENT_KIND, TransferNote

PENDING, EFFECTIVE, CANCELLED = "pending", "effective", "cancelled"


@dataclass(frozen=True, slots=True)
class ClaimChange:
    """A claim `settle_patient` created, renewed or decided: its patient, the establishment
    claiming, and its status now. The one report of what a push did to the transfers table, so
    a push that remembers claims across its ops (`authorise.Authority`) stays right whatever op
    changed them."""

    patient_id: str
    to_code: str
    status: str


@dataclass(slots=True)
class Settled:
    """What `settle_patient` decided: the patient document to store, and the claims changed."""

    payload: dict[str, Any]
    claims: list[ClaimChange] = field(default_factory=list)


def _placement(payload: Mapping[str, Any]) -> dict[str, Any]:
    stamp = estate_ids.stamps_of(payload).get(estate_ids.PLACEMENT_STAMP, "")
    return {
        **{name: payload.get(name) for name in estate_ids.PLACEMENT},
        estate_ids.STAMPS: {estate_ids.PLACEMENT_STAMP: stamp},
    }


def _pending(conn: Connection, patient_id: str) -> list[RowMapping]:
    table = schema.transfers
    return list(
        conn.execute(
            select(table).where(table.c.patient_id == patient_id, table.c.status == PENDING)
        ).mappings()
    )


def _decide(
    conn: Connection, claims: Iterable[RowMapping], status: str, by: str
) -> list[ClaimChange]:
    """Decide these claims (rows of `transfers`); returns the changes, for `Settled.claims`."""
    decided = list(claims)
    if decided:
        table = schema.transfers
        conn.execute(
            update(table)
            .where(table.c.id.in_([c["id"] for c in decided]))
            .values(status=status, decided_at=utcnow(), decided_by=by)
        )
    return [ClaimChange(c["patient_id"], c["to_code"], status) for c in decided]


def _take_effect(conn: Connection, patient_id: str, merged: dict[str, Any], by: str) -> Settled:
    """If a claim is pending, the newest one takes effect: the patient is placed where its roll
    says; any other claim is cancelled."""
    claims = _pending(conn, patient_id)
    if not claims:
        return Settled(merged)
    newest = max(claims, key=lambda c: estate_ids.stamps_of(c["placement"]).get("placement", ""))
    changes = _decide(conn, [newest], EFFECTIVE, by)
    changes += _decide(conn, [c for c in claims if c["id"] != newest["id"]], CANCELLED, by)
    return Settled(estate_ids.take_placement(merged, newest["placement"]), changes)


def is_roll_claim(
    current: Mapping[str, Any], incoming: Mapping[str, Any], device_code: str
) -> bool:
    """Whether a patient op moves the patient into the sending device's own establishment from a
    roll import: its placement carries a roll stamp newer than the hub's, and names the device's
    establishment. Any other change of a patient's establishment is not a claim (and moves
    nobody: `settle_patient` keeps the placement)."""
    there = incoming.get("establishment_id")
    return (
        there != current.get("establishment_id")
        and there == estate_ids.establishment_id(device_code)
        and incoming.get("on_roll") is not False
        and estate_ids.newer_placement(current, incoming)
    )


def settle_patient(
    conn: Connection,
    device: RowMapping,
    codes: Mapping[str, str],
    current: Mapping[str, Any],
    merged: dict[str, Any],
    incoming: Mapping[str, Any],
    patient_id: str,
) -> Settled:
    """The patient document to store after a device's op: `merged` holds the current document with
    the op's newer roll details; here the op's placement is applied, held as a claim, or ignored.
    Every claim created, renewed or decided on the way is in the result's `claims`.
    """
    here, there = current.get("establishment_id"), incoming.get("establishment_id")
    device_code = str(device["establishment"])
    if here == there:
        if not estate_ids.newer_placement(current, incoming):
            return Settled(merged)
        merged = estate_ids.take_placement(merged, incoming)
        if merged.get("on_roll") is False:
            # Their establishment's roll dropped them: a waiting claim takes effect now.
            return _take_effect(conn, patient_id, merged, f"roll of {codes.get(here or '', '?')}")
        return Settled(merged)
    own = there == estate_ids.establishment_id(device_code)
    if incoming.get("on_roll") is False:
        if own:  # the claimant's roll no longer lists them: its claim lapses
            mine = [c for c in _pending(conn, patient_id) if c["to_code"] == device_code]
            return Settled(merged, _decide(conn, mine, CANCELLED, f"roll of {device_code}"))
        return Settled(merged)
    if not is_roll_claim(current, incoming, device_code):
        # Not a roll import of the device's own establishment, or an older roll than the one
        # that placed the patient: the placement stays as it is.
        return Settled(merged)
    if current.get("on_roll") is False or here is None:
        changes = _record(conn, device, codes.get(here or "", ""), patient_id, incoming, EFFECTIVE)
        return Settled(estate_ids.take_placement(merged, incoming), changes)
    changes = _record(conn, device, codes.get(here or "", ""), patient_id, incoming, PENDING)
    return Settled(merged, changes)


def _record(
    conn: Connection,
    device: RowMapping,
    from_code: str,
    patient_id: str,
    incoming: Mapping[str, Any],
    status: str,
) -> list[ClaimChange]:
    table = schema.transfers
    to_code = str(device["establishment"])
    now = utcnow()
    waiting = [c for c in _pending(conn, patient_id) if c["to_code"] == to_code]
    values: dict[str, Any] = {
        "placement": _placement(incoming),
        "claimed_by": device["id"],
        "claimed_at": now,
        "from_code": from_code,
    }
    if waiting and status == PENDING:
        # One pending claim per patient and establishment: a newer roll renews it.
        conn.execute(update(table).where(table.c.id == waiting[0]["id"]).values(**values))
        return [ClaimChange(patient_id, to_code, PENDING)]
    changes = _decide(conn, waiting, EFFECTIVE, f"roll of {to_code}")
    conn.execute(
        table.insert().values(
            patient_id=patient_id,
            to_code=to_code,
            status=status,
            decided_at=None if status == PENDING else now,
            decided_by=None if status == PENDING else f"roll of {to_code}",
            **values,
        )
    )
    return [*changes, ClaimChange(patient_id, to_code, status)]


# -- what laptops and administrators see ------------------------------------------------------


def notes_for(conn: Connection, code: str) -> list[TransferNote]:
    """Pending transfers into or out of an establishment, for its laptops."""
    table = schema.transfers
    rows = conn.execute(
        select(table)
        .where(table.c.status == PENDING, (table.c.to_code == code) | (table.c.from_code == code))
        .order_by(table.c.id)
    ).mappings()
    return [
        TransferNote(
            id=r["id"],
            patient_id=r["patient_id"],
            direction="arriving" if r["to_code"] == code else "leaving",
            from_code=r["from_code"],
            to_code=r["to_code"],
            claimed_at=r["claimed_at"].isoformat(),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class TransferRow:
    id: int
    patient_id: str
    from_code: str
    to_code: str
    status: str
    claimed_at: datetime
    decided_at: datetime | None
    decided_by: str | None


def list_transfers(store: HubStore, *, every: bool = False) -> list[TransferRow]:
    table = schema.transfers
    query = select(table).order_by(table.c.id)
    if not every:
        query = query.where(table.c.status == PENDING)
    with store.reading() as conn:
        return [
            TransferRow(
                id=r["id"],
                patient_id=r["patient_id"],
                from_code=r["from_code"],
                to_code=r["to_code"],
                status=r["status"],
                claimed_at=r["claimed_at"],
                decided_at=r["decided_at"],
                decided_by=r["decided_by"],
            )
            for r in conn.execute(query).mappings()
        ]


def prison_numbers(store: HubStore, patient_ids: list[str]) -> dict[str, str]:
    """Prison numbers of patients, for the administrator's list (read from their documents)."""
    docs = schema.documents
    found: dict[str, str] = {}
    with store.reading() as conn:
        for start in range(0, len(patient_ids), 500):
            for pid, payload in conn.execute(
                select(docs.c.id, docs.c.payload).where(
                    docs.c.kind == PATIENT_KIND, docs.c.id.in_(patient_ids[start : start + 500])
                )
            ):
                number = payload.get("prison_number") if isinstance(payload, dict) else None
                if isinstance(number, str):
                    found[pid] = number
    return found


def confirm(store: HubStore, transfer_id: int, *, who: str | None = None) -> TransferRow:
    """An administrator confirms a pending transfer: it takes effect now, as if the origin's roll
    had dropped the patient (purge there once acknowledged, history re-announced here). The admin
    log records the transfer's id and its two establishments: not who it is about."""
    table, docs = schema.transfers, schema.documents
    with store.writing() as (conn, seqs):
        claim = conn.execute(select(table).where(table.c.id == transfer_id)).mappings().first()
        if claim is None:
            raise HubRefusal(f"No transfer {transfer_id}: see 'hjdesk hub transfers'.", 404)
        if claim["status"] != PENDING:
            raise HubRefusal(f"Transfer {transfer_id} is already {claim['status']}.", 409)
        patient_id = claim["patient_id"]
        doc = (
            conn.execute(
                select(docs.c.payload, docs.c.rev).where(
                    docs.c.kind == PATIENT_KIND, docs.c.id == patient_id
                )
            )
            .mappings()
            .first()
        )
        if doc is None:
            raise HubRefusal(f"The hub holds no patient for transfer {transfer_id}.", 409)
        others = [c for c in _pending(conn, patient_id) if c["id"] != transfer_id]
        _decide(conn, others, CANCELLED, "administrator")
        _decide(conn, [claim], EFFECTIVE, "administrator")
        detail = {"from": claim["from_code"], "to": claim["to_code"], "cancelled": len(others)}
        admin_log.append(
            conn,
            who or admin_log.operator(),
            admin_log.TRANSFER_CONFIRMED,
            str(transfer_id),
            detail,
        )
        payload = estate_ids.take_placement(dict(doc["payload"]), claim["placement"])
        scope = Scope(conn, seqs)
        scope.prefetch([patient_id])
        conn.execute(
            update(docs)
            .where(docs.c.kind == PATIENT_KIND, docs.c.id == patient_id)
            .values(
                payload=payload,
                rev=int(doc["rev"]) + 1,
                change_seq=seqs.next(),
                last_device=None,
                updated_at=utcnow(),
            )
        )
        scope.observe(PATIENT_KIND, patient_id, payload)
        scope.flush()
    (row,) = [t for t in list_transfers(store, every=True) if t.id == transfer_id]
    return row
