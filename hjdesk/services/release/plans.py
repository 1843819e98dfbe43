"""Transfer and release plans (domain.md §9): save a plan, and list people whose planning is due.

What a plan still lacks (clinical.release.release_plan_problems) comes back as warnings, never a
refusal: a short-notice move must be recordable with whatever is known. Edits carry the `rev`
they started from; a stale edit is refused so nobody's changes are silently lost.

Decisions (ours, where domain.md is silent):
- Plan status: OPEN while planning, DONE once the move has happened, CANCELLED if it will not.
- `release_plans_due` lists people on the roll whose planning should have started (1 calendar
  month before the date, NG57): from an open plan's expected date, or, with no open plan, from
  the roll's expected release date. Dates already passed stay listed (they are still here).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Required, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical.release import (
    DEFAULT_RELEASE_POLICY,
    GpRegistrationStatus,
    MovementType,
    ReconnectStatus,
    ReleasePlanInput,
    ReleasePolicy,
    medicine_supply_ok,
    reconnect_window_open,
    release_plan_problems,
    release_planning_should_start,
)
from hjdesk.services.actions import check_rev, user_action
from hjdesk.services.common import get_or_error, local_today
from hjdesk.services.labels import PatientLabel, roll_labels
from hjdesk.services.permissions import require
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Patient, ReleasePlan
from hjdesk.storage.vault import OpenVault


class ReleasePlanStatus(enum.StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class ReleasePlanView:
    id: str
    rev: int
    patient_id: str
    movement_type: str
    expected_date: date | None
    destination: str
    no_fixed_abode: bool
    community_gp: str
    gp_registration: str | None
    reconnect_status: str | None
    days_of_medicine_supplied: int | None
    fp10_given: bool
    per_done: bool
    notes: str
    status: str
    problems: tuple[str, ...]  # what is still missing (warnings, not refusals)
    supply_ok: bool | None  # None until a supply or an FP10 is recorded
    reconnect_window_open: bool

    @property
    def status_known(self) -> bool:
        """False for a status a newer HJDesk wrote: shown as stored, marked as unknown here."""
        return status_known(self.status)


def _plan_input(plan: ReleasePlan, supplied: int | None) -> ReleasePlanInput:
    # The clinical rule's input is a subset of the stored plan, by the same names.
    given = {f.name: getattr(plan, f.name) for f in fields(ReleasePlanInput)}
    return ReleasePlanInput(**{**given, "days_of_medicine_supplied": supplied})


def _supply_problems(plan: ReleasePlan) -> tuple[int | None, list[str]]:
    """The days supplied the rule can read, and what is wrong with a count no service writes
    (fewer than none: only a record pulled from a device in hostile hands holds one, and the
    rule would refuse it with a ValueError that stopped the summary): not recorded, and said."""
    supplied = plan.days_of_medicine_supplied
    if supplied is None or supplied >= 0:
        return supplied, []
    return None, [f"The days of medicine supplied read {supplied}: record the supply again."]


def plan_view_of(
    plan: ReleasePlan, today: date, policy: ReleasePolicy = DEFAULT_RELEASE_POLICY
) -> ReleasePlanView:
    """The plan as a plain value, with its outstanding items worked out by the clinical rule."""
    supplied, odd = _supply_problems(plan)
    recorded = supplied is not None or plan.fp10_given
    return ReleasePlanView(
        id=plan.id,
        rev=plan.rev,
        patient_id=plan.patient_id,
        # The form's fields, as stored: one list of names (ReleasePlanForm) for the form, the
        # save and the view.
        **{name: getattr(plan, name) for name in FORM_FIELDS},
        problems=tuple(odd + release_plan_problems(_plan_input(plan, supplied), policy)),
        supply_ok=medicine_supply_ok(supplied or 0, plan.fp10_given, policy) if recorded else None,
        reconnect_window_open=(
            plan.expected_date is not None
            and reconnect_window_open(plan.expected_date, today, policy)
        ),
    )


def _choice(kind: type[enum.StrEnum], value: str | None, label: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    try:
        return kind(str(value).strip().upper()).value
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise ValueError(f"Unknown {label} {value!r}: choose {choices}.") from None


def _checked(
    movement_type: str,
    gp_registration: str | None,
    reconnect_status: str | None,
    status: str,
    days: int | None,
) -> tuple[str, str | None, str | None, str]:
    """The coded fields, upper-cased and checked; every problem in one message."""
    coded = (
        (MovementType, movement_type, "type of move"),
        (GpRegistrationStatus, gp_registration, "GP registration status"),
        (ReconnectStatus, reconnect_status, "RECONNECT status"),
        (ReleasePlanStatus, status, "plan status"),
    )
    values: list[str | None] = []
    problems: list[str] = []
    for kind, value, label in coded:
        try:
            values.append(_choice(kind, value, label))
        except ValueError as exc:
            values.append(None)
            problems.append(str(exc))
    movement, gp, reconnect, plan_status = values
    if not str(movement_type or "").strip():
        problems.insert(0, "Choose the type of move.")
    if days is not None and (isinstance(days, bool) or days < 0):
        problems.append("Days of medicine supplied must be 0 or more.")
    if problems:
        raise InvalidInput(" ".join(problems))
    return str(movement), gp, reconnect, plan_status or ReleasePlanStatus.OPEN.value


class ReleasePlanForm(TypedDict, total=False):
    """What the release-plan form holds; the type of move and the expected date are required."""

    movement_type: Required[str]
    expected_date: Required[date | None]
    destination: str
    no_fixed_abode: bool
    community_gp: str
    gp_registration: str | None
    reconnect_status: str | None
    days_of_medicine_supplied: int | None
    fp10_given: bool
    per_done: bool
    notes: str
    status: str


FORM_FIELDS: tuple[str, ...] = tuple(ReleasePlanForm.__annotations__)
# What a field left out of the form means (the coded ones are worked out by _checked).
_FORM_DEFAULTS: dict[str, object] = {
    "destination": "",
    "no_fixed_abode": False,
    "community_gp": "",
    "fp10_given": False,
    "per_done": False,
    "notes": "",
}


def save_release_plan(
    vault: OpenVault,
    patient_id: str,
    *,
    plan_id: str | None = None,
    base_rev: int | None = None,
    today: date | None = None,
    **form: Unpack[ReleasePlanForm],
) -> ReleasePlanView:
    """Create (no plan_id) or edit (plan_id + base_rev) a plan; `problems` lists what is missing."""
    with user_action(vault, "save_release_plan") as act:
        days = form.get("days_of_medicine_supplied")
        movement, gp, reconnect, plan_status = _checked(
            form["movement_type"],
            form.get("gp_registration"),
            form.get("reconnect_status"),
            form.get("status", ReleasePlanStatus.OPEN),
            days,
        )
        patient = act.get(Patient, patient_id, "patient")
        plan = _plan_to_edit(act.session, patient.id, plan_id, base_rev)
        values: dict[str, object] = {
            **{name: form.get(name, _FORM_DEFAULTS.get(name)) for name in FORM_FIELDS},
            "movement_type": movement,
            "expected_date": form["expected_date"],
            "gp_registration": gp,
            "reconnect_status": reconnect,
            "status": plan_status,
        }
        for name in ("destination", "community_gp", "notes"):
            values[name] = str(values[name]).strip()
        for name, value in values.items():
            # Only changed columns are set, so saving an unchanged form makes no new revision.
            if getattr(plan, name) != value:
                setattr(plan, name, value)
        act.session.flush()
        view = plan_view_of(plan, today or local_today(act.now))
        act.audit(
            patient_id=patient.id,
            detail={
                "plan_id": plan.id,
                "movement_type": movement,
                "new": plan_id is None,
                "outstanding": len(view.problems),
            },
        )
    return view


def _plan_to_edit(
    session: Session, patient_id: str, plan_id: str | None, base_rev: int | None
) -> ReleasePlan:
    if plan_id is None:
        plan = ReleasePlan(patient_id=patient_id)
        session.add(plan)
        return plan
    plan = get_or_error(session, ReleasePlan, plan_id, "release plan")
    if plan.patient_id != patient_id:
        raise InvalidInput("That release plan belongs to another patient.")
    if base_rev is None:
        raise InvalidInput("Reload the release plan before changing it.")
    check_rev(plan.rev, base_rev, "release plan")
    return plan


# Plans that are over: every other status counts as live. A status a newer HJDesk wrote (say
# "ON_HOLD") is shown as stored, not hidden: hidden, the transfer summary said "no plan" and the
# tab invited a second plan for the same move.
ENDED = (ReleasePlanStatus.DONE, ReleasePlanStatus.CANCELLED)
_KNOWN = frozenset(s.value for s in ReleasePlanStatus)
_LIVE = ReleasePlan.status.not_in(ENDED)


# How a summary names a status this version does not know, on screen and on paper alike.
UNKNOWN_STATUS = (
    "‘{status}’ — not known to this version of HJDesk (a newer laptop wrote it): check the plan "
    "on an up-to-date laptop"
)


def status_known(status: str) -> bool:
    """Whether this version knows a plan's status (one a newer version wrote is shown as such)."""
    return status in _KNOWN


