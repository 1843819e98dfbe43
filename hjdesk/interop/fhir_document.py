"""The transfer/release summary as a FHIR document: a Bundle of type `document` whose Composition
has the printed summary's sections in the printed order (clinical.release.SummarySection), each
with its narrative and its entries.

When some of the patient's entries have not reached the healthcare office yet (the PDF's
"contains unsynced entries" mark), the Composition is `preliminary` and opens with a warning
section saying so; otherwise it is `final`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.composition import Composition, CompositionSection
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.resource import Resource

from hjdesk.clinical.codes import HJDESK_RECORD_SYSTEM, NO_CONTENT_RECORDED
from hjdesk.clinical.release import AcctSummaryStatus, SummarySection
from hjdesk.interop import fhir_entries as entries
from hjdesk.interop import fhir_observations as obs
from hjdesk.interop import fhir_sections as text
from hjdesk.interop.fhir_common import (
    coding,
    concept,
    derived_id,
    full_url,
    meta,
    narrative,
    ref,
    utc,
)
from hjdesk.interop.fhir_people import (
    organization_id,
    organization_resource,
    patient_resource,
    practitioner_resource,
)
from hjdesk.services.release import CodedEntries, PlanBrief, ReleaseSummary

TITLE = "Transfer/release health summary"
UNSYNCED_TITLE = "Entries not yet at the healthcare office"
UNSYNCED_TEXT = (
    "This summary contains entries made on this laptop that have not yet reached the "
    "healthcare office's record (the printed copy is marked 'contains unsynced entries'). "
    "It is preliminary: check with the sending service before relying on it."
)


@dataclass
class _Builder:
    """Collects resources once each, in the order they are first met."""

    resources: dict[str, Resource] = field(default_factory=dict)

    def add(self, resource: Resource) -> str:
        key = str(resource.id)
        self.resources.setdefault(key, resource)
        return key

    def add_all(self, items: Iterable[Resource]) -> list[str]:
        return [self.add(r) for r in items]


def _section(title: str, lines: Sequence[str], ids: Sequence[str] = ()) -> CompositionSection:
    return CompositionSection(
        title=title,
        text=narrative(lines, title),
        entry=[ref(i) for i in ids] or None,
    )


def _flags(s: ReleaseSummary, b: _Builder) -> dict[SummarySection, list[str]]:
    """The alerts and warnings the PDF prints, as Flags, by the section that prints them. No
    author: the prison system raised the alerts, the record's rules the warnings."""
    pid = s.identifiers.patient_id
    out: dict[SummarySection, list[str]] = {}

    def put(section: SummarySection, key: str, message: str, category: str) -> None:
        out.setdefault(section, []).append(b.add(entries.flag(key, message, category, pid)))

    for code in s.identifiers.alerts:
        put(
            SummarySection.IDENTIFIERS,
            f"alert/{code}",
            f"Prison alert {text.alert(code)}",
            "admin" if code == "HID" else "safety",
        )
    for problem in s.release_plan.problems if s.release_plan else ():
        put(SummarySection.IDENTIFIERS, f"plan/{problem}", f"Release plan: {problem}", "admin")
    if s.critical_medicines:
        names = ", ".join(m.name for m in s.critical_medicines)
        put(
            SummarySection.MEDICINES,
            "critical-medicines",
            f"Critical medicines must travel with the patient: {names}",
            "drug",
        )
    if s.supply.supply_ok is False:
        put(
            SummarySection.SUPPLY_GIVEN,
            "supply-short",
            "Supply is short: at least 7 days, or an FP10, is needed (NICE QS156)",
            "drug",
        )
    if s.acct.status is AcctSummaryStatus.OPEN:
        put(
            SummarySection.ACCT,
            "acct-open",
            "ACCT OPEN: the ACCT document and observations must go with the patient",
            "safety",
        )
    if s.social_care.needs_referral:
        put(
            SummarySection.FRAILTY_AND_SOCIAL_CARE,
            "social-care-referral",
            "Social care needs with no referral to the local authority (Care Act 2014 s.76)",
            "admin",
        )
    return out


def _clinical(
    s: ReleaseSummary, coded: CodedEntries, b: _Builder
) -> dict[SummarySection, list[str]]:
    """Add the clinical resources; the ids each section lists as its entries."""
    pid = s.identifiers.patient_id
    staff = {p.id for p in coded.staff}

    def subject(signer: str | None) -> obs.Subject:
        return obs.Subject(pid, signer if signer in staff else None)

    def plan(p: PlanBrief | None) -> list[str]:
        owner = coded.plan_owners.get(p.plan_id) if p else None
        return [b.add(entries.care_plan(p, pid, owner if owner in staff else None))] if p else []

    results: list[str] = []
    if coded.vitals is not None:
        results += b.add_all(obs.vital_signs(coded.vitals, subject(coded.vitals.signed_by)))
    if coded.hba1c is not None:
        results.append(b.add(obs.hba1c(coded.hba1c, subject(coded.hba1c.signed_by))))
    scores: dict[str, list[str]] = {}
    for q in coded.questionnaires:
        response, total = obs.questionnaire(q, subject(q.signed_by))
        scores.setdefault(q.values.instrument, []).extend([b.add(response), b.add(total)])
    frailty = [b.add(obs.frailty(s.frailty, subject(None), pid))] if s.frailty else []
    return {
        SummarySection.ALLERGIES: b.add_all(
            entries.allergy(a, pid, n) for n, a in enumerate(s.allergies, 1)
        ),
        SummarySection.PROBLEMS_AND_LTCS: [
            *b.add_all(entries.condition(c, pid) for c in s.conditions),
            *results,
        ],
        SummarySection.MEDICINES: b.add_all(entries.medication(m, pid) for m in s.medicines),
        SummarySection.MENTAL_HEALTH: [
            *plan(s.mental_health.plan),
            *scores.get("PHQ9", []),
            *scores.get("GAD7", []),
        ],
        SummarySection.FRAILTY_AND_SOCIAL_CARE: [
            *frailty,
            *scores.get("SIX_CIT", []),
            *plan(s.social_care.plan),
        ],
        SummarySection.COMMUNICATION_AND_NEURODIVERSITY: [
            *plan(s.communication.plan),
            *scores.get("AQ10", []),
        ],
        SummarySection.END_OF_LIFE: plan(s.end_of_life.plan),
    }


