"""Transfer and release (domain.md §9): plans with warnings and optimistic concurrency, the
planning worklist, the health summary (every section), the unsynced flag and the medicines
checklist."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from hjdesk.services import acct
from hjdesk.services import care_plans as cp
from hjdesk.services.clinics.outcomes import record_outcome
from hjdesk.services.clinics.sessions import add_to_session, create_session
from hjdesk.services.common import dumps
from hjdesk.services.encounters.forms import QuestionnairesInput
from hjdesk.services.patients.medicines import (
    end_allergy,
    record_allergy,
    record_medicine,
    stop_medicine,
)
from hjdesk.services.patients.screening import record_screening
from hjdesk.services.release.medicines import medicines_on_release_checklist
from hjdesk.services.release.plans import release_plans_due, save_release_plan
from hjdesk.services.release.summary import release_summary
from hjdesk.services.worklists.tasks import complete_task
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import (
    AuditEvent,
    OutboxOp,
    ReleasePlan,
    Task,
)
from hjdesk.storage.vault import OpenVault
from tests.services.care_world import (  # noqa: F401
    NO_FALLS,
    NOW,
    TODAY,
    World,
    add_encounter,
    add_measurement,
    at_noon,
    care_template_fixture,
    measured,
    world_fixture,
)

COMPLETE = {
    "movement_type": "RELEASE",
    "expected_date": date(2025, 4, 1),
    "destination": "12 Station Road, Leeds",
    "community_gp": "Park Surgery, Leeds",
    "gp_registration": "REGISTERED",
    "reconnect_status": "ACCEPTED",
    "days_of_medicine_supplied": 14,
}


# --- saving plans ------------------------------------------------------------------------------


def test_incomplete_plan_is_saved_with_its_warnings(world: World) -> None:
    pid = world.patient()
    plan = save_release_plan(
        world.vault, pid, movement_type="release", expected_date=None, today=TODAY
    )
    assert plan.status == "OPEN"
    assert plan.rev == 1
    assert "Record the expected date of the move." in plan.problems
    assert "Record the community GP." in plan.problems
    assert "Record the RECONNECT referral status." in plan.problems
    assert plan.supply_ok is None
    with world.vault.session() as session:
        assert session.get(ReleasePlan, plan.id).movement_type == "RELEASE"


def test_complete_release_plan_has_no_warnings(world: World) -> None:
    plan = save_release_plan(world.vault, world.patient(), **COMPLETE, today=TODAY)
    assert plan.problems == ()
    assert plan.supply_ok is True
    assert plan.reconnect_window_open  # 1 April is within 12 weeks of 12 March


@pytest.mark.parametrize(
    ("days", "fp10", "ok"), [(6, False, False), (7, False, True), (0, True, True)]
)
def test_supply_needs_seven_days_or_an_fp10(world: World, days: int, fp10: bool, ok: bool) -> None:
    plan = save_release_plan(
        world.vault, world.patient(), **{**COMPLETE, "days_of_medicine_supplied": days},
        fp10_given=fp10, today=TODAY,
    )  # fmt: skip
    assert plan.supply_ok is ok
    assert any("7 days" in p for p in plan.problems) is not ok


def test_escorted_move_needs_the_per(world: World) -> None:
    plan = save_release_plan(
        world.vault, world.patient(), movement_type="TRANSFER", expected_date=TODAY,
        destination="HMP Leeds", today=TODAY,
    )  # fmt: skip
    assert plan.problems == ("Complete the health information on the Person Escort Record (PER).",)
    done = save_release_plan(
        world.vault, plan.patient_id, movement_type="TRANSFER", expected_date=TODAY,
        destination="HMP Leeds", per_done=True, plan_id=plan.id, base_rev=plan.rev, today=TODAY,
    )  # fmt: skip
    assert done.problems == ()
    assert done.rev == plan.rev + 1


def test_coded_fields_are_checked_together(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        save_release_plan(
            world.vault, world.patient(), movement_type="ESCAPE", expected_date=None,
            gp_registration="MAYBE", reconnect_status="SOON", days_of_medicine_supplied=-1,
        )  # fmt: skip
    message = caught.value.message
    for text in ("type of move", "GP registration status", "RECONNECT status", "0 or more"):
        assert text in message
    with pytest.raises(InvalidInput, match="Choose the type of move"):
        save_release_plan(world.vault, world.patient(), movement_type=" ", expected_date=None)


def test_stale_edit_is_refused(world: World) -> None:
    pid = world.patient()
    plan = save_release_plan(world.vault, pid, **COMPLETE, today=TODAY)
    gp = world.as_user("gp")
    save_release_plan(gp, pid, **{**COMPLETE, "notes": "GP note"}, plan_id=plan.id,
                      base_rev=plan.rev)  # fmt: skip
    with pytest.raises(InvalidInput, match="changed by someone else"):
        save_release_plan(world.vault, pid, **{**COMPLETE, "notes": "Nurse note"},
                          plan_id=plan.id, base_rev=plan.rev)  # fmt: skip
    with pytest.raises(InvalidInput, match="Reload"):
        save_release_plan(world.vault, pid, **COMPLETE, plan_id=plan.id)
    with pytest.raises(InvalidInput, match="another patient"):
        save_release_plan(world.vault, world.patient(), **COMPLETE, plan_id=plan.id,
                          base_rev=plan.rev + 1)  # fmt: skip
    with world.vault.session() as session:
        assert session.get(ReleasePlan, plan.id).notes == "GP note"


def test_saving_is_audited_and_queued(world: World) -> None:
    pid = world.patient()
    plan = save_release_plan(world.vault, pid, **COMPLETE, today=TODAY)
    with world.vault.session() as session:
        (detail,) = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "save_release_plan")
        )
        ops = list(session.scalars(select(OutboxOp.kind).where(OutboxOp.record_id == plan.id)))
    assert json.loads(detail) == {
        "plan_id": plan.id, "movement_type": "RELEASE", "new": True, "outstanding": 0,
    }  # fmt: skip
    assert ops == ["release_plan"]


def test_admin_cannot_write_release_plans(world: World) -> None:
    with pytest.raises(PermissionDenied):
        save_release_plan(world.as_user("admin"), world.patient(), **COMPLETE)


# --- planning worklist -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "listed"), [(date(2025, 5, 14), False), (date(2025, 5, 15), True)]
)
def test_planning_due_one_calendar_month_before_release(
    world: World, today: date, listed: bool
) -> None:
    pid = world.patient(expected_release=date(2025, 6, 15))
    rows = [r for r in release_plans_due(world.vault, today) if r.patient_id == pid]
    assert bool(rows) is listed
    if listed:
        (row,) = rows
        assert row.outstanding == ("No release plan has been started.",)
        assert (row.plan_id, row.days_to_go, row.movement_type) == (None, 31, "RELEASE")


def test_planning_row_shows_the_open_plan_and_what_it_lacks(world: World) -> None:
    pid = world.patient(expected_release=date(2026, 1, 1))
    plan = save_release_plan(
        world.vault, pid, movement_type="RELEASE", expected_date=TODAY + timedelta(days=20),
        no_fixed_abode=True, today=TODAY,
    )  # fmt: skip
    (row,) = [r for r in release_plans_due(world.vault, TODAY) if r.patient_id == pid]
    assert (row.plan_id, row.expected_date) == (plan.id, TODAY + timedelta(days=20))
    assert "Record the community GP." in row.outstanding
    assert "Record where the patient is going." not in row.outstanding  # NFA on release


def test_done_plans_and_far_off_releases_are_not_listed(world: World) -> None:
    far = world.patient(expected_release=TODAY + timedelta(days=90))
    done = world.patient()
    save_release_plan(world.vault, done, **{**COMPLETE, "expected_date": TODAY}, status="DONE")
    ids = {r.patient_id for r in release_plans_due(world.vault, TODAY)}
    assert far not in ids
    assert done not in ids


# --- the health summary ------------------------------------------------------------------------


def _everything(w: World) -> str:
    """One patient with every kind of data the summary shows."""
    pid = w.patient(
        dob=date(1955, 7, 1), alerts=("HA", "PEEP", "HID"),
        conditions=(("DIABETES", date(2010, 1, 1)), ("EPILEPSY", None)),
        expected_release=date(2025, 4, 1), family_name="Everything",
    )  # fmt: skip
    v = w.vault
    add_encounter(
        v, pid, "LTC_REVIEW", date(2025, 1, 15), ltc_condition="DIABETES",
        measurements=(measured("HBA1C", 52), measured("BP_SYSTOLIC", 132),
                      measured("BP_DIASTOLIC", 84), measured("FOOT_RISK", "MODERATE")),
    )  # fmt: skip
    add_measurement(v, pid, "HBA1C", date(2024, 6, 1), value=70)
    # The older prisoner review as the encounter form hands it over (yes/no answers, free-text
    # equipment): it raises the falls and social-care referral tasks.
    add_encounter(
        v, pid, "OLDER_PRISONER_REVIEW", date(2025, 2, 1),
        data={"cfs_level": 5, "social_care_needs": True, "social_care_referral": False,
              "mobility_equipment": "Walking frame; Shower chair",
              "falls": {**NO_FALLS, "fallen_last_year": True}},
    )  # fmt: skip
    add_encounter(v, pid, "GENERAL", date(2025, 2, 20),
                  questionnaires=QuestionnairesInput(cfs_level=6))  # fmt: skip
    with v.session() as session:
        referral_task = session.scalar(select(Task.id).where(
            Task.patient_id == pid, Task.kind == "SOCIAL_CARE_REFERRAL"))  # fmt: skip
    assert referral_task is not None
    complete_task(v, referral_task, outcome="Referred to the local authority")
    acct.set_caseload(v, pid, "MH_IN_REACH", True, today=date(2024, 5, 1))
    old = acct.open_case(v, pid, opened_at=NOW - timedelta(days=300), concern_summary="Low mood",
                         risk_level="LOW", now=NOW)  # fmt: skip
    after = acct.close_case(v, old.id, held_at=NOW - timedelta(days=299), chair="SO", now=NOW)
    review = next(e for e in after.events if e.event_type == "POST_CLOSURE_REVIEW")
    assert review.scheduled_at is not None
    acct.record_event_held(v, review.id, held_at=review.scheduled_at, chair="SO", now=NOW)
    acct.open_case(v, pid, opened_at=NOW - timedelta(days=3), concern_summary="Ligature",
                   risk_level="HIGH", case_manager="SO Briggs", now=NOW)  # fmt: skip
    for programme, day, outcome in (("FLU", date(2023, 10, 1), "GIVEN"),
                                    ("FLU", date(2024, 10, 1), "GIVEN"),
                                    ("HEP_B", date(2024, 2, 1), "DECLINED")):  # fmt: skip
        record_screening(v, pid, programme, day, outcome, next_due=day + timedelta(days=365),
                         now=at_noon(day), today=TODAY)  # fmt: skip
    record_allergy(v, pid, "Penicillin", "Rash")
    latex = record_allergy(v, pid, "Latex")
    end_allergy(v, latex.id, base_rev=latex.rev)
    record_medicine(v, pid, "Levetiracetam", "500 mg twice daily", "Anti-seizure")
    record_medicine(v, pid, "Metformin", "500 mg", "BIGUANIDE")
    record_medicine(v, pid, "Warfarin", "as INR", critical=True)
    old_drug = record_medicine(v, pid, "Old drug")
    stop_medicine(v, old_drug.id, base_rev=old_drug.rev)
    for day, kind, outcome in (
        (date(2025, 3, 20), "OLDER_PRISONER", None),
        (date(2025, 3, 1), "LTC_DIABETES", "NOT_UNLOCKED"),
        (date(2025, 2, 1), "LTC_DIABETES", "ATTENDED"),
    ):
        _booked(v, pid, kind, day, outcome)
    _plan(w, pid, "MENTAL_HEALTH", risk_management_plan="Triggers: bad news. Crisis: call MH",
          shared_with=["GP", "ACCT case manager"])  # fmt: skip
    _plan(w, pid, "SOCIAL_CARE", data={"social_care_referral": {"referred_on": "2025-03-01"},
                                       "equipment": ["Raised toilet seat"]})  # fmt: skip
    _plan(w, pid, "NEURODIVERSITY_ADJUSTMENTS", data={"communication_needs": "Easy read"})
    _plan(w, pid, "END_OF_LIFE", dnacpr_form_ref="DNACPR form 77, 2 Feb 2025")
    save_release_plan(v, pid, **{**COMPLETE, "days_of_medicine_supplied": 7}, fp10_given=True)
    return pid


def _booked(v: OpenVault, pid: str, kind: str, day: date, outcome: str | None) -> None:
    """A clinic session on the patient's wing with them on its list, and its outcome if any,
    through the clinic services."""
    clinic = create_session(v, clinic_type=kind, session_date=day, period="AM", wings=["A"])
    booked = [a.id for a in clinic.appointments if a.patient_id == pid]
    appointment = booked[0] if booked else add_to_session(v, clinic.id, pid, "Review").id
    if outcome is not None:
        reason = "Regime" if outcome in ("NOT_UNLOCKED", "NO_OFFICER_ESCORT") else None
        record_outcome(v, appointment, outcome, reason=reason, now=at_noon(day))


def _plan(w: World, pid: str, plan_type: str, **fields: object) -> None:
    plan = cp.create_plan(w.vault, pid, plan_type, today=TODAY - timedelta(days=30))
    plan = cp.update_plan(
        w.vault, plan.id, base_rev=plan.rev, review_due=TODAY + timedelta(days=60),
        patient_involvement="AGREED", **fields,
    )  # fmt: skip
    cp.activate_plan(w.vault, plan.id, today=TODAY - timedelta(days=30))


def test_summary_holds_every_section(world: World) -> None:
    pid = _everything(world)
    s = release_summary(world.vault, pid, today=TODAY, now=NOW)

    ids = s.identifiers
    assert (ids.display_name, ids.prison_number, ids.nhs_number) == (
        "EVERYTHING, Test", "A1001BC", "943 476 5919",
    )  # fmt: skip
    assert (ids.date_of_birth, ids.age, ids.establishment_code, ids.location) == (
        date(1955, 7, 1), 69, "MDI", "A-1-001",
    )  # fmt: skip
    assert set(ids.alerts) == {"HA", "PEEP", "HID"}

    assert [(a.substance, a.reaction) for a in s.allergies] == [("Penicillin", "Rash")]
    assert [(c.code, c.last_review) for c in s.conditions] == [
        ("DIABETES", date(2025, 1, 15)), ("EPILEPSY", None),
    ]  # fmt: skip
    assert s.key_results.hba1c is not None
    assert s.key_results.hba1c.value == 52
    assert s.key_results.hba1c.taken_on == date(2025, 1, 15)
    bp = s.key_results.blood_pressure
    assert bp is not None
    assert (bp.systolic, bp.diastolic) == (132, 84)
    assert s.key_results.foot_risk is not None
    assert s.key_results.foot_risk.text_value == "MODERATE"

    assert {m.name: m.critical for m in s.medicines} == {
        "Levetiracetam": True, "Metformin": False, "Warfarin": True,
    }  # fmt: skip
    assert {m.name for m in s.critical_medicines} == {"Levetiracetam", "Warfarin"}
    assert (s.supply.days_of_medicine_supplied, s.supply.fp10_given, s.supply.supply_ok) == (
        7, True, True,
    )  # fmt: skip
    assert s.release_plan is not None
    assert s.release_plan.destination == COMPLETE["destination"]
    assert s.reconnect_status == "ACCEPTED"

    mh = s.mental_health
    assert mh.plan is not None
    assert mh.on_mh_in_reach_caseload
    assert mh.risk_management_plan == "Triggers: bad news. Crisis: call MH"
    assert mh.shared_with == ("GP", "ACCT case manager")

    assert (s.acct.status, s.acct.risk_level, s.acct.case_manager) == ("OPEN", "HIGH", "SO Briggs")
    assert [(a.session_date, a.rebook_required) for a in s.outstanding_appointments] == [
        (date(2025, 3, 1), True), (date(2025, 3, 20), False),
    ]  # fmt: skip
    assert [r.kind for r in s.referrals] == ["FALLS_ASSESSMENT"]
    assert [(x.programme, x.event_date) for x in s.screening] == [
        ("FLU", date(2024, 10, 1)), ("HEP_B", date(2024, 2, 1)),
    ]  # fmt: skip

    assert s.frailty is not None
    assert (s.frailty.cfs_level, s.frailty.source) == (6, "CFS")  # the newer of the two
    sc = s.social_care
    assert sc.needs == ("Social care needs identified at the older prisoner review",)
    assert sc.equipment == ("Raised toilet seat", "Walking frame", "Shower chair")
    assert sc.referral
    assert not sc.needs_referral
    assert sc.peep
    assert sc.plan is not None
    assert sc.last_older_prisoner_review == date(2025, 2, 1)

    comm = s.communication
    assert comm.plan is not None
    assert comm.adjustments
    assert comm.hidden_disability
    assert comm.needs == ("Easy read",)
    assert s.end_of_life.plan is not None
    assert s.end_of_life.dnacpr_form_ref == "DNACPR form 77, 2 Feb 2025"

    assert (s.generated_at, s.generated_by, s.generated_by_role) == (NOW, "Alex Morgan", "RN")
    assert s.contains_unsynced


def test_summary_of_a_patient_with_nothing_recorded(world: World) -> None:
    s = release_summary(world.vault, world.patient(), today=TODAY, now=NOW)
    assert (s.allergies, s.conditions, s.medicines, s.referrals, s.screening) == ((),) * 5
    assert (s.acct.status, s.frailty, s.release_plan, s.reconnect_status) == (
        "NONE", None, None, None,
    )  # fmt: skip
    assert s.key_results.hba1c is None
    assert s.key_results.blood_pressure is None
    assert s.mental_health.plan is None
    assert s.end_of_life.plan is None
    assert s.supply.supply_ok is None


def test_rebook_is_outstanding_until_a_later_clinic_of_that_type_is_booked(world: World) -> None:
    pid = world.patient()
    _booked(world.vault, pid, "LTC_EPILEPSY", date(2025, 3, 1), "NO_OFFICER_ESCORT")
    _booked(world.vault, pid, "LTC_EPILEPSY", date(2025, 3, 5), "ATTENDED")
    assert release_summary(world.vault, pid, today=TODAY).outstanding_appointments == ()


def test_post_closure_acct_and_entered_in_error_results(world: World) -> None:
    pid = world.patient()
    case = acct.open_case(world.vault, pid, opened_at=NOW - timedelta(days=40),
                          concern_summary="Low mood", risk_level="LOW", now=NOW)  # fmt: skip
    acct.close_case(world.vault, case.id, held_at=NOW - timedelta(days=2), chair="SO", now=NOW)
    wrong = add_encounter(
        world.vault, pid, "LTC_REVIEW", date(2025, 3, 1), ltc_condition="DIABETES",
        measurements=(measured("HBA1C", 99),),
    )  # fmt: skip
    add_encounter(world.vault, pid, "LTC_REVIEW", date(2025, 3, 1), amends_id=wrong,
                  entered_in_error=True, ltc_condition="DIABETES")  # fmt: skip
    s = release_summary(world.vault, pid, today=TODAY, now=NOW)
    assert s.acct.status == "POST_CLOSURE"
    assert s.key_results.hba1c is None  # a result from an entry in error is not shown


def test_unsynced_flag_follows_the_hubs_receipt(world: World) -> None:
    pid = _everything(world)
    assert release_summary(world.vault, pid, today=TODAY, now=NOW).contains_unsynced
    with world.vault.transaction() as session:
        for op in session.scalars(select(OutboxOp).where(OutboxOp.patient_id == pid)):
            op.acked_at = datetime(2025, 3, 12, 13, 0, tzinfo=UTC)
    assert not release_summary(world.vault, pid, today=TODAY, now=NOW).contains_unsynced
    # The summary's own audit events do not make it "unsynced"; a new clinical entry does.
    assert not release_summary(world.vault, pid, today=TODAY, now=NOW).contains_unsynced
    add_measurement(world.vault, pid, "BMI", TODAY, value=24.0)
    assert release_summary(world.vault, pid, today=TODAY, now=NOW).contains_unsynced


def test_summary_is_audited_without_identifiers(world: World) -> None:
    pid = _everything(world)
    release_summary(world.vault, pid, today=TODAY, now=NOW)
    with world.vault.session() as session:
        (event_,) = session.execute(
            select(AuditEvent.patient_id, AuditEvent.detail, AuditEvent.actor_role).where(
                AuditEvent.action == "view_release_summary"
            )
        )
    assert event_[0] == pid
    assert event_[2] == "RN"
    assert json.loads(event_[1]) == {"contains_unsynced": True}


def test_summary_is_produced_with_few_queries(world: World) -> None:
    pid = _everything(world)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(world.vault.engine, "before_cursor_execute", count)
    try:
        release_summary(world.vault, pid, today=TODAY, now=NOW)
    finally:
        event.remove(world.vault.engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 30  # one or two per section, whatever the size of the record


def test_admin_cannot_read_the_summary(world: World) -> None:
    with pytest.raises(PermissionDenied):
        release_summary(world.as_user("admin"), world.patient())
    with pytest.raises(InvalidInput, match="patient is not in this vault"):
        release_summary(world.vault, "nobody")


# --- medicines checklist -----------------------------------------------------------------------


def test_medicines_checklist(world: World) -> None:
    pid = _everything(world)
    checklist = medicines_on_release_checklist(world.vault, pid, today=TODAY, now=NOW)
    by_name = {i.medicine.name: i for i in checklist.items}
    assert set(by_name) == {"Levetiracetam", "Metformin", "Warfarin"}
    assert by_name["Levetiracetam"].medicine.critical
    assert any(c.startswith("CRITICAL") for c in by_name["Levetiracetam"].checks)
    assert not any(c.startswith("CRITICAL") for c in by_name["Metformin"].checks)
    assert (by_name["Metformin"].supply_days, by_name["Metformin"].fp10_given) == (7, True)
    assert any("7 days" in c for c in checklist.general_checks)
    assert not any("Person Escort Record" in c for c in checklist.general_checks)
    assert checklist.allergies[0].substance == "Penicillin"
    assert checklist.contains_unsynced
    assert checklist.generated_by == "Alex Morgan"
    with world.vault.session() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert "view_medicines_checklist" in actions


def test_checklist_for_a_transfer_asks_for_the_per(world: World) -> None:
    pid = world.patient()
    record_medicine(world.vault, pid, "Carbamazepine", medicine_class="ANTI_SEIZURE")
    save_release_plan(world.vault, pid, movement_type="TRANSFER", expected_date=TODAY,
                      destination="HMP Leeds")  # fmt: skip
    checklist = medicines_on_release_checklist(world.vault, pid, today=TODAY)
    assert any("Person Escort Record" in c for c in checklist.general_checks)
    (item,) = checklist.items
    assert item.medicine.critical
    assert item.supply_days is None


def test_json_helper_round_trips_dates() -> None:
    assert json.loads(dumps({"d": date(2025, 3, 1)})) == {"d": "2025-03-01"}
