"""Small helpers every use case shares: clocks, JSON columns, looking rows up with a plain error."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hjdesk.clinical.dates import in_zone
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Base, Patient

T = TypeVar("T", bound=Base)
# Prisons in England keep London time; every "day" (due dates, worklists, reports) is a London
# day whatever zone the laptop is set to.
CLINIC_ZONE = ZoneInfo("Europe/London")
# A signer or author whose staff record this laptop does not hold: staff records stay with their
# prison, so the previous prison's clinicians are not held after a transfer (hazard H-37). Said
# as what it is, not as "unknown", which reads as if nobody signed.
NAME_NOT_HELD = "(name not held on this laptop)"


def utc_now() -> datetime:
    return datetime.now(UTC)


def clinic_time(moment: datetime) -> datetime:
    """A stored time on London's wall clock (in UTC for the few it cannot show:
    `clinical.dates.in_zone`)."""
    return in_zone(moment, CLINIC_ZONE)


def local_today(now: datetime | None = None) -> date:
    """Today in Europe/London (the laptop's own zone may be UTC or anything else)."""
    return (now or utc_now()).astimezone(CLINIC_ZONE).date()


def dumps(value: Any) -> str:
    """JSON for a text column: stable key order, non-ASCII names kept readable."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_default)


def loads(text: str | None, default: Any = None) -> Any:
    if not text:
        return default
    return json.loads(text)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def get_or_error(session: Session, model: type[T], record_id: str, what: str) -> T:
    """The row, or an InvalidInput naming what was not found (never the patient)."""
    found = session.get(model, record_id)
    if found is None:
        raise InvalidInput(f"That {what} is not in this vault.")
    return found


def patient_or_error(session: Session, patient_id: str) -> Patient:
    return get_or_error(session, Patient, patient_id, "patient")
