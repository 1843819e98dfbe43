"""A "Print / Save as PDF" button for a screen: a menu of the documents that screen concerns.

Each entry hands the screen's current item (a session, a patient, a plan, an ACCT event) to
`save_pdf`, which asks where to save, renders off the UI thread and audits the print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from hjdesk.reports.kinds import kind_named
from hjdesk.ui.context import PageContext
from hjdesk.ui.save_pdf import save_pdf

# What the screen is showing now, as `save_pdf` parameters; None when there is nothing to print.
Params = Callable[[], dict[str, Any] | None]


class PrintButton(QToolButton):
    def __init__(
        self,
        context: PageContext,
        kinds: Sequence[str],
        params: Params,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.params = params
        self.setText("&Print / PDF")
        self.setAccessibleName("Print or save as PDF")
        self.setToolTip("Save a document about what this screen shows as a PDF, to print")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        for kind in kinds:
            action = menu.addAction(kind_named(kind).label + "…")
            action.setData(kind)
            action.triggered.connect(lambda _=False, k=kind: self.print_kind(k))
        self.setMenu(menu)

    def print_kind(self, kind: str) -> None:
        params = self.params()
        if params is None:
            return
        save_pdf(self, self.context, kind, **params)
