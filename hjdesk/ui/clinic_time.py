"""Times as the clinic reads them: London's wall clock, whatever zone the laptop is set to.

The services and the printouts already count days and print times in London (hazard H-30). A
laptop left on UTC, or carried back from leave abroad, must not show an observation at 00:30 BST
as the evening before, nor offer "now" an hour out in a time field: the screen, the printout and
the clinic-room clock have to agree. Every time the UI shows or reads goes through here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import QDateTimeEdit

from hjdesk.services.common import CLINIC_ZONE, clinic_time

CLINIC_QT_ZONE = QTimeZone(CLINIC_ZONE.key.encode())


def clinic(moment: datetime) -> datetime:
    """An aware time on London's wall clock (in UTC for the few it cannot show)."""
    return clinic_time(moment)


def clinic_now() -> datetime:
    return datetime.now(CLINIC_ZONE)


def to_qt(moment: datetime) -> QDateTime:
    """An aware time as a QDateTime that shows London's wall clock."""
    return QDateTime.fromMSecsSinceEpoch(round(moment.timestamp() * 1000), CLINIC_QT_ZONE)


def from_qt(value: QDateTime) -> datetime:
    """The instant a QDateTime names, as an aware UTC time (its zone says what its fields mean)."""
    return datetime.fromtimestamp(value.toMSecsSinceEpoch() / 1000, UTC)


def set_clinic_zone(edit: QDateTimeEdit) -> QDateTimeEdit:
    """Make a date-time field show and take London's wall clock, starting at now."""
    edit.setTimeZone(CLINIC_QT_ZONE)
    edit.setDateTime(QDateTime.currentDateTime(CLINIC_QT_ZONE))
    return edit


def from_wall_clock(text: str) -> QDateTime | None:
    """`text` (`yyyy-MM-ddTHH:mm:ss`, as a draft keeps a field) read on London's wall clock."""
    parsed = QDateTime.fromString(text, "yyyy-MM-ddTHH:mm:ss")
    if not parsed.isValid():
        return None
    parsed.setTimeZone(CLINIC_QT_ZONE)
    return parsed
