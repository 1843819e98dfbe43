"""The problem list: long-term conditions held for each patient."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.storage.models.base import Base, Synced


class Condition(Synced, Base):
    """A long-term condition on a patient's problem list (internal codes; see domain.md §11)."""

    __tablename__ = "conditions"
    __sync_kind__ = "condition"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    code: Mapped[str] = mapped_column(String(30), index=True)
    onset: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
