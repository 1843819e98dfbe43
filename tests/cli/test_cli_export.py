"""`hjdesk export fhir --patient PRISON_NUMBER --out FILE.json`: the FHIR summary from the
command line; user mistakes are one line, exit 1, and no file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hjdesk.storage.models import AuditEvent, Patient
from hjdesk.storage.vault import Vault
from tests.conftest import PASSWORD
from tests.interop.helpers import read_back, richest_patient


@pytest.fixture
def run(cli, demo_home):
    env = {"HJDESK_HOME": str(demo_home.root), "HJDESK_USER": "nurse", "HJDESK_PASSWORD": PASSWORD}

    def go(*argv):
        return cli("export", *argv, env=env)

    return go


def _number(demo_home) -> tuple[str, str]:
    vault = Vault(demo_home).unlock("nurse", PASSWORD)
    try:
        patient_id = richest_patient(vault)
        with vault.session() as session:
            row = session.get(Patient, patient_id)
            assert row is not None
            return patient_id, row.prison_number
    finally:
        vault.lock()


def test_export_fhir_writes_the_bundle_and_audits_it(run, demo_home, tmp_path):
    patient_id, number = _number(demo_home)
    out = tmp_path / "summary.json"
    result = run("fhir", "--patient", number.lower(), "--out", out)
    assert result.code == 0, result.err
    assert "Saved the FHIR transfer/release summary" in result.out
    bundle = read_back(out.read_bytes())
    assert bundle.type == "document"
    patient = next(e.resource for e in bundle.entry if e.resource.get_resource_type() == "Patient")
    assert patient.id == patient_id
    vault = Vault(demo_home).unlock("nurse", PASSWORD)
    try:
        with vault.session() as session:
            [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "export"))
            assert event.patient_id == patient_id
            assert json.loads(event.detail)["kind"] == "fhir-transfer-summary"
    finally:
        vault.lock()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--patient", "Z9999ZZ"), "No patient with that prison number"),
        (("--patient", "AB1234C"), "is not a prison number"),
    ],
)
def test_export_fhir_user_errors_are_one_line_with_exit_1_and_no_file(run, tmp_path, argv, message):
    out = tmp_path / "x.json"
    result = run("fhir", *argv, "--out", out)
    assert result.code == 1
    assert message in result.one_line_error
    assert not out.exists()


def test_export_fhir_refuses_an_out_folder_that_does_not_exist(run, tmp_path):
    out = tmp_path / "missing" / "x.json"
    result = run("fhir", "--patient", "A1234BC", "--out", out)
    assert result.code == 1
    assert "--out must name a JSON file" in result.one_line_error


@pytest.mark.parametrize("argv", [("--out", "x.json"), ("fhir", "--out", "x.json")])
def test_export_without_a_format_or_patient_is_a_usage_error(run, argv):
    result = run(*argv)
    assert result.code == 2
    assert "Traceback" not in result.err
