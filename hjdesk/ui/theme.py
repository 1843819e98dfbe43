"""The look: a calm default theme and a high-contrast one, both keeping the system font size."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

DEFAULT = """
#unlockTitle { font-size: 22pt; font-weight: 600; color: #005eb8; }
#unlockBox {
    background: palette(base); border: 1px solid #aeb7bd; border-radius: 6px; padding: 16px;
}
#unlockMessage[error="true"] { color: #b10e1e; font-weight: 600; }
#heading { font-size: 13pt; font-weight: 600; }
QPushButton:focus, QLineEdit:focus, QComboBox:focus, QTreeView:focus { outline: 2px solid #ffb81c; }
"""

HIGH_CONTRAST = """
* { background: black; color: white; }
QPushButton, QLineEdit, QComboBox, QTreeView { border: 2px solid white; }
*:focus { outline: 3px solid yellow; border: 3px solid yellow; }
#unlockMessage[error="true"] { color: yellow; font-weight: 700; }
"""


def apply_theme(*, high_contrast: bool = False) -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setStyleSheet(HIGH_CONTRAST if high_contrast else DEFAULT)
