"""The printed outputs (domain.md §10), by the name the command line and the Reports page use,
with the parameters each one needs.

This module imports nothing heavy (no ReportLab), so `hjdesk --help` and the Reports page's list
of kinds cost nothing; the documents themselves are built in `hjdesk.reports.build`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from hjdesk.storage.errors import InvalidInput


class Need(enum.Enum):
    NO = "no"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True, slots=True)
class ReportKind:
    name: str
    label: str
    about: str
    patient: Need = Need.NO
    session: Need = Need.NO
    wing: Need = Need.NO
    month: Need = Need.NO
    for_prison_staff: bool = False  # no clinical detail at all

    @property
    def about_patient(self) -> bool:
        return self.patient is not Need.NO


_KINDS = (
    ReportKind(
        "clinic-list",
        "Wing clinic list",
        "one session's list: location, name, reason, alerts, blank outcome column",
        session=Need.REQUIRED,
    ),
    ReportKind(
        "unlock-list",
        "Officer unlock list",
        "names, prison numbers and locations only, for the unlocking officer",
        session=Need.REQUIRED,
        for_prison_staff=True,
    ),
    ReportKind(
        "session-outcomes",
        "Session outcomes and exceptions",
        "one session's outcomes, or a whole month's (all wings or one): non-attendance by "
        "attribution, prison-driven non-attendance per wing and week, rebook list",
        session=Need.OPTIONAL,
        wing=Need.OPTIONAL,
        month=Need.OPTIONAL,
    ),
    ReportKind(
        "acct-contribution",
        "ACCT health contribution sheet",
        "health input to the patient's latest ACCT event, for the case manager, signed",
        patient=Need.REQUIRED,
    ),
    ReportKind(
        "acct-audit",
        "ACCT health-input audit",
        "flags, and % of case reviews and closures without health input per month",
        wing=Need.OPTIONAL,
        month=Need.OPTIONAL,
    ),
    ReportKind(
        "care-plan",
        "Care plan (staff copy)",
        "the patient's latest care plan with its goals, interventions and review record",
        patient=Need.REQUIRED,
    ),
    ReportKind(
        "care-plan-patient",
        "Care plan (patient copy)",
        "the same plan in plain language, for the patient to keep",
        patient=Need.REQUIRED,
    ),
    ReportKind(
        "overdue",
        "Overdue reviews",
        "care plans, LTC reviews, second-stage and older-prisoner reviews due, for the "
        "establishment or one wing",
        wing=Need.OPTIONAL,
    ),
    ReportKind(
        "transfer-summary",
        "Transfer/release health summary",
        "identifiers, allergies, conditions, medicines, supply, mental health, ACCT, "
        "appointments, screening, frailty, adjustments, end of life, RECONNECT; works offline",
        patient=Need.REQUIRED,
    ),
    ReportKind(
        "medicines-on-release",
        "Medicines-on-release checklist",
        "each current medicine, critical ones marked, supply and checks to tick",
        patient=Need.REQUIRED,
    ),
    ReportKind(
        "questionnaires",
        "Questionnaire result sheet",
        "the patient's latest questionnaires item by item, and earlier results",
        patient=Need.REQUIRED,
    ),
    ReportKind(
        "news2",
        "NEWS2 observation record",
        "every NEWS2 observation set with its scores and escalations, as a table",
        patient=Need.REQUIRED,
    ),
)

KINDS: dict[str, ReportKind] = {k.name: k for k in _KINDS}


def kind_named(name: str) -> ReportKind:
    found = KINDS.get(name.strip().lower())
    if found is None:
        raise InvalidInput(f"Unknown report {name!r}: choose one of {', '.join(KINDS)}.")
    return found


def parse_month(text: str) -> date:
    """`2026-11` → 1 November 2026."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2026-11.") from None


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """What to print. `plan_id` / `event_id` pick one item; without them the patient's latest
    item of the kind is printed."""

    kind: str
    patient_id: str | None = None
    session_id: str | None = None
    plan_id: str | None = None
    event_id: str | None = None
    wing: str | None = None
    month: date | None = None
    establishment: str | None = None

    def check(self) -> ReportKind:
        """The kind, once every parameter it needs is given; otherwise a plain message."""
        kind = kind_named(self.kind)
        has_item = self.plan_id is not None or self.event_id is not None
        if kind.patient is Need.REQUIRED and self.patient_id is None and not has_item:
            raise InvalidInput(f"The {kind.label.lower()} is about one patient: choose them.")
        if kind.session is Need.REQUIRED and self.session_id is None:
            raise InvalidInput(f"The {kind.label.lower()} is for one clinic session: choose it.")
        for need, value, what in (
            (kind.patient, self.patient_id, "a patient"),
            (kind.session, self.session_id, "a session"),
            (kind.wing, self.wing, "a wing"),
            (kind.month, self.month, "a month"),
        ):
            if need is Need.NO and value is not None:
                raise InvalidInput(f"The {kind.label.lower()} does not take {what}.")
        return kind