def _narratives(s: ReleaseSummary, coded: CodedEntries) -> dict[SummarySection, list[str]]:
    return {
        SummarySection.IDENTIFIERS: text.identifiers(s),
        SummarySection.ALLERGIES: text.allergies(s),
        SummarySection.PROBLEMS_AND_LTCS: text.problems(s, coded),
        SummarySection.MEDICINES: text.medicines(s),
        SummarySection.SUPPLY_GIVEN: text.supply(s),
        SummarySection.MENTAL_HEALTH: text.mental_health(s),
        SummarySection.ACCT: text.acct(s),
        SummarySection.OUTSTANDING_APPOINTMENTS: text.outstanding(s),
        SummarySection.SCREENING_AND_IMMUNISATION: text.screening(s),
        SummarySection.FRAILTY_AND_SOCIAL_CARE: text.frailty(s),
        SummarySection.COMMUNICATION_AND_NEURODIVERSITY: text.communication(s),
        SummarySection.END_OF_LIFE: text.end_of_life(s),
        SummarySection.RECONNECT: text.reconnect(s),
    }


def _sections(
    s: ReleaseSummary, coded: CodedEntries, b: _Builder, people: list[str]
) -> list[CompositionSection]:
    """The PDF's sections in the PDF's order, each with its narrative and entries."""
    listed = _clinical(s, coded, b)
    for section, flag_ids in _flags(s, b).items():
        listed.setdefault(section, []).extend(flag_ids)
    listed[SummarySection.IDENTIFIERS] = [*people, *listed.get(SummarySection.IDENTIFIERS, [])]
    lines = _narratives(s, coded)
    out = []
    for title, section in zip(text.TITLES, SummarySection, strict=True):
        made = _section(title, lines[section], listed.get(section, []))
        if section is SummarySection.ALLERGIES and not made.entry:
            # "No content recorded" (UK Core list empty reason): never "no known allergies".
            made.emptyReason = CodeableConcept(
                coding=[coding(NO_CONTENT_RECORDED)], text="No allergy information is recorded"
            )
        out.append(made)
    return out


def build_bundle(
    s: ReleaseSummary,
    coded: CodedEntries,
    *,
    pdf: bytes,
    pdf_unsynced: bool,
    author_id: str | None,
    now: datetime,
) -> Bundle:
    """The document. `pdf` is the printed summary, carried in a DocumentReference."""
    ids = s.identifiers
    pid = ids.patient_id
    preliminary = s.contains_unsynced or pdf_unsynced
    b = _Builder()
    people = [b.add(patient_resource(ids)), b.add(organization_resource(ids))]
    b.add_all(practitioner_resource(p) for p in coded.staff)
    # Every member of staff an entry refers to is a Practitioner here (a staff row's, or the
    # hub's name card's: H-37); one this laptop cannot name is not referred to at all.
    staff = {p.id for p in coded.staff}
    b.add_all(
        entries.encounter(
            e, pid, organization_id(ids), e.signed_by if e.signed_by in staff else None
        )
        for e in coded.encounters
    )
    composer = author_id if author_id in staff else None
    sections = _sections(s, coded, b, people)
    document_id = derived_id(pid, "transfer-summary", utc(now).isoformat())
    pdf_id = b.add(entries.pdf_reference(document_id, pdf, TITLE, pid, composer, now, preliminary))
    sections.append(
        _section("Printed copy", ["The same summary as printed, attached as a PDF."], [pdf_id])
    )
    if preliminary:
        sections.insert(0, _section(UNSYNCED_TITLE, [UNSYNCED_TEXT]))
    composition = Composition(
        id=document_id,
        meta=meta("Composition"),
        text=narrative(
            [
                f"{TITLE} for {ids.display_name}, produced by {s.generated_by} "
                f"({s.generated_by_role}) from this laptop's record."
            ]
        ),
        status="preliminary" if preliminary else "final",
        type=concept("TRANSFER_SUMMARY"),
        subject=ref(pid),
        date=utc(now),
        author=[ref(composer or people[1])],
        custodian=ref(people[1]),
        title=TITLE,
        section=sections,
    )
    return Bundle(
        id=derived_id(document_id, "bundle"),
        meta=meta("Bundle"),
        identifier=Identifier(system=HJDESK_RECORD_SYSTEM, value=document_id),
        type="document",
        timestamp=utc(now),
        entry=[
            BundleEntry(fullUrl=full_url(document_id), resource=composition),
            *(BundleEntry(fullUrl=full_url(k), resource=r) for k, r in b.resources.items()),
        ],
    )


__all__ = ["build_bundle"]
