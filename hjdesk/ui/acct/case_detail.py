"""One ACCT: the mirror's details, every event with its health-input status and flags, the
input given to the chosen event, and the form to add more (domain.md §6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical import acct as rules
from hjdesk.services.acct import AcctCaseView, AcctEventView, ContributionView
from hjdesk.services.common import utc_now
from hjdesk.services.patients import PatientRow
from hjdesk.ui.acct.contribution_form import ContributionForm
from hjdesk.ui.acct.labels import (
    CASE_STATUSES,
    CONTRIBUTION_TYPES,
    SEVERITY_COLOUR,
    TEAMS,
    event_label,
    input_text,
    is_review,
    upcoming_within,
    when,
)
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.theme import severity_colour
from hjdesk.ui.widgets.row_table import Column, RowTableModel, row_table, wrap_rows


def event_flags(view: AcctCaseView, event: AcctEventView) -> list[tuple[str, str]]:
    """(text, colour) for each flag or warning on one event."""
    marks: list[tuple[str, str]] = []
    for flag in view.flags:
        if flag.event_id == event.id:
            what = (
                "no health input"
                if flag.code is rules.FlagCode.ACCT_NO_HEALTH_INPUT
                else "no MH in-reach input"
            )
            marks.append((f"{flag.severity.value}: {what}", SEVERITY_COLOUR[flag.severity.value]))
    if event.input_late:
        marks.append(("LATE: input overdue", "RED"))
    if any(w.event_id == event.id for w in view.warnings):
        marks.append((f"DUE within {upcoming_within()}", "RED"))
    return marks


def _when_text(event: AcctEventView) -> str:
    now = utc_now()
    if event.held_at is not None:
        return f"held {when(event.held_at, now)}"
    if event.scheduled_at is None:
        return "time not known"
    return f"due {when(event.scheduled_at, now)}"


def _input_summary(c: ContributionView) -> str:
    kind = CONTRIBUTION_TYPES.get(c.contribution_type, c.contribution_type)
    counts = "" if c.counts_as_health_input else " (does not count)"
    planned = " — PLANNED" if c.planned else ""
    corrected = " (corrected)" if c.amends_id else ""
    return f"{kind}{counts}{planned}, {TEAMS.get(c.team, c.team)}{corrected}"


def _input_tip(c: ContributionView) -> str:
    signed = f"Signed {when(c.signed_at, utc_now())}"
    if not c.amends_id:
        return signed
    return (
        f"{signed}, correcting an earlier entry. Reason: {c.amendment_reason}\n"
        f"The earlier entry said: {c.replaced or '–'}"
    )


def _flag_text(marks: list[tuple[str, str]]) -> str:
    return "; ".join(text for text, _ in marks)


def _flag_colour(marks: list[tuple[str, str]]) -> str | None:
    colours = {colour for _, colour in marks}
    return "RED" if "RED" in colours else ("AMBER" if colours else None)


class CaseDetail(QWidget):
    back_requested = Signal()
    event_chosen = Signal(str)
    withdraw_requested = Signal(object)  # the ContributionView to mark entered in error
    amend_requested = Signal(object)  # the ContributionView to correct

    def __init__(self, privacy: PrivacyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.privacy = privacy
        self.view: AcctCaseView | None = None
        self.patient: PatientRow | None = None
        self.back_button = QPushButton("← &Back to open ACCTs")
        self.back_button.setAccessibleName("Back to the open ACCTs")
        self.heading = QLabel("")
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        self.facts = QLabel("")
        self.facts.setWordWrap(True)
        self.facts.setAccessibleName("ACCT details")
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.alerts = QLabel("")
        self.alerts.setWordWrap(True)
        self.alerts.setAccessibleName("Health input flags and warnings")
        self.events = RowTableModel(self._event_columns(), privacy)
        self.event_table = row_table(
            self.events, "ACCT events and their health input", stretch=(3,)
        )
        wrap_rows(self.event_table)
        self.given = RowTableModel(self._given_columns(), privacy)
        # Every column but the office (synced or not) shares the width.
        wide = [c for c in range(self.given.columnCount()) if c != 2]
        self.given_table = row_table(
            self.given, "Health input recorded for the chosen event", stretch=wide
        )
        wrap_rows(self.given_table)
        self.given_label = QLabel("Input for the chosen event")
        self.given_label.setObjectName("subheading")
        self.withdraw_button = QPushButton("&Withdraw the chosen input (entered in error)…")
        self.withdraw_button.setAccessibleName("Mark the chosen health input entered in error")
        self.withdraw_button.setEnabled(False)
        self.withdraw_button.clicked.connect(self._withdraw_chosen)
        self.amend_button = QPushButton("A&mend the chosen input…")
        self.amend_button.setAccessibleName("Amend the chosen health input")
        self.amend_button.setEnabled(False)
        self.amend_button.clicked.connect(self._amend_chosen)
        # Whether the user may correct an entry (the page knows who is signed in).
        self.may_correct: Callable[[ContributionView], bool] = lambda _: False
        self.form = ContributionForm()
        self._lay_out()
        self.back_button.clicked.connect(self.back_requested)
        self.event_table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.given_table.selectionModel().selectionChanged.connect(
            lambda *_: self._enable_corrections()
        )
        privacy.changed.connect(lambda _: self._show_heading())

    def _lay_out(self) -> None:
        # Events across the top (the health-input gaps at a glance); below them the chosen
        # event's input and the form side by side. Fits a 1024 x 640 laptop screen.
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.heading, 1)
        self._top = top
        events_label = QLabel("&Events (choose one to add input)")
        events_label.setObjectName("subheading")
        events_label.setBuddy(self.event_table)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(events_label)
        upper_layout.addWidget(self.event_table, 1)
        given = QWidget()
        given_layout = QVBoxLayout(given)
        given_layout.setContentsMargins(0, 0, 0, 0)
        given_layout.addWidget(self.given_label)
        given_layout.addWidget(self.given_table, 1)
        corrections = QHBoxLayout()
        corrections.addWidget(self.amend_button)
        corrections.addWidget(self.withdraw_button)
        corrections.addStretch(1)
        given_layout.addLayout(corrections)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        # The form's fields take the focus; a focusable scroll area is an unnamed stop in the
        # Tab order that a screen reader announces as nothing (tests/a11y).
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(given)
        lower.addWidget(scroll)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)
        lower.setChildrenCollapsible(False)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addWidget(self.alerts)
        layout.addWidget(split, 1)

    # -- columns -----------------------------------------------------------------------------
    def _event_columns(self) -> list[Column]:
        def marks(event: AcctEventView) -> list[tuple[str, str]]:
            return event_flags(self.view, event) if self.view else []

        return [
            Column(
                "Event",
                lambda e: event_label(e.event_type),
                bold=is_review,
                tooltip=lambda e: f"Chair: {e.chair}" if e.chair else "",
            ),
            Column("When", lambda e: _when_text(e)),
            Column(
                "Health input",
                lambda e: self._input(e)[0],
                colour=lambda e: self._input(e)[1],
                bold=lambda e: self._input(e)[1] == "RED",
            ),
            Column(
                "Flags",
                lambda e: _flag_text(marks(e)),
                colour=lambda e: _flag_colour(marks(e)),
                bold=lambda e: bool(marks(e)),
            ),
        ]

    def _input(self, event: AcctEventView) -> tuple[str, str | None]:
        warned = self.view is not None and any(w.event_id == event.id for w in self.view.warnings)
        return input_text(event, due_soon=warned)

    @staticmethod
    def _given_columns() -> list[Column]:
        def office(c: ContributionView) -> str:
            if c.synced:
                return "at the office"
            if c.needed_by is not None and rules.unsynced_warning(c.needed_by, utc_now(), False):
                return "NOT SYNCED"
            return "waiting to sync"

        def office_tip(c: ContributionView) -> str:
            if c.needed_by is None:
                return ""
            return f"Needed at the office by {when(c.needed_by, utc_now())} (the review time)"

        return [
            Column("Input", _input_summary, tooltip=_input_tip),
            Column("Summary shared", lambda c: c.summary, tooltip=lambda c: c.summary),
            Column(
                "Office",
                office,
                colour=lambda c: "RED" if office(c).startswith("NOT") else None,
                tooltip=office_tip,
            ),
        ]

    # -- showing a case ----------------------------------------------------------------------
    def show_case(self, view: AcctCaseView, patient: PatientRow, event_id: str | None) -> None:
        chosen = self.chosen_event()
        same_case = self.view is not None and self.view.id == view.id
        keep = event_id or (chosen.id if chosen and same_case else None)
        self.view, self.patient = view, patient
        self._show_heading()
        now = utc_now()
        opened = when(view.opened_at, now)
        manager = view.case_manager or "not known yet"
        source = "prison HA alert" if view.source == rules.AcctSource.HA_ALERT else "entered here"
        mh = (
            " On the MH in-reach caseload: MH in-reach input is expected at every review."
            if view.on_mh_caseload
            else ""
        )
        self.facts.setText(
            f"{CASE_STATUSES.get(view.status, view.status)} ACCT, risk {view.risk_level_name}; "
            f"opened {opened} ({source}); case manager {manager}.{mh}\n"
            f"Concern: {view.concern_summary}\n"
            f"Observations: {view.observation_plan or 'not recorded'}"
        )
        self._show_alerts(view)
        self.events.load(list(view.events))
        self._choose(keep or self._most_urgent(view))

    def _show_alerts(self, view: AcctCaseView) -> None:
        high = sum(1 for f in view.flags if f.severity is rules.Severity.HIGH)
        lines = []
        if view.other_live_opened:
            now = utc_now()
            others = ", ".join(when(at, now) for at in view.other_live_opened)
            lines.append(
                f"ANOTHER OPEN ACCT for this person (opened {others}): ask the case manager which "
                "is current and record input on that one"
            )
        if view.late_event_ids:
            lines.append(
                f"LATE: {len(view.late_event_ids)} review(s) past their time with no input"
            )
        if view.warnings:
            lines.append(
                f"DUE within {upcoming_within()}: {len(view.warnings)} review(s) with no input "
                "planned"
            )
        if view.flags:
            lines.append(
                f"Flags: {high} HIGH, {len(view.flags) - high} MEDIUM (reviews held without "
                "health input; see the Flags column)"
            )
        if not lines:
            self.alerts.setText("No health input gaps on this ACCT.")
            self.alerts.setStyleSheet("")
            return
        self.alerts.setText(" · ".join(lines))
        urgent = view.late_event_ids or view.warnings or high or view.other_live_opened
        colour = severity_colour("RED" if urgent else "AMBER").name()
        self.alerts.setStyleSheet(f"border-left: 4px solid {colour}; padding-left: 6px;")

    @staticmethod
    def _most_urgent(view: AcctCaseView) -> str | None:
        """The event to offer first: late, then due within the upcoming window, then flagged,
        then the next."""
        for ids in (
            view.late_event_ids,
            tuple(w.event_id for w in view.warnings),
            tuple(f.event_id for f in view.flags),
            tuple(e.id for e in view.events if e.held_at is None and is_review(e)),
        ):
            if ids:
                return ids[0]
        return view.events[-1].id if view.events else None

    def _show_heading(self) -> None:
        if self.patient is None:
            self.heading.clear()
            return
        p, who = self.privacy, self.patient
        self.heading.setText(
            f"ACCT — {p.name(who.display_name)} "
            f"({p.identifier(who.prison_number)}, {who.location or 'no location'})"
        )

    def _choose(self, event_id: str | None) -> None:
        for row, event in enumerate(self.events.rows):
            if event.id == event_id:
                self.event_table.selectRow(row)
                self._show_given(event)
                return
        self._show_given(None)

    def choose_event(self, event_id: str) -> bool:
        """Select an event (as clicking its row would); False if the case has no such event."""
        self._choose(event_id)
        chosen = self.chosen_event()
        return chosen is not None and chosen.id == event_id

    def add_action(self, widget: QWidget) -> None:
        """A button beside the heading (the page adds its print action here)."""
        self._top.addWidget(widget)

    def chosen_event(self) -> AcctEventView | None:
        rows = self.event_table.selectionModel().selectedRows()
        if not rows:
            return None
        event = self.events.row_at(rows[0])
        return event if isinstance(event, AcctEventView) else None

    def chosen_input(self) -> ContributionView | None:
        rows = self.given_table.selectionModel().selectedRows()
        if not rows:
            return None
        given = self.given.row_at(rows[0])
        return given if isinstance(given, ContributionView) else None

    def _enable_corrections(self) -> None:
        given = self.chosen_input()
        allowed = given is not None and self.may_correct(given)
        self.amend_button.setEnabled(allowed)
        self.withdraw_button.setEnabled(allowed)
        tip = (
            ""
            if given is None or allowed
            else "Only a registered clinician of the team that gave this input can correct it."
        )
        for button in (self.amend_button, self.withdraw_button):
            button.setToolTip(tip)

    def _withdraw_chosen(self) -> None:
        given = self.chosen_input()
        if given is not None:
            self.withdraw_requested.emit(given)

    def _amend_chosen(self) -> None:
        given = self.chosen_input()
        if given is not None:
            self.amend_requested.emit(given)

    def _selection_changed(self, selected: QItemSelection, _: QItemSelection) -> None:
        event = self.chosen_event()
        self._show_given(event)
        if event is not None:
            self.event_chosen.emit(event.id)

    def _show_given(self, event: AcctEventView | None) -> None:
        self.given.load(list(event.contributions) if event else [])
        self._enable_corrections()
        self.given_label.setText(
            f"Input for the {event_label(event.event_type).lower()} ({len(event.contributions)})"
            if event
            else "Input for the chosen event"
        )

    def clear(self) -> None:
        self.view = self.patient = None
        self.heading.clear()
        self.facts.clear()
        self.alerts.clear()
        self.events.load([])
        self.given.load([])
        self.form.clear()

    def now(self) -> datetime:
        return utc_now()
