"""Writers queue instead of refusing each other: the sync worker stores pages while two nurses
sign, on one unlocked vault, as the app does (IMMEDIATE transactions, docs/vault.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from hjdesk.clinical import estate_ids
from hjdesk.services import encounters
from hjdesk.services.encounters.forms import EncounterInput, VitalsInput
from hjdesk.storage.models import Encounter, Patient
from hjdesk.storage.vault import Vault
from hjdesk.sync.client import sync
from tests.conftest import FAST_KDF, PASSWORD
from tests.sync.helpers import HubProcess, Laptop

PATIENTS = 300
SIGNED_EACH = 15
RELEASE = date(2030, 1, 31)


def _entry(patient_id: str) -> EncounterInput:
    now = datetime.now(UTC)
    return EncounterInput(
        patient_id=patient_id, kind="CELL_DOOR", started_at=now - timedelta(minutes=3),
        narrative="Seen at the cell door. Well.", place="A wing", consent_recorded=True,
        vitals=VitalsInput(resp_rate=16, spo2=97, on_oxygen=False, systolic_bp=126, pulse=74,
                           consciousness="A", temperature=36.8),
    )  # fmt: skip


def test_sync_pages_and_two_signing_nurses_never_refuse_each_other(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    office = make_laptop("office")
    patients = office.add_patients(office.add_establishment("DMO"), PATIENTS)
    office.enrol(hub, "DMO")
    office.sync()
    ward = make_laptop("ward")
    with ward.vault() as admin:
        admin.add_user("nurse", PASSWORD, display_name="Nurse", role="RN", kdf=FAST_KDF)
    ward.enrol(hub, "DMO")
    ward.sync()
    # The office moves everyone: the ward laptop has PATIENTS changes to pull, a page at a time.
    with office.vault() as v, v.transaction() as s:
        # As a newer roll would: roll fields change only with a newer roll stamp (newest wins).
        now = datetime.now(UTC)
        stamp = estate_ids.roll_stamp(now, now, v.device_id)
        for patient in s.scalars(select(Patient)):
            patient.expected_release_date = RELEASE
            patient.roll_stamps = {**(patient.roll_stamps or {}), "expected_release_date": stamp}
    office.sync()

    vault = Vault(ward.home).unlock("nurse", PASSWORD)
    failures: list[BaseException] = []
    start = threading.Barrier(3)

    def nurse(first: int) -> None:
        start.wait()
        for i in range(SIGNED_EACH):
            try:
                encounters.sign_encounter(vault, _entry(patients[first + i]))
            except BaseException as exc:  # counted, not lost in the thread
                failures.append(exc)

    def worker() -> None:
        start.wait()
        try:
            sync(vault, page_size=10)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker)] + [
        threading.Thread(target=nurse, args=(n * SIGNED_EACH,)) for n in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    try:
        assert failures == []  # 0 refused
        with vault.session() as session:
            signed = session.scalar(select(func.count()).select_from(Encounter))
            moved = session.scalar(
                select(func.count())
                .select_from(Patient)
                .where(Patient.expected_release_date == RELEASE)
            )
        assert signed == 2 * SIGNED_EACH  # 0 lost
        assert moved == PATIENTS  # every page stored
    finally:
        vault.lock()
    ward.sync()
    with office.peek() as session:
        assert session.scalar(select(func.count()).select_from(Encounter)) == 0
    office.sync()
    with office.peek() as session:  # and everything signed reached the office
        assert session.scalar(select(func.count()).select_from(Encounter)) == 2 * SIGNED_EACH
