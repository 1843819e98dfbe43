"""A small, fully known establishment for clinic and encounter tests.

The 1,200-patient demo is realistic but random (and gains clinical history over time); these tests
need to know exactly who should be on each list, so they build twelve people by hand.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.services.roll.reconcile import apply_rows
from hjdesk.services.roll.rows import ImportSummary, RollRow
from hjdesk.storage.models import Condition, Patient
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from tests.conftest import FAST_KDF, PASSWORD

DAY = date(2025, 3, 12)  # a Wednesday; ISO week 11
NOON = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
USERS = (
    ("nurse", "Alex Morgan", "RN", "PRIMARY_CARE"),
    ("hca", "Jo Whitfield", "HCA", "PRIMARY_CARE"),
    ("mhnurse", "Sam Okoro", "RMN", "MH_IN_REACH"),
)


def _born(age: int, *, days_after_birthday: int = 100) -> date:
    """Someone who is `age` on DAY, their birthday `days_after_birthday` days before DAY."""
    birthday = DAY - timedelta(days=days_after_birthday)
    return birthday.replace(year=birthday.year - age)


@dataclass(frozen=True)
class Person:
    key: str
    location: str
    dob: date
    conditions: tuple[str, ...] = ()
    inactive: tuple[str, ...] = ()
    reception: date = date(2024, 1, 10)
    alerts: tuple[str, ...] = ()


PEOPLE = (
    Person("diabetic", "A-1-002", _born(40), ("DIABETES",)),
    Person("diabetic_htn", "A-1-010", _born(55), ("DIABETES", "HYPERTENSION")),
    Person("asthma", "A-2-001", _born(30), ("ASTHMA",)),
    Person("copd_asthma", "A-2-003", _born(70), ("ASTHMA", "COPD"), alerts=("PEEP",)),
    Person("epilepsy", "A-1-001", _born(25), ("EPILEPSY",), alerts=("HA",)),
    Person("other_wing", "B-1-001", _born(60), ("DIABETES",)),
    Person("inactive_dm", "A-1-020", _born(33), inactive=("DIABETES",)),
    Person("new_arrival", "A-1-003", _born(22), reception=DAY - timedelta(days=3)),
    Person("overdue", "A-2-009", _born(28), reception=DAY - timedelta(days=20)),
    Person("done_2nd", "A-2-010", _born(29), reception=DAY - timedelta(days=20)),
    Person("long_ago", "A-1-004", _born(31), reception=DAY - timedelta(days=200)),
    Person("fifty_today", "A-1-009", _born(50, days_after_birthday=0)),
    Person("fifty_tomorrow", "A-2-002", _born(49, days_after_birthday=364)),
    Person("future_arrival", "A-1-005", _born(35), reception=DAY + timedelta(days=2)),
)


@dataclass
class World:
    home: HomePaths
    vault: OpenVault
    ids: dict[str, str] = field(default_factory=dict)

    def as_user(self, username: str) -> OpenVault:
        return Vault(self.home).unlock(username, PASSWORD)


def _rows() -> list[RollRow]:
    return [
        RollRow(
            row=index + 2,
            prison_number=f"A{1000 + index:04d}BC",
            nhs_number=None,
            family_name=person.key.replace("_", " ").title(),
            given_names="Test",
            date_of_birth=person.dob,
            sex="M",
            establishment="MDI",
            location=tuple(person.location.split("-")),
            reception_date=person.reception,
            expected_release_date=None,
            alerts=person.alerts,
        )
        for index, person in enumerate(PEOPLE)
    ]


def _ids(vault: OpenVault) -> dict[str, str]:
    with vault.session() as session:
        by_number = {n: i for n, i in session.execute(select(Patient.prison_number, Patient.id))}
    return {p.key: by_number[f"A{1000 + i:04d}BC"] for i, p in enumerate(PEOPLE)}


def make_template(root: Path) -> Path:
    """Build the world once (creating a vault runs the migrations, which is slow); tests copy it."""
    build_world(HomePaths.resolve(root)).vault.lock()
    return root


def open_world(template: Path, target: Path) -> World:
    shutil.copytree(template, target)
    home = HomePaths.resolve(target)
    nurse = Vault(home).unlock("nurse", PASSWORD)
    return World(home=home, vault=nurse, ids=_ids(nurse))


def build_world(home: HomePaths) -> World:
    admin = Vault.create(home, admin="admin", password=PASSWORD, kdf=FAST_KDF)
    for username, name, role, team in USERS:
        admin.add_user(username, PASSWORD, display_name=name, role=role, team=team, kdf=FAST_KDF)
    with admin.transaction() as session:
        stamp = estate_ids.roll_stamp(datetime.now(UTC), datetime.now(UTC), admin.device_id)
        apply_rows(session, _rows(), ImportSummary(), full_roll=False, stamp=stamp)
        session.flush()
        by_number = {n: i for n, i in session.execute(select(Patient.prison_number, Patient.id))}
        ids = {p.key: by_number[f"A{1000 + i:04d}BC"] for i, p in enumerate(PEOPLE)}
        for person in PEOPLE:
            for code in person.conditions:
                session.add(Condition(patient_id=ids[person.key], code=code, onset=None))
            for code in person.inactive:
                session.add(
                    Condition(patient_id=ids[person.key], code=code, onset=None, active=False)
                )
    admin.lock()
    nurse = Vault(home).unlock("nurse", PASSWORD)
    return World(home=home, vault=nurse, ids=ids)
