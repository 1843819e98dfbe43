"""Printed records across the estate (domain.md §9, §10): what a prisoner's earlier prison wrote
reaches the transfer summary printed at the next one, and the "contains unsynced entries" mark
on the summary, the medicines checklist and the ACCT documents is there exactly while a relevant
entry waits for a real hub. tests/reports/test_printed_records.py covers the single laptop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hjdesk.clinical import estate_ids
from hjdesk.clinical.codes import (
    ESTABLISHMENT_CODE_SYSTEM,
    HUB_NAME_CARD,
    STAFF_ID_SYSTEM,
    UK_CORE,
)
from hjdesk.interop import build_fhir_summary
from hjdesk.reports.build import RenderedReport, render_report
from hjdesk.reports.kinds import ReportRequest
from hjdesk.reports.layout import UNSYNCED_MARK
from hjdesk.services import acct
from hjdesk.services import care_plans as cp
from hjdesk.services.acct import reports as acct_reports
from hjdesk.services.common import CLINIC_ZONE, NAME_NOT_HELD
from hjdesk.services.corrections.amendments import amend_contribution
from hjdesk.services.encounters import patient_timeline
from hjdesk.services.encounters.forms import EncounterInput, MeasurementInput, VitalsInput
from hjdesk.services.encounters.signing import amend_encounter, sign_encounter
from hjdesk.services.patients import patient_acct_cases
from hjdesk.services.release.plans import save_release_plan
from hjdesk.services.worklists import today_worklists
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Staff, StaffNameCard
from hjdesk.storage.vault import OpenVault, Vault
from tests.interop.helpers import of_type, read_back, unresolved_references
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
MOVER = Prisoner("A3001AA", test_nhs_number(31), "Merrow", location="A-1-001")
NEIGHBOUR = Prisoner("A3002AA", test_nhs_number(32), "Nettle", location="A-1-002")
OTHER_WING = Prisoner("A3003AA", test_nhs_number(33), "Otterby", location="B-1-001")
MOVER_ID = estate_ids.patient_id(MOVER.number)
ORIGIN = "AAA"
AAA_NURSE = estate_ids.staff_id(ORIGIN, "nurse")
NEIGHBOUR_ID = estate_ids.patient_id(NEIGHBOUR.number)
OTHER_ID = estate_ids.patient_id(OTHER_WING.number)


@contextmanager
def _nurse(laptop: Laptop) -> Iterator[OpenVault]:
    with as_user(laptop, "nurse") as v:
        yield v


def _print(laptop: Laptop, kind: str, **params: object) -> RenderedReport:
    with _nurse(laptop) as v:
        report = render_report(v, ReportRequest(kind, **params))  # type: ignore[arg-type]
    # The flag and the printed mark say the same thing, on every page.
    marks = [UNSYNCED_MARK in page for page in pdf_text(report.data).pages]
    assert all(marks) if report.unsynced else not any(marks), kind
    return report


def _prison(hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path) -> Laptop:
    laptop = make_laptop("aaa")
    laptop.enrol(hub, "AAA")
    roll = write_roll(tmp_path / "aaa.csv", "AAA", [MOVER, NEIGHBOUR, OTHER_WING])
    import_roll_as(laptop, roll, T0)
    add_nurse(laptop)
    return laptop


def _diabetes_review(v: OpenVault, when: datetime, hba1c: float, systolic: int) -> EncounterInput:
    return EncounterInput(
        patient_id=MOVER_ID,
        kind="LTC_REVIEW",
        started_at=when,
        ended_at=when,
        narrative="Review",
        place="Wing A",
        consent_recorded=True,
        ltc_condition="DIABETES",
        measurements=(
            MeasurementInput("HBA1C", hba1c),
            MeasurementInput("BP_SYSTOLIC", systolic),
            MeasurementInput("BP_DIASTOLIC", 84),
            MeasurementInput("FOOT_RISK", "HIGH"),
        ),
    )


def _visit(when: datetime) -> EncounterInput:
    return EncounterInput(
        patient_id=MOVER_ID, kind="CELL_DOOR", started_at=when, ended_at=when,
        narrative="Observations at the cell door", place="A-1-001", consent_recorded=True,
    )  # fmt: skip


def _observed(v: OpenVault, when: datetime, systolic: int) -> str:
    vitals = VitalsInput(16, 97, False, systolic, 72, "A", 36.8, diastolic_bp=80)
    return sign_encounter(v, replace(_visit(when), vitals=vitals), now=when).id


def _acct_with_input(v: OpenVault, patient_id: str, now: datetime) -> tuple[str, str, str]:
    """An ACCT opened yesterday whose first review was held with health input."""
    case = acct.open_case(
        v,
        patient_id,
        opened_at=now - timedelta(hours=20),
        concern_summary="Found with a ligature",
        risk_level="HIGH",
        case_manager="SO Pike",
        now=now,
    )
    first = next(e for e in case.events if e.event_type == "CASE_REVIEW_FIRST")
    acct.record_event_held(v, first.id, held_at=now - timedelta(hours=2), chair="SO", now=now)
    given = acct.add_contribution(
        v,
        first.id,
        contribution_type="ATTENDED_IN_PERSON",
        team="PRIMARY_CARE",
        summary="Low mood; agreed to talk",
        now=now,
    )
    return case.id, first.id, given.id


def _transferred(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path, alerts: str = ""
) -> Laptop:
    """The mover's history written at AAA (an amended review, an open ACCT with input, an active
    mental health plan), then the move to BBB by the two rolls; BBB's laptop, synced."""
    origin = _prison(hub, make_laptop, tmp_path)
    now = datetime.now(UTC)
    with _nurse(origin) as v:
        typo = sign_encounter(v, _diabetes_review(v, now - timedelta(days=30), 97, 181), now=now)
        amend_encounter(
            v,
            typo.id,
            reason="Typed the wrong result",
            corrected=_diabetes_review(v, now - timedelta(days=30), 58, 136),
            now=now,
        )
        _acct_with_input(v, MOVER_ID, now)
        plan = cp.create_plan(v, MOVER_ID, "MENTAL_HEALTH", title="Low mood and sleep")
        plan = cp.update_plan(
            v,
            plan.id,
            base_rev=plan.rev,
            review_due=now.date() + timedelta(days=60),
            patient_involvement="AGREED",
            shared_with=["ACCT case manager"],
            risk_management_plan="Check in daily; remove ligature points",
        )
        cp.activate_plan(v, plan.id)
    origin.sync()

    destination = make_laptop("bbb")
    destination.enrol(hub, "BBB")
    add_nurse(destination)
    there = write_roll(
        tmp_path / "bbb.csv", "BBB", [replace(MOVER, location="2-04", alerts=alerts)]
    )
    import_roll_as(destination, there, T0 + timedelta(hours=1))
    destination.sync()
    gone = write_roll(tmp_path / "aaa-2.csv", "AAA", [NEIGHBOUR, OTHER_WING])
    import_roll_as(origin, gone, T0 + timedelta(hours=2))
    origin.sync()
    destination.sync()
    return destination


