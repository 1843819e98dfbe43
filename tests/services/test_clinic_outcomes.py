"""Appointment outcomes: attribution, required details, rebooking, refusal review, reports
(domain.md §5)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from hjdesk.clinical.attendance import Outcome
from hjdesk.services import clinics, encounters
from hjdesk.services.clinics import reports as clinic_reports
from hjdesk.services.encounters.forms import EncounterInput
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import Appointment, AuditEvent, OutboxOp, Task
from tests.services.clinic_world import DAY, NOON, World
from tests.services.task_pull import pull_task_status

# domain.md §5, written out independently of the code.
ATTRIBUTION = {
    "ATTENDED": "SEEN",
    "SEEN_AT_CELL_DOOR": "SEEN",
    "SEEN_ELSEWHERE": "SEEN",
    "REFUSED": "PATIENT",
    "DNA_PATIENT_CHOSE": "PATIENT",
    "NOT_UNLOCKED": "PRISON",
    "NO_OFFICER_ESCORT": "PRISON",
    "REGIME_RESTRICTED": "PRISON",
    "LOCKDOWN_INCIDENT": "PRISON",
    "AT_COURT": "LOCATION",
    "TRANSFERRED": "LOCATION",
    "RELEASED": "LOCATION",
    "IN_HOSPITAL": "LOCATION",
    "IN_SEGREGATION": "LOCATION",
    "LEGAL_OR_SOCIAL_VISIT": "LOCATION",
    "AT_WORK_EDUCATION": "LOCATION",
    "DECEASED": "LOCATION",
    "CANCELLED_BY_HEALTHCARE": "HEALTHCARE",
    "SESSION_OVERRAN": "HEALTHCARE",
}
PRISON = [o for o, who in ATTRIBUTION.items() if who == "PRISON"]
REFUSAL = {"risks_explained": True, "capacity_concern": False, "witness_name": "Off. Jones"}


def diabetes_session(world: World, days: int = 0, period: str = "AM") -> clinics.SessionView:
    return clinics.create_session(
        world.vault,
        clinic_type="LTC_DIABETES",
        session_date=DAY + timedelta(days=days),
        period=period,
        wings=["A"],
    )


def details(outcome: str) -> dict[str, object]:
    if outcome == "REFUSED":
        return dict(REFUSAL)
    if ATTRIBUTION[outcome] == "PRISON":
        return {"reason": "No staff to unlock"}
    return {}


def test_the_table_covers_every_outcome() -> None:
    assert set(ATTRIBUTION) == {o.value for o in Outcome}


@pytest.mark.parametrize("outcome", list(ATTRIBUTION))
def test_every_outcome_stores_its_attribution_and_is_counted(world: World, outcome: str) -> None:
    appointment = diabetes_session(world).appointments[0]
    view = clinics.record_outcome(world.vault, appointment.id, outcome, **details(outcome))
    assert view.outcome == outcome
    assert view.attribution == ATTRIBUTION[outcome]
    assert view.opens_encounter is (ATTRIBUTION[outcome] == "SEEN")
    assert view.prompt_release_summary is (outcome in ("TRANSFERRED", "RELEASED"))
    with world.vault.session() as session:
        row = session.get(Appointment, appointment.id)
        assert row is not None
        assert (row.outcome, row.attribution) == (outcome, ATTRIBUTION[outcome])
        assert row.outcome_by == world.vault.actor.staff_id
    report = clinic_reports.exception_report(world.vault, start=DAY, end=DAY)
    assert report.totals.count(ATTRIBUTION[outcome]) == 1
    assert report.totals.total == 1
    assert report.dna == (1 if outcome == "DNA_PATIENT_CHOSE" else 0)
    assert report.refused == (1 if outcome == "REFUSED" else 0)


@pytest.mark.parametrize(
    ("outcome", "rebook"),
    [
        ("ATTENDED", False),
        ("REFUSED", False),
        ("DNA_PATIENT_CHOSE", False),
        ("NOT_UNLOCKED", True),
        ("AT_COURT", True),
        ("IN_HOSPITAL", True),
        ("TRANSFERRED", False),
        ("RELEASED", False),
        ("DECEASED", False),
        ("CANCELLED_BY_HEALTHCARE", True),
        ("SESSION_OVERRAN", True),
    ],
)
def test_rebook_required(world: World, outcome: str, rebook: bool) -> None:
    appointment = diabetes_session(world).appointments[0]
    view = clinics.record_outcome(world.vault, appointment.id, outcome, **details(outcome))
    assert view.rebook_required is rebook


@pytest.mark.parametrize("missing", ["risks_explained", "capacity_concern", "witness_name"])
def test_refused_without_each_detail_is_refused(world: World, missing: str) -> None:
    appointment = diabetes_session(world).appointments[0]
    given = dict(REFUSAL)
    given[missing] = "  " if missing == "witness_name" else None
    with pytest.raises(InvalidInput):
        clinics.record_outcome(world.vault, appointment.id, "REFUSED", **given)
    with world.vault.session() as session:
        row = session.get(Appointment, appointment.id)
        assert row is not None
        assert row.outcome is None


def test_refused_with_nothing_lists_every_missing_detail(world: World) -> None:
    appointment = diabetes_session(world).appointments[0]
    with pytest.raises(InvalidInput) as refused:
        clinics.record_outcome(world.vault, appointment.id, "REFUSED")
    for words in ("risks", "capacity", "witness"):
        assert words in refused.value.message


def test_refusal_details_are_stored(world: World) -> None:
    appointment = diabetes_session(world).appointments[0]
    view = clinics.record_outcome(world.vault, appointment.id, "REFUSED", **REFUSAL)
    assert (view.risks_explained, view.capacity_concern, view.witness_name) == (
        True,
        False,
        "Off. Jones",
    )


@pytest.mark.parametrize("outcome", PRISON)
def test_prison_outcome_needs_a_reason(world: World, outcome: str) -> None:
    appointment = diabetes_session(world).appointments[0]
    with pytest.raises(InvalidInput, match="reason"):
        clinics.record_outcome(world.vault, appointment.id, outcome, reason=" ")


@pytest.mark.parametrize("outcome", PRISON)
def test_prison_outcome_is_rebooked_and_reported_never_as_dna(world: World, outcome: str) -> None:
    appointment = diabetes_session(world).appointments[0]
    view = clinics.record_outcome(world.vault, appointment.id, outcome, reason="No escort")
    assert view.rebook_required is True
    assert view.outcome_reason == "No escort"
    report = clinic_reports.exception_report(world.vault, start=DAY, end=DAY)
    assert report.dna == 0
    assert report.totals.patient == 0
    assert report.totals.prison == 1
    (week,) = report.weeks
    assert (week.wing, week.iso_week, week.prison_non_attendance) == ("A", 11, 1)
    assert week.prison_by_outcome[Outcome(outcome)] == 1
    (exception,) = report.exceptions
    assert (exception.wing, exception.outcome, exception.reason) == ("A", outcome, "No escort")
    daily = clinic_reports.daily_exceptions(world.vault, DAY)
    (wing,) = daily.wings
    assert (wing.wing, wing.prison_non_attendance, wing.rebook_required) == ("A", 1, 1)
    assert clinic_reports.daily_exceptions(world.vault, DAY + timedelta(days=1)).wings == ()


def test_exception_report_groups_by_wing_and_week(world: World) -> None:
    first = diabetes_session(world)
    clinics.record_outcome(world.vault, first.appointments[0].id, "NOT_UNLOCKED", reason="x")
    clinics.record_outcome(world.vault, first.appointments[1].id, "DNA_PATIENT_CHOSE")
    later = clinics.create_session(
        world.vault,
        clinic_type="LTC_DIABETES",
        session_date=DAY + timedelta(days=7),
        period="AM",
        wings=["B"],
    )
    clinics.record_outcome(world.vault, later.appointments[0].id, "NO_OFFICER_ESCORT", reason="y")
    report = clinic_reports.exception_report(
        world.vault, start=DAY, end=DAY + timedelta(days=7), establishment="mdi"
    )
    assert [(w.wing, w.iso_week, w.by_attribution.prison) for w in report.weeks] == [
        ("A", 11, 1),
        ("B", 12, 1),
    ]
    assert report.dna == 1
    assert report.totals.patient == 1
    assert report.totals.prison == 2
    only_first_week = clinic_reports.exception_report(world.vault, start=DAY, end=DAY)
    assert only_first_week.totals.total == 2
    assert (
        clinic_reports.exception_report(world.vault, start=DAY, end=DAY, establishment="LEI").weeks
        == ()
    )
    with pytest.raises(InvalidInput):
        clinic_reports.exception_report(world.vault, start=DAY, end=DAY - timedelta(days=1))


def test_rebook_list_by_session_and_by_dates(world: World) -> None:
    view = diabetes_session(world)
    first, second = view.appointments
    clinics.record_outcome(world.vault, first.id, "AT_COURT")
    clinics.record_outcome(world.vault, second.id, "ATTENDED")
    assert [a.id for a in clinic_reports.rebook_list(world.vault, session_id=view.id)] == [first.id]
    ranged = clinic_reports.rebook_list(world.vault, start=DAY, end=DAY)
    assert [a.id for a in ranged] == [first.id]
    with pytest.raises(InvalidInput):
        clinic_reports.rebook_list(world.vault)


# --- refusal review -------------------------------------------------------------------------


def refusal_tasks(world: World) -> list[Task]:
    with world.vault.session() as session:
        return list(session.scalars(select(Task).where(Task.kind == "REFUSAL_REVIEW")))


def refuse_in_new_session(world: World, days: int, patient: str = "diabetic") -> str | None:
    view = diabetes_session(world, days)
    (appointment,) = [a for a in view.appointments if a.patient_id == world.ids[patient]]
    return clinics.record_outcome(
        world.vault, appointment.id, "REFUSED", **REFUSAL
    ).refusal_review_task_id


def test_three_refusals_in_a_row_raise_exactly_one_review_task(world: World) -> None:
    assert refuse_in_new_session(world, 0) is None
    assert refuse_in_new_session(world, 1) is None
    assert refusal_tasks(world) == []
    task_id = refuse_in_new_session(world, 2)
    (task,) = refusal_tasks(world)
    assert task.id == task_id
    assert task.patient_id == world.ids["diabetic"]
    assert refuse_in_new_session(world, 3) is None
    assert len(refusal_tasks(world)) == 1
    assert refusal_tasks(world)[0].title == "Review repeated refusals: Diabetes review"


@pytest.mark.parametrize(("status", "again"), [("SNOOZED", False), ("DONE", True)])
def test_a_refusal_review_of_a_status_this_version_does_not_know_is_not_raised_again(
    world: World, status: str, again: bool
) -> None:
    """A newer laptop put the review task in a status this version does not know (H-40): it
    still stands, so a fourth refusal raises no second review beside it. Once it is done, the
    run still calls for a review and one is raised, as before."""
    for days in range(3):
        refuse_in_new_session(world, days)
    (task,) = refusal_tasks(world)
    pull_task_status(world.vault, task.id, status)
    raised = refuse_in_new_session(world, 3)
    assert (raised is not None) is again
    ids = {t.id for t in refusal_tasks(world)}
    assert ids == ({task.id, raised} if raised else {task.id})


def test_a_seen_outcome_breaks_the_run_and_prison_outcomes_do_not(world: World) -> None:
    refuse_in_new_session(world, 0)
    view = diabetes_session(world, 1)
    mine = next(a for a in view.appointments if a.patient_id == world.ids["diabetic"])
    clinics.record_outcome(world.vault, mine.id, "NOT_UNLOCKED", reason="Lockdown")
    refuse_in_new_session(world, 2)
    assert refuse_in_new_session(world, 3) is not None  # three refusals; the lockdown is ignored

    refuse_in_new_session(world, 4, "diabetic_htn")
    view = diabetes_session(world, 5)
    htn = next(a for a in view.appointments if a.patient_id == world.ids["diabetic_htn"])
    clinics.record_outcome(world.vault, htn.id, "ATTENDED")
    refuse_in_new_session(world, 6, "diabetic_htn")
    assert refuse_in_new_session(world, 7, "diabetic_htn") is None  # the visit broke the run


def test_refusals_in_another_clinic_type_do_not_count(world: World) -> None:
    for days in range(2):
        refuse_in_new_session(world, days, "diabetic_htn")
    view = clinics.create_session(
        world.vault, clinic_type="LTC_HYPERTENSION", session_date=DAY, period="PM", wings=["A"]
    )
    (appointment,) = view.appointments
    clinics.record_outcome(world.vault, appointment.id, "REFUSED", **REFUSAL)
    assert refusal_tasks(world) == []


# --- corrections, encounters, audit, roles -------------------------------------------------


def test_changing_an_outcome_is_a_new_revision_and_audited(world: World) -> None:
    appointment = diabetes_session(world).appointments[0]
    first = clinics.record_outcome(world.vault, appointment.id, "DNA_PATIENT_CHOSE")
    second = clinics.record_outcome(world.vault, appointment.id, "NOT_UNLOCKED", reason="Late")
    assert second.rev == first.rev + 1
    assert second.attribution == "PRISON"
    with world.vault.session() as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.patient_id == appointment.patient_id)
                .order_by(AuditEvent.seq)
            )
        )
        ops = list(
            session.scalars(
                select(OutboxOp.rev)
                .where(OutboxOp.record_id == appointment.id)
                .order_by(OutboxOp.seq)
            )
        )
    assert [e.action for e in events] == [
        "appointment_booked",
        "appointment_outcome_recorded",
        "appointment_outcome_changed",
    ]
    changed = json.loads(events[-1].detail)
    assert changed["previous_outcome"] == "DNA_PATIENT_CHOSE"
    assert changed["outcome"] == "NOT_UNLOCKED"
    assert ops == [1, 2, 3]


def test_a_seen_outcome_with_a_signed_encounter_cannot_become_a_non_attendance(
    world: World,
) -> None:
    appointment = diabetes_session(world).appointments[0]
    clinics.record_outcome(world.vault, appointment.id, "ATTENDED")
    signed = encounters.sign_encounter(
        world.vault,
        EncounterInput(
            patient_id=appointment.patient_id,
            kind="CLINIC_VISIT",
            started_at=NOON,
            narrative="Seen.",
            appointment_id=appointment.id,
        ),
        now=NOON,
    )
    assert (
        clinics.session_view(world.vault, appointment.session_id).appointments[0].encounter_id
        == signed.id
    )
    with pytest.raises(InvalidInput, match="entered in error"):
        clinics.record_outcome(world.vault, appointment.id, "DNA_PATIENT_CHOSE")
    assert clinics.record_outcome(world.vault, appointment.id, "SEEN_AT_CELL_DOOR").outcome == (
        "SEEN_AT_CELL_DOOR"
    )
    encounters.amend_encounter(
        world.vault, signed.id, reason="Not seen after all", entered_in_error=True, now=NOON
    )
    assert clinics.record_outcome(world.vault, appointment.id, "DNA_PATIENT_CHOSE").outcome == (
        "DNA_PATIENT_CHOSE"
    )


def test_unknown_outcome_and_appointment_are_refused(world: World) -> None:
    appointment = diabetes_session(world).appointments[0]
    with pytest.raises(InvalidInput, match="not an appointment outcome"):
        clinics.record_outcome(world.vault, appointment.id, "WANDERED_OFF")
    with pytest.raises(InvalidInput, match="appointment is not in this vault"):
        clinics.record_outcome(world.vault, "missing", "ATTENDED")


def test_an_hca_records_outcomes_and_admin_cannot(world: World) -> None:
    appointment = diabetes_session(world).appointments[0]
    hca = world.as_user("hca")
    assert clinics.record_outcome(hca, appointment.id, "ATTENDED").outcome_by == hca.actor.staff_id
    admin = world.as_user("admin")
    with pytest.raises(PermissionDenied):
        clinics.record_outcome(admin, appointment.id, "DNA_PATIENT_CHOSE")
