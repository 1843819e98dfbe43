"""Sync: the hub this laptop is enrolled with (or the form to enrol it), "Sync now" with its
progress and summary, the safety-critical records not yet at the office with how long until they
are needed, and the conflicts to resolve.

The sync itself belongs to the workspace's `SyncController` (it also syncs on its own); this page
asks it to start and shows what it reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.acct import UnsyncedContribution, unsynced_safety_critical
from hjdesk.services.settings import ConflictLabel, patient_labels
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.sync.client import ConflictView, SyncProgress, list_conflicts, sync_config
from hjdesk.sync.handover import HandoverReport, check_handover
from hjdesk.sync.progress import RateMeter
from hjdesk.sync.quarantine import QuarantineView, list_dismissed, list_quarantine
from hjdesk.ui.clinic_time import clinic
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.base import Page
from hjdesk.ui.sync.conflicts_panel import ConflictsPanel
from hjdesk.ui.sync.enrol_panel import EnrolPanel
from hjdesk.ui.sync.needed_by import NeededByPanel
from hjdesk.ui.sync.quarantine_panel import QuarantinePanel
from hjdesk.ui.sync_controller import SyncController, SyncOutcome
from hjdesk.ui.widgets.message_line import MessageLine


@dataclass(frozen=True, slots=True)
class SyncPageData:
    hub_url: str | None
    establishment: str | None
    conflicts: list[ConflictView]
    labels: dict[str, ConflictLabel]
    unsynced: tuple[UnsyncedContribution, ...]
    set_aside: list[QuarantineView]
    dismissed: list[QuarantineView]


def load_page(vault: OpenVault) -> SyncPageData:
    config = sync_config(vault)
    conflicts = list_conflicts(vault)
    labels = patient_labels(vault, {c.patient_id for c in conflicts if c.patient_id})
    return SyncPageData(
        hub_url=config.hub_url if config else None,
        establishment=config.establishment if config else None,
        conflicts=conflicts,
        labels=labels,
        unsynced=unsynced_safety_critical(vault),
        set_aside=list_quarantine(vault),
        dismissed=list_dismissed(vault),
    )


class SyncPage(Page):
    title = "Sync"

    def __init__(
        self, context: PageContext, controller: SyncController, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, parent)
        self.controller = controller
        self.data: SyncPageData | None = None

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Sync status")
        self.enrol = EnrolPanel(context)
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setAccessibleName("Sync now: send this laptop's changes, then receive")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sync progress")
        self.progress.hide()
        self.step = QLabel("")
        self.step.setAccessibleName("Sync step")
        self._meter = RateMeter()
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary of the last sync")
        self.message = MessageLine("Sync: problem", problem_prefix="Not done: ")
        sync_box = QGroupBox("Sync")
        sync_layout = QVBoxLayout(sync_box)
        row = QHBoxLayout()
        row.addWidget(self.sync_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.step)
        sync_layout.addWidget(self.status)
        sync_layout.addLayout(row)
        sync_layout.addWidget(self.summary)
        sync_layout.addWidget(self.message)
        self._lay_out(context, sync_box, controller)

    def _lay_out(
        self, context: PageContext, sync_box: QGroupBox, controller: SyncController
    ) -> None:
        self.needed = NeededByPanel(context)
        self.conflicts = ConflictsPanel(context)
        self.quarantine = QuarantinePanel(context)
        top = QHBoxLayout()
        top.addWidget(self.enrol, 1, Qt.AlignmentFlag.AlignTop)
        top.addWidget(sync_box, 1, Qt.AlignmentFlag.AlignTop)
        for box in (self.enrol, sync_box):
            box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.needed)
        layout.addWidget(self.quarantine)
        layout.addWidget(self.conflicts, 1)

        self.sync_button.clicked.connect(self.sync_now)
        self.quarantine.check_button.clicked.connect(self.check_handover)
        self.enrol.enrolled.connect(self._enrolled)
        self.conflicts.resolved.connect(self._resolved)
        self.quarantine.changed.connect(self.refresh)
        controller.status_changed.connect(self._status_changed)
        controller.started.connect(self._started)
        controller.progress.connect(self._progress)
        controller.finished.connect(self._finished)
        controller.connection_changed.connect(self._update_button)

    # -- page hooks -----------------------------------------------------------------------
    def refresh(self) -> None:
        vault = self.vault
        if vault is None:
            return
        self._status_changed(self.controller.status_text)
        self.context.runner.run_task(lambda: load_page(vault), self._show, self.message.fail)

    def clear(self) -> None:
        self.data = None
        self.status.clear()
        self.summary.clear()
        self.step.clear()
        self.message.clear()
        self.progress.hide()
        self.enrol.clear()
        self.needed.clear()
        self.quarantine.clear()
        self.conflicts.clear()

    def _show(self, data: SyncPageData) -> None:
        if self.vault is None:
            return
        self.data = data
        self.enrol.show_state(data.hub_url, data.establishment)
        self.needed.show_items(data.unsynced)
        self.quarantine.show_items(data.set_aside, data.dismissed)
        self.conflicts.show_conflicts(data.conflicts, data.labels)
        self._update_button()

    def _update_button(self) -> None:
        enrolled = self.data is not None and self.data.hub_url is not None
        self.sync_button.setEnabled(enrolled and not self.controller.running)
        self.sync_button.setToolTip("" if enrolled else "Enrol this laptop with a hub first.")
        self.quarantine.check_button.setEnabled(enrolled and not self.controller.running)
        if not self.controller.running:
            self.step.setText("" if enrolled else "Enrol this laptop with a hub first.")

    # -- handover ---------------------------------------------------------------------------
    def check_handover(self) -> None:
        vault = self.vault
        if vault is None:
            return
        self.quarantine.handover.setText("Asking the office…")
        self.context.runner.run_task(
            lambda: check_handover(vault), self._handover_done, self._handover_failed
        )

    def _handover_done(self, report: HandoverReport) -> None:
        self.quarantine.show_handover(report)

    def _handover_failed(self, error: KnownError) -> None:
        if isinstance(error, KnownError):
            self.quarantine.handover_failed(error.message)
        else:
            self.message.fail(error)

    # -- syncing --------------------------------------------------------------------------
    def sync_now(self) -> None:
        self.message.clear()
        self.controller.sync_now()

    def _status_changed(self, text: str) -> None:
        self.status.setText(f"Status: {text}" if text else "")
        # The needed-by times count down: redraw them whenever the status ticks.
        if self.isVisible() and self.needed.items:
            self.needed.redraw()

    def _started(self, automatic: bool) -> None:
        self._meter = RateMeter()  # a new sync: its rates start afresh
        self.progress.setRange(0, 0)
        self.progress.show()
        self.step.setText("Starting an automatic sync…" if automatic else "Starting…")
        self.sync_button.setEnabled(False)

    def _progress(self, step: SyncProgress) -> None:
        if step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(min(step.done, step.total))
        else:
            self.progress.setRange(0, 0)
        # Records so far, the rate and (when the total is known) the time left.
        self.step.setText(self._meter.update(step).text())

    def _finished(self, outcome: SyncOutcome) -> None:
        self.progress.hide()
        self.step.clear()
        self._update_button()
        if outcome.summary is not None:
            when = clinic(outcome.summary.receipt_at).strftime("%H:%M")
            kind = "Automatic sync" if outcome.automatic else "Sync"
            self.summary.setText(
                f"{kind} finished at {when}.\n" + "\n".join(outcome.summary.lines())
            )
            self.message.clear()
        elif outcome.error is not None and not outcome.automatic:
            self.message.problem(outcome.error)
        if self.vault is not None and not (outcome.summary and outcome.summary.wiped):
            self.refresh()

    def _enrolled(self, _: object) -> None:
        self.refresh()
        self.controller.check_hub()

    def _resolved(self) -> None:
        self.refresh()
        # The resolution changed a record (and queued it): the others and the status bar redraw.
        self.context.navigator.data_changed.emit()
