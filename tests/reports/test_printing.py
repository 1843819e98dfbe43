"""Saving a PDF: written only where the user chose, audited in the same call, nothing written
when anything fails; and the `hjdesk report` command."""

from __future__ import annotations

import json
import tempfile

import pytest
from sqlalchemy import select

from hjdesk.reports.build import save_report
from hjdesk.reports.kinds import ReportRequest
from hjdesk.services.settings.audit_check import verify_chain
from hjdesk.storage.errors import KnownError
from hjdesk.storage.models import AuditEvent
from tests.conftest import PASSWORD
from tests.reports.conftest import medicines_patient, patient_row, pdf_text, planned_session


def _prints(vault) -> list[AuditEvent]:
    with vault.session() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == "print").order_by(AuditEvent.seq)
            )
        )


def test_saving_writes_the_chosen_file_and_audits_the_print(demo, tmp_path, monkeypatch):
    # A temp folder of our own (other processes share the system one): it must stay empty.
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    patient_id = medicines_patient(demo)
    target = tmp_path / "chosen" / "summary.pdf"
    target.parent.mkdir()
    report = save_report(demo, ReportRequest("transfer-summary", patient_id=patient_id), target)
    assert target.read_bytes() == report.data
    assert sorted(p.name for p in target.parent.iterdir()) == ["summary.pdf"]
    assert list(temp.iterdir()) == [], "nothing left in the temp folder"
    [event] = _prints(demo)
    assert event.patient_id == patient_id
    assert event.actor_username == "nurse"
    detail = json.loads(event.detail)
    assert detail["kind"] == "transfer-summary"
    assert detail["pages"] == report.pages
    number = patient_row(demo, patient_id).prison_number
    assert number not in event.detail
    assert "summary.pdf" not in event.detail
    assert verify_chain(demo).ok


def test_a_list_print_names_its_session_and_no_patient(demo, tmp_path):
    session_id = planned_session(demo)
    save_report(demo, ReportRequest("unlock-list", session_id=session_id), tmp_path / "u.pdf")
    [event] = _prints(demo)
    assert event.patient_id is None
    assert json.loads(event.detail)["session_id"] == session_id


def test_a_folder_that_does_not_exist_leaves_no_file_and_no_print_event(demo, tmp_path):
    target = tmp_path / "missing" / "x.pdf"
    with pytest.raises(KnownError, match="Could not save the PDF"):
        save_report(demo, ReportRequest("overdue", wing="B"), target)
    assert not target.exists()
    assert _prints(demo) == []


def test_if_the_print_event_cannot_commit_the_written_file_is_taken_back(
    demo, tmp_path, monkeypatch
):
    from contextlib import contextmanager

    from hjdesk.reports.build import render_report, save_rendered

    report = render_report(demo, ReportRequest("overdue", wing="B"))
    target = tmp_path / "x.pdf"
    real = demo.transaction

    @contextmanager
    def commit_fails():
        with real() as session:
            yield session
            assert target.exists(), "the file is written inside the transaction"
            raise KnownError("The disk is full.")

    monkeypatch.setattr(demo, "transaction", commit_fails)
    with pytest.raises(KnownError, match="disk is full"):
        save_rendered(demo, report, target)
    monkeypatch.undo()
    assert not target.exists()
    assert _prints(demo) == []


def test_a_render_failure_writes_nothing(demo, tmp_path):
    target = tmp_path / "x.pdf"
    with pytest.raises(KnownError, match="not in this vault"):
        save_report(demo, ReportRequest("clinic-list", session_id="no-such-session"), target)
    assert not target.exists()
    assert _prints(demo) == []


# --- the command line --------------------------------------------------------------------


@pytest.fixture
def run(cli, demo_home):
    env = {"HJDESK_HOME": str(demo_home.root), "HJDESK_USER": "nurse", "HJDESK_PASSWORD": PASSWORD}

    def go(*argv):
        return cli("report", *argv, env=env)

    return go


def _opened(demo_home):
    from hjdesk.storage.vault import Vault

    return Vault(demo_home).unlock("nurse", PASSWORD)


def test_cli_saves_a_patient_document_by_prison_number(run, demo_home, tmp_path):
    vault = _opened(demo_home)
    try:
        patient_id = medicines_patient(vault)
        number = patient_row(vault, patient_id).prison_number
    finally:
        vault.lock()
    out = tmp_path / "summary.pdf"
    result = run("transfer-summary", "--patient", number.lower(), "--out", out)
    assert result.code == 0, result.err
    assert "Saved Transfer/release health summary" in result.out
    pdf = pdf_text(out.read_bytes())
    assert all(number in page for page in pdf.pages)
    vault = _opened(demo_home)
    try:
        [event] = _prints(vault)
        assert event.patient_id == patient_id
    finally:
        vault.lock()


def test_cli_month_and_wing_options(run, tmp_path):
    out = tmp_path / "audit.pdf"
    result = run("acct-audit", "--month", "2026-11", "--wing", "b", "--out", out)
    assert result.code == 0, result.err
    assert pdf_text(out.read_bytes()).has("Wing B · November 2026")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("news2", "--patient", "Z9999ZZ"), "No patient with that prison number"),
        (("news2", "--patient", "AB1234C"), "is not a prison number"),
        (("news2",), "give --patient PRISON_NUMBER"),
        (
            ("clinic-list", "--session", "01a2-not-a-session"),
            "That clinic session is not in this vault",
        ),
        (("acct-audit", "--month", "2026-13"), "is not a month"),
    ],
)
def test_cli_user_errors_are_one_line_with_exit_1_and_no_file(run, tmp_path, argv, message):
    out = tmp_path / "x.pdf"
    result = run(*argv, "--out", out)
    assert result.code == 1
    assert message in result.one_line_error
    assert not out.exists()


def test_cli_without_a_session_lists_the_sessions_to_choose_from(run, tmp_path):
    out = tmp_path / "x.pdf"
    result = run("unlock-list", "--out", out)
    assert result.code == 1
    assert "choose one of the sessions above" in result.one_line_error
    assert result.out.strip(), "the sessions are listed"
    assert not out.exists()


def test_cli_help_lists_every_kind(capsys):
    from hjdesk.cli import main
    from hjdesk.reports.kinds import KINDS

    with pytest.raises(SystemExit) as exit_:
        main(["report", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for name in KINDS:
        assert name in text


def test_cli_unknown_kind_is_a_usage_error(run, tmp_path):
    result = run("payslips", "--out", tmp_path / "x.pdf")
    assert result.code == 2


def test_building_the_parser_does_not_load_reportlab():
    import subprocess
    import sys

    code = (
        "import sys; from hjdesk.cli import build_parser; build_parser(); "
        "print(any(m.startswith('reportlab') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