def test_the_next_prison_prints_the_history_the_previous_one_wrote(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    destination = _transferred(hub, make_laptop, tmp_path)
    summary = _print(destination, "transfer-summary", patient_id=MOVER_ID)
    text = pdf_text(summary.data)
    assert text.has("HMP BBB (BBB)")
    # The corrected review, not the typo it replaced, whichever prison corrected it.
    assert text.has("HbA1c 58 mmol/mol")
    assert text.has("Blood pressure 136/84 mmHg")
    assert text.has("Foot risk High")
    assert not text.has("97 mmol/mol")
    assert not text.has("181/84")
    # The ACCT opened at AAA travels with the person (domain.md §6: on every transfer summary).
    assert text.has("ACCT status OPEN")
    assert text.has("Risk level High")
    assert text.has("SO Pike")
    assert text.has("Low mood and sleep")
    assert text.has("Check in daily; remove ligature points")
    assert not summary.unsynced  # everything came from the hub; nothing of BBB's waits
    sheet = pdf_text(_print(destination, "acct-contribution", patient_id=MOVER_ID).data)
    assert sheet.has("Low mood; agreed to talk")
    # The previous prison's signer is named from the hub's card (H-37: the next test), never
    # "unknown", which reads as if nobody signed.
    assert sheet.has(f"Contributor Nurse Test (RN, {ORIGIN})")
    assert not sheet.has("unknown")


def test_the_next_prison_names_who_signed_the_input(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """H-37: the previous prison's staff are named at the next prison by the hub's name cards,
    with their role and establishment, so a reader knows who wrote an entry and whom to ask; the
    card is a name only, never a staff row of this laptop, and gives no authority."""
    destination = _transferred(hub, make_laptop, tmp_path)
    named = f"Nurse Test (RN, {ORIGIN})"
    sheet = pdf_text(_print(destination, "acct-contribution", patient_id=MOVER_ID).data)
    assert sheet.has(f"Contributor {named}")
    assert sheet.has(f"Electronically signed {named},")
    assert not sheet.has(NAME_NOT_HELD)
    # The care plan's owner, on the transfer summary and on the plan itself.
    summary = pdf_text(_print(destination, "transfer-summary", patient_id=MOVER_ID).data)
    assert summary.has(f"Owner · review due {named}")
    with _nurse(destination) as v:
        (plan,) = cp.patient_plans(v, MOVER_ID)
        assert plan.owner_name == named
        view = cp.plan_view(v, plan.plan_id)
        assert view.owner_name == named
        # Who wrote the record's entries, on its timeline.
        assert {e.author_name for e in patient_timeline(v, MOVER_ID)} == {named}
        # A name, not authority: the plan cannot be given to them here, nobody signs in as them.
        assert AAA_NURSE not in {o.staff_id for o in cp.owner_choices(v)}
        with pytest.raises(InvalidInput, match="owner"):
            cp.update_plan(v, plan.plan_id, base_rev=view.rev, owner_id=AAA_NURSE)
    with destination.peek() as s:
        assert s.get(Staff, AAA_NURSE) is None
        card = s.get(StaffNameCard, AAA_NURSE)
        assert card is not None
        assert (card.name, card.role, card.establishment) == ("Nurse Test", "RN", ORIGIN)
        # BBB's own nurse has the same username and name, and is BBB's staff: no card.
        assert s.get(StaffNameCard, estate_ids.staff_id("BBB", "nurse")) is None
    assert AAA_NURSE not in {u.username for u in Vault(destination.home).users()}
    assert "nurse" in {u.username for u in Vault(destination.home).users()}


def test_the_fhir_copy_at_the_next_prison_holds_the_previous_prisons_signer(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """H-37 in the FHIR copy: the review signed at AAA (its Encounter, its HbA1c) and the care
    plan AAA's nurse owns refer to a Practitioner for that nurse, named from the hub's card and
    marked so a receiver can tell (the `hub-name-card` tag; the staff id assigned by AAA); BBB's
    own nurse, exporting it, is a Practitioner from BBB's staff row, unmarked. Every reference in
    the document resolves to one of its entries."""
    destination = _transferred(hub, make_laptop, tmp_path)
    with _nurse(destination) as v:
        bundle = read_back(build_fhir_summary(v, MOVER_ID).data)
    assert unresolved_references(bundle) == []
    practitioners = {p.id: p for p in of_type(bundle, "Practitioner")}
    bbb_nurse = estate_ids.staff_id("BBB", "nurse")
    assert set(practitioners) == {AAA_NURSE, bbb_nurse}

    card = practitioners[AAA_NURSE]
    assert [(t.system, t.code) for t in card.meta.tag] == [
        (HUB_NAME_CARD.system, HUB_NAME_CARD.code)
    ]
    assert card.meta.profile == [UK_CORE + "Practitioner"]
    (identifier,) = card.identifier
    assert (identifier.system, identifier.value) == (STAFF_ID_SYSTEM, AAA_NURSE)
    assigned_by = identifier.assigner.identifier
    assert (assigned_by.system, assigned_by.value) == (ESTABLISHMENT_CODE_SYSTEM, ORIGIN)
    assert [n.text for n in card.name] == ["Nurse Test"]
    assert [q.code.text for q in card.qualification] == ["RN"]
    assert f"Nurse Test (RN, {ORIGIN})" in card.text.div
    own = practitioners[bbb_nurse]
    assert own.meta.tag is None
    assert own.identifier is None
    assert [n.text for n in own.name] == ["Nurse Test"]

    signer = f"urn:uuid:{AAA_NURSE}"
    (encounter,) = of_type(bundle, "Encounter")
    assert [p.individual.reference for p in encounter.participant] == [signer]
    (hba1c,) = [
        o
        for o in of_type(bundle, "Observation")
        if o.code.coding and o.code.coding[0].code == "59261-8"
    ]
    assert [r.reference for r in hba1c.performer] == [signer]
    (plan,) = of_type(bundle, "CarePlan")
    assert plan.author.reference == signer
    (composition,) = of_type(bundle, "Composition")
    assert [a.reference for a in composition.author] == [f"urn:uuid:{bbb_nurse}"]


def test_a_laptop_enrolled_after_the_transfer_names_them_too(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    _transferred(hub, make_laptop, tmp_path)
    later = make_laptop("bbb-later")
    later.enrol(hub, "BBB")
    add_nurse(later)
    import_roll_as(
        later,
        write_roll(tmp_path / "bbb-later.csv", "BBB", [replace(MOVER, location="2-04")]),
        T0 + timedelta(hours=3),
    )
    later.sync()
    sheet = pdf_text(_print(later, "acct-contribution", patient_id=MOVER_ID).data)
    assert sheet.has(f"Contributor Nurse Test (RN, {ORIGIN})")
    with later.peek() as s:
        assert s.get(Staff, AAA_NURSE) is None


def test_an_acct_that_travels_with_the_person_is_not_opened_again_on_arrival(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """H-38: the destination imports the roll (HA alert on the arriving prisoner) before the
    history reaches it, so it mirrors an ACCT with its own first review due in 24 hours. Once
    the history brings the ACCT opened at AAA, the laptop that mirrored it closes the mirror as
    superseded, and the prison's other laptops receive the closure."""
    destination = _transferred(hub, make_laptop, tmp_path, alerts="HA")
    with _nurse(destination) as v:
        live = [c for c in acct.open_cases(v) if c.who.patient_id == MOVER_ID]
        cases = patient_acct_cases(v, MOVER_ID)
        tasks = [t for t in today_worklists(v).tasks if t.patient_id == MOVER_ID]
    assert [
        (c.risk_level, c.opened_at < datetime.now(UTC) - timedelta(hours=12)) for c in live
    ] == [("HIGH", True)]
    travelling = live[0].case_id
    (mirror,) = [c for c in cases if c.id != travelling]
    assert (mirror.status, mirror.source) == ("CLOSED", "HA_ALERT")
    opened = live[0].opened_at.astimezone(CLINIC_ZONE).strftime("%d/%m/%Y")
    assert f"the person arrived with an open ACCT (opened {opened}), which continues here" in (
        mirror.concern_summary
    )
    # Its first review will not be held, so it is no review missed: it has no time any more.
    assert [(e.event_type, e.scheduled_at) for e in mirror.events] == [("CASE_REVIEW_FIRST", None)]
    assert next(c for c in cases if c.id == travelling).other_live_opened == ()
    # The nurse's "find the first review time" task now opens the case that continues.
    assert [(t.target_kind, t.target_id) for t in tasks] == [("acct_case", travelling)]

    colleague = make_laptop("bbb-2")
    colleague.enrol(hub, "BBB")
    add_nurse(colleague)
    colleague.sync()
    with _nurse(colleague) as v:
        there = [c.case_id for c in acct.open_cases(v) if c.who.patient_id == MOVER_ID]
    assert there == [travelling]

    # Three days on, the mirror's first review would long be overdue: the audit counts no case
    # review not held (the travelling case's first review was held, with input).
    later = datetime.now(UTC) + timedelta(days=3)
    monkeypatch.setattr(acct_reports, "utc_now", lambda: later)
    for laptop in (destination, colleague):
        with _nurse(laptop) as v:
            audit = acct.audit_report(v)
        assert sum(m.case_reviews_not_held for m in audit.months) == 0
        assert sum(m.case_reviews_without_input for m in audit.months) == 0
        assert sum(m.closures for m in audit.months) == 0  # closing the mirror held no review
        assert audit.flags == ()


# -- the unsynced mark ----------------------------------------------------------------------------


def _marks(laptop: Laptop, event_id: str) -> dict[str, bool]:
    """Which documents carry the mark: the mover's, their neighbour's, and the audits."""
    return {
        "summary": _print(laptop, "transfer-summary", patient_id=MOVER_ID).unsynced,
        "medicines": _print(laptop, "medicines-on-release", patient_id=MOVER_ID).unsynced,
        "sheet": _print(laptop, "acct-contribution", event_id=event_id).unsynced,
        "news2": _print(laptop, "news2", patient_id=MOVER_ID).unsynced,
        "audit": _print(laptop, "acct-audit").unsynced,
        "audit wing A": _print(laptop, "acct-audit", wing="A").unsynced,
        "audit wing B": _print(laptop, "acct-audit", wing="B").unsynced,
        "neighbour summary": _print(laptop, "transfer-summary", patient_id=NEIGHBOUR_ID).unsynced,
    }


NONE_MARKED = dict.fromkeys(
    (
        "summary",
        "medicines",
        "sheet",
        "news2",
        "audit",
        "audit wing A",
        "audit wing B",
        "neighbour summary",
    ),
    False,
)


def test_the_mark_is_there_exactly_while_a_relevant_entry_waits_for_the_hub(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    laptop = _prison(hub, make_laptop, tmp_path)
    now = datetime.now(UTC)
    with _nurse(laptop) as v:
        _, first, given = _acct_with_input(v, MOVER_ID, now)
        _acct_with_input(v, OTHER_ID, now)
        _observed(v, now - timedelta(days=3), 124)
        wrong = _observed(v, now - timedelta(days=1), 150)
    laptop.sync()
    assert _marks(laptop, first) == NONE_MARKED

    # A set of observations withdrawn: the record leaves it out, the office still shows it.
    with _nurse(laptop) as v:
        amend_encounter(v, wrong, reason="Another man's readings", entered_in_error=True, now=now)
    assert _marks(laptop, first) == {**NONE_MARKED, "summary": True, "news2": True}
    laptop.sync()
    assert _marks(laptop, first) == NONE_MARKED
    # A visit without observations is not on the NEWS2 record.
    with _nurse(laptop) as v:
        sign_encounter(v, replace(_visit(now), vitals=None), now=now)
    assert _marks(laptop, first) == {**NONE_MARKED, "summary": True}
    laptop.sync()

    with _nurse(laptop) as v:  # the release plan the checklist and the summary print
        save_release_plan(
            v,
            MOVER_ID,
            movement_type="TRANSFER",
            expected_date=now.date(),
            destination="HMP BBB",
            days_of_medicine_supplied=7,
        )
    assert _marks(laptop, first) == {**NONE_MARKED, "summary": True, "medicines": True}
    laptop.sync()
    assert _marks(laptop, first) == NONE_MARKED

    # Input withdrawn on the wing: the sheet and the audit no longer say what the office holds.
    with _nurse(laptop) as v:
        amend_contribution(
            v, given, reason="Recorded against the wrong review", entered_in_error=True, now=now
        )
    assert _marks(laptop, first) == {
        **NONE_MARKED,
        "summary": True,
        "sheet": True,
        "audit": True,
        "audit wing A": True,
    }
    laptop.sync()
    assert _marks(laptop, first) == NONE_MARKED

    # Another wing's ACCT input waits: the audit of that wing and the whole audit only.
    with _nurse(laptop) as v:
        case = acct.open_cases(v)
        other = next(c for c in case if c.who.patient_id == OTHER_ID)
        review = acct.add_event(
            v, other.case_id, "CASE_REVIEW", scheduled_at=now + timedelta(days=2)
        )
        acct.add_contribution(
            v,
            review.id,
            contribution_type="WRITTEN_CONTRIBUTION",
            team="PRIMARY_CARE",
            summary="Will attend",
            planned=True,
            now=now,
        )
    assert _marks(laptop, first) == {**NONE_MARKED, "audit": True, "audit wing B": True}
    laptop.sync()
    assert _marks(laptop, first) == NONE_MARKED

    # Joining the MH in-reach caseload changes which reviews the audit flags.
    with _nurse(laptop) as v:
        acct.set_caseload(v, MOVER_ID, "MH_IN_REACH", True, today=now.date() - timedelta(days=5))
    assert _marks(laptop, first) == {
        **NONE_MARKED,
        "summary": True,
        "audit": True,
        "audit wing A": True,
    }
    laptop.sync()
    assert _marks(laptop, first) == NONE_MARKED
