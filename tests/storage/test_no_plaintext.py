"""No patient identifier ever reaches the disk in plain text, and nothing lands in temp folders."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from hjdesk.services import patients
from hjdesk.services.roll.importing import import_roll
from hjdesk.storage import migrate
from hjdesk.storage.models import Patient

SURNAME = "Featherstonehaugh"
GIVEN = "Quillon"
NHS = "9434765919"
PRISON_NUMBER = "A1234BC"


def _needles() -> list[bytes]:
    return [
        SURNAME.lower().encode("utf-8"),
        GIVEN.lower().encode("utf-8"),
        SURNAME.encode("utf-16-le").lower(),
        NHS.encode("ascii"),
        b"943 476 5919",
        PRISON_NUMBER.lower().encode("ascii"),
        b"1961-07-23",
    ]


def _plaintext_hits(root: Path) -> dict[str, list[bytes]]:
    hits: dict[str, list[bytes]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        found = [needle for needle in _needles() if needle in data]
        if found:
            hits[str(path.relative_to(root))] = found
    return hits


def _temp_dirs() -> list[Path]:
    dirs = {Path(tempfile.gettempdir()), Path("/var/tmp"), Path("/tmp")}
    return sorted(d for d in dirs if d.is_dir())


def _listing() -> dict[Path, set[str]]:
    return {d: set(os.listdir(d)) for d in _temp_dirs()}


def _new_entries_with_identifiers(before: dict[Path, set[str]]) -> dict[str, list[bytes]]:
    """What appeared in the shared temp folders since `before` and holds an identifier. Other
    processes on the machine (parallel test runs, other programs) add and remove files there
    too, so an appearance alone proves nothing; an identifier of this test's patient does."""
    hits: dict[str, list[bytes]] = {}
    for folder, names in _listing().items():
        for name in sorted(names - before.get(folder, set())):
            path = folder / name
            try:
                if path.is_file():
                    data = path.read_bytes().lower()
                    found = [needle for needle in _needles() if needle in data]
                    if found:
                        hits[str(path)] = found
                elif path.is_dir():
                    hits.update({f"{path}/{k}": v for k, v in _plaintext_hits(path).items()})
            except OSError:  # gone again, or not ours to read
                continue
    return hits


@pytest.fixture
def private_temp(monkeypatch) -> Iterator[Path]:
    """This process's temp folder (Python's and SQLite's, both read TMPDIR) pointed at an empty
    folder of the test's own, where anything HJDesk put would show whatever else runs here. Made
    by `mkdtemp`, not under pytest's `tmp_path`, whose files `_open_temp_files` passes over."""
    private = Path(tempfile.mkdtemp(prefix="hjdesk-temp-"))
    for name in ("TMPDIR", "SQLITE_TMPDIR"):
        monkeypatch.setenv(name, str(private))
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    yield private
    shutil.rmtree(private, ignore_errors=True)


def _open_temp_files() -> set[str]:
    """Files this process holds open in a temp folder (SQLite unlinks temp files at once, so a
    directory listing alone would miss them). pytest's own capture files are open from the start,
    so callers compare with a baseline."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return set()
    found = set()
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if (
            any(target.startswith(str(d) + "/") for d in _temp_dirs())
            and "pytest-of-" not in target
        ):
            found.add(target)
    return found


def test_identifiers_are_never_on_disk_in_plain_text(vault, roll, private_temp):
    before, open_before = _listing(), _open_temp_files()
    lines = [
        roll.line(
            PRISON_NUMBER,
            nhs_number=NHS,
            family_name=SURNAME,
            given_names=GIVEN,
            date_of_birth="1961-07-23",
            location="B-3-021",
            alerts="HA;PEEP",
        ),
        *(
            roll.line(f"B{1000 + i}CD", family_name=f"Other{i}", location="A-1-002")
            for i in range(40)
        ),
    ]
    summary = import_roll(vault, roll.write(lines))
    assert summary.added == 41
    # Read it back in every way the app does: search, caseload, open the record.
    (found,) = patients.search(vault, "featherstone")
    assert found.nhs_number == NHS
    assert len(patients.caseload(vault)) == 41
    patients.open_patient(vault, found.id)
    with vault.session() as session:
        big_sort = session.execute(
            select(Patient.family_name).order_by(Patient.given_names.desc(), Patient.family_fold)
        ).all()
        assert len(big_sort) == 41
        assert session.execute(text("PRAGMA temp_store")).scalar_one() == 2  # MEMORY
    assert _open_temp_files() <= open_before

    # While open: the data sits in the WAL as well as the main file.
    files = {p.name for p in vault.home.root.iterdir()}
    assert files <= {"vault.db", "vault.db-wal", "vault.db-shm", "keyslots.json"}
    assert "vault.db-wal" in files
    assert vault.home.root.joinpath("vault.db-wal").stat().st_size > 0
    assert _plaintext_hits(vault.home.root) == {}

    # A migration backup is the encrypted file, never a decrypted dump.
    backup = migrate.backup(vault.home.vault, vault.home.backups, vault.engine)
    assert backup.parent == vault.home.backups
    assert _plaintext_hits(vault.home.root) == {}

    vault.lock()
    assert {p.name for p in vault.home.root.iterdir()} == {"vault.db", "keyslots.json", "backups"}
    assert [p.name for p in vault.home.backups.iterdir()] == [backup.name]
    assert _plaintext_hits(vault.home.root) == {}
    assert sorted(private_temp.iterdir()) == []
    assert _new_entries_with_identifiers(before) == {}
    assert _open_temp_files() <= open_before


def test_the_needles_would_be_found_if_they_were_there(tmp_path):
    """The scan itself works: a plain-text copy of the same row is caught."""
    (tmp_path / "leak.csv").write_text(f"{PRISON_NUMBER},{NHS},{SURNAME.upper()}", "utf-8")
    hits = _plaintext_hits(tmp_path)
    assert set(hits["leak.csv"]) >= {SURNAME.lower().encode(), NHS.encode()}


def test_demo_vault_file_holds_no_demo_identifier_in_plain_text(demo):
    with demo.session() as session:
        rows = session.execute(
            select(Patient.family_name, Patient.prison_number, Patient.nhs_number)
            .where(func.length(Patient.family_name) >= 8, Patient.nhs_number.is_not(None))
            .limit(20)
        ).all()
    demo.lock()
    assert len(rows) == 20
    # Short needles would match random ciphertext by chance; these cannot.
    data = b"".join(p.read_bytes() for p in demo.home.root.rglob("*") if p.is_file())
    for family, prison_number, nhs in rows:
        assert family.encode("utf-8") not in data
        assert prison_number.encode() not in data
        assert nhs.encode() not in data
