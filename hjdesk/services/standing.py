"""Which signed entries still stand: signed, not marked entered in error, not amended by a later
entry (domain.md §3). One filter for every amendable kind, so worklists, flags, the transfer
summary and printouts all leave out what was withdrawn in the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import aliased


def standing(model: type[Any]) -> tuple[ColumnElement[bool], ...]:
    """WHERE clauses keeping the rows of `model` that still stand."""
    later = aliased(model)
    amended = select(later.amends_id).where(later.amends_id.is_not(None))
    return (
        model.signed_at.is_not(None),
        model.entered_in_error.is_(False),
        model.id.not_in(amended),
    )
