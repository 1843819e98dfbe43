"""Words for the care-plan codes the services use, and the one date format the forms accept.

The services speak in codes (`LTC`, `REVIEW_DUE`, `DECLINED_TO_SIGN`); staff read words. Keeping
every label here means the list, the editor and the dialogs say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hjdesk.clinical.care_plans import (
    CarePlanType,
    ClosedReason,
    GoalStatus,
    InterventionStatus,
    PatientInvolvement,
)
from hjdesk.clinical.ltc import LtcCondition
from hjdesk.services.care_plans import CarePlanView, DisplayStatus

PLAN_TYPES: dict[str, str] = {
    CarePlanType.LTC: "Long-term condition",
    CarePlanType.OLDER_PRISONER_FRAILTY: "Older prisoner / frailty",
    CarePlanType.SOCIAL_CARE: "Social care",
    CarePlanType.MENTAL_HEALTH: "Mental health",
    CarePlanType.END_OF_LIFE: "End of life",
    CarePlanType.NEURODIVERSITY_ADJUSTMENTS: "Neurodiversity adjustments",
    CarePlanType.SMOKING: "Stop smoking",
}
CONDITIONS: dict[str, str] = {
    LtcCondition.DIABETES: "Diabetes",
    LtcCondition.HYPERTENSION: "Hypertension",
    LtcCondition.ASTHMA: "Asthma",
    LtcCondition.COPD: "COPD",
    LtcCondition.EPILEPSY: "Epilepsy",
}
STATUSES: dict[str, str] = {
    DisplayStatus.DRAFT: "Draft",
    DisplayStatus.ACTIVE: "Active",
    DisplayStatus.REVIEW_DUE: "Review due",
    DisplayStatus.OVERDUE: "Review overdue",
    DisplayStatus.CLOSED: "Closed",
}
INVOLVEMENT: dict[str, str] = {
    PatientInvolvement.AGREED: "Agreed the plan",
    PatientInvolvement.DECLINED_TO_SIGN: "Declined to sign",
    PatientInvolvement.UNABLE: "Unable to take part",
}
CLOSED_REASONS: dict[str, str] = {
    ClosedReason.GOALS_MET: "Goals met",
    ClosedReason.TRANSFERRED: "Transferred",
    ClosedReason.RELEASED: "Released",
    ClosedReason.DECLINED_BY_PATIENT: "Declined by the patient",
    ClosedReason.SUPERSEDED: "Superseded by a new plan",
    ClosedReason.DECEASED: "Deceased",
}
GOAL_STATUSES: dict[str, str] = {
    GoalStatus.NOT_STARTED: "Not started",
    GoalStatus.IN_PROGRESS: "In progress",
    GoalStatus.ACHIEVED: "Achieved",
    GoalStatus.PARTLY_ACHIEVED: "Partly achieved",
    GoalStatus.NOT_ACHIEVED: "Not achieved",
    GoalStatus.DISCONTINUED: "Discontinued",
}
INTERVENTION_STATUSES: dict[str, str] = {
    InterventionStatus.PLANNED: "Planned",
    InterventionStatus.IN_PROGRESS: "In progress",
    InterventionStatus.DONE: "Done",
    InterventionStatus.STOPPED: "Stopped",
}


def plan_type_text(plan_type: str, condition: str | None) -> str:
    """`Long-term condition: Diabetes`, `Mental health`…"""
    name = PLAN_TYPES.get(plan_type, plan_type)
    if condition:
        return f"{name}: {CONDITIONS.get(condition, condition)}"
    return name


def status_words(view: CarePlanView) -> tuple[str, str | None]:
    """What the status line says, and its severity colour."""
    shown = view.display_status
    if view.overdue:
        days = "1 day" if view.days_overdue == 1 else f"{view.days_overdue} days"
        return f"Review OVERDUE by {days} (due {date_text(view.review_due)})", "RED"
    if shown is DisplayStatus.REVIEW_DUE:
        return f"Review due {date_text(view.review_due)}", "AMBER"
    if shown is DisplayStatus.CLOSED:
        reason = CLOSED_REASONS.get(view.closed_reason or "", view.closed_reason or "")
        return f"Closed {date_text(view.closed_on)}: {reason}", "GREY"
    if shown is DisplayStatus.ACTIVE:
        return f"Active; review due {date_text(view.review_due)}", "GREEN"
    return STATUSES.get(shown, shown), None


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    """One entry of the "new plan" list: a plan type and, for LTC plans, the condition."""

    label: str
    plan_type: str
    condition: str | None


def template_choices() -> tuple[TemplateChoice, ...]:
    """Every template, long-term conditions first (the commonest plans on a wing)."""
    ltc = [
        TemplateChoice(f"Long-term condition: {name}", CarePlanType.LTC.value, code)
        for code, name in CONDITIONS.items()
    ]
    others = [
        TemplateChoice(name, code, None)
        for code, name in PLAN_TYPES.items()
        if code != CarePlanType.LTC
    ]
    return (*ltc, *others)


# -- dates -----------------------------------------------------------------------------------

DATE_HINT = "DD/MM/YYYY"
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


class DateTextError(ValueError):
    """Text that is not a date; the message says how to write one."""


def parse_date(text: str, label: str) -> date | None:
    """`12/03/2025` (or `2025-03-12`) → a date; blank → None; anything else → DateTextError."""
    if not text.strip():
        return None
    found = _DMY.match(text)
    if found:
        day, month, year = (int(g) for g in found.groups())
    else:
        iso = _ISO.match(text)
        if not iso:
            raise DateTextError(f"Write the {label} as {DATE_HINT}, e.g. 09/01/2026.")
        year, month, day = (int(g) for g in iso.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise DateTextError(f"The {label} {text.strip()!r} is not a real date.") from None


def date_text(value: date | None) -> str:
    """`09/01/2026`; the year always in four digits (`strftime` writes year 1 as `1`, which
    `parse_date` would refuse in a field it filled in itself)."""
    return "" if value is None else f"{value:%d/%m}/{value.year:04d}"
