"""The demo establishment: a plausible, deterministic synthetic prison."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from hjdesk.clinical.identifiers import age_on, is_valid_nhs_number, is_valid_prison_number
from hjdesk.demo.establishment import build_demo, generate_rows
from hjdesk.storage import audit
from hjdesk.storage.errors import VaultExists
from hjdesk.storage.models import Alert, Condition, Location, Patient, Staff
from hjdesk.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD

DAY = date(2026, 3, 2)


@pytest.fixture
def people(demo):
    with demo.session() as session:
        rows = session.execute(
            select(Patient, Location.path, Location.wing).join(
                Location, Patient.location_id == Location.id
            )
        ).all()
    return rows


def test_twelve_hundred_patients_all_on_the_roll(people):
    assert len(people) == 1200
    assert all(p.on_roll for p, _, _ in people)
    numbers = [p.prison_number for p, _, _ in people]
    assert len(set(numbers)) == 1200
    assert all(is_valid_prison_number(n) and n.startswith("Z") for n in numbers)


def test_wings_landings_and_cells(people):
    paths = [path for _, path, _ in people]
    cells = [p for p in paths if re.fullmatch(r"[A-Z]-[1-4]-\d{3}", p)]
    assert len(cells) >= 0.9 * len(paths)
    wings = {p.split("-")[0] for p in cells}
    assert len(wings) >= 6
    landings = {tuple(p.split("-")[:2]) for p in cells}
    assert len(landings) >= 6 * 3
    assert len(set(cells)) > 300  # spread over many cells, not piled into a few
    pseudo = Counter(p for p in paths if p not in cells)
    assert set(pseudo) <= {"RECP", "HCU", "SEG"}
    assert 1 <= pseudo["RECP"] <= 60  # a few in reception


def test_older_prisoners_are_fifteen_to_twenty_percent(people):
    today = date.today()
    older = sum(age_on(p.date_of_birth, today) >= 50 for p, _, _ in people)
    assert 0.15 <= older / len(people) <= 0.20
    assert all(18 <= age_on(p.date_of_birth, today) <= 100 for p, _, _ in people)


def test_nhs_numbers_are_valid_test_range_numbers(people):
    numbers = [p.nhs_number for p, _, _ in people if p.nhs_number is not None]
    assert len(numbers) >= 0.85 * len(people)
    assert all(n.startswith("999") for n in numbers)
    assert all(is_valid_nhs_number(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_alerts(demo):
    with demo.session() as session:
        counts = dict(
            session.execute(
                select(Alert.code, func.count()).where(Alert.active.is_(True)).group_by(Alert.code)
            ).all()
        )
    assert counts.get("HA", 0) >= 5  # several open ACCTs
    assert counts.get("PEEP", 0) >= 5
    assert set(counts) <= {"HA", "HA1", "PEEP", "HID"}


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [
        ("DIABETES", 0.03, 0.15),
        ("HYPERTENSION", 0.05, 0.20),
        ("ASTHMA", 0.05, 0.20),
        ("COPD", 0.005, 0.06),
        ("EPILEPSY", 0.005, 0.06),
    ],
)
def test_long_term_conditions_at_plausible_prevalence(demo, code, low, high):
    with demo.session() as session:
        with_condition = session.scalar(
            select(func.count(func.distinct(Condition.patient_id))).where(Condition.code == code)
        )
    assert low <= with_condition / 1200 <= high


def test_conditions_cluster_in_older_prisoners(demo, people):
    today = date.today()
    older = {p.id for p, _, _ in people if age_on(p.date_of_birth, today) >= 50}
    with demo.session() as session:
        hypertensive = set(
            session.scalars(select(Condition.patient_id).where(Condition.code == "HYPERTENSION"))
        )
    older_rate = len(hypertensive & older) / len(older)
    younger_rate = len(hypertensive - older) / (1200 - len(older))
    assert older_rate > 2 * younger_rate


def test_demo_users_and_roles(demo):
    expected = {
        "admin": "ADMIN",
        "nurse": "RN",
        "mhnurse": "RMN",
        "hca": "HCA",
        "gp": "GP",
        "pharmacist": "PHARMACIST",
    }
    assert {u.username: u.role for u in Vault(demo.home).users()} == expected
    with demo.session() as session:
        staff = dict(session.execute(select(Staff.username, Staff.role)).all())
    assert staff == expected
    assert demo.actor.username == "nurse"


def test_every_demo_user_can_unlock(demo_home):
    for user in ("admin", "mhnurse", "hca", "gp", "pharmacist"):
        Vault(demo_home).unlock(user, PASSWORD).lock()


def test_demo_audit_chain_is_intact(demo):
    with demo.session() as session:
        report = audit.verify(session)
        actions = [e.action for e in session.scalars(select(audit.AuditEvent))]
    assert report.ok
    assert "demo_built" in actions


def test_same_seed_same_people_different_seed_different_people():
    def people(seed):
        return [
            (r.prison_number, r.family_name, r.given_names, r.date_of_birth, r.location, r.alerts)
            for r in generate_rows(200, seed, DAY)
        ]

    first = people(7)
    assert len(first) == 200
    assert people(7) == first
    other = people(8)
    assert other != first
    assert len({p[0] for p in first} & {p[0] for p in other}) < 20


def test_generated_rows_are_valid_roll_rows():
    rows = generate_rows(300, 3, DAY)
    assert [r.row for r in rows] == list(range(2, 302))
    assert all(r.establishment == "DMO" for r in rows)
    assert all(r.date_of_birth < DAY for r in rows)
    assert all(r.nhs_number is None or is_valid_nhs_number(r.nhs_number) for r in rows)
    assert not any("HA" in r.alerts and "HA1" in r.alerts for r in rows)


def test_build_demo_small_and_refuses_an_existing_vault(home):
    opened, result = build_demo(home, password=PASSWORD, patients=40, seed=5, kdf=FAST_KDF)
    try:
        assert result.patients == 40
        assert result.wings >= 6
        assert result.users == ("admin", "nurse", "mhnurse", "hca", "gp", "pharmacist")
        with opened.session() as session:
            assert session.scalar(select(func.count()).select_from(Patient)) == 40
    finally:
        opened.lock()
    with pytest.raises(VaultExists):
        build_demo(home, password=PASSWORD, patients=10, kdf=FAST_KDF)
