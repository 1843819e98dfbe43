"""No record data in the log: a database error on a row holding a name, through the crash path,
leaves the name nowhere in `hjdesk.log`; the log is private to the user (architecture.md §3)."""

from __future__ import annotations

import logging
import stat
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hjdesk.services.roll.importing import import_roll
from hjdesk.storage.models import Patient
from hjdesk.ui import crash
from hjdesk.ui.app import configure_logging
from hjdesk.ui.crash import CrashHandler, scrubbed_traceback

NAME = "Zebedee-Quintessa"


@pytest.fixture
def log_file(vault, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(crash.QMessageBox, "critical", lambda *a: shown.append(a[2]))
    handler = configure_logging(vault.home)
    yield vault.home.log
    logging.getLogger().removeHandler(handler)
    handler.close()


def test_a_database_error_on_a_named_row_leaves_the_name_out_of_the_log(qtbot, vault, roll,
                                                                         log_file):  # fmt: skip
    import_roll(vault, roll.write([roll.line("A1234BC", family_name=NAME)]), full_roll=False)
    with vault.session() as session:
        existing = session.scalar(select(Patient).where(Patient.prison_number == "A1234BC"))
    # The same id again: a UNIQUE constraint fails on a row holding the name.
    with pytest.raises(IntegrityError) as caught, vault.transaction() as session:
        session.add(
            Patient(id=existing.id, prison_number="A1234BC", family_name=NAME,
                    given_names=f"{NAME} Junior", family_fold=NAME.lower(), given_fold="x",
                    date_of_birth=date(1980, 4, 1), sex="M",
                    establishment_id=existing.establishment_id)
        )  # fmt: skip
    error = caught.value
    assert NAME not in str(error)  # hide_parameters: the message names no value
    CrashHandler().handle(type(error), error, error.__traceback__)
    # A bug of our own quoting the value in its message is withheld too.
    try:
        raise ValueError(f"cannot file {NAME}")
    except ValueError as bug:
        CrashHandler().handle(type(bug), bug, bug.__traceback__)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "IntegrityError" in text
    assert "UNIQUE constraint failed" in text  # the driver's own message is kept
    assert "ValueError" in text
    assert NAME not in text
    assert NAME.lower() not in text
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


def test_scrubbed_traceback_keeps_where_and_drops_what():
    try:
        try:
            raise KeyError("A1234BC")
        except KeyError as first:
            raise RuntimeError("patient Smith, John") from first
    except RuntimeError as exc:
        text = scrubbed_traceback(type(exc), exc, exc.__traceback__)
    assert "A1234BC" not in text
    assert "Smith" not in text
    assert "builtins.KeyError" in text
    assert "builtins.RuntimeError" in text
    assert "test_scrubbed_traceback_keeps_where_and_drops_what" in text
