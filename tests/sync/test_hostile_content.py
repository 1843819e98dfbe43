"""Records a device in hostile hands can push that pass every payload rule (`sync.payloads`:
types, lengths, dates, JSON of the declared top-level shape) but hold content no service writes:
an encounter `data` whose "answers" is text, a PHQ-9 whose answers are words, an instrument or
an encounter kind the code does not know, a care plan's needs as a number, dates at the ends of
the calendar, scores far outside their range. The hub takes them and every laptop in scope
stores them (they are valid records of their kind).

Each is stored here the way a pull stores it (`local_apply.apply_changes` in a
`cycle.remote_session`), after asserting the payload rules take it, into a small demo vault
built through the services. Then every reader a nurse relies on is called, for the patient and
for everyone: none may raise. At worst the hostile record shows as odd text.
"""

from __future__ import annotations

import shutil
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hjdesk.demo.establishment import build_demo
from hjdesk.interop.fhir_common import quantity, score
from hjdesk.storage.errors import KnownError
from hjdesk.storage.models import (
    AcctCase,
    AcctContribution,
    AcctEvent,
    Alert,
    Allergy,
    Appointment,
    CarePlan,
    CarePlanGoal,
    CarePlanIntervention,
    CarePlanReview,
    CaseloadMembership,
    ClinicSession,
    Condition,
    Encounter,
    Measurement,
    Medicine,
    Observation,
    Patient,
    QuestionnaireResult,
    ReleasePlan,
    ScreeningEvent,
    Staff,
    Synced,
    SyncQuarantine,
    Task,
)
from hjdesk.storage.models.column_types import to_text
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.serialise import row_payload
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.sync import payloads
from hjdesk.sync.cycle import remote_session
from hjdesk.sync.local_apply import PageResult, apply_changes
from hjdesk.sync.protocol import Change
from tests.conftest import FAST_KDF, PASSWORD

EARLIEST = "0001-01-01T00:00:00+00:00"
LATEST = "9999-12-31T23:59:59.999999+00:00"
FIRST_DAY = "0001-01-01"
LAST_DAY = "9999-12-31"
# Hostile records are the patient's newest, so the readers that show the latest one show them.
RECENT = datetime.now(UTC).replace(microsecond=0).isoformat()
_NEWEST = {
    "encounter": ("started_at", "signed_at"),
    "observation": ("taken_at", "signed_at"),
    "questionnaire_result": ("taken_at", "signed_at"),
    "measurement": ("taken_at", "signed_at"),
    "acct_case": ("opened_at",),
}


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-template")
    opened, _ = build_demo(HomePaths.resolve(root), password=PASSWORD, patients=40, kdf=FAST_KDF)
    opened.lock()
    return root


@pytest.fixture
def nurse(hostile_template: Path, tmp_path: Path) -> Iterator[OpenVault]:
    target = tmp_path / "vault"
    shutil.copytree(hostile_template, target)
    opened = Vault(HomePaths.resolve(target)).unlock("nurse", PASSWORD)
    yield opened
    opened.lock()


