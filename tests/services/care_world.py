"""A small, fully known establishment for care plan, reviews-due and release tests.

Import `care_template_fixture` and `world_fixture` into a test module to use the `world` fixture.

People are added one at a time with exactly the dates a test needs; clinical history (encounters,
measurements, medicines…) is written straight through the ORM, signed at creation, as the
encounter service would write it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.services.common import dumps
from hjdesk.services.roll_reconcile import apply_rows
from hjdesk.services.roll_rows import ImportSummary, RollRow
from hjdesk.storage.models import Condition, Encounter, Measurement, Patient, Staff
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from tests.conftest import FAST_KDF, PASSWORD

TODAY = date(2025, 3, 12)
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
USERS = (
    ("nurse", "Alex Morgan", "RN", "PRIMARY_CARE"),
    ("hca", "Jo Whitfield", "HCA", "PRIMARY_CARE"),
    ("mhnurse", "Sam Okoro", "RMN", "MH_IN_REACH"),
    ("gp", "Dr Priya Raman", "GP", "PRIMARY_CARE"),
)


@dataclass
class World:
    home: HomePaths
    vault: OpenVault
    opened: list[OpenVault] = field(default_factory=list)
    count: int = 0

    def as_user(self, username: str) -> OpenVault:
        other = Vault(self.home).unlock(username, PASSWORD)
        self.opened.append(other)
        return other

    def staff_id(self, username: str) -> str:
        with self.vault.session() as session:
            found = session.scalar(select(Staff.id).where(Staff.username == username))
        assert found is not None
        return found

    def patient(
        self,
        *,
        dob: date = date(1980, 6, 1),
        reception: date | None = date(2024, 1, 10),
        location: str = "A-1-001",
        alerts: tuple[str, ...] = (),
        conditions: tuple[tuple[str, date | None], ...] = (),
        expected_release: date | None = None,
        family_name: str = "Testperson",
        establishment: str = "MDI",
    ) -> str:
        """Add one person to the roll (as a roll import would) and return their id."""
        self.count += 1
        number = f"A{1000 + self.count:04d}BC"
        row = RollRow(
            row=self.count + 1,
            prison_number=number,
            nhs_number="9434765919",
            family_name=family_name,
            given_names="Test",
            date_of_birth=dob,
            sex="M",
            establishment=establishment,
            location=tuple(location.split("-")),
            reception_date=reception,
            expected_release_date=expected_release,
            alerts=alerts,
        )
        with self.vault.transaction() as session:
            now = datetime.now(UTC)
            stamp = estate_ids.roll_stamp(now, now, self.vault.device_id)
            apply_rows(session, [row], ImportSummary(), full_roll=False, stamp=stamp)
            session.flush()
            pid = session.scalar(select(Patient.id).where(Patient.prison_number == number))
            assert pid is not None
            for code, onset in conditions:
                session.add(Condition(patient_id=pid, code=code, onset=onset))
        return pid


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def add_encounter(
    vault: OpenVault,
    patient_id: str,
    kind: str,
    day: date,
    *,
    ltc_condition: str | None = None,
    data: dict[str, Any] | None = None,
    signed: bool = True,
    amends_id: str | None = None,
    entered_in_error: bool = False,
) -> str:
    """A signed encounter written as the encounter service would (signed at creation)."""
    with vault.transaction() as session:
        encounter = Encounter(
            patient_id=patient_id,
            kind=kind,
            ltc_condition=ltc_condition,
            started_at=at_noon(day),
            narrative="",
            data=dumps(data or {}),
            signed_at=at_noon(day) if signed else None,
            signed_by=vault.actor.staff_id if signed else None,
            amends_id=amends_id,
            amendment_reason="entered in error" if entered_in_error else None,
            entered_in_error=entered_in_error,
        )
        session.add(encounter)
        session.flush()
        return encounter.id


def add_measurement(
    vault: OpenVault,
    patient_id: str,
    code: str,
    day: date,
    *,
    value: float | None = None,
    text_value: str | None = None,
    unit: str = "",
    encounter_id: str | None = None,
) -> None:
    with vault.transaction() as session:
        session.add(
            Measurement(
                patient_id=patient_id,
                encounter_id=encounter_id,
                code=code,
                value=value,
                text_value=text_value,
                unit=unit,
                taken_at=at_noon(day),
                signed_at=at_noon(day),
                signed_by=vault.actor.staff_id,
            )
        )


@pytest.fixture(scope="session", name="care_template")
def care_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty establishment with its staff, built once; each test copies it (creating a vault
    runs the migrations, which is the slow part)."""
    root = tmp_path_factory.mktemp("care-template")
    home = HomePaths.resolve(root)
    admin = Vault.create(home, admin="admin", password=PASSWORD, kdf=FAST_KDF)
    for username, name, role, team in USERS:
        admin.add_user(username, PASSWORD, display_name=name, role=role, team=team, kdf=FAST_KDF)
    admin.lock()
    return root


@pytest.fixture(name="world")
def world_fixture(care_template: Path, tmp_path: Path) -> Iterator[World]:
    target = tmp_path / "care"
    shutil.copytree(care_template, target)
    home = HomePaths.resolve(target)
    built = World(home=home, vault=Vault(home).unlock("nurse", PASSWORD))
    yield built
    for other in [built.vault, *built.opened]:
        other.lock()
