"""The look: a calm default theme and a high-contrast one, both keeping the system font size."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

# Severity colours shared by every page (NHS identity palette). Colour never carries meaning alone:
# whatever is coloured also says "RED", "overdue", "late" in words.
SEVERITY_COLOURS = {
    "RED": "#b10e1e",  # NEWS2 high / late / overdue
    "AMBER": "#ed8b00",  # NEWS2 medium / due soon
    "YELLOW": "#ffb81c",  # NEWS2 low-medium (a single parameter scoring 3 is RED in our UI)
    "GREEN": "#007f3b",  # in range / done
    "GREY": "#425563",  # not applicable / closed
}
HIGH_CONTRAST_SEVERITY = {
    "RED": "#ff6b6b",
    "AMBER": "#ffd166",
    "YELLOW": "#ffff00",
    "GREEN": "#7CFC00",
    "GREY": "#ffffff",
}

_high_contrast = False


def severity_colour(level: str) -> QColor:
    """The colour for a severity level in the current theme (unknown levels: the text colour)."""
    table = HIGH_CONTRAST_SEVERITY if _high_contrast else SEVERITY_COLOURS
    return QColor(table.get(level.upper(), "#ffffff" if _high_contrast else "#212b32"))


def is_high_contrast() -> bool:
    return _high_contrast


DEFAULT = """
#unlockTitle { font-size: 22pt; font-weight: 600; color: #005eb8; }
#unlockBox {
    background: palette(base); border: 1px solid #aeb7bd; border-radius: 6px; padding: 16px;
}
#unlockMessage[error="true"] { color: #b10e1e; font-weight: 600; }
#heading { font-size: 13pt; font-weight: 600; }
#subheading { font-weight: 600; }
#hint { color: #425563; }
QPushButton:focus, QLineEdit:focus, QComboBox:focus, QTreeView:focus { outline: 2px solid #ffb81c; }
"""

HIGH_CONTRAST = """
* { background: black; color: white; }
QTreeView, QTableView, QListView { alternate-background-color: #1a1a1a; }
QPushButton, QLineEdit, QComboBox, QTreeView, QTableView, QListView, QPlainTextEdit, QTextEdit,
QDateEdit, QDateTimeEdit, QSpinBox, QDoubleSpinBox, QTabWidget::pane {
    border: 2px solid white;
}
QCheckBox::indicator, QRadioButton::indicator {
    width: 14px; height: 14px; border: 2px solid white; background: black;
}
QCheckBox::indicator:checked, QRadioButton::indicator:checked { background: yellow; }
*:disabled { color: #9a9a9a; border-color: #6a6a6a; }
*:focus { outline: 3px solid yellow; border: 3px solid yellow; }
QTabBar::tab:selected, QHeaderView::section { background: #333333; font-weight: 700; }
#heading { font-size: 13pt; font-weight: 700; }
#unlockMessage[error="true"] { color: yellow; font-weight: 700; }
#hint { color: #dddddd; }
"""


def apply_theme(*, high_contrast: bool = False) -> None:
    global _high_contrast
    _high_contrast = high_contrast
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setStyleSheet(HIGH_CONTRAST if high_contrast else DEFAULT)
