"""Allergies and medicines a nurse records at one prison (services.patients.medicines) reach the
prison's other laptops and, after a transfer, the next prison's summary and checklist, on a real
hub (both engines). What was ended stays ended everywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hjdesk.clinical import estate_ids
from hjdesk.reports.build import render_report
from hjdesk.reports.kinds import ReportRequest
from hjdesk.services import patients
from tests.reports.conftest import pdf_text
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    Prisoner,
    add_nurse,
    as_user,
    import_roll_as,
    test_nhs_number,
    write_roll,
)

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
MOVER = Prisoner("A3101AA", test_nhs_number(41), "Mallow", location="A-1-001")
STAYER = Prisoner("A3102AA", test_nhs_number(42), "Sorrel", location="A-1-002")
MOVER_ID = estate_ids.patient_id(MOVER.number)


def _laptop(hub: HubProcess, make: Callable[[str], Laptop], name: str, code: str) -> Laptop:
    laptop = make(name)
    laptop.enrol(hub, code)
    add_nurse(laptop)
    return laptop


def _held(laptop: Laptop) -> tuple[list[tuple[str, bool]], list[tuple[str, bool, bool]]]:
    with as_user(laptop, "nurse") as v:
        view = patients.medicines_and_allergies(v, MOVER_ID)
    return (
        [(a.substance, a.active) for a in view.allergies],
        [(m.name, m.critical, m.active) for m in view.medicines],
    )


def test_what_one_laptop_records_reaches_the_others_and_the_next_prisons_summary(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    a1 = _laptop(hub, make_laptop, "a1", "AAA")
    a2 = _laptop(hub, make_laptop, "a2", "AAA")
    import_roll_as(a1, write_roll(tmp_path / "aaa.csv", "AAA", [MOVER, STAYER]), T0)
    with as_user(a1, "nurse") as v:
        patients.record_allergy(v, MOVER_ID, "Penicillin", "Anaphylaxis")
        patients.record_medicine(v, MOVER_ID, "Levetiracetam", "500 mg bd", "ANTI_SEIZURE")
        stopped = patients.record_medicine(v, MOVER_ID, "Naproxen", "250 mg")
    a1.sync()
    a2.sync()
    # The second laptop stops the medicine the first recorded, based on the revision it holds.
    with as_user(a2, "nurse") as v:
        patients.stop_medicine(v, stopped.id, base_rev=stopped.rev)
    a2.sync()
    a1.sync()
    expected = (
        [("Penicillin", True)],
        [("Levetiracetam", True, True), ("Naproxen", False, False)],
    )
    assert _held(a1) == _held(a2) == expected

    b1 = _laptop(hub, make_laptop, "b1", "BBB")
    there = write_roll(tmp_path / "bbb.csv", "BBB", [replace(MOVER, location="2-04")])
    import_roll_as(b1, there, T0 + timedelta(hours=1))
    b1.sync()
    import_roll_as(a1, write_roll(tmp_path / "aaa-2.csv", "AAA", [STAYER]), T0 + timedelta(hours=2))
    a1.sync()
    b1.sync()
    assert _held(b1) == expected

    with as_user(b1, "nurse") as v:
        summary = pdf_text(
            render_report(v, ReportRequest("transfer-summary", patient_id=MOVER_ID)).data
        )
        checklist = pdf_text(
            render_report(v, ReportRequest("medicines-on-release", patient_id=MOVER_ID)).data
        )
    assert summary.has("2. Allergies\n Substance\nReaction\nPenicillin\nAnaphylaxis\n")
    assert summary.has("Levetiracetam\n500 mg bd\nAnti seizure\nCRITICAL")
    assert not summary.has("Naproxen")
    assert not summary.has("not 'no known allergies'")
    assert checklist.has("Levetiracetam")
    assert not checklist.has("Naproxen")
