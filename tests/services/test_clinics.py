"""Wing clinic sessions: automatic lists, the session lifecycle, booking by hand (domain.md §5)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hjdesk.services import clinics, encounters
from hjdesk.services.clinics.views import location_key
from hjdesk.services.encounters.forms import EncounterInput
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import Appointment, AuditEvent, ClinicSession, OutboxOp, Patient
from tests.services.clinic_world import DAY, NOON, World


def new_session(world: World, clinic_type: str, wings: list[str] | None = None, **kw: object):
    return clinics.create_session(
        world.vault,
        clinic_type=clinic_type,
        session_date=kw.pop("session_date", DAY),  # type: ignore[arg-type]
        period=kw.pop("period", "AM"),  # type: ignore[arg-type]
        wings=wings or ["A"],
        **kw,  # type: ignore[arg-type]
    )


def keys(world: World, view: clinics.SessionView) -> list[str]:
    by_id = {v: k for k, v in world.ids.items()}
    return [by_id[a.patient_id] for a in view.appointments]


# --- automatic lists ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clinic_type", "expected"),
    [
        ("LTC_DIABETES", ["diabetic", "diabetic_htn"]),
        ("LTC_HYPERTENSION", ["diabetic_htn"]),
        ("LTC_RESPIRATORY", ["asthma", "copd_asthma"]),
        ("LTC_EPILEPSY", ["epilepsy"]),
        ("OLDER_PRISONER", ["fifty_today", "diabetic_htn", "copd_asthma"]),
        ("SECOND_STAGE_ASSESSMENT", ["new_arrival", "overdue", "done_2nd"]),
        ("IMMS_SCREENING", []),
        ("SMOKING_CESSATION", []),
        ("NEURODIVERSITY", []),
        ("GENERAL_NURSE", []),
        ("MH_IN_REACH", []),
    ],
)
def test_list_is_built_from_the_wing_roll_by_clinic_type(
    world: World, clinic_type: str, expected: list[str]
) -> None:
    view = new_session(world, clinic_type)
    # Wing B, an inactive condition, a 49-year-old turning 50 tomorrow, a reception 200 days
    # ago and a reception after the session day are all left off.
    assert keys(world, view) == expected
    assert [a.location for a in view.appointments] == sorted(
        (a.location for a in view.appointments), key=location_key
    )
    assert all(a.outcome is None for a in view.appointments)


def test_ltc_reasons_and_conditions(world: World) -> None:
    view = new_session(world, "LTC_RESPIRATORY")
    by_key = dict(zip(keys(world, view), view.appointments, strict=True))
    assert by_key["asthma"].reason == "Asthma review"
    assert by_key["asthma"].ltc_condition == "ASTHMA"
    assert by_key["copd_asthma"].reason == "Asthma and COPD review"
    assert by_key["copd_asthma"].ltc_condition == "COPD"


def test_second_stage_reasons_say_due_or_overdue(world: World) -> None:
    view = new_session(world, "SECOND_STAGE_ASSESSMENT")
    reasons = dict(zip(keys(world, view), (a.reason for a in view.appointments), strict=True))
    assert reasons["new_arrival"] == "Second-stage assessment (due by 16 Mar)"
    assert reasons["overdue"] == "Second-stage assessment (overdue since 27 Feb)"


def test_a_standing_second_stage_assessment_takes_the_patient_off_the_list(world: World) -> None:
    signed = encounters.sign_encounter(
        world.vault,
        EncounterInput(
            patient_id=world.ids["done_2nd"],
            kind="SECOND_STAGE_ASSESSMENT",
            started_at=NOON - timedelta(days=10),
            narrative="Second-stage health assessment completed.",
        ),
        now=NOON,
    )
    assert "done_2nd" not in keys(world, new_session(world, "SECOND_STAGE_ASSESSMENT"))
    encounters.amend_encounter(
        world.vault, signed.id, reason="Wrong patient", entered_in_error=True, now=NOON
    )
    assert "done_2nd" in keys(world, new_session(world, "SECOND_STAGE_ASSESSMENT"))


def test_a_landing_target_lists_only_that_landing(world: World) -> None:
    view = new_session(world, "OLDER_PRISONER", wings=["A-2"])
    assert keys(world, view) == ["copd_asthma"]
    assert view.wings == ("A-2",)


def test_several_targets_are_combined_in_location_order(world: World) -> None:
    view = new_session(world, "LTC_DIABETES", wings=["b", "A-1"])
    assert keys(world, view) == ["diabetic", "diabetic_htn", "other_wing"]
    assert view.wings == ("B", "A-1")


def test_people_who_left_are_not_listed(world: World) -> None:
    with world.vault.transaction() as session:
        patient = session.get(Patient, world.ids["diabetic"])
        assert patient is not None
        patient.on_roll = False
    assert keys(world, new_session(world, "LTC_DIABETES")) == ["diabetic_htn"]


def test_the_list_shows_alerts_and_the_older_prisoner_flag(world: World) -> None:
    view = new_session(world, "OLDER_PRISONER")
    by_key = dict(zip(keys(world, view), view.appointments, strict=True))
    assert by_key["copd_asthma"].alerts == ("PEEP",)
    assert by_key["copd_asthma"].older_prisoner is True
    assert by_key["fifty_today"].older_prisoner is True
    epilepsy = new_session(world, "LTC_EPILEPSY").appointments[0]
    assert epilepsy.alerts == ("HA",)
    assert epilepsy.older_prisoner is False
    assert epilepsy.prison_number.startswith("A")
    assert epilepsy.name.startswith("EPILEPSY")


def test_natural_location_order() -> None:
    paths = ["A-1-10", "A-1-9", "A-10-1", "A-2-1", "RECP"]
    assert sorted(paths, key=location_key) == ["A-1-9", "A-1-10", "A-2-1", "A-10-1", "RECP"]


# --- creating a session: details and mistakes -----------------------------------------------


def test_session_records_its_details_and_defaults(world: World) -> None:
    view = new_session(world, "GENERAL_NURSE", period="ed", facilitating_officer=" Off. Patel ")
    assert view.establishment == "MDI"
    assert view.period == "ED"
    assert view.status == "PLANNED"
    assert view.clinicians == (world.vault.actor.staff_id,)
    assert view.clinician_names == ("Alex Morgan",)
    assert view.facilitating_officer == "Off. Patel"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"clinic_type": "DENTAL"}, "not a clinic type"),
        ({"period": "NIGHT"}, "not a regime period"),
        ({"wings": ["Z"]}, "no wing or landing Z"),
        ({"wings": ["A-9"]}, "no wing or landing A-9"),
        ({"wings": ["a b"]}, "invalid segment"),
        ({"wings": []}, "at least one wing"),
        ({"clinicians": ["not-a-staff-id"]}, "active staff"),
        ({"establishment": "LEI"}, "LEI is not in this vault"),
    ],
)
def test_session_mistakes_are_refused(world: World, change: dict, message: str) -> None:
    args = {"clinic_type": "GENERAL_NURSE", "session_date": DAY, "period": "AM", "wings": ["A"]}
    args.update(change)
    with pytest.raises(InvalidInput, match=message):
        clinics.create_session(world.vault, **args)
    with world.vault.session() as session:
        assert session.scalar(select(func.count()).select_from(ClinicSession)) == 0


def test_creating_a_session_is_audited_and_queued(world: World) -> None:
    view = new_session(world, "LTC_DIABETES")
    with world.vault.session() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        kinds = list(session.scalars(select(OutboxOp.kind)))
        booked = list(
            session.scalars(
                select(AuditEvent.patient_id).where(AuditEvent.action == "appointment_booked")
            )
        )
    assert actions[-1] == "clinic_session_created"
    assert sorted(booked) == sorted(a.patient_id for a in view.appointments)
    assert kinds.count("clinic_session") == 1
    assert kinds.count("appointment") == 2


def test_admin_cannot_plan_sessions_but_can_list_them(world: World) -> None:
    new_session(world, "GENERAL_NURSE")
    admin = world.as_user("admin")
    with pytest.raises(PermissionDenied):
        clinics.create_session(
            admin, clinic_type="GENERAL_NURSE", session_date=DAY, period="AM", wings=["A"]
        )
    assert len(clinics.list_sessions(admin)) == 1


def test_an_hca_can_plan_and_run_a_session(world: World) -> None:
    hca = world.as_user("hca")
    view = clinics.create_session(
        hca, clinic_type="LTC_HYPERTENSION", session_date=DAY, period="PM", wings=["A"]
    )
    assert clinics.start_session(hca, view.id).status == "IN_PROGRESS"


# --- booking by hand --------------------------------------------------------------------------


def test_add_to_session_books_a_patient(world: World) -> None:
    view = new_session(world, "GENERAL_NURSE")
    added = clinics.add_to_session(world.vault, view.id, world.ids["asthma"], " Dressing ")
    assert added.reason == "Dressing"
    assert added.location == "A-2-001"
    second = clinics.add_to_session(world.vault, view.id, world.ids["diabetic"], "Bloods")
    assert second.position == added.position + 1
    listed = clinics.session_view(world.vault, view.id)
    assert [a.location for a in listed.appointments] == ["A-1-002", "A-2-001"]


def test_add_to_session_refuses_duplicates_blank_reasons_and_closed_sessions(world: World) -> None:
    view = new_session(world, "GENERAL_NURSE")
    clinics.add_to_session(world.vault, view.id, world.ids["asthma"], "Dressing")
    with pytest.raises(InvalidInput, match="already on"):
        clinics.add_to_session(world.vault, view.id, world.ids["asthma"], "Again")
    with pytest.raises(InvalidInput, match="reason"):
        clinics.add_to_session(world.vault, view.id, world.ids["diabetic"], "  ")
    with pytest.raises(InvalidInput, match="patient is not in this vault"):
        clinics.add_to_session(world.vault, view.id, "missing", "Bloods")
    clinics.close_session(
        world.vault, view.id, remaining_outcome="CANCELLED_BY_HEALTHCARE", reason="Nurse off sick"
    )
    with pytest.raises(InvalidInput, match="closed"):
        clinics.add_to_session(world.vault, view.id, world.ids["diabetic"], "Bloods")


# --- lifecycle ------------------------------------------------------------------------------


def test_closing_needs_every_outcome_and_names_the_open_ones(world: World) -> None:
    view = new_session(world, "LTC_DIABETES")
    first, second = view.appointments
    clinics.start_session(world.vault, view.id)
    clinics.record_outcome(world.vault, first.id, "ATTENDED")
    with pytest.raises(clinics.OutcomesMissing) as refused:
        clinics.close_session(world.vault, view.id)
    assert refused.value.appointment_ids == (second.id,)
    assert second.location in refused.value.message
    assert second.name not in refused.value.message  # messages carry no identifiers
    clinics.record_outcome(world.vault, second.id, "NOT_UNLOCKED", reason="Staff shortage")
    closed = clinics.close_session(world.vault, view.id)
    assert closed.status == "CLOSED"
    with pytest.raises(InvalidInput, match="already closed"):
        clinics.close_session(world.vault, view.id)
    with pytest.raises(InvalidInput, match="cannot be started"):
        clinics.start_session(world.vault, view.id)


def test_a_session_that_could_not_run_is_closed_with_one_outcome_for_all(world: World) -> None:
    view = new_session(world, "OLDER_PRISONER")
    with pytest.raises(InvalidInput, match="reason"):
        clinics.close_session(world.vault, view.id, remaining_outcome="LOCKDOWN_INCIDENT")
    for outcome in ("ATTENDED", "REFUSED"):
        with pytest.raises(InvalidInput, match="one patient at a time"):
            clinics.close_session(world.vault, view.id, remaining_outcome=outcome)
    closed = clinics.close_session(
        world.vault, view.id, remaining_outcome="LOCKDOWN_INCIDENT", reason="Wing lockdown"
    )
    assert closed.status == "CLOSED"
    assert {a.outcome for a in closed.appointments} == {"LOCKDOWN_INCIDENT"}
    assert all(a.rebook_required and a.attribution == "PRISON" for a in closed.appointments)


def test_recording_an_outcome_starts_a_planned_session(world: World) -> None:
    view = new_session(world, "LTC_EPILEPSY")
    clinics.record_outcome(world.vault, view.appointments[0].id, "ATTENDED")
    assert clinics.session_view(world.vault, view.id).status == "IN_PROGRESS"
    with world.vault.session() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
    assert "clinic_session_started" in actions


def test_list_sessions_filters_by_day_and_status(world: World) -> None:
    a = new_session(world, "LTC_DIABETES")
    b = new_session(world, "GENERAL_NURSE", session_date=DAY + timedelta(days=1))
    clinics.start_session(world.vault, b.id)
    everything = clinics.list_sessions(world.vault)
    assert [s.id for s in everything] == [b.id, a.id]
    assert everything[1].appointments == 2
    assert everything[1].with_outcome == 0
    assert [s.id for s in clinics.list_sessions(world.vault, date=DAY)] == [a.id]
    assert [s.id for s in clinics.list_sessions(world.vault, status="in_progress")] == [b.id]


def test_viewing_a_session_is_audited_without_identifiers(world: World) -> None:
    view = new_session(world, "LTC_DIABETES")
    clinics.session_view(world.vault, view.id)
    with world.vault.session() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert event.action == "view_clinic_session"
    assert json.loads(event.detail) == {"session_id": view.id}


def test_sessions_belong_to_appointments_in_the_vault(world: World) -> None:
    view = new_session(world, "LTC_DIABETES")
    with world.vault.session() as session:
        stored = session.scalars(select(Appointment).where(Appointment.session_id == view.id))
        assert sorted(a.id for a in stored) == sorted(a.id for a in view.appointments)
