"""Devices and enrolment: one-time codes, tokens (only their hashes are kept), revoke and wipe."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from hjdesk.storage.errors import KnownError
from hjdesk.sync.hub import admin_log, schema
from hjdesk.sync.hub.schema import utcnow
from hjdesk.sync.hub.store import HubStore, hash_secret
from hjdesk.sync.protocol import DeviceState, EnrolReply

# No 0/O or 1/I: codes are read aloud and typed. 16 symbols of 32 = 80 bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


class HubRefusal(KnownError):
    """A request the hub turns down, with the HTTP status it answers with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def create_enrol_code(
    store: HubStore, establishment: str, *, valid_hours: float = 72, who: str | None = None
) -> str:
    """Make a one-time enrolment code for a laptop of `establishment`; only its hash is stored.
    The admin log records who issued one, for where and until when: never the code."""
    code_plain = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = utcnow()
    expires = now + timedelta(hours=valid_hours)
    with store.administering() as conn:
        conn.execute(
            schema.enrol_codes.insert().values(
                code_hash=hash_secret(code_plain),
                establishment=establishment,
                created_at=now,
                expires_at=expires,
            )
        )
        admin_log.append(
            conn,
            who or admin_log.operator(),
            admin_log.CODE_ISSUED,
            establishment,
            {"establishment": establishment, "expires_at": expires.isoformat()},
        )
    return "-".join(code_plain[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def enrol(store: HubStore, code: str, device_id: str, device_name: str) -> EnrolReply:
    """Exchange a code for a device token. The code is spent in the same transaction."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    refused = HubRefusal("This enrolment code is unknown, used or expired.", 403)
    try:
        with store.administering() as conn:
            row = (
                conn.execute(
                    select(schema.enrol_codes).where(
                        schema.enrol_codes.c.code_hash == hash_secret(normalise_code(code))
                    )
                )
                .mappings()
                .first()
            )
            if row is None or row["used_at"] is not None or row["expires_at"] < now:
                raise refused
            spent = conn.execute(
                update(schema.enrol_codes)
                .where(schema.enrol_codes.c.code_hash == row["code_hash"])
                .where(schema.enrol_codes.c.used_at.is_(None))
                .values(used_at=now, used_by=device_id)
            )
            if spent.rowcount != 1:  # another request spent it between our read and write
                raise refused
            if conn.execute(
                select(schema.devices.c.id).where(schema.devices.c.id == device_id)
            ).first():
                raise HubRefusal("This laptop is already enrolled with this hub.", 409)
            conn.execute(
                schema.devices.insert().values(
                    id=device_id,
                    establishment=row["establishment"],
                    name=device_name,
                    token_hash=hash_secret(token),
                    enrolled_at=now,
                    acked_seq=0,
                )
            )
            # No person runs this: the laptop that spent the code is who (its name is left out:
            # a laptop's name may be a member of staff's).
            admin_log.append(
                conn,
                f"device {device_id}",
                admin_log.DEVICE_ENROLLED,
                device_id,
                {"establishment": row["establishment"]},
            )
    except IntegrityError:
        raise HubRefusal("This laptop is already enrolled with this hub.", 409) from None
    return EnrolReply(device_id=device_id, token=token, establishment=row["establishment"])


def authenticate(conn: Connection, token: str) -> RowMapping | None:
    row = (
        conn.execute(
            select(schema.devices).where(schema.devices.c.token_hash == hash_secret(token))
        )
        .mappings()
        .first()
    )
    if row is None or row["wiped_at"] is not None:
        return None
    return row


def touch(conn: Connection, device_id: str) -> None:
    conn.execute(
        update(schema.devices).where(schema.devices.c.id == device_id).values(last_seen_at=utcnow())
    )


def state_of(row: Mapping[Any, Any]) -> DeviceState:
    return DeviceState(
        device_id=row["id"],
        establishment=row["establishment"],
        revoked=row["revoked_at"] is not None,
        wipe=row["wipe_requested_at"] is not None,
        acked_seq=int(row["acked_seq"]),
    )


def _mark(store: HubStore, device_id: str, column: str, action: str, who: str | None) -> None:
    with store.administering() as conn:
        done = conn.execute(
            update(schema.devices)
            .where(schema.devices.c.id == device_id)
            .where(schema.devices.c[column].is_(None))
            .values({column: utcnow()})
        )
        est = conn.execute(
            select(schema.devices.c.establishment).where(schema.devices.c.id == device_id)
        ).scalar()
        if est is None:
            raise HubRefusal(f"No device {device_id!r} is enrolled with this hub.", 404)
        # A repeat changes nothing, but someone asked: logged as such.
        outcome = "done" if done.rowcount == 1 else "already"
        detail = {"establishment": est, "outcome": outcome}
        admin_log.append(conn, who or admin_log.operator(), action, device_id, detail)


def revoke(store: HubStore, device_id: str, *, who: str | None = None) -> None:
    """The device can no longer pull (it may still upload what it holds)."""
    _mark(store, device_id, "revoked_at", admin_log.DEVICE_REVOKED, who)


def request_wipe(store: HubStore, device_id: str, *, who: str | None = None) -> None:
    """At its next sync, once its outbox is empty, the device destroys its vault."""
    _mark(store, device_id, "wipe_requested_at", admin_log.WIPE_ORDERED, who)


def mark_wiped(conn: Connection, device_id: str) -> None:
    conn.execute(
        update(schema.devices)
        .where(schema.devices.c.id == device_id)
        .values(wiped_at=utcnow(), revoked_at=func.coalesce(schema.devices.c.revoked_at, utcnow()))
    )


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: str
    establishment: str
    name: str
    enrolled_at: datetime
    last_seen_at: datetime | None
    acked_seq: int
    status: str
    open_conflicts: int


def list_devices(store: HubStore) -> list[DeviceInfo]:
    with store.reading() as conn:
        counts: dict[str, int] = dict(
            conn.execute(
                select(schema.conflicts.c.device_id, func.count())
                .where(schema.conflicts.c.status == "open")
                .group_by(schema.conflicts.c.device_id)
            ).all()
        )
        rows = conn.execute(select(schema.devices).order_by(schema.devices.c.enrolled_at))
        out = []
        for row in rows.mappings():
            if row["wiped_at"] is not None:
                status = "wiped"
            elif row["wipe_requested_at"] is not None:
                status = "wipe requested"
            elif row["revoked_at"] is not None:
                status = "revoked"
            else:
                status = "active"
            out.append(
                DeviceInfo(
                    id=row["id"],
                    establishment=row["establishment"],
                    name=row["name"],
                    enrolled_at=row["enrolled_at"],
                    last_seen_at=row["last_seen_at"],
                    acked_seq=int(row["acked_seq"]),
                    status=status,
                    open_conflicts=int(counts.get(row["id"], 0)),
                )
            )
    return out
