"""What a document builder hands back, and what it is given: one shape for every kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.platypus import Flowable

from hjdesk.reports.text import day
from hjdesk.services.release import SummaryIdentifiers
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class Context:
    """Who prints, when, and the day the document's 'today' means."""

    vault: OpenVault
    printed_by: str
    printed_at: datetime
    today: date


@dataclass(frozen=True, slots=True)
class Document:
    """A laid-out story and the page furniture it needs. `records` are ids for the audit event
    (never names or numbers)."""

    title: str
    story: list[Flowable]
    file_stem: str
    identifiers: str = ""
    subtitle: str = ""
    unsynced: bool = False
    patient_id: str | None = None
    records: dict[str, str] = field(default_factory=dict)


def identifier_line(ids: SummaryIdentifiers) -> str:
    """The line every page of a one-patient document repeats."""
    nhs = ids.nhs_number or "not known"  # already formatted "943 476 5919"
    where = " ".join(p for p in (ids.establishment_code, ids.location) if p)
    parts = [
        ids.display_name,
        f"Born {day(ids.date_of_birth)}",
        f"Prison no. {ids.prison_number}",
        f"NHS no. {nhs}",
    ]
    if where:
        parts.append(where)
    return " · ".join(parts)
