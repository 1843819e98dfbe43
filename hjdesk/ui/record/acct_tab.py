"""The ACCT tab: each of the patient's ACCT cases with its events and the health input each one
had; the selected case or event in full below. Missing health input is flagged in words (and
red), never by colour alone. Enter or double-click opens the case on the ACCT page."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTextBrowser, QTreeWidgetItem, QVBoxLayout, QWidget

from hjdesk.clinical import acct as acct_rules
from hjdesk.clinical.acct import Flag, FlagCode, Severity, UpcomingWarning
from hjdesk.services.acct import AcctCaseView, AcctEventView, InputStatus
from hjdesk.services.patients import patient_acct_cases
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.clinic_time import clinic
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.tab_base import RecordTab, day_text, make_tree, moment_text, tree_item, words

COLUMNS = ("ACCT / event", "When", "Status", "Health input")
CASE_ROLE = Qt.ItemDataRole.UserRole + 1
EVENT_ROLE = Qt.ItemDataRole.UserRole + 2
ACCT_PAGE = "ACCT"
INPUT_TEXT = {
    InputStatus.QUALIFYING: "Health input given",
    InputStatus.PLANNED: "Planned, not yet given",
    InputStatus.NON_QUALIFYING_ONLY: "None that counts (invited, unable, or not invited)",
    InputStatus.NONE: "None",
}
FLAG_TEXT = {
    FlagCode.ACCT_NO_HEALTH_INPUT: "no health input",
    FlagCode.ACCT_NO_MH_INPUT: "no MH in-reach input",
}


def event_input(
    event: AcctEventView, flags: list[Flag], warnings: list[UpcomingWarning]
) -> tuple[str, str | None]:
    """The health-input cell (the status, and any flag or upcoming-review warning in words, the
    window as the ACCT policy has it) and its severity colour."""
    text = INPUT_TEXT[event.input_status]
    if flags:
        high = any(f.severity is Severity.HIGH for f in flags)
        short = "; ".join(f"FLAG {f.severity.value}: {FLAG_TEXT[f.code]}" for f in flags)
        return f"{text}. {short}", "RED" if high else "AMBER"
    if event.input_late:
        return f"{text}. LATE: past its time with no health input planned", "RED"
    if warnings:
        within = acct_rules.window_text(acct_rules.DEFAULT_ACCT_POLICY.upcoming_window)
        return f"{text}. WARNING: due within {within}, none planned", "AMBER"
    return text, None


def _event_row(
    event: AcctEventView, flags: list[Flag], warnings: list[UpcomingWarning]
) -> QTreeWidgetItem:
    label = event.label[0].upper() + event.label[1:]
    if event.held_at is not None:
        when, status = moment_text(event.held_at), "Held"
    else:
        when, status = moment_text(event.scheduled_at, "not scheduled"), "Scheduled"
    given, severity = event_input(event, flags, warnings)
    return tree_item([label, when, status, given], severity)


def _case_row(case: AcctCaseView) -> QTreeWidgetItem:
    flags = len(case.flags)
    flag_text = f"{flags} health-input flag{'s' if flags != 1 else ''}" if flags else ""
    status = f"{words(case.status)}, risk {case.risk_level_name}"
    live = case.status != "CLOSED"
    item = tree_item(
        [
            f"ACCT opened {day_text(clinic(case.opened_at).date())}",
            moment_text(case.opened_at),
            status,
            flag_text,
        ],
        "RED" if flags and live else None,
    )
    font = item.font(0)
    font.setBold(True)
    item.setFont(0, font)
    item.setData(0, CASE_ROLE, case.id)
    for event in case.events:
        child = _event_row(
            event,
            [f for f in case.flags if f.event_id == event.id],
            [w for w in case.warnings if w.event_id == event.id],
        )
        child.setData(0, CASE_ROLE, case.id)
        child.setData(0, EVENT_ROLE, event.id)
        item.addChild(child)
    return item


def case_html(case: AcctCaseView) -> str:
    lines = [
        f"<h3>ACCT opened {escape(moment_text(case.opened_at))}</h3>",
        f"<p>{escape(words(case.status))}, risk {escape(case.risk_level_name)}. Case manager: "
        f"{escape(case.case_manager or 'not recorded')}. Source: {escape(words(case.source))}.</p>",
        f"<p><b>Concern:</b> {escape(case.concern_summary or 'not recorded')}</p>",
    ]
    if case.observation_plan:
        lines.append(f"<p><b>Observation plan:</b> {escape(case.observation_plan)}</p>")
    if case.closed_at is not None:
        lines.append(f"<p>Closed {escape(moment_text(case.closed_at))}.</p>")
    if case.post_closure_review_due is not None:
        due = day_text(case.post_closure_review_due)
        lines.append(f"<p>Post-closure review due {escape(due)}.</p>")
    if case.on_mh_caseload:
        lines.append("<p>On the MH in-reach caseload.</p>")
    found = [f"<li>{escape(f.severity.value)}: {escape(f.message)}</li>" for f in case.flags]
    found += [f"<li>WARNING: {escape(w.message)}</li>" for w in case.warnings]
    if found:
        lines.append(f"<p><b>Flags and warnings:</b></p><ul>{''.join(found)}</ul>")
    return "".join(lines)


def event_html(case: AcctCaseView, event: AcctEventView) -> str:
    label = event.label[0].upper() + event.label[1:]
    lines = [
        f"<h3>{escape(label)}</h3>",
        f"<p>Scheduled {escape(moment_text(event.scheduled_at, 'no time set'))}; "
        + (f"held {escape(moment_text(event.held_at))}" if event.held_at else "not yet held")
        + (f"; chair {escape(event.chair)}" if event.chair else "")
        + ".</p>",
        f"<p><b>Health input:</b> {escape(INPUT_TEXT[event.input_status])}</p>",
    ]
    for flag in (f for f in case.flags if f.event_id == event.id):
        lines.append(f"<p><b>FLAG {escape(flag.severity.value)}:</b> {escape(flag.message)}</p>")
    if event.input_late:
        lines.append(
            "<p><b>LATE:</b> the review's time has passed and no health input is planned.</p>"
        )
    for warning in (w for w in case.warnings if w.event_id == event.id):
        lines.append(f"<p><b>WARNING:</b> {escape(warning.message)}</p>")
    items = []
    for c in event.contributions:
        state = "planned" if c.planned else f"signed {moment_text(c.signed_at)}"
        sync = "" if c.synced else " — NOT YET SYNCED to the office"
        counts = "" if c.counts_as_health_input else " (does not count as health input)"
        summary = f": {c.summary}" if c.summary else ""
        items.append(
            f"<li>{escape(words(c.team))}, {escape(words(c.contribution_type))}{counts}, "
            f"{escape(state)}{escape(sync)}{escape(summary)}</li>"
        )
    lines.append(
        f"<p><b>Contributions:</b></p><ul>{''.join(items)}</ul>"
        if items
        else "<p>No contributions recorded.</p>"
    )
    return "".join(lines)


class AcctTab(RecordTab[tuple[AcctCaseView, ...]]):
    title = "A&CCT"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.cases: tuple[AcctCaseView, ...] = ()
        self.tree = make_tree(COLUMNS, "ACCT cases and events with health input", 3)
        self.tree.setRootIsDecorated(True)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Selected ACCT case or event")
        hint = QLabel("Enter or double-click opens the case on the ACCT page.")
        hint.setObjectName("hint")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addWidget(hint)
        self.tree.itemActivated.connect(self._open)
        self.tree.currentItemChanged.connect(lambda current, _: self._show_detail(current))

    def fetch(self, vault: OpenVault, patient_id: str) -> tuple[AcctCaseView, ...]:
        return patient_acct_cases(vault, patient_id)

    def show_data(self, data: tuple[AcctCaseView, ...]) -> None:
        self.cases = data
        self.tree.clear()
        self.detail.clear()
        for case in data:
            item = _case_row(case)
            self.tree.addTopLevelItem(item)
            item.setExpanded(case.status != "CLOSED")
        if not data:
            self.say("This patient has no ACCT recorded here.")

    def reset(self) -> None:
        self.cases = ()
        self.tree.clear()
        self.detail.clear()

    def _show_detail(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            self.detail.clear()
            return
        case = next(c for c in self.cases if c.id == item.data(0, CASE_ROLE))
        event_id = item.data(0, EVENT_ROLE)
        event = next((e for e in case.events if e.id == event_id), None)
        self.detail.setHtml(case_html(case) if event is None else event_html(case, event))

    def _open(self, item: QTreeWidgetItem, _: int) -> None:
        self.context.navigator.open_page(ACCT_PAGE, str(item.data(0, CASE_ROLE)))
