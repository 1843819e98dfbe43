"""A large demo vault, stored the way a laptop stores what it pulls from a hub.

`build_demo` writes every row through the ORM and queues an outbox op for it, as a laptop does for
work done on it: about 5 minutes for 100,000 patients, too long for the benchmark run. A laptop
joining a large establishment gets its records from the hub instead, and the pull path writes them
with Core INSERTs on a connection marked as applying remote records (`sync.cycle.remote_session`),
which queues no outbox op. This builder generates exactly the same synthetic establishment (same
seed, same generators, same rows: `tests/test_benchmarks_harness.py` compares the two) and stores it
that way, stamped as the outbox hook would stamp it. The users, their key slots (at the real
Argon2id cost) and the audit chain are made the ordinary way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, inspect

from hjdesk.clinical import estate_ids
from hjdesk.demo.context import Batch
from hjdesk.demo.establishment import (
    ESTABLISHMENT,
    ESTABLISHMENT_NAME,
    STAFF,
    _conditions,
    generate_rows,
)
from hjdesk.demo.history import build_history
from hjdesk.services.patients import fold
from hjdesk.storage.ids import uuid7
from hjdesk.storage.keyslots import DEFAULT_KDF, KdfParams
from hjdesk.storage.models import Alert, Base, Establishment, Location, Patient, utcnow
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.sync.cycle import remote_session

CHUNK = 5000


@dataclass(frozen=True, slots=True)
class _Column:
    key: str  # attribute name
    name: str  # column name
    default: Callable[[], Any] | None  # what the ORM fills in for None at INSERT


@cache
def _columns(cls: type[Base]) -> tuple[Table, tuple[_Column, ...]]:
    mapper = inspect(cls)
    table = mapper.local_table
    assert isinstance(table, Table)
    out: list[_Column] = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        default = column.default
        fill: Callable[[], Any] | None = None
        if default is not None:
            arg = default.arg
            fill = (lambda f=arg: f(None)) if callable(arg) else (lambda v=arg: v)
        out.append(_Column(attr.key, column.name, fill))
    return table, tuple(out)


def _row(vault: OpenVault, obj: Base) -> dict[str, Any]:
    """The INSERT values the ORM and the outbox hook would give `obj` (storage.outbox._stamp)."""
    _, columns = _columns(type(obj))
    state = obj.__dict__
    row: dict[str, Any] = {}
    for column in columns:
        value = state.get(column.key)
        if value is None and column.default is not None:
            value = column.default()
        row[column.name] = value
    row["hlc"], row["updated_at"] = vault.context.clock.now(), utcnow()
    row["origin_device"] = row["origin_device"] or vault.device_id
    row["author_id"] = row["author_id"] or vault.context.author_id
    return row


def store_as_pulled(vault: OpenVault, objects: list[Base]) -> int:
    """Insert rows (parents first) as the pull path does: Core statements on a connection marked
    as applying the hub's records, so no outbox op is queued."""
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for obj in objects:
        table, _ = _columns(type(obj))
        by_table.setdefault(table, []).append(_row(vault, obj))
    with remote_session(vault) as session:
        conn = session.connection()
        for table, rows in by_table.items():
            for start in range(0, len(rows), CHUNK):
                conn.execute(table.insert(), rows[start : start + CHUNK])
    return len(objects)


def _write_batches(vault: OpenVault, batches: Iterable[Batch], counts: Counter[str]) -> None:
    for batch in batches:
        store_as_pulled(vault, [row for layer in batch.layers for row in layer])
        counts.update(batch.counts())


def _roll(vault: OpenVault, patients: int, seed: int, today: date) -> None:
    """The roll and conditions, mapped as `roll_reconcile.apply_rows` maps a new person."""
    rows = generate_rows(patients, seed, today)
    establishment = Establishment(
        id=estate_ids.establishment_id(ESTABLISHMENT), code=ESTABLISHMENT, name=ESTABLISHMENT_NAME
    )
    now = datetime.now(UTC)
    stamp = estate_ids.roll_stamp(now, now, vault.device_id)
    locations: dict[str, Location] = {}
    people: list[Base] = []
    alerts: list[Base] = []
    by_number: dict[str, str] = {}
    for row in rows:
        path = "-".join(row.location)
        place = locations.get(path)
        if place is None:
            place = Location(id=estate_ids.location_id(ESTABLISHMENT, path),
                             establishment_id=establishment.id, path=path,
                             wing=row.location[0], depth=len(row.location))  # fmt: skip
            locations[path] = place
        patient = Patient(
            id=estate_ids.patient_id(row.prison_number), prison_number=row.prison_number,
            establishment_id=establishment.id,
            location_id=place.id, on_roll=True, nhs_number=row.nhs_number,
            family_name=row.family_name, given_names=row.given_names,
            family_fold=fold(row.family_name), given_fold=fold(row.given_names),
            date_of_birth=row.date_of_birth, sex=row.sex, reception_date=row.reception_date,
            expected_release_date=row.expected_release_date,
            roll_stamps={**dict.fromkeys(estate_ids.PATIENT_DETAILS, stamp),
                         estate_ids.PLACEMENT_STAMP: stamp},
        )  # fmt: skip
        people.append(patient)
        by_number[row.prison_number] = patient.id
        alerts.extend(
            Alert(
                id=estate_ids.alert_id(patient.id, code),
                patient_id=patient.id,
                code=code,
                active=True,
                roll_stamps={"active": stamp, "source": stamp},
            )
            for code in row.alerts
        )
    conditions: list[Any] = _conditions(rows, by_number, seed, today)
    for condition in conditions:
        condition.id = uuid7()
    store_as_pulled(vault, [establishment, *locations.values(), *people, *alerts, *conditions])


def build_pulled_demo(
    home: HomePaths,
    *,
    password: str,
    patients: int,
    seed: int = 1,
    today: date | None = None,
    kdf: KdfParams = DEFAULT_KDF,
    history: bool = True,
) -> OpenVault:
    """The demo establishment of `build_demo(home, patients=…, seed=…)`, stored as pulled."""
    day = today or date.today()
    vault = Vault.create(
        home,
        admin="admin",
        password=password,
        display_name="Demo Administrator",
        kdf=kdf,
        establishment=ESTABLISHMENT,
    )
    for username, name, role, team in STAFF:
        vault.add_user(username, password, display_name=name, role=role, team=team, kdf=kdf)
    _roll(vault, patients, seed, day)
    vault.audit("demo_built", detail={"patients": patients, "seed": seed, "stored_as": "pulled"})
    if history:
        build_history(vault, seed=seed, today=day, write=_write_batches)
    return vault
