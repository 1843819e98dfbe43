"""Care plans (domain.md §7): templates, the CAREMAP grid, edits, reviews and lists.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.care_plans.grid import (
    add_goal,
    add_intervention,
    update_goal,
    update_intervention,
)
from hjdesk.services.care_plans.lists import CarePlanListRow, list_rows, patient_plans, plans_list
from hjdesk.services.care_plans.owners import OwnerChoice, owner_choices
from hjdesk.services.care_plans.plans import (
    activate_plan,
    close_plan,
    create_plan,
    record_review,
    update_plan,
)
from hjdesk.services.care_plans.reads import (
    COMMUNICATION_NEEDS,
    EQUIPMENT,
    SOCIAL_CARE_NEEDS,
    SOCIAL_CARE_REFERRAL,
    CarePlanView,
    DisplayStatus,
    GoalRow,
    InterventionRow,
    ReviewRow,
    build_view,
    display_status,
    latest_plan_id,
    needs_referral,
    plan_view,
)
from hjdesk.services.care_plans.templates import care_process_names

__all__ = [
    "COMMUNICATION_NEEDS",
    "EQUIPMENT",
    "SOCIAL_CARE_NEEDS",
    "SOCIAL_CARE_REFERRAL",
    "CarePlanListRow",
    "CarePlanView",
    "DisplayStatus",
    "GoalRow",
    "InterventionRow",
    "OwnerChoice",
    "ReviewRow",
    "activate_plan",
    "add_goal",
    "add_intervention",
    "build_view",
    "care_process_names",
    "close_plan",
    "create_plan",
    "display_status",
    "latest_plan_id",
    "list_rows",
    "needs_referral",
    "owner_choices",
    "patient_plans",
    "plan_view",
    "plans_list",
    "record_review",
    "update_goal",
    "update_intervention",
    "update_plan",
]
