"""The permission table (services/permissions.py), written out here as a clinical safety officer
would read it. Changing who may do what means changing this table too, on purpose."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hjdesk.services import permissions
from hjdesk.services.permissions import PERMISSIONS, require
from hjdesk.storage.audit import Actor
from hjdesk.storage.errors import PermissionDenied
from hjdesk.storage.vault import ROLES

# Roles: everyone = all ten; clinical = all but ADMIN; registered = clinical but not HCA.
# Conditions, checked once the record is known: own = an HCA amends only what they signed;
# team = ACCT input is given and corrected for one's own team only; hca = an HCA signs only the
# simple kinds of entry, and no questionnaires.
EXPECTED = """
action                         roles             refusal: "Your role (X) cannot …"        conditions
view_caseload                  everyone          view caseload
view_patient                   everyone          view patient
view_acct                      everyone          view ACCTs
view_acct_audit                everyone          view the ACCT health-input audit
view_care_plans                clinical          view care plans
view_release_planning          clinical          see release planning
view_release_summary           clinical          view the transfer or release summary
export_release_summary         clinical          export the transfer or release summary
view_release_medicines         clinical          view the medicines-on-release checklist
view_reviews_due               clinical          see the reviews due
acct_opened                    everyone          record ACCTs
acct_updated                   everyone          record ACCTs
acct_event_added               everyone          record ACCTs
acct_event_rescheduled         everyone          record ACCTs
acct_event_held                everyone          record ACCTs
acct_closed                    everyone          record ACCTs
acct_reopened                  everyone          record ACCTs
acct_alert_tasks               everyone          record ACCTs
acct_mirror_superseded         everyone          record ACCTs
acct_contribution_added        registered        contribute health input to an ACCT       team
acct_contribution_amended      registered        amend ACCT health input                  own team
caseload_changed               registered        change a team's caseload
create_care_plan               clinical          write care plans
update_care_plan               clinical          write care plans
add_care_plan_goal             clinical          write care plans
update_care_plan_goal          clinical          write care plans
add_care_plan_intervention     clinical          write care plans
update_care_plan_intervention  clinical          write care plans
activate_care_plan             registered        activate care plans
review_care_plan               registered        review care plans
close_care_plan                registered        close care plans
care_plan_review_amended       registered        amend care-plan reviews                  own
clinic_session_created         clinical          plan clinic sessions
appointment_booked             clinical          book clinic appointments
clinic_session_run             clinical          run clinic sessions
appointment_outcome_recorded   clinical          record clinic outcomes
complete_task                  clinical          close clinical tasks
encounter_signed               clinical          sign clinical entries                    hca
encounter_amended              clinical          amend clinical entries                   own
draft_saved                    clinical          keep drafts of clinical forms
screening_recorded             clinical          record screening and immunisations
screening_amended              clinical          amend screening and immunisations        own
save_release_plan              clinical          write release plans
allergy_recorded               registered        record allergies
allergy_ended                  registered        record allergies
medicine_recorded              registered        record medicines
medicine_stopped               registered        record medicines
import_roll                    ADMIN ANP RMN RN  import roll
manage_users                   ADMIN             manage users
setting_changed                everyone          change settings
change_admin_setting           ADMIN             change this setting
"""

GROUPS = {
    frozenset(ROLES): "everyone",
    frozenset(ROLES) - {"ADMIN"}: "clinical",
    frozenset(ROLES) - {"ADMIN", "HCA"}: "registered",
}
# Rows enforced below the services (storage cannot import this table): the table still says it.
ENFORCED_IN_STORAGE = {"manage_users"}
DEFINING_MODULES = {"permissions.py", "actions.py"}


def _rows(text: str) -> list[tuple[str, str, str, str]]:
    rows = []
    for line in text.strip().splitlines()[1:]:
        parts = [p.strip() for p in line.split("  ") if p.strip()]
        name, roles, refusal = parts[:3]
        rows.append((name, roles, refusal, parts[3] if len(parts) > 3 else ""))
    return rows


def _as_row(name: str) -> tuple[str, str, str, str]:
    p = PERMISSIONS[name]
    roles = GROUPS.get(p.roles) or " ".join(sorted(p.roles))
    return name, roles, p.refusal, " ".join(p.conditions)


def test_the_table_reads_as_written_here() -> None:
    expected = _rows(EXPECTED)
    assert [_as_row(name) for name, *_ in expected] == expected
    assert sorted(PERMISSIONS) == sorted(name for name, *_ in expected)


def test_every_role_is_refused_or_let_through_exactly_as_the_table_says() -> None:
    for name, permission in PERMISSIONS.items():
        for role in ROLES:
            actor = Actor(staff_id="s1", username="someone", role=role)
            if role in permission.roles:
                require(actor, name)
            else:
                with pytest.raises(PermissionDenied) as refused:
                    require(actor, name)
                assert refused.value.message == f"Your role ({role}) cannot {permission.refusal}."


def _named_actions() -> dict[str, list[str]]:
    """Every action name the code passes to user_action / require / may / POLICY[...]."""
    found: dict[str, list[str]] = {}
    root = Path(permissions.__file__).parents[1]
    for path in sorted(root.rglob("*.py")):
        if path.name in DEFINING_MODULES and path.parent.name == "services":
            continue  # they pass a caller's name on
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            arg: ast.expr | None = None
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in {"user_action", "require", "may"} and len(node.args) >= 2:
                    arg = node.args[1]
            elif isinstance(node, ast.Subscript) and getattr(node.value, "id", "") in {
                "POLICY",
                "PERMISSIONS",
            }:
                arg = node.slice
            if arg is None:
                continue
            choices = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            for choice in choices:
                where = f"{path.relative_to(root.parent)}:{node.lineno}"
                literal = isinstance(choice, ast.Constant) and isinstance(choice.value, str)
                assert literal, f"{where}: name the action with a literal, so it can be checked"
                assert isinstance(choice, ast.Constant)
                found.setdefault(choice.value, []).append(where)
    return found


def test_every_action_the_code_names_is_in_the_table() -> None:
    named = _named_actions()
    assert "acct_reopened" in named  # the scan does see the services
    missing = {name: where for name, where in named.items() if name not in PERMISSIONS}
    assert missing == {}


def test_every_row_of_the_table_is_used() -> None:
    unused = set(PERMISSIONS) - set(_named_actions()) - ENFORCED_IN_STORAGE
    assert unused == set()


def test_own_entry_rule() -> None:
    hca = Actor(staff_id="hca-1", username="hca", role="HCA")
    permissions.require_own_entry_unless_registered(hca, "hca-1")
    with pytest.raises(PermissionDenied, match=r"^Your role \(HCA\) can amend only entries you"):
        permissions.require_own_entry_unless_registered(hca, "rn-1")
    nurse = Actor(staff_id="rn-1", username="nurse", role="RN")
    permissions.require_own_entry_unless_registered(nurse, "someone-else")


def test_own_team_rule() -> None:
    permissions.require_own_team("MH_IN_REACH", "MH_IN_REACH")
    permissions.require_own_team(None, "MH_IN_REACH")  # staff without a team may correct
    with pytest.raises(PermissionDenied, match=r"another team \(mh in reach\)"):
        permissions.require_own_team("PRIMARY_CARE", "MH_IN_REACH")
