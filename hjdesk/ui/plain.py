"""Record data is shown as the characters typed, never interpreted as markup.

Qt guesses: a QLabel (and so a message box) in its default AutoText format, and every tooltip,
render text that looks like HTML as rich text. A roll name `<b>X</b><img src="//host/share/a">`
would show bold and load an image; on Windows a network-share path sends the user's credentials
to that host. Rather than trust each of a hundred call sites to remember, one application-wide
event filter (`install`) makes every QLabel plain text when it is first polished and shows every
tooltip escaped. A label that really wants markup sets `Qt.RichText` itself (none does today).
HTML we build for QTextBrowser escapes every value (`html.escape`), see record/timeline.py.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QToolTip, QWidget

_INSTALLED = "hjdesk_plain_text_guard"


def tooltip_markup(text: str) -> str:
    """A tooltip showing `text` exactly: escaped, inside markup so Qt takes it as rich text."""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


class PlainTextGuard(QObject):
    """Event filter on the QApplication (see the module docstring)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, QLabel):
            if watched.textFormat() == Qt.TextFormat.AutoText:
                watched.setTextFormat(Qt.TextFormat.PlainText)
        elif kind == QEvent.Type.ToolTip and isinstance(watched, QWidget):
            assert isinstance(event, QHelpEvent)
            text = _tooltip_of(watched, event)
            if text:
                QToolTip.showText(event.globalPos(), tooltip_markup(text), watched)
                return True
        return False


def _tooltip_of(widget: QWidget, event: QHelpEvent) -> str:
    view = widget.parent()
    if isinstance(view, QAbstractItemView) and view.viewport() is widget:
        index = view.indexAt(event.pos())
        value = index.data(Qt.ItemDataRole.ToolTipRole) if index.isValid() else None
        return value if isinstance(value, str) else ""
    return widget.toolTip()


def install(app: QApplication) -> None:
    """Install the guard once per application (the shell and its self-test both call this)."""
    if app.property(_INSTALLED):
        return
    guard = PlainTextGuard(app)
    app.installEventFilter(guard)
    app.setProperty(_INSTALLED, True)
