"""Fields that edit a value already stored, and read it back as stored until a person changes it.

A `QDateEdit` holds only years 100 to 9999 (and a dialog may set a latest day), a `QSpinBox` a
range of whole numbers; each clamps any other value it is given. A record pulled from a device in
hostile hands may hold such a value (a date in year 1, a supply of 2**62 days), and a dialog that
read the clamped value back would change a field nobody touched when only another one was edited.
These fields show the nearest value they can and give back the stored one until it is changed; the
service then says, in words, whether it may be saved.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QSpinBox

DATE_FORMAT = "dd/MM/yyyy"


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
