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
from hjdesk.clinical.release import AcctSummaryStatus
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
from hjdesk.services.release_record import CodedEntries
from hjdesk.services.release_summary import ReleaseSummary
from hjdesk.services.release_summary_parts import PlanBrief

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


def _flags(s: ReleaseSummary, b: _Builder) -> dict[str, list[str]]:
    """The alerts and warnings the PDF prints, as Flags, by the section that prints them. No
    author: the prison system raised the alerts, the record's rules the warnings."""
    pid = s.identifiers.patient_id
    out: dict[str, list[str]] = {}

    def put(section: str, key: str, message: str, category: str) -> None:
        out.setdefault(section, []).append(b.add(entries.flag(key, message, category, pid)))

    for code in s.identifiers.alerts:
        put(
            "identifiers",
            f"alert/{code}",
            f"Prison alert {text.alert(code)}",
            "admin" if code == "HID" else "safety",
        )
    for problem in s.release_plan.problems if s.release_plan else ():
        put("identifiers", f"plan/{problem}", f"Release plan: {problem}", "admin")
    if s.critical_medicines:
        names = ", ".join(m.name for m in s.critical_medicines)
        put(
            "medicines",
            "critical-medicines",
            f"Critical medicines must travel with the patient: {names}",
            "drug",
        )
    if s.supply.supply_ok is False:
        put(
            "supply",
            "supply-short",
            "Supply is short: at least 7 days, or an FP10, is needed (NICE QS156)",
            "drug",
        )
    if s.acct.status is AcctSummaryStatus.OPEN:
        put(
            "acct",
            "acct-open",
            "ACCT OPEN: the ACCT document and observations must go with the patient",
            "safety",
        )
    if s.social_care.needs_referral:
        put(
            "frailty",
            "social-care-referral",
            "Social care needs with no referral to the local authority (Care Act 2014 s.76)",
            "admin",
        )
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
    b.add(patient_resource(ids))
    org = b.add(organization_resource(ids))
    staff = {p.id: p for p in coded.staff}
    b.add_all(practitioner_resource(p) for p in coded.staff)
    b.add_all(entries.encounter(e, pid, organization_id(ids)) for e in coded.encounters)

    def subject(signer: str | None) -> obs.Subject:
        return obs.Subject(pid, signer if signer in staff else None)

    flags = _flags(s, b)
    conditions = b.add_all(entries.condition(c, pid) for c in s.conditions)
    results: list[str] = []
    if coded.vitals is not None:
        results += b.add_all(obs.vital_signs(coded.vitals, subject(coded.vitals.signed_by)))
    if coded.hba1c is not None:
        results.append(b.add(obs.hba1c(coded.hba1c, subject(coded.hba1c.signed_by))))
    scores: dict[str, list[str]] = {}
    for q in coded.questionnaires:
        response, total = obs.questionnaire(q, subject(q.signed_by))
        scores.setdefault(q.values.instrument, []).extend([b.add(response), b.add(total)])
    frailty = [b.add(obs.frailty(s.frailty, obs.Subject(pid, None), pid))] if s.frailty else []

    def plan(p: PlanBrief | None) -> list[str]:
        if p is None:
            return []
        return [b.add(entries.care_plan(p, pid, coded.plan_owners.get(p.plan_id)))]

    allergy_ids = b.add_all(entries.allergy(a, pid, n) for n, a in enumerate(s.allergies, 1))
    medicine_ids = b.add_all(entries.medication(m, pid) for m in s.medicines)
    allergies = _section(text.TITLES[1], text.allergies(s), allergy_ids)
    if not allergy_ids:
        # "No content recorded" (UK Core list empty reason): never "no known allergies".
        allergies.emptyReason = CodeableConcept(
            coding=[coding(NO_CONTENT_RECORDED)], text="No allergy information is recorded"
        )
    sections = [
        _section(text.TITLES[0], text.identifiers(s), [pid, org, *flags.get("identifiers", [])]),
        allergies,
        _section(text.TITLES[2], text.problems(s, coded), [*conditions, *results]),
        _section(text.TITLES[3], text.medicines(s), [*medicine_ids, *flags.get("medicines", [])]),
        _section(text.TITLES[4], text.supply(s), flags.get("supply", [])),
        _section(
            text.TITLES[5],
            text.mental_health(s),
            [*plan(s.mental_health.plan), *scores.get("PHQ9", []), *scores.get("GAD7", [])],
        ),
        _section(text.TITLES[6], text.acct(s), flags.get("acct", [])),
        _section(text.TITLES[7], text.outstanding(s)),
        _section(text.TITLES[8], text.screening(s)),
        _section(
            text.TITLES[9],
            text.frailty(s),
            [
                *frailty,
                *scores.get("SIX_CIT", []),
                *plan(s.social_care.plan),
                *flags.get("frailty", []),
            ],
        ),
        _section(
            text.TITLES[10],
            text.communication(s),
            [*plan(s.communication.plan), *scores.get("AQ10", [])],
        ),
        _section(text.TITLES[11], text.end_of_life(s), plan(s.end_of_life.plan)),
        _section(text.TITLES[12], text.reconnect(s)),
    ]
    document_id = derived_id(pid, "transfer-summary", utc(now).isoformat())
    pdf_id = b.add(
        entries.pdf_reference(
            document_id,
            pdf,
            TITLE,
            pid,
            author_id if author_id in staff else None,
            now,
            preliminary,
        )
    )
    sections.append(
        _section("Printed copy", ["The same summary as printed, attached as a PDF."], [pdf_id])
    )
    if preliminary:
        sections.insert(0, _section(UNSYNCED_TITLE, [UNSYNCED_TEXT]))
    composer = author_id if author_id in staff else None
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
        author=[ref(composer)] if composer else [ref(org)],
        custodian=ref(org),
        title=TITLE,
        section=sections,
    )
    entries_list = [BundleEntry(fullUrl=full_url(document_id), resource=composition)]
    entries_list += [
        BundleEntry(fullUrl=full_url(key), resource=resource)
        for key, resource in b.resources.items()
    ]
    return Bundle(
        id=derived_id(document_id, "bundle"),
        meta=meta("Bundle"),
        identifier=Identifier(system=HJDESK_RECORD_SYSTEM, value=document_id),
        type="document",
        timestamp=utc(now),
        entry=entries_list,
    )


__all__ = ["build_bundle"]
