"""Checking care plan edits: each editable field with its type and message, the plan's revision,
its owner, and that a live plan stays complete.

Every problem in one edit is reported in one message, so a nurse fixes the form once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical.care_plans import (
    CarePlanStatus,
    CarePlanType,
    GoalStatus,
    InterventionStatus,
    PatientInvolvement,
)
from hjdesk.clinical.ltc import LtcCondition
from hjdesk.services.care_plans.reads import live_goal_count, live_intervention_count, plan_problems
from hjdesk.services.common import dumps, get_or_error, loads
from hjdesk.services.permissions import REGISTERED_CLINICIANS
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Base, CarePlan, CarePlanGoal, CarePlanIntervention, Staff

Converter = Callable[[Any], Any]


def required_text(value: object, label: str) -> str | None:
    """The problem with a required text field, or None."""
    if not isinstance(value, str) or not value.strip():
        return f"The {label} cannot be blank."
    return None


def _required(label: str) -> Converter:
    def convert(value: Any) -> str:
        problem = required_text(value, label)
        if problem:
            raise ValueError(problem)
        return str(value).strip()

    return convert


def _optional_text(label: str) -> Converter:
    def convert(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError(f"The {label} must be text.")
        return value.strip() or None

    return convert


def _text(label: str) -> Converter:
    def convert(value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError(f"The {label} must be text.")
        return value.strip()

    return convert


def _date(label: str) -> Converter:
    def convert(value: Any) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValueError(f"The {label} must be a date.")
        return value

    return convert


def _flag(label: str) -> Converter:
    def convert(value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"Say yes or no for {label}.")
        return value

    return convert


def _choice(kind: type[enum.StrEnum], label: str, *, optional: bool = False) -> Converter:
    def convert(value: Any) -> str | None:
        if value is None and optional:
            return None
        try:
            return kind(str(value).strip().upper())
        except ValueError:
            choices = ", ".join(m.value for m in kind)
            raise ValueError(f"Unknown {label} {value!r}: choose {choices}.") from None

    return convert


def _names(value: Any) -> list[str]:
    if isinstance(value, str) or not all(isinstance(v, str) for v in value or ()):
        raise ValueError("List the services the plan is shared with, one per entry.")
    return [v.strip() for v in value if v.strip()]


PLAN_FIELDS: dict[str, Converter] = {
    "title": _required("title"),
    "owner_id": _optional_text("owner"),
    "start_date": _date("start date"),
    "review_due": _date("review date"),
    "patient_involvement": _choice(PatientInvolvement, "patient involvement", optional=True),
    "copy_given": _flag("copy given to the patient"),
    "shared_with": _names,
    "risk_management_plan": _optional_text("risk-management plan"),
    "dnacpr_form_ref": _optional_text("DNACPR form reference"),
    "ltc_condition": _choice(LtcCondition, "long-term condition", optional=True),
}
GOAL_FIELDS: dict[str, Converter] = {
    "issue": _required("issue"),
    "goal": _required("goal"),
    "measure": _text("measure"),
    "target_date": _date("target date"),
    "status": _choice(GoalStatus, "goal status"),
}
INTERVENTION_FIELDS: dict[str, Converter] = {
    "action": _required("action"),
    "responsible": _required("person or role responsible"),
    "frequency": _text("frequency"),
    "due": _date("due date"),
    "status": _choice(InterventionStatus, "intervention status"),
}


def convert_fields(fields: Mapping[str, Any], spec: Mapping[str, Converter]) -> dict[str, Any]:
    """Every field checked; all problems raised together as one InvalidInput."""
    unknown = sorted(set(fields) - set(spec))
    if unknown:
        raise InvalidInput(f"These fields cannot be edited here: {', '.join(unknown)}.")
    converted: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in fields.items():
        try:
            converted[name] = spec[name](value)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise InvalidInput(" ".join(problems))
    return converted


def apply_fields(row: Base, fields: Mapping[str, Any], spec: Mapping[str, Converter]) -> list[str]:
    """Set the changed fields on `row`; returns their names (no change → no new revision)."""
    changed: list[str] = []
    for name, value in convert_fields(fields, spec).items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return sorted(changed)


def _merged_data(plan: CarePlan, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput("The plan's details must be a set of named values.")
    data = dict(plan.data or {})
    for key, item in value.items():
        if item is None:
            data.pop(str(key), None)
        else:
            data[str(key)] = item
    try:
        return dict(loads(dumps(data)))  # as it reads back; refused here if it cannot be stored
    except TypeError as exc:
        raise InvalidInput(f"The plan's details cannot be stored: {exc}.") from None


def plan_field_changes(plan: CarePlan, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The plan columns this edit changes, checked against the plan's type and status."""
    data = fields.get("data")
    converted = convert_fields({k: v for k, v in fields.items() if k != "data"}, PLAN_FIELDS)
    if "data" in fields:
        converted["data"] = _merged_data(plan, data)
    live = plan.status in (CarePlanStatus.ACTIVE, CarePlanStatus.REVIEW_DUE)
    changes = {k: v for k, v in converted.items() if getattr(plan, k) != v}
    problems: list[str] = []
    if live and "review_due" in changes:
        problems.append("The review date of an active plan changes by recording a review.")
    if "ltc_condition" in changes:
        if plan.plan_type != CarePlanType.LTC:
            problems.append("Only a long-term condition plan names a condition.")
        elif live:
            problems.append("The condition of an active plan cannot change; write a new plan.")
    if problems:
        raise InvalidInput(" ".join(problems))
    return changes


def owner_or_error(session: Session, owner_id: str) -> str:
    owner = session.get(Staff, owner_id)
    if owner is None or not owner.active:
        raise InvalidInput("The plan's owner is not an active member of staff.")
    if owner.role not in REGISTERED_CLINICIANS:
        raise InvalidInput("The plan's owner must be a registered clinician (not an HCA).")
    return owner.id


def open_plan_or_error(session: Session, plan_id: str) -> CarePlan:
    plan = get_or_error(session, CarePlan, plan_id, "care plan")
    if plan.status == CarePlanStatus.CLOSED:
        raise InvalidInput("This care plan is closed and cannot change; write a new plan instead.")
    return plan


def require_complete_if_live(session: Session, plan: CarePlan) -> None:
    """An active plan must keep meeting the activation rules after any edit."""
    if plan.status not in (CarePlanStatus.ACTIVE, CarePlanStatus.REVIEW_DUE):
        return
    session.flush()
    goals = list(session.scalars(select(CarePlanGoal).where(CarePlanGoal.plan_id == plan.id)))
    items = list(
        session.scalars(select(CarePlanIntervention).where(CarePlanIntervention.plan_id == plan.id))
    )
    owner = session.get(Staff, plan.owner_id) if plan.owner_id else None
    problems = plan_problems(plan, live_goal_count(goals), live_intervention_count(items), owner)
    if problems:
        raise InvalidInput(
            "This change would leave the active care plan incomplete:\n- " + "\n- ".join(problems)
        )