# -- the hostile records ------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    """A record of `kind`, copied from the vault's first record of its class (for the chosen
    patient where it has one), given a new id, the patient, and these `changes` (`PARENT`: the
    id of the record made just before it in the same case, e.g. the hostile encounter)."""

    kind: str
    changes: dict[str, Any]
    parents: tuple[Hostile, ...] = ()


PARENT = "<parent>"

_CLASSES: dict[str, type[Synced]] = {
    "encounter": Encounter,
    "observation": Observation,
    "questionnaire_result": QuestionnaireResult,
    "measurement": Measurement,
    "care_plan": CarePlan,
    "care_plan_goal": CarePlanGoal,
    "care_plan_intervention": CarePlanIntervention,
    "care_plan_review": CarePlanReview,
    "acct_case": AcctCase,
    "acct_event": AcctEvent,
    "acct_contribution": AcctContribution,
    "release_plan": ReleasePlan,
    "task": Task,
    "patient": Patient,
    "alert": Alert,
    "condition": Condition,
    "medicine": Medicine,
    "allergy": Allergy,
    "caseload_membership": CaseloadMembership,
    "screening_event": ScreeningEvent,
    "clinic_session": ClinicSession,
    "appointment": Appointment,
    "staff": Staff,
}
# Which field of a child points at its parent.
_PARENT_FIELD = {
    ("observation", "encounter"): "encounter_id",
    ("questionnaire_result", "encounter"): "encounter_id",
    ("measurement", "encounter"): "encounter_id",
    ("care_plan_goal", "care_plan"): "plan_id",
    ("care_plan_intervention", "care_plan"): "plan_id",
    ("care_plan_review", "care_plan"): "plan_id",
    ("acct_event", "acct_case"): "case_id",
    ("acct_contribution", "acct_event"): "event_id",
    ("task", "encounter"): "source_id",
    ("appointment", "clinic_session"): "session_id",
    ("acct_contribution", "staff"): "contributor_id",
    ("encounter", "staff"): "signed_by",
    ("encounter", "appointment"): "appointment_id",
    ("acct_contribution", "encounter"): "clinical_note_id",
}

PLAIN_ENCOUNTER = Hostile("encounter", {"kind": "GENERAL", "entered_in_error": False})
OLDER_REVIEW = Hostile("encounter", {"kind": "OLDER_PRISONER_REVIEW", "entered_in_error": False})
A_PLAN = Hostile("care_plan", {"status": "ACTIVE"})
A_CASE = Hostile("acct_case", {"status": "OPEN", "closed_at": None})
AN_EVENT = Hostile("acct_event", {}, (A_CASE,))
ODD_STAFF = Hostile(
    "staff", {"role": "NOT_A_ROLE", "team": "NOT_A_TEAM", "display_name": "", "active": True}
)


def _q(answers: Any, instrument: str = "PHQ9", **more: Any) -> Hostile:
    return Hostile(
        "questionnaire_result",
        {"instrument": instrument, "answers": answers, **more},
        (PLAIN_ENCOUNTER,),
    )


HOSTILE: dict[str, Hostile] = {
    # Encounters: unknown kind, `data` of the wrong inner shape, dates at the calendar's ends.
    "encounter-kind-unknown": Hostile("encounter", {"kind": "NOT_A_KIND"}),
    "encounter-data-answers-text": Hostile(
        "encounter", {"data": {"falls": 5, "answers": "x", "derived": [1]}}
    ),
    "encounter-data-derived-odd": Hostile(
        "encounter",
        {
            "data": {
                "answers": {"a": [1, {"b": None}]},
                "derived": {"prompts": 5, "warnings": "abc", "findings": [1, {}], "pathway": {}},
            }
        },
    ),
    "older-review-answers-odd": Hostile(
        "encounter",
        {
            "kind": "OLDER_PRISONER_REVIEW",
            "entered_in_error": False,
            "data": {
                "answers": {
                    "social_care_needs": 5,
                    "social_care_referral": [1],
                    "equipment": {"a": 1},
                    "mobility_equipment": 7,
                    "falls": "many",
                    "cfs": "x",
                },
                "derived": {"prompts": [1]},
            },
        },
    ),
    "older-review-data-list-answers": Hostile(
        "encounter",
        {"kind": "OLDER_PRISONER_REVIEW", "entered_in_error": False, "data": {"answers": [1]}},
    ),
    "encounter-started-earliest": Hostile("encounter", {"started_at": EARLIEST}),
    "older-review-latest": Hostile(
        "encounter",
        {"kind": "OLDER_PRISONER_REVIEW", "entered_in_error": False, "started_at": LATEST},
    ),
    "ltc-review-latest": Hostile(
        "encounter",
        {
            "kind": "LTC_REVIEW",
            "ltc_condition": "DIABETES",
            "entered_in_error": False,
            "started_at": LATEST,
        },
        (Hostile("condition", {"code": "DIABETES", "active": True}),),
    ),
    "hba1c-latest-for-diabetes": Hostile(
        "measurement",
        {"code": "HBA1C", "value": 48.0, "taken_at": LATEST},
        (
            Hostile(
                "encounter",
                {"kind": "GENERAL", "entered_in_error": False},
                (Hostile("condition", {"code": "DIABETES", "active": True}),),
            ),
        ),
    ),
    "encounter-started-latest": Hostile("encounter", {"started_at": LATEST, "ended_at": LATEST}),
    "encounter-signed-earliest": Hostile("encounter", {"signed_at": EARLIEST}),
    "encounter-escalated-latest": Hostile(
        "encounter", {"escalated_at": LATEST, "escalated_to": "x", "escalation_action": "y"}
    ),
    # Questionnaires: answers of any shape, unknown instruments, scores out of range.
    "phq9-answers-text": _q("x"),
    "phq9-answers-object": _q({"a": 1}),
    "phq9-answers-words": _q(["a"] * 9),
    "phq9-answers-short": _q([1, 2]),
    "phq9-answers-nulls": _q([None] * 9),
    "phq9-answers-nested": _q([[1]] * 9),
    "phq9-answers-huge": _q([10**30] * 9),
    "gad7-answers-words": _q(["a"] * 7, "GAD7"),
    "six-cit-answers-list": _q([1, 2], "SIX_CIT"),
    "six-cit-subscores-odd": _q({"subscores": [1], "x": {}}, "SIX_CIT"),
    "six-cit-subscores-text": _q({"subscores": {"a": "b", "c": [1]}}, "SIX_CIT"),
    "aq10-answers-object": _q({"a": 1}, "AQ10"),
    "aq10-answers-words": _q(["x", None, {}], "AQ10"),
    "cfs-answers-odd": _q({"a": [1]}, "CFS"),
    "cfs-level-out-of-range": _q({}, "CFS", total=99, band="x"),
    "cfs-level-negative": _q("x", "CFS", total=-(2**62), band=""),
    "six-cit-total-huge": _q({"subscores": {"year": 2**62}}, "SIX_CIT", total=2**62),
    "instrument-unknown": _q([1, 2, 3], "ZZZ"),
    "questionnaire-total-huge": _q([1] * 9, total=2**62, band="severe"),
    "questionnaire-total-negative": _q([1] * 9, total=-5, band="?"),
    "questionnaire-band-unknown": _q([1] * 9, band="NOT_A_BAND"),
    "questionnaire-override-odd": _q([1] * 9, override={"band": [1], "reason": {"a": 1}}),
    "questionnaire-taken-earliest": _q([1] * 9, taken_at=EARLIEST),
    # Observations and measurements: values beyond any body, odd strings.
    "observation-odd": Hostile(
        "observation",
        {
            "resp_rate": -1,
            "spo2": 10**6,
            "spo2_scale": 7,
            "pulse": 2**62,
            "systolic_bp": -(2**62),
            "temperature": 1e308,
            "news2_total": -3,
            "subscores": {"weird": 99, "pulse": -1},
            "scale2_prescribed_on": "not a day",
            "taken_at": LATEST,
        },
        (PLAIN_ENCOUNTER,),
    ),
    "observation-scale2-day-odd": Hostile(
        "observation", {"spo2_scale": 2, "scale2_prescribed_on": "2025-99-99"}, (PLAIN_ENCOUNTER,)
    ),
    "measurement-odd": Hostile(
        "measurement",
        {"code": "HBA1C", "value": 1e308, "text_value": "x", "unit": "", "taken_at": EARLIEST},
        (PLAIN_ENCOUNTER,),
    ),
    "measurement-code-unknown": Hostile(
        "measurement", {"code": "NOT_A_CODE", "value": -1e308}, (PLAIN_ENCOUNTER,)
    ),
    # Care plans: needs and equipment of the wrong type, dates at the ends.
    "care-plan-data-odd": Hostile(
        "care_plan",
        {
            "status": "ACTIVE",
            "data": {
                "social_care_needs": 5,
                "social_care_referral": [1],
                "equipment": {"a": 1},
                "communication_needs": 7,
                "x": None,
            },
        },
    ),
    "care-plan-data-lists": Hostile(
        "care_plan",
        {
            "status": "ACTIVE",
            "plan_type": "SOCIAL_CARE",
            "data": {
                "social_care_needs": [["a"], {"b": 1}],
                "equipment": [["x"], None, 3],
                "communication_needs": {"a": [1]},
                "social_care_referral": {"x": None},
            },
        },
    ),
    "care-plan-dates-ends": Hostile(
        "care_plan",
        {
            "status": "ACTIVE",
            "start_date": FIRST_DAY,
            "review_due": LAST_DAY,
            "closed_on": FIRST_DAY,
        },
    ),
    "care-plan-review-due-earliest": Hostile(
        "care_plan", {"status": "ACTIVE", "review_due": FIRST_DAY}
    ),
    "care-plan-reviewed-review-due-earliest": Hostile(
        "care_plan_review",
        {"entered_in_error": False, "review_date": "2025-01-01", "next_review_due": FIRST_DAY},
        (Hostile("care_plan", {"status": "ACTIVE", "review_due": FIRST_DAY}),),
    ),
    "care-plan-goal-odd": Hostile(
        "care_plan_goal", {"position": 2**62, "target_date": LAST_DAY}, (A_PLAN,)
    ),
    "care-plan-intervention-odd": Hostile(
        "care_plan_intervention", {"position": -(2**62), "due": FIRST_DAY}, (A_PLAN,)
    ),
    "care-plan-review-odd": Hostile(
        "care_plan_review",
        {"review_date": FIRST_DAY, "next_review_due": LAST_DAY, "entered_in_error": False},
        (A_PLAN,),
    ),
    # ACCT: times at the calendar's ends.
    "acct-case-ends": Hostile(
        "acct_case",
        {"opened_at": EARLIEST, "status": "OPEN", "closed_at": None},
    ),
    "acct-case-post-closure-latest": Hostile(
        "acct_case",
        {"status": "CLOSED", "closed_at": LATEST, "post_closure_review_due": LAST_DAY},
    ),
    "acct-event-ends": Hostile(
        "acct_event", {"scheduled_at": EARLIEST, "held_at": None}, (A_CASE,)
    ),
    "acct-event-latest": Hostile(
        "acct_event", {"scheduled_at": LATEST, "held_at": None}, (A_CASE,)
    ),
    "acct-contribution-ends": Hostile(
        "acct_contribution",
        {"needed_by": LATEST, "planned": True, "signed_at": EARLIEST, "entered_in_error": False},
        (AN_EVENT,),
    ),
    # Release plan and tasks: odd strings where the code expects its own words, odd numbers.
    "release-plan-odd": Hostile(
        "release_plan",
        {
            "status": "NOT_A_STATUS",
            "days_of_medicine_supplied": -(2**62),
            "expected_date": FIRST_DAY,
        },
    ),
    "task-odd": Hostile(
        "task", {"kind": "NOT_A_TASK", "status": "OPEN", "due_at": EARLIEST}, (PLAIN_ENCOUNTER,)
    ),
    "task-latest": Hostile("task", {"kind": "NOT_A_TASK", "status": "OPEN", "due_at": LATEST}),
    "task-status-unknown": Hostile("task", {"status": "ODD", "source_id": None}),
    # Records mirrored from the roll and the central record: another person on the roll born at
    # the calendar's ends; codes no list here names.
    "patient-born-last-day": Hostile("patient", {"date_of_birth": LAST_DAY}),
    "patient-born-first-day": Hostile(
        "patient", {"date_of_birth": FIRST_DAY, "reception_date": FIRST_DAY}
    ),
    "patient-dates-last-day": Hostile(
        "patient", {"reception_date": LAST_DAY, "expected_release_date": LAST_DAY}
    ),
    "patient-sex-unknown": Hostile("patient", {"sex": "NOT_A_SEX"}),
    "alert-code-unknown": Hostile("alert", {"code": "ZZZ", "active": True}),
    "condition-code-unknown": Hostile("condition", {"code": "NOT_A_CODE", "active": True}),
    "condition-onset-ends": Hostile("condition", {"onset": FIRST_DAY, "active": True}),
    "condition-onset-last-day": Hostile("condition", {"onset": LAST_DAY, "active": True}),
    "medicine-class-unknown": Hostile(
        "medicine", {"medicine_class": "NOT_A_CLASS", "critical": True, "active": True}
    ),
    "allergy-odd": Hostile("allergy", {"substance": "", "reaction": "", "active": True}),
    "caseload-lead-unknown": Hostile(
        "caseload_membership", {"lead_id": "not-a-staff-id", "ended_on": None}
    ),
    "medicine-blank": Hostile(
        "medicine", {"name": "", "dose": " ", "medicine_class": "", "active": True}
    ),
    "measurement-latest": Hostile(
        "measurement", {"code": "HBA1C", "value": 48.0, "taken_at": LATEST}, (PLAIN_ENCOUNTER,)
    ),
    "caseload-dates-ends": Hostile(
        "caseload_membership", {"started_on": FIRST_DAY, "ended_on": LAST_DAY}
    ),
    # Clinics: a session on the calendar's last day, of wings and clinicians no one has; an
    # appointment recorded at its first moment.
    "clinic-session-odd": Hostile(
        "clinic_session",
        {
            "session_date": LAST_DAY,
            "wings": ";;Z-9-999;",
            "clinicians": ["nobody", ""],
            "status": "PLANNED",
        },
    ),
    "appointment-odd": Hostile(
        "appointment",
        {"position": -(2**62), "outcome_at": EARLIEST, "outcome_by": "nobody", "reason": ""},
        (Hostile("clinic_session", {"session_date": FIRST_DAY, "status": "IN_PROGRESS"}),),
    ),
    # Staff another laptop added, of a role and team no list names, with no name.
    "staff-odd-signs-an-encounter": Hostile(
        "encounter",
        {"kind": "GENERAL", "entered_in_error": False, "signed_role": "NOT_A_ROLE"},
        (ODD_STAFF,),
    ),
    "staff-odd-contributes-to-acct": Hostile(
        "acct_contribution",
        {"planned": False, "entered_in_error": False, "signed_role": ""},
        (AN_EVENT, ODD_STAFF),
    ),
    "screening-odd": Hostile(
        "screening_event",
        {
            "programme": "NOT_A_PROGRAMME",
            "outcome": "NOT_AN_OUTCOME",
            "event_date": FIRST_DAY,
            "next_due": LAST_DAY,
            "entered_in_error": False,
        },
    ),
}


def _patient(vault: OpenVault) -> str:
    """The demo patient with the most questionnaires (a full record to print and export)."""
    with vault.session() as session:
        found = session.execute(
            select(QuestionnaireResult.patient_id, func.count())
            .group_by(QuestionnaireResult.patient_id)
            .order_by(func.count().desc(), QuestionnaireResult.patient_id)
            .limit(1)
        ).first()
    assert found is not None
    return str(found[0])


def _template(vault: OpenVault, cls: type[Synced], patient_id: str) -> dict[str, Any]:
    """The payload of a record of `cls` the services wrote: the patient's first, else anyone's."""
    column = getattr(cls, "id" if cls is Patient else "patient_id", cls.id)
    with vault.session() as session:
        row = session.scalar(select(cls).order_by((column == patient_id).desc(), cls.id).limit(1))
        assert row is not None, f"the demo has a {cls.__name__}"
        return row_payload(row)


def _payloads(
    vault: OpenVault, hostile: Hostile, patient_id: str, out: list[Change], *, check: bool = True
) -> dict[str, Any]:
    """The changes that store `hostile` (its parents first) appended to `out`; its payload.
    With `check`, asserts that the payload rules take it (its parents are always checked)."""
    cls = _CLASSES[hostile.kind]
    payload = {**_template(vault, cls, patient_id), "id": str(uuid.uuid4()), "rev": 1}
    if hostile.kind == "patient":  # another person on the roll, of the same prison
        payload["prison_number"] = "Z" + payload["id"][:6].upper()
        payload["nhs_number"] = None
        payload["nhs_number_missing_reason"] = "not known"
    elif hostile.kind == "staff":  # someone another laptop added
        payload["username"] = "z" + payload["id"][:8]
    elif "patient_id" in payload:
        payload["patient_id"] = patient_id
    payload.update(dict.fromkeys(_NEWEST.get(hostile.kind, ()), RECENT))
    if hostile.kind == "care_plan":
        payload["start_date"] = RECENT[:10]
    for parent in hostile.parents:
        made = _payloads(vault, parent, patient_id, out)
        if (hostile.kind, parent.kind) in _PARENT_FIELD:  # else stored first, unlinked
            payload[_PARENT_FIELD[(hostile.kind, parent.kind)]] = made["id"]
        if parent.kind == "acct_event":
            payload["case_id"] = made["case_id"]
    json_columns = payloads_json_fields(hostile.kind)
    for key, value in hostile.changes.items():
        payload[key] = to_text(value) if key in json_columns and value is not None else value
    why, _ = payloads.read(hostile.kind, payload["id"], payload)
    if check:
        assert why is None, (hostile.kind, why)  # the hub would take it, and so does every laptop
    out.append(
        Change(
            seq=len(out) + 1, kind=hostile.kind, record_id=payload["id"], rev=1,
            patient_id=patient_id, payload=payload,
        )
    )  # fmt: skip
    return payload


def payloads_json_fields(kind: str) -> frozenset[str]:
    return frozenset(f.name for f in payloads.specs()[kind].fields.values() if f.kind == "json")


# Numbers valid in JSON that no column holds, and the payload rules' reason for refusing them.
# A hub refuses a push holding one (`protocol.Payload`), but a pull's changes are not checked so:
# they passed the payload rules before, and a laptop storing a whole number past 64 bits raised
# OverflowError (not a refusal of the record: the end of the pull, every time), and a NaN or
# infinite value stopped the FHIR export.
NOT_STORABLE: dict[str, tuple[Hostile, str]] = {
    "observation-pulse-past-64-bits": (
        Hostile("observation", {"pulse": 2**63}, (PLAIN_ENCOUNTER,)),
        "field 'pulse' is a whole number too large to store",
    ),
    "observation-pulse-below-64-bits": (
        Hostile("observation", {"pulse": -(2**63) - 1}, (PLAIN_ENCOUNTER,)),
        "field 'pulse' is a whole number too large to store",
    ),
    "observation-temperature-infinite": (
        Hostile("observation", {"temperature": float("inf")}, (PLAIN_ENCOUNTER,)),
        "field 'temperature' must be a finite number (not NaN or infinity)",
    ),
    "measurement-value-nan": (
        Hostile("measurement", {"code": "HBA1C", "value": float("nan")}, (PLAIN_ENCOUNTER,)),
        "field 'value' must be a finite number (not NaN or infinity)",
    ),
    "measurement-value-past-64-bits": (
        Hostile("measurement", {"code": "HBA1C", "value": 10**30}, (PLAIN_ENCOUNTER,)),
        "field 'value' is a whole number too large to store",
    ),
}


def store_as_pulled(vault: OpenVault, hostile: Hostile, patient_id: str) -> dict[str, Any]:
    """Store the hostile record (and its parents) the way a pull does; its payload."""
    changes: list[Change] = []
    payload = _payloads(vault, hostile, patient_id, changes)
    result = PageResult()
    with remote_session(vault) as session:
        apply_changes(session, changes, result)
    assert (result.applied, result.quarantined) == (len(changes), 0)
    return payload


# -- the readers --------------------------------------------------------------------------------


def _ids(vault: OpenVault, cls: type[Synced], patient_id: str) -> list[str]:
    column = getattr(cls, "patient_id")  # noqa: B009
    with vault.session() as session:
        return list(session.scalars(select(cls.id).where(column == patient_id).order_by(cls.id)))


def _sessions(vault: OpenVault, patient_id: str) -> list[str]:
    """The clinic sessions listing the patient, and any dated outside 1900-2200 (hostile)."""
    with vault.session() as session:
        listing = select(Appointment.session_id).where(Appointment.patient_id == patient_id)
        odd = ~ClinicSession.session_date.between(date(1900, 1, 1), date(2200, 1, 1))
        return list(
            session.scalars(
                select(ClinicSession.id)
                .where(ClinicSession.id.in_(listing) | odd)
                .order_by(ClinicSession.id)
            )
        )


def _each(ids: list[str], read: Callable[[str], object]) -> list[object]:
    assert ids, "something to read"
    return [read(i) for i in ids]


def _report(vault: OpenVault, kind: str, **given: Any) -> object:
    from hjdesk.reports.build import render_report
    from hjdesk.reports.kinds import ReportRequest

    try:
        return render_report(vault, ReportRequest(kind, **given))
    except KnownError:  # a plain message (nothing of the kind to print): shown, not a crash
        return None


def _patient_report(kind: str, vault: OpenVault, patient_id: str) -> object:
    return _report(vault, kind, patient_id=patient_id)


def _patient_readers() -> dict[str, Callable[[OpenVault, str], object]]:
    from hjdesk.interop.fhir_export import build_fhir_summary
    from hjdesk.services import care_plans, encounters, patients, release
    from hjdesk.services.acct import case_view
    from hjdesk.services.clinics.sessions import session_view

    return {
        "open_patient": lambda v, p: patients.open_patient(v, p),
        "patient_acct_cases": lambda v, p: patients.patient_acct_cases(v, p),
        "patient_assessments": lambda v, p: patients.patient_assessments(v, p),
        "patient_reviews": lambda v, p: patients.patient_reviews(v, p),
        "screening_history": lambda v, p: patients.screening_history(v, p),
        "patient_timeline": lambda v, p: encounters.patient_timeline(v, p),
        "observations_series": lambda v, p: encounters.observations_series(v, p),
        "standing_with_observations": lambda v, p: encounters.standing_with_results(
            v, p, holding="observations"
        ),
        "standing_with_questionnaires": lambda v, p: encounters.standing_with_results(
            v, p, holding="questionnaires"
        ),
        "encounter_history": lambda v, p: _each(
            _ids(v, Encounter, p), lambda i: encounters.encounter_history(v, i)
        ),
        "patient_plans": lambda v, p: care_plans.patient_plans(v, p),
        "plan_view": lambda v, p: _each(_ids(v, CarePlan, p), lambda i: care_plans.plan_view(v, i)),
        "acct_case_view": lambda v, p: [case_view(v, i) for i in _ids(v, AcctCase, p)],
        "release_summary": lambda v, p: release.release_summary(v, p),
        "medicines_on_release": lambda v, p: release.medicines_on_release_checklist(v, p),
        "fhir_summary": lambda v, p: build_fhir_summary(v, p),
        **{
            f"pdf:{kind}": partial(_patient_report, kind)
            for kind in (
                "transfer-summary",
                "medicines-on-release",
                "questionnaires",
                "news2",
                "acct-contribution",
                "care-plan",
                "care-plan-patient",
            )
        },
        "clinic_session_views": lambda v, p: [session_view(v, i) for i in _sessions(v, p)],
        "pdf:clinic-lists": lambda v, p: [
            _report(v, kind, session_id=i)
            for i in _sessions(v, p)
            for kind in ("clinic-list", "unlock-list", "session-outcomes")
        ],
        "pdf:care-plan-each": lambda v, p: [
            _report(v, kind, plan_id=i)
            for i in _ids(v, CarePlan, p)
            for kind in ("care-plan", "care-plan-patient")
        ],
        "pdf:acct-contribution-each": lambda v, p: [
            _report(v, "acct-contribution", event_id=i) for i in _ids(v, AcctEvent, p)
        ],
    }


def _everyone_readers() -> dict[str, Callable[[OpenVault], object]]:
    from hjdesk.services import care_plans, patients
    from hjdesk.services.acct import audit_report, input_due, open_cases
    from hjdesk.services.settings.status import sync_status
    from hjdesk.services.worklists import overdue_reviews, today_worklists
    from hjdesk.ui.pages.clinic_sessions import load_sessions

    return {
        "today_worklists": lambda v: today_worklists(v, kept=False),
        "today_worklists_kept": lambda v: today_worklists(v),
        "caseload": lambda v: patients.caseload(v),
        "search": lambda v: patients.search(v, "a"),
        "overdue_reviews": lambda v: overdue_reviews(v),
        "plans_list": lambda v: care_plans.plans_list(v),
        "acct_open_cases": lambda v: open_cases(v),
        "acct_input_due": lambda v: input_due(v),
        "acct_audit_report": lambda v: audit_report(v),
        "sync_status": lambda v: sync_status(v),
        "pdf:overdue": lambda v: _report(v, "overdue"),
        "clinic_sessions": lambda v: load_sessions(v, date.today()),
        "pdf:month-outcomes": lambda v: _report(
            v, "session-outcomes", month=date.today().replace(day=1)
        ),
        "pdf:acct-audit": lambda v: _report(v, "acct-audit"),
    }


# Readers that need something of the patient's to read (`_each` asserts there is something).
_NEED_RECORDS = ("encounter_history", "plan_view")


def _crashes(vault: OpenVault, patient_id: str, *, empty: bool = False) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, read in _patient_readers().items():
        if empty and name in _NEED_RECORDS:
            continue
        try:
            read(vault, patient_id)
        except Exception as error:
            found[name] = _where(error)
    for name, read_all in _everyone_readers().items():
        try:
            read_all(vault)
        except Exception as error:
            found[name] = _where(error)
    return found


def _where(error: Exception) -> str:
    """The error, and the app's frames it came through (innermost last)."""
    frames = [
        f"{Path(f.filename).name}:{f.lineno}"
        for f in traceback.extract_tb(error.__traceback__)
        if "/hjdesk/" in f.filename
    ]
    return f"{type(error).__name__}: {str(error)[:120]} at {' < '.join(reversed(frames[-4:]))}"


