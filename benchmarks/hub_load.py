"""Fill a hub directly to a large establishment, for a first sync of a million records.

Pushing a million records first means an `hjdesk demo` vault of ~180,000 patients (ORM writes,
minutes per hundred thousand) and then the push itself: the suite could not afford it, and the
figure wanted is the pull. Instead a real establishment is pushed once through the hub (the
2,000-patient demo: every record made and checked the ordinary way), and its patients' records are
then copied inside the hub database with `storage.bulk.insert_many`, the hub's own bulk path, each
copy a new set of patients: every id a copied record holds that names a copied record (the patient,
an encounter, a care plan …) is replaced by that copy's id for it, so each copy is a whole, linked
set of records. Establishment-level records (the establishment, locations, staff) stay single, as
they are in a real prison. Each copy takes new change sequence numbers, as a push would give them,
and the hub's scope index learns its patients, so a pull sees exactly what it would after pushes.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, select

from hjdesk.storage.bulk import insert_many
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.store import HubStore
from hjdesk.sync.protocol import AUDIT_KIND

_NAMESPACE = uuid.UUID("6f1d3c52-2a8e-4f7e-9a55-0c1c4a1e5d01")


def _remap(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, dict):
        return {key: _remap(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_remap(item, ids) for item in value]
    return value


def scope_documents(store: HubStore, code: str) -> list[dict[str, Any]]:
    """The documents of the patients on `code`'s roll (audit events stay out: never pulled)."""
    docs, pat, est = schema.documents, schema.patients, schema.establishments
    here = select(est.c.id).where(est.c.code == code)
    on_roll = select(pat.c.id).where(pat.c.on_roll.is_(True), pat.c.establishment_id.in_(here))
    with store.reading() as conn:
        rows = conn.execute(
            select(docs)
            .where(and_(docs.c.kind != AUDIT_KIND, docs.c.patient_id.in_(on_roll)))
            .order_by(docs.c.change_seq)
        ).mappings()
        return [dict(row) for row in rows]


def grow(store: HubStore, code: str, records: int) -> int:
    """Copy `code`'s patients and their records until its scope holds `records` records (the last
    copy cut short; records of a patient whose own record was cut are outside every scope and
    not pulled); returns the number of records added."""
    base = scope_documents(store, code)
    if not base:
        raise ValueError(f"the hub holds no patients of {code} to copy")
    with store.reading() as conn:
        placements = {
            pid: ref
            for pid, ref in conn.execute(
                select(schema.patients.c.id, schema.patients.c.establishment_id)
            )
        }
    wanted = max(records - len(base), 0)
    ids = [str(row["id"]) for row in base]
    added, copy = 0, 0
    while added < wanted:
        copy += 1
        mapping = {old: str(uuid.uuid5(_NAMESPACE, f"{copy}:{old}")) for old in ids}
        rows = base[: wanted - added]
        with store.writing() as (conn, seqs):
            new_docs = [
                {
                    **row,
                    "id": mapping[row["id"]],
                    "patient_id": mapping.get(row["patient_id"], row["patient_id"]),
                    "payload": _remap(row["payload"], mapping),
                    "change_seq": seqs.next(),
                }
                for row in rows
            ]
            insert_many(conn, schema.documents, new_docs)
            patients = [
                {"id": mapping[row["id"]], "establishment_id": placements[row["id"]],
                 "on_roll": True}
                for row in rows
                if row["kind"] == "patient"
            ]  # fmt: skip
            insert_many(conn, schema.patients, patients)
        added += len(rows)
    return added
