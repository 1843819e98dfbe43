"""The transfer/release summary as a FHIR R4 document (UK Core): exported from the demo, read
back with the FHIR library, and checked for what a receiving NHS system relies on."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select

from hjdesk.clinical.codes import (
    CODES,
    NHS_NUMBER_SYSTEM,
    NHS_NUMBER_VERIFICATION_EXTENSION,
    NHS_NUMBER_VERIFICATION_SYSTEM,
    PRISON_NUMBER_SYSTEM,
    TEXT_ONLY,
    UK_CORE,
)
from hjdesk.clinical.identifiers import is_valid_nhs_number
from hjdesk.interop import build_fhir_summary, save_fhir_summary
from hjdesk.interop.fhir_document import UNSYNCED_TITLE
from hjdesk.interop.fhir_sections import TITLES
from hjdesk.reports.layout import UNSYNCED_MARK
from hjdesk.services.encounters.signing import amend_encounter
from hjdesk.services.patients.medicines import NO_ALLERGIES
from hjdesk.services.printing import SaveFailed
from hjdesk.services.release.summary import release_summary
from hjdesk.storage.errors import KnownError
from hjdesk.storage.models import AuditEvent, Observation, Patient
from tests.interop.helpers import (
    as_json,
    empty_patient,
    of_type,
    read_back,
    references,
    resources,
    richest_patient,
)
from tests.reports.conftest import ack_everything, pdf_text

LOINC_VITALS = {"9279-1", "8867-4", "59408-5", "8310-5", "85354-9"}


def _codes(concept) -> set[str]:
    return {c.code for c in (concept.coding or [])}


def _check_references_and_profiles(bundle) -> None:
    full_urls = {e.fullUrl for e in bundle.entry}
    assert len(full_urls) == len(bundle.entry), "every entry has its own fullUrl"
    for entry in bundle.entry:
        assert entry.fullUrl == f"urn:uuid:{entry.resource.id}"
        body = as_json(entry.resource)
        contained = {f"#{c['id']}" for c in body.get("contained", [])}
        for reference in references(body):
            assert reference in full_urls or reference in contained, reference
        profiles = body.get("meta", {}).get("profile", [])
        assert profiles, f"{body['resourceType']} names no profile"
        assert profiles[0] == UK_CORE + body["resourceType"]
        for inner in body.get("contained", []):
            assert inner["meta"]["profile"], "contained resources name their profile too"


def _check_identifiers(vault, bundle, patient_id):
    # The NHS number: the NHS system, ten digits that pass the checksum, and its verification
    # status in the UK Core extension; the prison number as a second identifier.
    [patient] = of_type(bundle, "Patient")
    nhs = [i for i in patient.identifier if i.system == NHS_NUMBER_SYSTEM]
    assert len(nhs) == 1
    assert nhs[0].value.isdigit()
    assert is_valid_nhs_number(nhs[0].value)
    [status] = nhs[0].extension
    assert status.url == NHS_NUMBER_VERIFICATION_EXTENSION
    assert status.valueCodeableConcept.coding[0].system == NHS_NUMBER_VERIFICATION_SYSTEM
    with vault.session() as session:
        row = session.get(Patient, patient_id)
        assert row is not None
        assert nhs[0].value == row.nhs_number
        prison = [i.value for i in patient.identifier if i.system == PRISON_NUMBER_SYSTEM]
        assert prison == [row.prison_number]
        assert patient.birthDate == row.date_of_birth


def test_richest_patient_reads_back_as_a_uk_core_document(shared_fhir_demo):
    vault = shared_fhir_demo
    patient_id = richest_patient(vault)
    export = build_fhir_summary(vault, patient_id)
    bundle = read_back(export.data)
    assert bundle.type == "document"
    assert bundle.meta.profile == [UK_CORE + "Bundle"]
    _check_references_and_profiles(bundle)

    composition = bundle.entry[0].resource
    assert composition.get_resource_type() == "Composition"
    assert _codes(composition.type) == {"18761-7"}
    titles = [s.title for s in composition.section]
    if export.preliminary:
        assert titles[0] == UNSYNCED_TITLE
        titles = titles[1:]
    assert titles == [*TITLES, "Printed copy"], "the PDF's sections, in the PDF's order"
    for section in composition.section:
        assert section.text.div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">')

    kinds = {r.get_resource_type() for r in resources(bundle)}
    assert {
        "Composition",
        "Patient",
        "Organization",
        "Practitioner",
        "Encounter",
        "Observation",
        "QuestionnaireResponse",
        "Condition",
        "MedicationStatement",
        "CarePlan",
        "DocumentReference",
    } <= kinds

    _check_identifiers(vault, bundle, patient_id)

    # NEWS2: SNOMED CT total, a component per parameter, derived from vital signs with LOINC
    # codes in the vital-signs category.
    observations = {o.id: o for o in of_type(bundle, "Observation")}
    [news2] = [o for o in observations.values() if "1104051000000101" in _codes(o.code)]
    assert news2.code.coding[0].system == "http://snomed.info/sct"
    assert len(news2.component) == 7
    for part in news2.component:
        assert part.code.coding or part.code.text == TEXT_ONLY["NEWS2_SPO2_SCALE2"]
    assert int(news2.valueQuantity.value) == sum(
        int(p.valueQuantity.value) for p in news2.component
    )
    derived = [observations[r.reference.removeprefix("urn:uuid:")] for r in news2.derivedFrom]
    assert {c for o in derived for c in _codes(o.code)} >= LOINC_VITALS
    for vital in derived:
        if _codes(vital.code) & LOINC_VITALS:
            assert [c.coding[0].code for c in vital.category] == ["vital-signs"]

    # Each questionnaire is a QuestionnaireResponse and its total an Observation derived from it.
    responses = {r.id: r for r in of_type(bundle, "QuestionnaireResponse")}
    totals = [
        o
        for o in observations.values()
        if o.derivedFrom
        and any(d.reference.removeprefix("urn:uuid:") in responses for d in o.derivedFrom)
    ]
    assert len(totals) == len(responses) >= 2
    phq9 = [o for o in totals if CODES["PHQ9_TOTAL"].code in _codes(o.code)]
    assert phq9, "the richest patient has a PHQ-9"

    # HbA1c: LOINC, the same result the printed summary shows.
    printed = release_summary(vault, patient_id).key_results.hba1c
    [hba1c] = [o for o in observations.values() if _codes(o.code) == {"59261-8"}]
    assert printed is not None
    assert float(hba1c.valueQuantity.value) == printed.value
    assert hba1c.valueQuantity.code == "mmol/mol"

    # The PDF itself rides along.
    [document] = of_type(bundle, "DocumentReference")
    attachment = document.content[0].attachment
    assert attachment.contentType == "application/pdf"
    assert attachment.data.startswith(b"%PDF")


def test_a_patient_with_nothing_recorded_says_so_and_never_no_known_allergies(shared_fhir_demo):
    vault = shared_fhir_demo
    patient_id = empty_patient(vault)
    bundle = read_back(build_fhir_summary(vault, patient_id).data)
    _check_references_and_profiles(bundle)
    kinds = sorted({r.get_resource_type() for r in resources(bundle)})
    assert kinds == [
        "Composition",
        "DocumentReference",
        "Organization",
        "Patient",
        "Practitioner",
    ]
    composition = bundle.entry[0].resource
    allergies = next(s for s in composition.section if s.title == TITLES[1])
    assert allergies.entry is None
    assert _codes(allergies.emptyReason) == {"no-content-recorded"}
    assert "nilknown" not in json.dumps(as_json(composition))
    assert "None recorded" in allergies.text.div
    assert NO_ALLERGIES.split(".")[0] in allergies.text.div
    for section in composition.section:
        assert section.text.div.count("<p>") + section.text.div.count("<li>") >= 1


def test_narrative_is_escaped_xhtml():
    from fhir.resources.R4B.narrative import Narrative

    from hjdesk.interop.fhir_common import div, narrative

    made = div(["<b>O'Brien & Sons</b>", "second"], "Heading <i>")
    assert "<b>O'Brien" not in made
    assert "&lt;b&gt;O'Brien &amp; Sons&lt;/b&gt;" in made
    assert "Heading &lt;i&gt;" in made
    assert made.startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert made.endswith("</div>")
    assert div([]).count("Nothing recorded") == 1
    assert isinstance(narrative(["x"]), Narrative)


def test_entered_in_error_vital_signs_do_not_travel(demo):
    patient_id = richest_patient(demo)
    before = read_back(build_fhir_summary(demo, patient_id).data)
    [news2] = [o for o in of_type(before, "Observation") if "1104051000000101" in _codes(o.code)]
    with demo.session() as session:
        struck = session.get(Observation, news2.id)
        assert struck is not None
        encounter_id = struck.encounter_id
    amend_encounter(demo, encounter_id, reason="Wrong patient", entered_in_error=True)

    after = read_back(build_fhir_summary(demo, patient_id).data)
    _check_references_and_profiles(after)
    ids = {r.id for r in resources(after)}
    assert news2.id not in ids
    assert encounter_id not in ids
    for resource in resources(after):
        assert encounter_id not in json.dumps(as_json(resource))


def test_unsynced_marks_match_the_pdf(demo):
    patient_id = richest_patient(demo)
    ack_everything(demo)
    clean = read_back(build_fhir_summary(demo, patient_id).data)
    composition = clean.entry[0].resource
    [document] = of_type(clean, "DocumentReference")
    assert composition.status == "final"
    assert document.docStatus == "final"
    assert UNSYNCED_TITLE not in [s.title for s in composition.section]
    assert not pdf_text(document.content[0].attachment.data).has(UNSYNCED_MARK)

    news2 = next(o for o in of_type(clean, "Observation") if "1104051000000101" in _codes(o.code))
    with demo.session() as session:
        observation = session.get(Observation, news2.id)
        assert observation is not None
        encounter_id = observation.encounter_id
    amend_encounter(demo, encounter_id, reason="Recorded on the wrong day", entered_in_error=True)

    marked = build_fhir_summary(demo, patient_id)
    assert marked.preliminary
    bundle = read_back(marked.data)
    composition = bundle.entry[0].resource
    [document] = of_type(bundle, "DocumentReference")
    assert composition.status == "preliminary"
    assert document.docStatus == "preliminary"
    assert composition.section[0].title == UNSYNCED_TITLE
    pdf = pdf_text(document.content[0].attachment.data)
    assert all(UNSYNCED_MARK in page for page in pdf.pages), "the PDF inside is marked too"


def test_saving_writes_only_the_chosen_file_and_audits_the_export(demo, tmp_path):
    patient_id = richest_patient(demo)
    folder = tmp_path / "chosen"
    folder.mkdir()
    target = folder / "summary.fhir.json"
    export = save_fhir_summary(demo, patient_id, target)
    assert target.read_bytes() == export.data
    assert list(folder.iterdir()) == [target]
    with demo.session() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert event.patient_id == patient_id
    detail = json.loads(event.detail)
    assert detail["kind"] == "fhir-transfer-summary"
    assert detail["resources"] == export.resources
    assert str(tmp_path) not in event.detail, "the path may name the patient: never audited"


def test_saving_to_a_folder_fails_plainly_and_audits_nothing(demo, tmp_path):
    patient_id = empty_patient(demo)
    with pytest.raises(SaveFailed, match="not a folder"):
        save_fhir_summary(demo, patient_id, tmp_path)
    with demo.session() as session:
        assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()


def test_an_unknown_patient_is_a_known_error(demo, tmp_path):
    target = tmp_path / "x.json"
    with pytest.raises(KnownError):
        save_fhir_summary(demo, "no-such-patient", target)
    assert not target.exists()


def test_the_same_record_exports_the_same_ids(shared_fhir_demo):
    vault = shared_fhir_demo
    patient_id = richest_patient(vault)
    first = read_back(build_fhir_summary(vault, patient_id).data)
    second = read_back(build_fhir_summary(vault, patient_id).data)
    skip = {"Composition", "DocumentReference"}  # each export is a new document
    ids = [r.id for r in resources(first) if r.get_resource_type() not in skip]
    assert ids == [r.id for r in resources(second) if r.get_resource_type() not in skip]
    assert base64  # the attachment is base64 in JSON; the library decodes it on reading


def test_an_unknown_nhs_number_is_left_out_never_invented(shared_fhir_demo):
    vault = shared_fhir_demo
    with vault.session() as session:
        row = session.scalars(
            select(Patient).where(Patient.nhs_number.is_(None)).order_by(Patient.id).limit(1)
        ).one()
        patient_id, number = row.id, row.prison_number
    bundle = read_back(build_fhir_summary(vault, patient_id).data)
    [patient] = of_type(bundle, "Patient")
    assert [(i.system, i.value) for i in patient.identifier] == [(PRISON_NUMBER_SYSTEM, number)]
    assert "NHS number not known" in patient.text.div


def test_only_clinical_staff_may_export(demo_home, tmp_path):
    from hjdesk.storage.errors import PermissionDenied
    from hjdesk.storage.vault import Vault
    from tests.conftest import PASSWORD

    admin = Vault(demo_home).unlock("admin", PASSWORD)
    try:
        patient_id = empty_patient(admin)
        target = tmp_path / "x.json"
        with pytest.raises(PermissionDenied):
            save_fhir_summary(admin, patient_id, target)
        assert not target.exists()
    finally:
        admin.lock()