def test_every_reader_reads_the_demo_without_hostile_records(nurse: OpenVault) -> None:
    """The baseline: every reader runs on the demo as the services wrote it."""
    assert _crashes(nurse, _patient(nurse)) == {}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_record_that_passes_the_rules_stops_no_reader(
    nurse: OpenVault, name: str
) -> None:
    patient_id = _patient(nurse)
    stored = store_as_pulled(nurse, HOSTILE[name], patient_id)
    assert _crashes(nurse, patient_id) == {}
    if HOSTILE[name].kind == "patient":  # and that person's own record, empty as it is
        assert _crashes(nurse, stored["id"], empty=True) == {}


@pytest.mark.parametrize("name", sorted(NOT_STORABLE))
def test_a_number_no_column_holds_is_set_aside_and_the_pull_goes_on(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    hostile, why = NOT_STORABLE[name]
    patient_id = _patient(nurse)
    changes: list[Change] = []
    payload = _payloads(nurse, hostile, patient_id, changes, check=False)
    assert payloads.problem(hostile.kind, payload["id"], payload) == why
    result = PageResult()
    with remote_session(nurse) as session:
        apply_changes(session, changes, result)
    assert (result.applied, result.quarantined) == (len(changes) - 1, 1)
    with nurse.session() as session:
        kept = session.scalars(select(SyncQuarantine)).all()
    assert [(k.record_id, k.reason) for k in kept] == [(payload["id"], why)]
    assert _crashes(nurse, patient_id) == {}
    _sync_page_shows(qtbot, nurse, payload["id"])


def _sync_page_shows(qtbot: Any, vault: OpenVault, record_id: str) -> None:
    """The Sync page's data, its list of records set aside, and the record's payload as text."""
    from hjdesk.sync.quarantine import payload_text
    from hjdesk.ui.context import PageContext
    from hjdesk.ui.pages.sync import load_page
    from hjdesk.ui.privacy import PrivacyState
    from hjdesk.ui.sync.quarantine_panel import QuarantinePanel
    from hjdesk.ui.tasks import InlineRunner

    data = load_page(vault)
    (item,) = [q for q in data.set_aside if q.record_id == record_id]
    assert record_id in payload_text(vault, item.id)
    panel = QuarantinePanel(PageContext(runner=InlineRunner(), privacy=PrivacyState(), vault=vault))
    qtbot.addWidget(panel)
    panel.show()
    panel.show_items(data.set_aside, data.dismissed)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_fhir_quantity_of_a_number_no_decimal_is_has_no_value(value: float) -> None:
    """A vault may hold one pulled before the payload rules refused them: it costs that value,
    not the document."""
    assert quantity(value, "°C", "Cel").value is None
    assert score(value).value is None
    assert quantity(37.5, "°C", "Cel").value == Decimal("37.5")


def test_hostile_records_show_as_their_text(nurse: OpenVault) -> None:
    """The readers do not just survive them: each shows what the record holds, as text."""
    from hjdesk.services.encounters import encounter_history, patient_timeline
    from hjdesk.services.worklists import today_worklists

    patient_id = _patient(nurse)
    kind = store_as_pulled(nurse, HOSTILE["encounter-kind-unknown"], patient_id)
    text = store_as_pulled(nurse, HOSTILE["encounter-data-answers-text"], patient_id)
    derived = store_as_pulled(nurse, HOSTILE["encounter-data-derived-odd"], patient_id)
    task = store_as_pulled(nurse, HOSTILE["task-latest"], patient_id)
    early = store_as_pulled(nurse, HOSTILE["task-odd"], patient_id)

    shown = {item.encounter_id: item for item in patient_timeline(nurse, patient_id)}
    assert shown[kind["id"]].kind == "NOT_A_KIND"
    (view,) = encounter_history(nurse, text["id"]).entries
    assert dict(view.data) == {"answers": "x"}
    assert (view.prompts, view.warnings, view.findings) == ((), (), ())
    (view,) = encounter_history(nurse, derived["id"]).entries
    assert dict(view.data) == {"a": [1, {"b": None}]}
    assert (view.prompts, view.warnings, view.findings, view.pathway) == (
        ("5",), ("abc",), ("1", "{}"), "{}",
    )  # fmt: skip
    tasks = {item.source_id: item for item in today_worklists(nurse, kept=False).tasks}
    assert tasks[task["id"]].due == date(9999, 12, 31)
    assert tasks[early["id"]].due == date(1, 1, 1)  # the UTC day: London's clock cannot show it


# -- the screens --------------------------------------------------------------------------------


def _every_tab_and_entry(qtbot: Any, vault: OpenVault, patient_id: str) -> int:
    """Open the patient's record, every tab, and every timeline entry (offscreen); how many
    entries were opened. A crash in any widget raises here (the inline runner raises bugs)."""
    from hjdesk.ui.context import PageContext
    from hjdesk.ui.pages.patient_record import PatientRecordPage
    from hjdesk.ui.privacy import PrivacyState
    from hjdesk.ui.tasks import InlineRunner

    context = PageContext(runner=InlineRunner(), privacy=PrivacyState(), vault=vault)
    page = PatientRecordPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.open_target(patient_id)
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
    page.tabs.setCurrentIndex(0)
    tree = page.timeline.tree
    for row in range(tree.topLevelItemCount()):
        entry = tree.topLevelItem(row)
        assert entry is not None
        tree.setCurrentItem(entry)
        assert page.timeline.detail.toPlainText().strip()
    return tree.topLevelItemCount()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_record_and_today_screens_show_a_hostile_record(
    qtbot: Any, nurse: OpenVault, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hjdesk.ui.context import PageContext
    from hjdesk.ui.pages.acct import AcctPage
    from hjdesk.ui.pages.care_plans import CarePlansPage
    from hjdesk.ui.pages.patients import PatientsPage
    from hjdesk.ui.pages.today import TodayPage
    from hjdesk.ui.privacy import PrivacyState
    from hjdesk.ui.tasks import InlineRunner

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    patient_id = _patient(nurse)
    store_as_pulled(nurse, HOSTILE[name], patient_id)
    assert _every_tab_and_entry(qtbot, nurse, patient_id) > 0
    context = PageContext(runner=InlineRunner(), privacy=PrivacyState(), vault=nurse)
    today = TodayPage(context)
    qtbot.addWidget(today)
    today.show()
    today.refresh()
    assert today.model.rowCount() > 0
    for page_class in (PatientsPage, AcctPage, CarePlansPage):  # everyone's lists
        page = page_class(context)
        qtbot.addWidget(page)
        page.show()
        page.refresh()
