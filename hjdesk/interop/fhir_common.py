"""Small pieces every FHIR resource of the summary is made of: ids, references, profiles, codes,
quantities and escaped narrative.

Ids: a record that has an id in the vault keeps it (its UUID is a valid FHIR id, and the same
record exported twice is the same resource); a resource derived from a record (one vital sign of
an observation set, a score's Observation beside its QuestionnaireResponse) gets a UUIDv5 of the
record id and what it is, so it too is the same on every export. fullUrls are `urn:uuid:` ids:
the document stands alone, it names no server.
"""

from __future__ import annotations

import html
import math
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.narrative import Narrative
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference

from hjdesk.clinical.codes import CODES, TEXT_ONLY, UCUM, Code, uk_core_profile

# Namespace for ids derived from HJDesk record ids (a fixed, random UUID: never change it, or the
# same record would get a new FHIR id).
_NAMESPACE = uuid.UUID("5f0c1a7e-2b1d-4e47-9a39-6c2f3f0d8b21")
XHTML = "http://www.w3.org/1999/xhtml"


def derived_id(*parts: str) -> str:
    """A stable id for a resource made from a record: the same parts give the same id."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def full_url(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def ref(resource_id: str, display: str | None = None) -> Reference:
    """A reference to a resource in the same bundle, by its fullUrl."""
    return Reference(reference=full_url(resource_id), display=display or None)


def meta(resource_type: str, *more: str) -> Meta:
    profiles: list[str | None] = [uk_core_profile(resource_type), *more]
    return Meta(profile=profiles)


def as_fhir_date(day: date | None) -> Any:
    """A calendar date where the model's type says dateTime: FHIR allows a date-only dateTime
    (and the model accepts one), which is more honest than inventing a time of day."""
    return day


def coding(c: Code) -> Coding:
    return Coding(system=c.system, code=c.code, display=c.display)


def concept(*keys: str, text: str | None = None) -> CodeableConcept:
    """A CodeableConcept of the table's codes; a TEXT_ONLY key gives text alone."""
    codings = [coding(CODES[k]) for k in keys if k in CODES]
    texts = [TEXT_ONLY[k] for k in keys if k in TEXT_ONLY]
    return CodeableConcept(
        coding=codings or None, text=text or (texts[0] if texts else None) or None
    )


def text_concept(text: str) -> CodeableConcept:
    """A concept named only by text; FHIR text may not be blank, and a pulled record (an
    allergy whose substance is empty, from a device in hostile hands) may hold blank text."""
    return CodeableConcept(text=text if text.strip() else "not recorded")


def system_concept(system: str, code: str, display: str) -> CodeableConcept:
    return CodeableConcept(coding=[Coding(system=system, code=code, display=display)])


def _decimal(value: float) -> Decimal | None:
    """The value as a FHIR decimal; None (a quantity without a value) for NaN or infinity,
    which no decimal is: a vault may hold one pulled before the payload rules refused them, and
    it must cost that one value, not the whole document."""
    return Decimal(str(value)) if math.isfinite(value) else None


def quantity(value: float, unit: str, ucum: str) -> Quantity:
    return Quantity(value=_decimal(value), unit=unit, system=UCUM, code=ucum)


def score(value: float) -> Quantity:
    """A score: a number without a unit of measure (UCUM annotation {score})."""
    return Quantity(value=_decimal(value), unit="score", system=UCUM, code="{score}")


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def div(lines: Iterable[str], heading: str | None = None) -> str:
    """An xhtml narrative div: every line escaped, one paragraph or list item each."""
    items = [html.escape(line, quote=False) for line in lines if line]
    body = f"<p><b>{html.escape(heading, quote=False)}</b></p>" if heading else ""
    if len(items) == 1:
        body += f"<p>{items[0]}</p>"
    elif items:
        body += "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    if not body:
        body = "<p>Nothing recorded.</p>"
    return f'<div xmlns="{XHTML}">{body}</div>'


def narrative(lines: Iterable[str], heading: str | None = None) -> Narrative:
    return Narrative(status="generated", div=div(lines, heading))
