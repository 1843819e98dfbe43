"""Fields that edit a value already stored, and read it back as stored until a person changes it.

A `QDateEdit` holds only years 100 to 9999 (and a dialog may set a latest day), a `QSpinBox` a
range of whole numbers; each clamps any other value it is given. A record pulled from a device in
hostile hands may hold such a value (a date in year 1, a supply of 2**62 days), and a dialog that
read the clamped value back would change a field nobody touched when only another one was edited.
These fields show the nearest value they can and give back the stored one until it is changed; the
service then says, in words, whether it may be saved.

A `QComboBox` offers only its own choices, and a stored code that is none of them (written by a
newer version, or hostile content from another device) would otherwise show as the first entry
and be saved as it. `StoredChoice` shows such a value as itself, marked as not known to this
version, and gives it back unchanged until a person chooses another entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QComboBox, QDateEdit, QSpinBox

DATE_FORMAT = "dd/MM/yyyy"
UNKNOWN_ROLE = Qt.ItemDataRole.UserRole + 1  # marks the entry holding a stored unknown value
_SHOWN_AT_MOST = 40  # characters of an unknown value in the list (hostile text may be long)


class StoredDate(QDateEdit):
    def __init__(self, day: date, latest: date | None = None) -> None:
        super().__init__()
        self.setCalendarPopup(True)
        self.setDisplayFormat(DATE_FORMAT)
        if latest is not None:
            self.setMaximumDate(QDate(latest.year, latest.month, latest.day))
        self.keep(day)

    def keep(self, day: date) -> None:
        """Show `day` (as near as the field can) and read it back until it is changed."""
        self.stored = day
        self.setDate(QDate(day.year, day.month, day.day))
        self.shown = self.date()

    def set_value(self, day: date) -> None:
        """Put `day` in the field (a draft's): the stored day as it was, any other as chosen."""
        if day == self.stored:
            self.setDate(self.shown)
        else:
            self.setDate(QDate(day.year, day.month, day.day))

    def value(self) -> date:
        if self.date() == self.shown:
            return self.stored
        chosen = self.date()
        return date(chosen.year(), chosen.month(), chosen.day())


class StoredNumber(QSpinBox):
    def __init__(self, low: int, high: int) -> None:
        super().__init__()
        self.setRange(low, high)
        self.keep(low)

    def keep(self, number: int) -> None:
        """Show `number` (as near as the field can) and read it back until it is changed."""
        self.stored = number
        self.setValue(min(max(number, self.minimum()), self.maximum()))
        self.shown = self.value()

    def number(self) -> int:
        return self.stored if self.value() == self.shown else self.value()


def quoted(value: object) -> str:
    """A stored value as one short line (it may hold line breaks or run to a thousand
    characters when it came from a device in hostile hands)."""
    text = " ".join(str(value).split())
    if len(text) > _SHOWN_AT_MOST:
        text = text[: _SHOWN_AT_MOST - 1] + "…"
    return f"‘{text}’"


class StoredChoice(QComboBox):
    """A choice among `choices` (value, label) that reads back a stored value as stored.

    `keep(value)` selects the entry for `value`; a value none of the entries holds is added as an
    entry of its own, "‘value’ — not known to this version (kept)", and chosen, so `value()`
    gives it back unchanged until a person picks another entry (and can pick it again).
    """

    def __init__(
        self, name: str, choices: Iterable[tuple[object, str]], blank: str | None = None
    ) -> None:
        super().__init__()
        self.setAccessibleName(name)
        if blank is not None:
            self.addItem(blank, None)
        for value, label in choices:
            self.addItem(label, value)
        self.currentIndexChanged.connect(self._describe)

    def keep(self, value: object) -> None:
        """Show `value` and read it back until another entry is chosen."""
        for index in reversed(range(self.count())):
            if self.itemData(index, UNKNOWN_ROLE):
                self.removeItem(index)  # an unknown value kept for an earlier record
        index = self.findData(value)
        if index < 0 and value is not None:
            self.addItem(f"{quoted(value)} — not known to this version (kept)", value)
            index = self.count() - 1
            self.setItemData(index, True, UNKNOWN_ROLE)
        self.setCurrentIndex(index)
        self._describe()

    def value(self) -> object:
        return self.currentData()

    def unknown(self) -> bool:
        """True while the entry chosen is a stored value this version does not know."""
        return bool(self.itemData(self.currentIndex(), UNKNOWN_ROLE))

    def problem(self, what: str) -> str | None:
        """Why a form that may save only known values cannot save this one, or None."""
        if not self.unknown():
            return None
        return (
            f"The {what} reads {quoted(self.currentData())}, which this version does not know: "
            "choose one from the list to save."
        )

    def _describe(self) -> None:
        # Said to a screen reader and on hover as well as in the entry's words.
        text = (
            "The stored value is not one this version knows; it is kept unless you choose another."
            if self.unknown()
            else ""
        )
        self.setToolTip(text)
        self.setAccessibleDescription(text)
