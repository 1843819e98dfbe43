"""Small input widgets the encounter form is built from, and the section base they share.

Every field can be blank: a clinical form must tell "not asked" from "no", so yes/no questions and
choices start empty and numbers are typed, never spun from a default. A `Section` knows its fields
by key, so saving a draft and restoring it is the same code for every part of the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from PySide6.QtCore import QDateTime, QRegularExpression, Signal
from PySide6.QtGui import QColor, QRegularExpressionValidator, QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from hjdesk.ui import theme
from hjdesk.ui.clinic_time import from_qt, from_wall_clock, set_clinic_zone
from hjdesk.ui.widgets.form_rows import FormRows

BLANK = "—"
_W = TypeVar("_W", bound=QWidget)


class Combo(QComboBox):
    """A choice that starts blank. The wheel only turns it once it has focus, so scrolling a long
    form past a PHQ-9 answer never changes the answer."""

    def __init__(self, choices: Sequence[tuple[Any, str]], name: str) -> None:
        super().__init__()
        self.addItem(BLANK, None)
        for value, label in choices:
            self.addItem(label, value)
        self.setAccessibleName(name)

    def value(self) -> Any:
        return self.currentData()

    def set_value(self, value: Any) -> None:
        index = self.findData(value) if value is not None else 0
        self.setCurrentIndex(max(index, 0))

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class YesNo(Combo):
    def __init__(self, name: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(((True, yes), (False, no)), name)


class NumberField(QLineEdit):
    """A typed number; `value()` is None when blank and raises ValueError when not a number."""

    def __init__(self, name: str, *, decimals: bool = False, width: int = 7) -> None:
        super().__init__()
        pattern = r"^\d{0,4}([.,]\d{0,2})?$" if decimals else r"^\d{0,4}$"
        self.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), self))
        self.decimals = decimals
        self.setAccessibleName(name)
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance("0") * (width + 4))

    def value(self) -> int | float | None:
        text = self.text().strip().replace(",", ".")
        if not text or text == ".":
            return None
        return float(text) if self.decimals else int(text)


class DateField(QLineEdit):
    """A date typed as dd/mm/yyyy (or yyyy-mm-dd); blank until someone knows it."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setPlaceholderText("dd/mm/yyyy")
        self.setAccessibleName(name)

    def value(self) -> date | None:
        text = self.text().strip()
        if not text:
            return None
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValueError(f"{self.accessibleName()}: type the date as dd/mm/yyyy")


class TextArea(QPlainTextEdit):
    """Free text; Tab moves on (keyboard users must be able to leave it)."""

    def __init__(self, name: str, *, lines: int = 3) -> None:
        super().__init__()
        self.setTabChangesFocus(True)
        self.setAccessibleName(name)
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * (lines + 1))
        self.setMaximumHeight(self.fontMetrics().lineSpacing() * (lines + 4))


def aware(value: QDateTime) -> datetime:
    """A QDateTime from a field as an aware datetime (the field's zone is London's, H-30)."""
    return from_qt(value)


def now_edit(name: str) -> QDateTimeEdit:
    edit = set_clinic_zone(QDateTimeEdit())
    edit.setDisplayFormat("dd/MM/yyyy HH:mm")
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    return edit


def _luminance(colour: QColor) -> float:
    """WCAG relative luminance; above 0.179 black text has the better contrast."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def paint(label: QLabel, level: str | None) -> None:
    """Colour a result label by severity; the label's text always says the level in words too."""
    if level is None:
        label.setStyleSheet("")
        return
    colour = theme.severity_colour(level)
    ink = "black" if _luminance(colour) > 0.179 else "white"
    label.setStyleSheet(
        f"background: {colour.name(QColor.NameFormat.HexRgb)}; color: {ink};"
        " padding: 2px 6px; border-radius: 3px; font-weight: 600;"
    )


