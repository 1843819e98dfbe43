"""A small, fully known establishment for care plan, reviews-due and release tests.

Import `care_template_fixture` and `world_fixture` into a test module to use the `world` fixture.

People are added one at a time with exactly the dates a test needs. Clinical history is written
through the services (encounters and their measurements through the encounter service), never as
hand-shaped rows: a fixture that stored another shape once hid a defect (tests/README.md).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.services.drafts import save_draft
from hjdesk.services.encounters.forms import (
    EncounterInput,
    EscalationInput,
    MeasurementInput,
    QuestionnairesInput,
    VitalsInput,
)
from hjdesk.services.encounters.signing import amend_encounter, sign_encounter
from hjdesk.services.roll.reconcile import apply_rows
from hjdesk.services.roll.rows import ImportSummary, RollRow
from hjdesk.storage.models import Condition, Patient, Staff
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


def move(world: World, patient_id: str, location: str) -> None:
    """A roll import that moves one person (as the prison system says they moved)."""
    with world.vault.transaction() as session:
        p = session.get(Patient, patient_id)
        assert p is not None
        row = RollRow(
            row=2,
            prison_number=p.prison_number,
            nhs_number=p.nhs_number,
            family_name=p.family_name,
            given_names=p.given_names,
            date_of_birth=p.date_of_birth,
            sex=p.sex,
            establishment="MDI",
            location=tuple(location.split("-")),
            reception_date=p.reception_date,
            expected_release_date=p.expected_release_date,
            alerts=tuple(a.code for a in p.alerts if a.active),
        )
        now = datetime.now(UTC)  # a later roll than the one that placed them
        stamp = estate_ids.roll_stamp(now, now, world.vault.device_id)
        apply_rows(session, [row], ImportSummary(), full_roll=False, stamp=stamp)


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


# A plausible value for each measurement code, so a test that only needs "recorded" passes the
# service's range checks as a real form would.
PLAUSIBLE: dict[str, float | str] = {
    "HBA1C": 52.0,
    "BP_SYSTOLIC": 132.0,
    "BP_DIASTOLIC": 84.0,
    "CHOLESTEROL": 4.8,
    "CREATININE": 80.0,
    "UACR": 2.0,
    "BMI": 26.0,
    "WEIGHT": 80.0,
    "HEIGHT": 175.0,
    "PEAK_FLOW": 450.0,
    "FOOT_RISK": "LOW",
    "SMOKING_STATUS": "NEVER_SMOKED",
    "RETINAL_SCREENING": "No retinopathy",
}
NO_FALLS = {
    "fallen_last_year": False,
    "injury": False,
    "fear_of_falling": False,
    "gait_or_balance_concern": False,
}


def _form(
    kind: str,
    data: dict[str, Any] | None,
    questionnaires: QuestionnairesInput | None,
) -> tuple[dict[str, Any], QuestionnairesInput | None]:
    """What the encounter form would hand over: an older prisoner review always carries the CFS
    level and the falls answers (the service refuses one without them)."""
    answers = dict(data or {})
    if kind == "OLDER_PRISONER_REVIEW":
        level = answers.pop("cfs_level", 3)
        answers.setdefault("falls", dict(NO_FALLS))
        if questionnaires is None or questionnaires.cfs_level is None:
            base = questionnaires or QuestionnairesInput()
            questionnaires = replace(base, cfs_level=level)
    return answers, questionnaires


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
    measurements: tuple[MeasurementInput, ...] = (),
    questionnaires: QuestionnairesInput | None = None,
    vitals: VitalsInput | None = None,
    escalation: EscalationInput | None = None,
) -> str:
    """An encounter at noon on `day`, signed then through the encounter service (so it is stored
    in the service's shape, raises its tasks and is audited); `signed=False` leaves it as the
    form's autosaved draft, which is all an unsigned encounter ever is. `amends_id` with
    `entered_in_error` marks that entry entered in error; with corrected data, amends it."""
    when = at_noon(day)
    answers, scores = _form(kind, data, questionnaires)
    if not signed:
        return save_draft(
            vault, "encounter", {"kind": kind, "data": answers}, patient_id=patient_id, now=when
        )
    inp = EncounterInput(
        patient_id=patient_id,
        kind=kind,
        started_at=when,
        narrative="Seen on the wing.",
        ltc_condition=ltc_condition,
        vitals=vitals,
        questionnaires=scores,
        measurements=measurements,
        data=answers,
        escalation=escalation,
    )
    if amends_id is not None:
        view = amend_encounter(
            vault,
            amends_id,
            reason="entered in error" if entered_in_error else "corrected",
            corrected=None if entered_in_error else inp,
            entered_in_error=entered_in_error,
            now=when,
        )
    else:
        view = sign_encounter(vault, inp, now=when)
    return view.id


def measured(code: str, value: float | str | None = None) -> MeasurementInput:
    """A measurement as the form hands it over, in the unit the service expects."""
    return MeasurementInput(code, PLAUSIBLE[code] if value is None else value)


def add_measurement(
    vault: OpenVault,
    patient_id: str,
    code: str,
    day: date,
    *,
    value: float | str | None = None,
) -> str:
    """One result recorded at a clinic visit on `day` (a measurement is always part of a signed
    encounter); returns the encounter's id."""
    return add_encounter(
        vault, patient_id, "CLINIC_VISIT", day, measurements=(measured(code, value),)
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
