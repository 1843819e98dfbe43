"""The timeline tab: every entry, newest first, with amendments marked; the selected entry's
whole amendment chain below it, and the action to amend it."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.encounters import (
    EncounterHistory,
    EncounterView,
    TimelineItem,
    encounter_history,
    patient_timeline,
)
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.amend_dialog import AmendDialog
from hjdesk.ui.record.labels import kind_label, red_flag_text
from hjdesk.ui.record.tab_base import RecordTab, make_tree, moment_text, tree_item

COLUMNS = ("When", "Entry", "By", "Summary", "Scores and flags", "Status")
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def status_text(item: TimelineItem) -> tuple[str, str | None]:
    """What the status column says, and its severity colour."""
    if item.entered_in_error:
        return "Entered in error (marks an earlier entry)", "RED"
    if item.superseded:
        return "Amended: see the later entry", "GREY"
    if item.is_amendment:
        return f"Correction: {item.amendment_reason or ''}".strip(), None
    return "", None


def scores_text(item: TimelineItem) -> str:
    parts = []
    if item.news2_total is not None:
        parts.append(f"NEWS2 {item.news2_total}")
    parts += item.questionnaire_bands
    parts += [f"RED FLAG: {red_flag_text(f)}" for f in item.red_flags]
    return "; ".join(parts)


def _facts(view: EncounterView) -> list[str]:
    """What kind of entry, when, where, and the consent and capacity it records."""
    condition = f" ({view.ltc_condition.title()})" if view.ltc_condition else ""
    facts = [
        f"{kind_label(view.kind)}{condition}",
        f"started {moment_text(view.started_at)}",
    ]
    if view.place:
        facts.append(f"at {view.place}")
    facts.append("consent recorded" if view.consent_recorded else "consent not recorded")
    if view.capacity_concern:
        facts.append("CAPACITY CONCERN")
    return facts


def _entry_html(view: EncounterView, heading: str) -> str:
    """One version of an entry, as the history pane shows it."""
    lines = [f"<h3>{escape(heading)}</h3>"]
    signed = moment_text(view.signed_at, "not signed")
    who = escape(view.author_name) + (f" ({escape(view.author_role)})" if view.author_role else "")
    lines.append(f"<p>Signed by {who} at {escape(signed)}.")
    if view.amendment_reason:
        lines.append(f" <b>Reason for amendment:</b> {escape(view.amendment_reason)}")
    lines.append("</p>")
    if view.entered_in_error:
        lines.append("<p><b>ENTERED IN ERROR</b>: the entry it amends no longer stands.</p>")
        return "".join(lines)
    lines.append(f"<p>{escape(', '.join(_facts(view)))}.</p>")
    if view.narrative.strip():
        lines.append(f"<p style='white-space: pre-wrap'>{escape(view.narrative)}</p>")
    obs = view.observation
    if obs is not None:
        bp = f"{obs.systolic_bp}/{obs.diastolic_bp}" if obs.diastolic_bp else f"{obs.systolic_bp}"
        lines.append(
            "<p><b>Observations:</b> "
            + escape(
                f"RR {obs.resp_rate}, SpO2 {obs.spo2}% (scale {obs.spo2_scale}"
                f"{', on oxygen' if obs.on_oxygen else ', air'}), BP {bp} mmHg, pulse {obs.pulse},"
                f" ACVPU {obs.consciousness}, temp {obs.temperature:g} °C. NEWS2 "
                f"{obs.news2_total} ({obs.news2_risk.lower()} risk"
                f"{', red score' if obs.red_score else ''})."
            )
            + "</p>"
        )
    items = [escape(q.label) for q in view.questionnaires]
    items += [
        escape(f"{m.code.replace('_', ' ')} {m.value:g} {m.unit}".strip())
        if m.value is not None
        else escape(f"{m.code.replace('_', ' ')} {m.text_value or ''}")
        for m in view.measurements
    ]
    if items:
        lines.append("<p><b>Recorded:</b> " + "; ".join(items) + "</p>")
    if view.findings:
        lines.append("<p><b>Findings:</b> " + escape("; ".join(view.findings)) + "</p>")
    if view.red_flags:
        flags = "; ".join(red_flag_text(f) for f in view.red_flags)
        lines.append(f"<p><b>RED FLAGS:</b> {escape(flags)}</p>")
    if view.escalation_action:
        lines.append(
            "<p><b>Escalation:</b> "
            + escape(
                f"{view.escalation_action} — to {view.escalated_to or '?'} at "
                f"{moment_text(view.escalated_at)}"
            )
            + "</p>"
        )
    return "".join(lines)


def history_html(history: EncounterHistory) -> str:
    """The chain, original first; each later version says what it is."""
    parts = []
    for number, view in enumerate(history.entries):
        if len(history.entries) == 1:
            heading = "Entry (not amended)"
        elif number == 0:
            heading = "Original entry"
        elif view.entered_in_error:
            heading = f"Amendment {number}: entered in error"
        else:
            heading = f"Amendment {number}: correction"
        if view is history.current and len(history.entries) > 1:
            heading += " (what the record now says)"
        parts.append(_entry_html(view, heading))
    return "<hr>".join(parts)


class TimelineTab(RecordTab[tuple[TimelineItem, ...]]):
    title = "&Timeline"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.items: tuple[TimelineItem, ...] = ()
        self.history: EncounterHistory | None = None
        self.tree = make_tree(COLUMNS, "Timeline of entries", 3)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Selected entry and its amendments")
        self.detail.setOpenLinks(False)
        self.amend_button = QPushButton("A&mend entry…")
        self.amend_button.setAccessibleName("Amend the selected entry")
        self.amend_button.setToolTip("Correct the entry or mark it entered in error")
        self.amend_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.amend_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.detail, 1)
        lower_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self.tree.currentItemChanged.connect(self._selected)
        self.amend_button.clicked.connect(self.amend)
        self.amend_dialog: AmendDialog | None = None

    def fetch(self, vault: OpenVault, patient_id: str) -> tuple[TimelineItem, ...]:
        return patient_timeline(vault, patient_id)

    def show_data(self, data: tuple[TimelineItem, ...]) -> None:
        self.items = data
        self.tree.clear()
        self._clear_detail()
        rows = []
        for item in data:
            status, severity = status_text(item)
            if item.red_flags and severity is None:
                severity = "RED"
            row = tree_item(
                [
                    moment_text(item.started_at),
                    kind_label(item.kind),
                    item.author_name,
                    item.summary,
                    scores_text(item),
                    status,
                ],
                severity,
            )
            row.setData(0, ID_ROLE, item.encounter_id)
            rows.append(row)
        self.tree.addTopLevelItems(rows)  # one insertion: years of entries stay quick
        if not data:
            self.say("No entries recorded for this patient yet.")

    def reset(self) -> None:
        self.items = ()
        self.tree.clear()
        self._clear_detail()

    def _clear_detail(self) -> None:
        self.history = None
        self.detail.clear()
        self.amend_button.setEnabled(False)

    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return None if item is None else str(item.data(0, ID_ROLE))

    def _selected(self, current: QTreeWidgetItem | None, _: QTreeWidgetItem | None) -> None:
        self._clear_detail()
        vault = self.context.vault
        if current is None or vault is None:
            return
        encounter_id = str(current.data(0, ID_ROLE))
        self.context.runner.run_task(
            lambda: encounter_history(vault, encounter_id),
            lambda history: self._show_history(encounter_id, history),
            self._history_failed,
        )

    def _show_history(self, encounter_id: str, history: EncounterHistory) -> None:
        if self.selected_id() != encounter_id or self.context.vault is None:
            return  # another row was chosen meanwhile
        self.history = history
        self.detail.setHtml(history_html(history))
        self.amend_button.setEnabled(not history.entered_in_error)

    def _history_failed(self, exc: KnownError) -> None:
        self.detail.setPlainText(str(exc))

    def amend(self) -> None:
        """Amend the latest version of the selected entry's chain."""
        if self.history is None or self.history.entered_in_error:
            return
        if self.amend_dialog is not None:
            self.amend_dialog.deleteLater()
        # open(), not exec(): window-modal without a nested event loop.
        self.amend_dialog = AmendDialog(self.context, self.history.current, self.who(), self)
        self.amend_dialog.accepted.connect(self.changed.emit)
        self.amend_dialog.open()
        self.amend_dialog.restore_draft()