class Section(QGroupBox):
    """A titled part of the form. Fields added with `add()` are saved and restored by key."""

    changed = Signal()
    # Questionnaire items are sentences: wrap them rather than widen the form past the screen.
    wrap_labels = False

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setAccessibleName(title.replace("&", ""))
        self.form_area = QWidget()
        self.layout_ = QFormLayout(self.form_area)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        # Only text fields grow: a yes/no box stretched across the screen reads as a text field.
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.rows = FormRows(self.layout_)
        self.outer = QHBoxLayout(self)
        self.outer.addWidget(self.form_area, 3)
        self.fields: dict[str, QWidget] = {}

    def add(self, key: str, label: str, widget: _W, *, beside: QWidget | None = None) -> _W:
        """Add a row; `label` may carry a mnemonic (&), which then focuses the field. `beside`
        is shown to the right of the field (a live sub-score)."""
        self.fields[key] = widget
        shown: QWidget = widget
        if beside is not None:
            shown = QWidget()
            row = QHBoxLayout(shown)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(widget)
            row.addWidget(beside)
            row.addStretch(1)
        if isinstance(widget, QCheckBox):
            self.layout_.addRow("", shown)
            if not widget.accessibleName():
                widget.setAccessibleName(label.replace("&", ""))
        else:
            self.rows.add(label, widget, shown=shown, wrap=self.wrap_labels)
        _connect(widget, lambda *_: self.changed.emit())
        return widget

    def side(self, panel: QWidget) -> None:
        """A panel to the right of the fields (a live result that stays in view)."""
        self.outer.addWidget(panel, 2)

    def note(self, text: str = "") -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setAccessibleName(f"{self.accessibleName()} result")
        self.layout_.addRow(label)
        return label

    def state(self) -> dict[str, Any]:
        return {key: _read(widget) for key, widget in self.fields.items()}

    def restore(self, state: Mapping[str, Any]) -> None:
        for key, widget in self.fields.items():
            if key in state:
                _write(widget, state[key])

    def blank(self, keys: Iterable[str] | None = None) -> bool:
        """True when none of the fields (or of `keys`) holds anything."""
        chosen = self.fields if keys is None else {k: self.fields[k] for k in keys}
        return all(_read(w) in (None, "", False) for w in chosen.values())


def _connect(widget: QWidget, slot: Any) -> None:
    if isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(slot)
    elif isinstance(widget, QLineEdit | QPlainTextEdit):
        widget.textChanged.connect(slot)
    elif isinstance(widget, QCheckBox):
        widget.toggled.connect(slot)
    elif isinstance(widget, QDateTimeEdit):
        widget.dateTimeChanged.connect(slot)


def _read(widget: QWidget) -> Any:
    if isinstance(widget, Combo):
        return widget.value()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QDateTimeEdit):
        return widget.dateTime().toString("yyyy-MM-ddTHH:mm:ss")
    raise TypeError(f"no reader for {type(widget).__name__}")


def _write(widget: QWidget, value: Any) -> None:
    if isinstance(widget, Combo):
        widget.set_value(value)
    elif isinstance(widget, QLineEdit):
        widget.setText(str(value or ""))
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(str(value or ""))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QDateTimeEdit) and isinstance(value, str):
        parsed = from_wall_clock(value)
        if parsed is not None:
            widget.setDateTime(parsed)


def lower_first(text: str) -> str:
    """'Consider raising an ACCT concern' → 'consider raising an ACCT concern'."""
    return text[:1].lower() + text[1:]


def clean(text: str) -> str:
    """Collapse runs of whitespace inside one-line answers."""
    return re.sub(r"\s+", " ", text).strip()


class Swap(QWidget):
    """Shows one of its pages at a time and takes only that page's height (a QStackedWidget
    takes the tallest page's, which leaves gaps under a short one)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.pages: list[QWidget] = []
        self._current: QWidget | None = None

    def addWidget(self, page: QWidget) -> None:
        self.pages.append(page)
        self.column.addWidget(page)
        page.setVisible(self._current is None)
        if self._current is None:
            self._current = page

    def setCurrentWidget(self, page: QWidget) -> None:
        self._current = page
        for other in self.pages:
            other.setVisible(other is page)
        self.column.invalidate()
        self.updateGeometry()

    def currentWidget(self) -> QWidget | None:
        return self._current
