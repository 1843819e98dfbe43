"""hub estate ids: derived ids for estate-wide documents, transfers, id aliases

Rewrites every establishment, location, patient, alert and staff document to the id derived from
its natural key (hjdesk.clinical.estate_ids) and every reference to them in other documents,
conflicts, purges, ops and the scope indexes. Two documents of one real thing (the copies two
laptops made of one prisoner) become one: the highest rev stays, and the other's history points at
it. Audit event documents are not touched: their hashes cover the ids (the laptops keep the same
rule and an `id_aliases` table for translation).

Revision ID: h0002
Revises: h0001
Create Date: 2026-12-03
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from hjdesk.clinical import estate_ids
from hjdesk.storage.id_rewrite import UUID, Plan
from hjdesk.sync.hub.schema import UtcTime, json_type

revision = "h0002"
down_revision = "h0001"
branch_labels = None
depends_on = None

AUDIT = "audit_event"

documents = sa.table(
    "documents",
    sa.column("kind", sa.String),
    sa.column("id", sa.String),
    sa.column("rev", sa.Integer),
    sa.column("patient_id", sa.String),
    sa.column("est_code", sa.String),
    sa.column("est_ref", sa.String),
    sa.column("payload", json_type()),
    sa.column("origin_device", sa.String),
    sa.column("updated_at", UtcTime()),
)
conflicts = sa.table(
    "conflicts",
    sa.column("id", sa.Integer),
    sa.column("record_id", sa.String),
    sa.column("patient_id", sa.String),
    sa.column("payload", json_type()),
    sa.column("hub_payload", json_type()),
)
devices = sa.table("devices", sa.column("id", sa.String), sa.column("establishment", sa.String))
patients = sa.table(
    "patients",
    sa.column("id", sa.String),
    sa.column("establishment_id", sa.String),
    sa.column("on_roll", sa.Boolean),
)
establishments = sa.table(
    "establishments", sa.column("id", sa.String), sa.column("code", sa.String)
)
purges = sa.table("purges", sa.column("seq", sa.BigInteger), sa.column("patient_id", sa.String))
ops = sa.table("ops", sa.column("op_id", sa.String), sa.column("record_id", sa.String))


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("from_code", sa.String(10), nullable=False),
        sa.Column("to_code", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("placement", json_type(), nullable=False),
        sa.Column("claimed_by", sa.String(36), nullable=False),
        sa.Column("claimed_at", UtcTime(), nullable=False),
        sa.Column("decided_at", UtcTime()),
        sa.Column("decided_by", sa.String(80)),
    )
    op.create_index("ix_transfers_patient_status", "transfers", ["patient_id", "status"])
    op.create_index("ix_transfers_status", "transfers", ["status"])
    op.create_table(
        "id_aliases",
        sa.Column("old_id", sa.String(36), primary_key=True),
        sa.Column("new_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
    )
    op.create_index("ix_id_aliases_new_id", "id_aliases", ["new_id"])
    rekey(op.get_bind())


def downgrade() -> None:
    # Joined copies of a patient cannot be split again: the derived ids stay.
    op.drop_index("ix_id_aliases_new_id", table_name="id_aliases")
    op.drop_table("id_aliases")
    op.drop_index("ix_transfers_status", table_name="transfers")
    op.drop_index("ix_transfers_patient_status", table_name="transfers")
    op.drop_table("transfers")


def _docs(conn: sa.Connection, kind: str) -> list[dict[str, Any]]:
    query = sa.select(documents).where(documents.c.kind == kind)
    return [dict(r) for r in conn.execute(query).mappings()]


def plan(conn: sa.Connection) -> Plan:
    result = Plan()
    device_codes = dict(conn.execute(sa.select(devices.c.id, devices.c.establishment)).all())
    ests = _docs(conn, "establishment")
    codes = {e["id"]: str(e["payload"].get("code", "")) for e in ests}
    result.add(
        "establishment",
        "establishment",
        ests,
        lambda r: estate_ids.establishment_id(codes[r["id"]]) if codes[r["id"]] else None,
    )
    result.add("location", "location", _docs(conn, "location"),
               lambda r: estate_ids.location_id(codes[r["payload"]["establishment_id"]],
                                                str(r["payload"].get("path", "")))
               if codes.get(r["payload"].get("establishment_id")) else None)  # fmt: skip
    pats = _docs(conn, "patient")
    result.add("patient", "patient", pats,
               lambda r: estate_ids.patient_id(str(r["payload"]["prison_number"]))
               if r["payload"].get("prison_number") else None)  # fmt: skip
    new_patient = {p["id"]: result.mapping.get(p["id"], p["id"]) for p in pats}
    result.add("alert", "alert", _docs(conn, "alert"),
               lambda r: estate_ids.alert_id(new_patient.get(r["patient_id"], r["patient_id"]),
                                             str(r["payload"].get("code", "")))
               if r["payload"].get("code") and r["patient_id"] else None)  # fmt: skip

    def staff_code(row: dict[str, Any]) -> str | None:
        code = (
            row["est_code"]
            or codes.get(row["est_ref"] or "")
            or device_codes.get(row["origin_device"])
        )
        username = row["payload"].get("username")
        return estate_ids.staff_id(code, str(username)) if code and username else None

    result.add("staff", "staff", _docs(conn, "staff"), staff_code)
    return result


def _swap(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        found = mapping.get(value)
        if found is not None:
            return found
        if UUID.search(value):
            return UUID.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)
        return value
    if isinstance(value, dict):
        return {k: _swap(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, mapping) for v in value]
    return value


def rekey(conn: sa.Connection) -> None:
    result = plan(conn)
    mapping = result.mapping
    if not mapping:
        return
    for kind, ids in result.losers.items():
        for start in range(0, len(ids), 500):
            conn.execute(
                documents.delete().where(
                    documents.c.kind == kind, documents.c.id.in_(ids[start : start + 500])
                )
            )
    rows = conn.execute(
        sa.select(
            documents.c.kind, documents.c.id, documents.c.patient_id, documents.c.est_ref,
            documents.c.payload,
        ).where(documents.c.kind != AUDIT)
    ).mappings()  # fmt: skip
    for row in list(rows):
        new = {
            "id": mapping.get(row["id"], row["id"]),
            "patient_id": _swap(row["patient_id"], mapping),
            "est_ref": _swap(row["est_ref"], mapping),
            "payload": _swap(row["payload"], mapping),
        }
        if any(new[k] != row[k] for k in new):
            conn.execute(
                documents.update()
                .where(documents.c.kind == row["kind"], documents.c.id == row["id"])
                .values(**new)
            )
    for found in list(conn.execute(sa.select(conflicts)).mappings()):
        new = {k: _swap(found[k], mapping) for k in ("record_id", "patient_id", "payload",
                                                      "hub_payload")}  # fmt: skip
        if any(new[k] != found[k] for k in new):
            conn.execute(conflicts.update().where(conflicts.c.id == found["id"]).values(**new))
    for table, column, key in ((purges, "patient_id", "seq"), (ops, "record_id", "op_id")):
        for key_value, value in list(conn.execute(sa.select(table.c[key], table.c[column]))):
            if value in mapping:
                conn.execute(
                    table.update().where(table.c[key] == key_value).values({column: mapping[value]})
                )
    # The scope indexes, rebuilt from the rewritten documents.
    conn.execute(establishments.delete())
    for doc_id, payload in conn.execute(
        sa.select(documents.c.id, documents.c.payload).where(documents.c.kind == "establishment")
    ).all():
        conn.execute(establishments.insert().values(id=doc_id, code=str(payload.get("code", ""))))
    conn.execute(patients.delete())
    for doc_id, payload in conn.execute(
        sa.select(documents.c.id, documents.c.payload).where(documents.c.kind == "patient")
    ).all():
        conn.execute(
            patients.insert().values(
                id=doc_id,
                establishment_id=payload.get("establishment_id"),
                on_roll=payload.get("on_roll", True) is not False,
            )
        )
    aliases = sa.table("id_aliases", sa.column("old_id"), sa.column("new_id"), sa.column("kind"))
    conn.execute(
        aliases.insert(),
        [{"old_id": o, "new_id": n, "kind": result.kinds[o]} for o, n in mapping.items()],
    )
