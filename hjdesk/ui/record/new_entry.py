"""The New entry menu: record an encounter away from a clinic list (an MH in-reach session, a
cell-door visit, a review…), a screening or immunisation, or the transfer/release plan."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from hjdesk.services.encounters import EncounterKind

# The kinds recorded from the record itself, in the order the menu offers them. Clinic visits
# are recorded from their clinic list, where the appointment is.
ENTRY_KINDS: tuple[tuple[EncounterKind, str], ...] = (
    (EncounterKind.MH_SESSION, "&MH in-reach session"),
    (EncounterKind.CELL_DOOR, "&Cell-door visit"),
    (EncounterKind.OLDER_PRISONER_REVIEW, "&Older prisoner review"),
    (EncounterKind.LTC_REVIEW, "&LTC review"),
    (EncounterKind.SECOND_STAGE_ASSESSMENT, "Reception &second-stage assessment"),
    (EncounterKind.GENERAL, "&General entry"),
)


class NewEntryButton(QToolButton):
    """A menu button; the page carries out what was chosen."""

    kind_chosen = Signal(object)  # EncounterKind
    screening_chosen = Signal()
    release_plan_chosen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("&New entry")
        self.setAccessibleName("New entry for this patient")
        self.setToolTip("Record an encounter, a screening or immunisation, or a release plan")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.menu_.setAccessibleName("New entry")
        self.actions_by_kind: dict[EncounterKind, QAction] = {}
        for kind, label in ENTRY_KINDS:
            action = self.menu_.addAction(label)
            action.triggered.connect(lambda _=False, k=kind: self.kind_chosen.emit(k))
            self.actions_by_kind[kind] = action
        self.menu_.addSeparator()
        self.screening_action = self.menu_.addAction("Screening or &immunisation…")
        self.screening_action.triggered.connect(self.screening_chosen.emit)
        self.release_action = self.menu_.addAction("&Transfer or release plan…")
        self.release_action.triggered.connect(self.release_plan_chosen.emit)
        self.setMenu(self.menu_)
