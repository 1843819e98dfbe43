"""Care plan templates: the starting goals and interventions for each plan type (domain.md §7).

The wording lives in `hjdesk/resources/care_plan_templates.json` so a service can change it without
touching code. Targets in the text (HbA1c, blood pressure by age, postural drop) are filled from
`hjdesk.clinical.ltc`, so the numbers a nurse reads are the numbers the rules use.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

from hjdesk.clinical.care_plans import CarePlanType
from hjdesk.clinical.ltc import (
    HBA1C_INTENSIFY_AT,
    HBA1C_TARGET_HYPO_RISK,
    HBA1C_TARGET_STANDARD,
    POSTURAL_DROP_REVIEW_AT,
    BpSetting,
    DiabetesCareProcess,
    LtcCondition,
    bp_target,
)

TEMPLATE_FILE = "care_plan_templates.json"


@dataclass(frozen=True, slots=True)
class GoalTemplate:
    issue: str
    goal: str
    measure: str
    target_date: date | None


@dataclass(frozen=True, slots=True)
class InterventionTemplate:
    action: str
    responsible: str
    frequency: str
    due: date | None


@dataclass(frozen=True, slots=True)
class PlanTemplate:
    key: str
    title: str
    goals: tuple[GoalTemplate, ...]
    interventions: tuple[InterventionTemplate, ...]
    prompts: tuple[str, ...]


@functools.cache
def _document() -> dict[str, Any]:
    text = resources.files("hjdesk.resources").joinpath(TEMPLATE_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def template_key(plan_type: CarePlanType, ltc_condition: str | None) -> str:
    """`LTC:DIABETES` for a long-term condition plan, otherwise the plan type."""
    if CarePlanType(plan_type) is CarePlanType.LTC:
        if ltc_condition is None:
            raise ValueError("An LTC template needs a condition")
        return f"LTC:{LtcCondition(ltc_condition).value}"
    return CarePlanType(plan_type).value


def template_keys() -> tuple[str, ...]:
    """Every plan type (and every LTC condition) a template must exist for."""
    keys = [f"LTC:{c.value}" for c in LtcCondition]
    keys += [t.value for t in CarePlanType if t is not CarePlanType.LTC]
    return tuple(keys)


def care_process_names() -> dict[DiabetesCareProcess, str]:
    names: dict[str, str] = _document()["care_process_names"]
    return {process: names[process.value] for process in DiabetesCareProcess}


def _context(age: int) -> dict[str, str]:
    clinic = bp_target(age, BpSetting.CLINIC)
    home = bp_target(age, BpSetting.HOME)
    return {
        "age": str(age),
        "hba1c_target_standard": str(HBA1C_TARGET_STANDARD),
        "hba1c_target_hypo": str(HBA1C_TARGET_HYPO_RISK),
        "hba1c_intensify_at": str(HBA1C_INTENSIFY_AT),
        "care_processes": ", ".join(care_process_names().values()),
        "bp_clinic": f"{clinic.systolic_below}/{clinic.diastolic_below}",
        "bp_home": f"{home.systolic_below}/{home.diastolic_below}",
        "postural_drop": str(POSTURAL_DROP_REVIEW_AT),
    }


def _offset(start: date, days: int | None) -> date | None:
    return None if days is None else start + timedelta(days=days)


def plan_template(
    plan_type: CarePlanType, ltc_condition: str | None, *, age: int, start: date
) -> PlanTemplate:
    """The filled template; raises KeyError naming a placeholder the file uses but we lack."""
    key = template_key(plan_type, ltc_condition)
    raw = _document()["templates"][key]
    context = _context(age)

    def fill(text: str) -> str:
        return text.format_map(context)

    goals = tuple(
        GoalTemplate(
            fill(g["issue"]),
            fill(g["goal"]),
            fill(g.get("measure", "")),
            _offset(start, g.get("target_in_days")),
        )
        for g in raw["goals"]
    )
    interventions = tuple(
        InterventionTemplate(
            fill(i["action"]),
            fill(i["responsible"]),
            fill(i.get("frequency", "")),
            _offset(start, i.get("due_in_days")),
        )
        for i in raw["interventions"]
    )
    prompts = tuple(fill(p) for p in raw.get("prompts", ()))
    return PlanTemplate(key, raw["title"], goals, interventions, prompts)


def prompts_for(plan_type: CarePlanType, ltc_condition: str | None) -> tuple[str, ...]:
    """What the form reminds the clinician to write (e.g. the MH risk-management plan)."""
    try:
        key = template_key(plan_type, ltc_condition)
    except ValueError:
        return ()
    raw: list[str] = _document()["templates"].get(key, {}).get("prompts", [])
    return tuple(raw)


def default_title(plan_type: CarePlanType, ltc_condition: str | None) -> str:
    try:
        key = template_key(plan_type, ltc_condition)
    except ValueError:
        return "Long-term condition care plan"
    title: str = _document()["templates"][key]["title"]
    return title