def _current_first(plan: ReleasePlan) -> tuple[bool, date, datetime]:
    """Open plans before plans of a status this version does not know, then the soonest
    expected date (undated plans last)."""
    return plan.status != ReleasePlanStatus.OPEN, plan.expected_date or date.max, plan.updated_at


def current_release_plan(session: Session, patient_id: str) -> ReleasePlan | None:
    """The live plan: open first, then the soonest expected date (undated plans last)."""
    plans = session.scalars(select(ReleasePlan).where(ReleasePlan.patient_id == patient_id, _LIVE))
    return min(plans, key=_current_first, default=None)


@dataclass(frozen=True, slots=True)
class ReleaseDueRow:
    patient_id: str
    display_name: str
    prison_number: str
    location: str
    wing: str
    expected_date: date
    movement_type: str
    plan_id: str | None
    outstanding: tuple[str, ...]
    reconnect_window_open: bool
    days_to_go: int  # negative once the date has passed


def release_plans_due(
    vault: OpenVault,
    today: date | None = None,
    *,
    establishment: str | None = None,
    wing: str | None = None,
    policy: ReleasePolicy = DEFAULT_RELEASE_POLICY,
) -> list[ReleaseDueRow]:
    """People whose release planning should have started, soonest first."""
    require(vault.actor, "view_release_planning")
    day = today or local_today()
    with vault.session() as session:
        labels = roll_labels(session, establishment=establishment, wing=wing)
        open_plans: dict[str, ReleasePlan] = {}
        for plan in session.scalars(select(ReleasePlan).where(_LIVE)):
            kept = open_plans.get(plan.patient_id)
            if kept is None or _current_first(plan) < _current_first(kept):
                open_plans[plan.patient_id] = plan
        released = session.execute(
            select(Patient.id, Patient.expected_release_date).where(
                Patient.on_roll.is_(True), Patient.expected_release_date.is_not(None)
            )
        )
        roll_dates = {pid: when for pid, when in released if when is not None}
        rows = [
            row
            for pid, label in labels.items()
            if (row := _due_row(label, open_plans.get(pid), roll_dates.get(pid), day, policy))
        ]
    return sorted(rows, key=lambda r: (r.expected_date, r.display_name))


def _due_row(
    label: PatientLabel,
    plan: ReleasePlan | None,
    roll_date: date | None,
    today: date,
    policy: ReleasePolicy,
) -> ReleaseDueRow | None:
    expected = plan.expected_date if plan is not None and plan.expected_date else roll_date
    if expected is None or not release_planning_should_start(expected, today, policy):
        return None
    if plan is None:
        outstanding: tuple[str, ...] = ("No release plan has been started.",)
        movement = MovementType.RELEASE.value
    else:
        outstanding = plan_view_of(plan, today, policy).problems
        movement = plan.movement_type
    return ReleaseDueRow(
        patient_id=label.id,
        display_name=label.display_name,
        prison_number=label.prison_number,
        location=label.location,
        wing=label.wing,
        expected_date=expected,
        movement_type=movement,
        plan_id=plan.id if plan is not None else None,
        outstanding=outstanding,
        reconnect_window_open=reconnect_window_open(expected, today, policy),
        days_to_go=(expected - today).days,
    )
