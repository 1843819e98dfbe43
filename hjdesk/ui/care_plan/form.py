"""The plan's own fields (domain.md §7): title, owner, dates, patient involvement, sharing, and
the parts some plan types need (condition, MH risk-management plan, DNACPR reference, social
care needs and referral).

What the rules make unchangeable is read-only here, not refused later: a closed plan is
read-only throughout; a live plan's review date changes only by recording a review, and its
condition cannot change (services/care_plans/fields.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical.care_plans import CarePlanStatus, CarePlanType
from hjdesk.services.care_plans import (
    SOCIAL_CARE_NEEDS,
    SOCIAL_CARE_REFERRAL,
    CarePlanView,
    OwnerChoice,
)
from hjdesk.ui.care_plan.labels import (
    CONDITIONS,
    DATE_HINT,
    INVOLVEMENT,
    DateTextError,
    date_text,
    parse_date,
)
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.stored_fields import StoredChoice

SOCIAL_TYPES = (CarePlanType.SOCIAL_CARE, CarePlanType.OLDER_PRISONER_FRAILTY)
_SPLIT = re.compile(r"[,;\n]")


class FormProblems(ValueError):
    """What the form cannot turn into values (badly written dates); one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


def data_text(value: Any) -> str:
    """A `data` entry as one line: text as is, a record as `key: value, …`."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _blank_none(text: str) -> str | None:
    return text.strip() or None


class PlanForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompts = QLabel("")
        self.prompts.setWordWrap(True)
        self.prompts.setObjectName("hint")
        # Stored codes read back as stored: one this version does not know is never saved as
        # the first entry (stored_fields.StoredChoice).
        self.condition = StoredChoice("Long-term condition", CONDITIONS.items())
        self.title = self._line("Plan title")
        self.owner = self._combo("Plan owner")
        self.start_date = self._line("Start date", DATE_HINT)
        self.review_due = self._line("Review due", DATE_HINT)
        self.involvement = StoredChoice(
            "Patient involvement", INVOLVEMENT.items(), blank="Not recorded yet"
        )
        self.copy_given = QCheckBox("Cop&y of the plan given to the patient")
        self.copy_given.setAccessibleName("Copy given to the patient")
        self.shared_with = self._line(
            "Shared with", "Services, separated by commas (e.g. GP, ACCT case manager)"
        )
        self.risk_plan = QPlainTextEdit()
        self.risk_plan.setAccessibleName("Risk-management plan")
        self.risk_plan.setTabChangesFocus(True)
        self.risk_plan.setPlaceholderText(
            "Risks, triggers, early warning signs, what helps, crisis contacts"
        )
        self.risk_plan.setMaximumHeight(self.fontMetrics().lineSpacing() * 5)
        self.dnacpr = self._line("DNACPR form reference", "Reference to the signed form only")
        self.needs = self._line("Social care needs", "Needs identified, e.g. help washing")
        self.referral = self._line(
            "Local authority referral", "Date and authority, e.g. 09/01/2026 to Demoshire"
        )

        rows = FormRows()
        self.rows = rows.layout
        rows.add("Conditio&n:", self.condition)
        rows.add("&Title:", self.title)
        rows.add("&Owner:", self.owner)
        rows.add("Start &date:", self.start_date)
        self.review_note = QLabel("")
        self.review_note.setObjectName("hint")
        review = QHBoxLayout()
        review.addWidget(self.review_due, 1)
        review.addWidget(self.review_note)
        rows.add("Review d&ue:", self.review_due, shown=review)
        rows.add("&Patient involvement:", self.involvement)
        rows.add("", self.copy_given)
        rows.add("Shared &with:", self.shared_with)
        rows.add("Ris&k-management plan:", self.risk_plan)
        rows.add("DNA&CPR form ref.:", self.dnacpr)
        rows.add("Social care &needs:", self.needs)
        rows.add("LA re&ferral:", self.referral)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompts)
        layout.addLayout(self.rows)
        layout.addStretch(1)

    # -- building --------------------------------------------------------------------------
    @staticmethod
    def _line(name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        return edit

    @staticmethod
    def _combo(name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        return combo

    # -- showing a plan ----------------------------------------------------------------------
    def load(self, view: CarePlanView, owners: Sequence[OwnerChoice]) -> None:
        self.prompts.setText("\n".join(view.prompts))
        self.prompts.setVisible(bool(view.prompts))
        kind = CarePlanType(view.plan_type)
        self.owner.clear()
        self.owner.addItem("No owner yet", None)
        for owner in owners:
            self.owner.addItem(f"{owner.display_name} ({owner.role})", owner.staff_id)
        if view.owner_id and self.owner.findData(view.owner_id) < 0:
            # A former owner no longer active: still shown, so the plan reads true.
            self.owner.addItem(view.owner_name or "former owner", view.owner_id)
        self.owner.setCurrentIndex(max(0, self.owner.findData(view.owner_id)))
        self.condition.keep(view.ltc_condition)
        self.title.setText(view.title)
        self.start_date.setText(date_text(view.start_date))
        self.review_due.setText(date_text(view.review_due))
        self.involvement.keep(view.patient_involvement)
        self.copy_given.setChecked(view.copy_given)
        self.shared_with.setText(", ".join(view.shared_with))
        self.risk_plan.setPlainText(view.risk_management_plan or "")
        self.dnacpr.setText(view.dnacpr_form_ref or "")
        self.needs.setText(data_text(view.data.get(SOCIAL_CARE_NEEDS)))
        self.referral.setText(data_text(view.data.get(SOCIAL_CARE_REFERRAL)))
        self._show_rows_for(kind, view)
        self._set_mode(CarePlanStatus(view.status))

    def _show_rows_for(self, kind: CarePlanType, view: CarePlanView) -> None:
        self.rows.setRowVisible(self.condition, kind is CarePlanType.LTC)
        self.rows.setRowVisible(
            self.risk_plan, kind is CarePlanType.MENTAL_HEALTH or bool(view.risk_management_plan)
        )
        self.rows.setRowVisible(
            self.dnacpr, kind is CarePlanType.END_OF_LIFE or bool(view.dnacpr_form_ref)
        )
        social = kind in SOCIAL_TYPES or bool(view.data.get(SOCIAL_CARE_NEEDS))
        self.rows.setRowVisible(self.needs, social)
        self.rows.setRowVisible(self.referral, social)

    def _set_mode(self, status: CarePlanStatus) -> None:
        closed = status is CarePlanStatus.CLOSED
        live = status in (CarePlanStatus.ACTIVE, CarePlanStatus.REVIEW_DUE)
        for edit in (self.title, self.start_date, self.shared_with, self.dnacpr, self.needs):
            edit.setReadOnly(closed)
        self.referral.setReadOnly(closed)
        self.risk_plan.setReadOnly(closed)
        self.review_due.setReadOnly(closed or live)
        note = "(read-only: changes when a review is recorded)" if live else ""
        self.review_note.setText(note)
        self.review_due.setToolTip(note)
        for widget in (self.owner, self.involvement, self.copy_given):
            widget.setEnabled(not closed)
        self.condition.setEnabled(status is CarePlanStatus.DRAFT)

    def clear(self) -> None:
        """Forget the plan shown (after a lock)."""
        self.prompts.clear()
        for edit in (
            self.title,
            self.start_date,
            self.review_due,
            self.shared_with,
            self.dnacpr,
            self.needs,
            self.referral,
        ):
            edit.clear()
        self.risk_plan.clear()
        self.owner.clear()
        self.involvement.setCurrentIndex(0)
        self.copy_given.setChecked(False)

    # -- reading the form --------------------------------------------------------------------
    def _date(self, edit: QLineEdit, label: str, problems: list[str]) -> date | None:
        try:
            return parse_date(edit.text(), label)
        except DateTextError as exc:
            problems.append(str(exc))
            return None

    def changes(self, view: CarePlanView) -> dict[str, Any]:
        """The fields the user changed, as `update_plan` takes them; FormProblems if unreadable."""
        problems: list[str] = []
        start = self._date(self.start_date, "start date", problems)
        review = self._date(self.review_due, "review date", problems)
        if problems:
            raise FormProblems(problems)
        shared = [s.strip() for s in _SPLIT.split(self.shared_with.text()) if s.strip()]
        wanted: dict[str, tuple[Any, Any]] = {
            "title": (self.title.text().strip(), view.title),
            "owner_id": (self.owner.currentData(), view.owner_id),
            "start_date": (start, view.start_date),
            "patient_involvement": (self.involvement.currentData(), view.patient_involvement),
            "copy_given": (self.copy_given.isChecked(), view.copy_given),
            "shared_with": (shared, list(view.shared_with)),
            "risk_management_plan": (
                _blank_none(self.risk_plan.toPlainText()),
                view.risk_management_plan or None,
            ),
            "dnacpr_form_ref": (_blank_none(self.dnacpr.text()), view.dnacpr_form_ref or None),
        }
        if not self.review_due.isReadOnly():
            wanted["review_due"] = (review, view.review_due)
        if self.condition.isEnabled() and view.plan_type == CarePlanType.LTC:
            wanted["ltc_condition"] = (self.condition.currentData(), view.ltc_condition)
        changes = {name: new for name, (new, old) in wanted.items() if new != old}
        data = {}
        for key, edit in ((SOCIAL_CARE_NEEDS, self.needs), (SOCIAL_CARE_REFERRAL, self.referral)):
            if edit.text().strip() != data_text(view.data.get(key)):
                data[key] = _blank_none(edit.text())
        if data:
            changes["data"] = data
        return changes

    # -- drafts ------------------------------------------------------------------------------
    def to_payload(self) -> dict[str, Any]:
        return {
            "title": self.title.text(),
            "owner_id": self.owner.currentData(),
            "start_date": self.start_date.text(),
            "review_due": self.review_due.text(),
            "patient_involvement": self.involvement.currentData(),
            "copy_given": self.copy_given.isChecked(),
            "shared_with": self.shared_with.text(),
            "risk_management_plan": self.risk_plan.toPlainText(),
            "dnacpr_form_ref": self.dnacpr.text(),
            "ltc_condition": self.condition.currentData(),
            "social_care_needs": self.needs.text(),
            "social_care_referral": self.referral.text(),
        }

    def apply_payload(self, payload: Mapping[str, Any]) -> None:
        texts = {
            "title": self.title,
            "start_date": self.start_date,
            "shared_with": self.shared_with,
            "dnacpr_form_ref": self.dnacpr,
            "social_care_needs": self.needs,
            "social_care_referral": self.referral,
        }
        for key, edit in texts.items():
            if isinstance(payload.get(key), str) and not edit.isReadOnly():
                edit.setText(payload[key])
        if isinstance(payload.get("review_due"), str) and not self.review_due.isReadOnly():
            self.review_due.setText(payload["review_due"])
        if isinstance(payload.get("risk_management_plan"), str):
            self.risk_plan.setPlainText(payload["risk_management_plan"])
        for key, combo in (
            ("owner_id", self.owner),
            ("patient_involvement", self.involvement),
            ("ltc_condition", self.condition),
        ):
            found = combo.findData(payload.get(key))
            if found >= 0 and combo.isEnabled():
                combo.setCurrentIndex(found)
        if isinstance(payload.get("copy_given"), bool):
            self.copy_given.setChecked(payload["copy_given"])
