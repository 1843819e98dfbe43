"""The CAREMAP grid of a care plan (domain.md §7): goals (issue, goal, measure, target date,
status) and interventions (action, by whom, how often, by when, status).

Any clinician may add and edit rows; an edit carries the row's `rev` and is refused if someone
else changed it first. A live plan must keep at least one goal and one intervention in play.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hjdesk.clinical.care_plans import GoalStatus, InterventionStatus
from hjdesk.services.actions import check_rev, user_action
from hjdesk.services.care_plans.fields import (
    GOAL_FIELDS,
    INTERVENTION_FIELDS,
    apply_fields,
    open_plan_or_error,
    require_complete_if_live,
    required_text,
)
from hjdesk.services.care_plans.reads import CarePlanView, build_view
from hjdesk.services.common import local_today
from hjdesk.storage.models import CarePlan, CarePlanGoal, CarePlanIntervention
from hjdesk.storage.vault import OpenVault


def _count(session: Session, model: type[CarePlanGoal | CarePlanIntervention], plan_id: str) -> int:
    """Rows already on the plan: the next row goes at the bottom of the grid."""
    found = session.scalar(select(func.count()).select_from(model).where(model.plan_id == plan_id))
    return int(found or 0)


def new_goal(
    plan: CarePlan, position: int, issue: str, goal: str, measure: str, target: date | None
) -> CarePlanGoal:
    return CarePlanGoal(
        plan_id=plan.id,
        patient_id=plan.patient_id,
        position=position,
        issue=issue,
        goal=goal,
        measure=measure,
        target_date=target,
        status=GoalStatus.NOT_STARTED,
    )


def new_intervention(
    plan: CarePlan, position: int, action: str, responsible: str, frequency: str, due: date | None
) -> CarePlanIntervention:
    return CarePlanIntervention(
        plan_id=plan.id,
        patient_id=plan.patient_id,
        position=position,
        action=action,
        responsible=responsible,
        frequency=frequency,
        due=due,
        status=InterventionStatus.PLANNED,
    )


def add_goal(
    vault: OpenVault,
    plan_id: str,
    *,
    issue: str,
    goal: str,
    measure: str = "",
    target_date: date | None = None,
    today: date | None = None,
) -> CarePlanView:
    """Add a CAREMAP row: issue, goal, measure, target date (status starts NOT_STARTED)."""
    with user_action(vault, "add_care_plan_goal") as act:
        act.problems += [
            p for p in (required_text(issue, "issue"), required_text(goal, "goal")) if p
        ]
        act.check()
        plan = open_plan_or_error(act.session, plan_id)
        position = _count(act.session, CarePlanGoal, plan.id)
        row = new_goal(plan, position, issue.strip(), goal.strip(), measure.strip(), target_date)
        act.session.add(row)
        act.session.flush()
        act.audit(patient_id=plan.patient_id, detail={"plan_id": plan.id, "goal_id": row.id})
        return build_view(act.session, plan.id, today or local_today(act.now))


def update_goal(
    vault: OpenVault, goal_id: str, *, base_rev: int, today: date | None = None, **fields: Any
) -> CarePlanView:
    """Edit a goal (issue, goal, measure, target_date, status)."""
    with user_action(vault, "update_care_plan_goal") as act:
        row = act.get(CarePlanGoal, goal_id, "goal")
        plan = open_plan_or_error(act.session, row.plan_id)
        check_rev(row.rev, base_rev, "goal")
        changed = apply_fields(row, fields, GOAL_FIELDS)
        require_complete_if_live(act.session, plan)
        act.audit(
            patient_id=plan.patient_id,
            detail={"plan_id": plan.id, "goal_id": row.id, "fields": changed},
        )
        return build_view(act.session, plan.id, today or local_today(act.now))


def add_intervention(
    vault: OpenVault,
    plan_id: str,
    *,
    action: str,
    responsible: str,
    frequency: str = "",
    due: date | None = None,
    today: date | None = None,
) -> CarePlanView:
    """Add a CAREMAP row: action, by whom (role or person), how often, by when."""
    with user_action(vault, "add_care_plan_intervention") as act:
        for problem in (
            required_text(action, "action"),
            required_text(responsible, "who is responsible"),
        ):
            if problem:
                act.problems.append(problem)
        act.check()
        plan = open_plan_or_error(act.session, plan_id)
        position = _count(act.session, CarePlanIntervention, plan.id)
        row = new_intervention(
            plan, position, action.strip(), responsible.strip(), frequency.strip(), due
        )
        act.session.add(row)
        act.session.flush()
        act.audit(
            patient_id=plan.patient_id, detail={"plan_id": plan.id, "intervention_id": row.id}
        )
        return build_view(act.session, plan.id, today or local_today(act.now))


def update_intervention(
    vault: OpenVault,
    intervention_id: str,
    *,
    base_rev: int,
    today: date | None = None,
    **fields: Any,
) -> CarePlanView:
    """Edit an intervention (action, responsible, frequency, due, status)."""
    with user_action(vault, "update_care_plan_intervention") as act:
        row = act.get(CarePlanIntervention, intervention_id, "intervention")
        plan = open_plan_or_error(act.session, row.plan_id)
        check_rev(row.rev, base_rev, "intervention")
        changed = apply_fields(row, fields, INTERVENTION_FIELDS)
        require_complete_if_live(act.session, plan)
        act.audit(
            patient_id=plan.patient_id,
            detail={"plan_id": plan.id, "intervention_id": row.id, "fields": changed},
        )
        return build_view(act.session, plan.id, today or local_today(act.now))
