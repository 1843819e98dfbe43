"""Prison roll import (architecture.md §8): validate, reconcile, never delete, never half-write."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest
from sqlalchemy import func, select

from hjdesk.services.roll import reconcile as roll_reconcile
from hjdesk.services.roll.importing import import_roll
from hjdesk.services.roll.rows import RollFileError
from hjdesk.storage.errors import InvalidInput, KnownError, PermissionDenied
from hjdesk.storage.models import Alert, AuditEvent, Establishment, Location, OutboxOp, Patient
from hjdesk.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD, ROLL_HEADER


def _counts(opened) -> dict[str, int]:
    with opened.session() as session:
        return {
            "outbox": session.scalar(select(func.count()).select_from(OutboxOp)),
            "audit": session.scalar(select(func.count()).select_from(AuditEvent)),
            "patients": session.scalar(select(func.count()).select_from(Patient)),
            "alerts": session.scalar(select(func.count()).select_from(Alert)),
        }


def _patient(opened, prison_number: str) -> Patient:
    with opened.session() as session:
        patient = session.scalar(select(Patient).where(Patient.prison_number == prison_number))
        assert patient is not None, prison_number
        return patient


def _location(opened, patient: Patient) -> str:
    with opened.session() as session:
        return session.get(Location, patient.location_id).path


def _new_ops(opened, since: int) -> list[OutboxOp]:
    with opened.session() as session:
        return list(session.scalars(select(OutboxOp).where(OutboxOp.seq > since)))


def _max_op(opened) -> int:
    with opened.session() as session:
        return session.scalar(select(func.max(OutboxOp.seq))) or 0


@pytest.fixture
def three(roll):
    """Three people on MDI's roll."""
    return [
        roll.line(
            "A1111AA", family_name="Adams", given_names="Amy", location="A-1-001", alerts="HA"
        ),
        roll.line("B2222BB", family_name="Brown", given_names="Ben", location="B-2-014"),
        roll.line(
            "C3333CC", family_name="Clark", given_names="Cal", location="C-3-101", alerts="PEEP;HID"
        ),
    ]


# -- loading ----------------------------------------------------------------------------------


def test_first_import_adds_everyone(admin_vault, roll, three):
    summary = import_roll(admin_vault, roll.write(three), full_roll=True)
    assert (summary.added, summary.moved, summary.left, summary.returned) == (3, 0, 0, 0)
    assert summary.rejected == []
    assert summary.lines() == [
        "added 3, moved 0, left 0, returned 0, updated 0, unchanged 0, rejected 0"
    ]
    brown = _patient(admin_vault, "B2222BB")
    assert (brown.family_name, brown.given_names, brown.sex) == ("Brown", "Ben", "M")
    assert brown.date_of_birth == date(1980, 4, 1)
    assert brown.reception_date == date(2024, 1, 15)
    assert brown.on_roll is True
    assert _location(admin_vault, brown) == "B-2-014"
    with admin_vault.session() as session:
        establishment = session.scalar(select(Establishment))
        assert establishment.code == "MDI"
        clark = session.scalar(select(Patient).where(Patient.prison_number == "C3333CC"))
        assert [a.code for a in clark.alerts] == ["HID", "PEEP"]
        location = session.get(Location, clark.location_id)
        assert (location.wing, location.depth) == ("C", 3)


def test_import_is_audited_without_identifiers(admin_vault, roll, three):
    import_roll(admin_vault, roll.write(three))
    with admin_vault.session() as session:
        event = session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert event.action == "roll_import"
    detail = json.loads(event.detail)
    assert (detail["added"], detail["rejected"]) == (3, 0)
    assert "Adams" not in event.detail
    assert "A1111AA" not in event.detail


def test_new_acct_alerts_are_reported(admin_vault, roll, three):
    summary = import_roll(admin_vault, roll.write(three))
    assert summary.new_acct_alerts == [_patient(admin_vault, "A1111AA").id]
    # Brown gains an open ACCT on the next roll; Adams' is not new.
    three[1] = roll.line(
        "B2222BB",
        family_name="Brown",
        given_names="Ben",
        location="B-2-014",
        nhs_number=three[1].split(",")[1],
        alerts="HA",
    )
    summary = import_roll(admin_vault, roll.write(three, name="next.csv"))
    assert summary.new_acct_alerts == [_patient(admin_vault, "B2222BB").id]
    assert summary.updated == 0  # an alert is not a change to the person


def test_reimport_is_idempotent_and_queues_nothing(admin_vault, roll, three):
    path = roll.write(three)
    import_roll(admin_vault, path)
    before = _max_op(admin_vault)
    counts = _counts(admin_vault)
    summary = import_roll(admin_vault, path)
    assert (summary.added, summary.moved, summary.left, summary.returned) == (0, 0, 0, 0)
    assert (summary.updated, summary.unchanged) == (0, 3)
    assert summary.new_acct_alerts == []
    assert summary.lines()[0] == (
        "added 0, moved 0, left 0, returned 0, updated 0, unchanged 3, rejected 0"
    )
    # Only the audit event of the import itself travels; no record changed.
    assert [op.kind for op in _new_ops(admin_vault, before)] == ["audit_event"]
    after = _counts(admin_vault)
    assert (after["patients"], after["alerts"]) == (counts["patients"], counts["alerts"])
    assert all(_patient(admin_vault, n).rev == 1 for n in ("A1111AA", "B2222BB", "C3333CC"))


def test_a_move_updates_the_location(admin_vault, roll, three):
    import_roll(admin_vault, roll.write(three))
    before = _max_op(admin_vault)
    moved = three[1].replace("B-2-014", "D-1-003")
    summary = import_roll(admin_vault, roll.write([three[0], moved, three[2]], name="m.csv"))
    assert (summary.moved, summary.unchanged, summary.added) == (1, 2, 0)
    brown = _patient(admin_vault, "B2222BB")
    assert _location(admin_vault, brown) == "D-1-003"
    assert brown.rev == 2
    patient_ops = {op.record_id: op for op in _new_ops(admin_vault, before) if op.kind == "patient"}
    assert (patient_ops[brown.id].base_rev, patient_ops[brown.id].rev) == (1, 2)
    # The two who stayed agree with the newer roll: only its stamp is renewed on them, so the hub
    # knows their fields are this newer roll's (estate_ids.merge_mirrored); nothing else changes.
    for op in patient_ops.values():
        if op.record_id != brown.id:
            payload = json.loads(op.payload)
            stamp = payload["roll_stamps"]["family_name"]
            assert payload["roll_stamps"]["placement"] == stamp
            assert set(payload["roll_stamps"].values()) == {stamp}


def test_a_changed_detail_is_an_update(admin_vault, roll, three):
    import_roll(admin_vault, roll.write(three))
    renamed = three[2].replace("Clark", "Clarke")
    summary = import_roll(admin_vault, roll.write([three[0], three[1], renamed], name="u.csv"))
    assert (summary.updated, summary.unchanged, summary.moved) == (1, 2, 0)
    clarke = _patient(admin_vault, "C3333CC")
    assert (clarke.family_name, clarke.family_fold) == ("Clarke", "clarke")


def test_people_missing_from_a_full_roll_are_marked_left_not_deleted(admin_vault, roll, three):
    import_roll(admin_vault, roll.write(three))
    summary = import_roll(admin_vault, roll.write(three[:2], name="short.csv"), full_roll=True)
    assert (summary.left, summary.unchanged) == (1, 2)
    assert summary.lines()[0].startswith("added 0, moved 0, left 1, returned 0")
    clark = _patient(admin_vault, "C3333CC")
    assert clark.on_roll is False
    assert clark.left_at is not None
    assert _counts(admin_vault)["patients"] == 3


def test_a_partial_roll_marks_nobody_left(admin_vault, roll, three):
    import_roll(admin_vault, roll.write(three))
    summary = import_roll(admin_vault, roll.write(three[:1], name="p.csv"), full_roll=False)
    assert summary.left == 0
    assert _patient(admin_vault, "C3333CC").on_roll is True


def test_a_full_roll_of_one_establishment_leaves_another_alone(admin_vault, roll, three):
    import_roll(admin_vault, roll.write(three))
    other = roll.line("D4444DD", establishment="LEI", family_name="Dunn")
    summary = import_roll(admin_vault, roll.write([other], name="lei.csv"), full_roll=True)
    assert (summary.added, summary.left) == (1, 0)
    assert all(_patient(admin_vault, n).on_roll for n in ("A1111AA", "B2222BB", "C3333CC"))


def test_a_returning_person_is_matched_on_prison_number(admin_vault, roll, three):
    import_roll(admin_vault, roll.write(three))
    first_id = _patient(admin_vault, "C3333CC").id
    import_roll(admin_vault, roll.write(three[:2], name="without.csv"))
    back = three[2].replace("C-3-101", "RECP")
    summary = import_roll(admin_vault, roll.write([*three[:2], back], name="back.csv"))
    assert (summary.returned, summary.added, summary.left) == (1, 0, 0)
    assert summary.lines()[0].startswith("added 0, moved 0, left 0, returned 1")
    clark = _patient(admin_vault, "C3333CC")
    assert clark.id == first_id  # the same record: continuity of care
    assert (clark.on_roll, clark.left_at) == (True, None)
    assert _location(admin_vault, clark) == "RECP"
    assert _counts(admin_vault)["patients"] == 3


def test_a_rejected_row_never_marks_its_person_left(admin_vault, roll, three):
    import_roll(admin_vault, roll.write(three))
    broken = three[2].replace("1980-04-01", "1980-13-45")
    summary = import_roll(admin_vault, roll.write([*three[:2], broken], name="broken.csv"))
    assert summary.left == 0
    assert [row for row, _ in summary.rejected] == [4]
    assert _patient(admin_vault, "C3333CC").on_roll is True


def test_a_roll_of_only_bad_rows_marks_nobody_left(admin_vault, roll, three):
    import_roll(admin_vault, roll.write(three))
    bad = [roll.line("ZZ", family_name="Nobody"), roll.line("A9999ZZ", date_of_birth="x")]
    summary = import_roll(admin_vault, roll.write(bad, name="bad.csv"), full_roll=True)
    assert (summary.left, len(summary.rejected)) == (0, 2)
    assert all(_patient(admin_vault, n).on_roll for n in ("A1111AA", "B2222BB", "C3333CC"))


# -- row validation ---------------------------------------------------------------------------


def test_valid_rows_load_and_bad_rows_are_reported_with_their_reason(admin_vault, roll):
    lines = [
        roll.line("A1000AA"),  # row 2: fine
        roll.line("A1001AA", nhs_number="9434765918"),  # 3: bad check digit
        roll.line("AB1234C"),  # 4: prison number the wrong shape
        roll.line("A1003AA", date_of_birth="01/02/1980"),  # 5: not ISO
        roll.line("A1004AA", date_of_birth="2999-01-01"),  # 6: future
        roll.line("A1000AA", family_name="Twin"),  # 7: repeats row 2
        roll.line("A1006AA", family_name=""),  # 8: missing family name
        "A1007AA,9434765919,Short,Row",  # 9: too few fields
        roll.line("A1008AA") + ",extra",  # 10: too many fields
        roll.line("A1009AA", sex="Q"),  # 11: unknown sex
        roll.line("A1010AA", location="A--1"),  # 12: empty location segment
        roll.line("A1011AA", establishment="MOOR"),  # 13: not three letters
        roll.line("A1012AA", given_names=" "),  # 14: missing given names
        roll.line("A1013AA", reception_date="yesterday"),  # 15: bad optional date
        roll.line("A1014AA", alerts="HA;no good"),  # 16: bad alert code
        roll.line("a1015aa ", nhs_number="943 476 5919"),  # 17: fine once normalised
    ]
    summary = import_roll(admin_vault, roll.write(lines))
    assert summary.added == 2
    reasons = dict(summary.rejected)
    assert sorted(reasons) == list(range(3, 17))
    assert "check digit" in reasons[3]
    assert "A1234BC" in reasons[4]  # says what shape is expected
    assert "date_of_birth" in reasons[5]
    assert "YYYY-MM-DD" in reasons[5]
    assert "future" in reasons[6]
    assert reasons[7] == "prison number repeats row 2"
    assert "family_name" in reasons[8]
    assert reasons[9] == "wrong number of fields"
    assert reasons[10] == "wrong number of fields"
    assert "sex" in reasons[11]
    assert "location" in reasons[12]
    assert "establishment" in reasons[13]
    assert "given_names" in reasons[14]
    assert "reception_date" in reasons[15]
    assert "alert" in reasons[16]
    lines_out = summary.lines()
    assert lines_out[0].endswith("rejected 14")
    assert "row 3: rejected: NHS number check digit does not match" in lines_out
    assert all(line.startswith("row ") for line in lines_out[1:])
    normalised = _patient(admin_vault, "A1015AA")
    assert normalised.nhs_number == "9434765919"
    # The first of the repeated prison numbers loaded, the repeat did not overwrite it.
    assert _patient(admin_vault, "A1000AA").family_name == "Smith"


def test_nhs_number_may_be_blank_but_ten_identical_digits_warn(admin_vault, roll):
    lines = [roll.line("A2000AA", nhs_number=""), roll.line("A2001AA", nhs_number="1111111111")]
    summary = import_roll(admin_vault, roll.write(lines))
    assert summary.added == 2
    assert _patient(admin_vault, "A2000AA").nhs_number is None
    assert [row for row, _ in summary.warnings] == [3]
    assert any(line.startswith("row 3: warning: ") for line in summary.lines())


def test_row_numbers_count_the_header_as_row_one_and_blank_lines_too(admin_vault, roll):
    text = "\n".join(
        [
            ROLL_HEADER,
            roll.line("A3000AA"),  # line 2
            "",  # line 3: blank
            roll.line("BAD1"),  # line 4
            roll.line("A3001AA", given_names="Anne\nMarie"),  # lines 5-6: a quoted break
            roll.line("BAD2"),  # line 7
            roll.line("A3002AA"),  # line 8
        ]
    )
    path = roll.folder / "numbered.csv"
    path.write_text(text + "\n", encoding="utf-8")
    summary = import_roll(admin_vault, path)
    assert summary.added == 2
    # A line break inside a name is a control character: refused, and counted as two lines.
    assert [row for row, _ in summary.rejected] == [4, 5, 7]
    assert summary.rejected[1] == (5, "given_names contains a control character (U+000A)")
    assert summary.lines()[1].startswith("row 4: rejected: ")


def test_names_with_accents_apostrophes_and_hyphens_survive(admin_vault, roll):
    names = [
        ("A4000AA", "Ní Bhriain", "Aoife"),
        ("A4001AA", "O'Connor-Smyth", "Seán"),
        ("A4002AA", "Brontë", "Zoë"),
        ("A4003AA", "Núñez García", "José María"),
        ("A4004AA", "Øvergård", "Åsa-Maj"),
    ]
    lines = [roll.line(n, family_name=f, given_names=g) for n, f, g in names]
    summary = import_roll(admin_vault, roll.write(lines))
    assert (summary.added, summary.rejected) == (5, [])
    for number, family, given in names:
        patient = _patient(admin_vault, number)
        assert (patient.family_name, patient.given_names) == (family, given)
        assert unicodedata.is_normalized("NFC", patient.family_name)
    assert _patient(admin_vault, "A4001AA").family_fold == "oconnorsmyth"
    assert _patient(admin_vault, "A4002AA").given_fold == "zoe"


def test_bom_and_crlf_are_accepted(admin_vault, roll, three):
    summary = import_roll(admin_vault, roll.write(three, bom=True, crlf=True))
    assert (summary.added, summary.rejected) == (3, [])
    adams = _patient(admin_vault, "A1111AA")
    assert adams.prison_number == "A1111AA"  # the BOM did not stick to the first column
    with admin_vault.session() as session:
        assert [a.code for a in session.get(Patient, adams.id).alerts] == ["HA"]  # no stray \r


def test_header_case_spacing_and_column_order_do_not_matter(admin_vault, roll):
    columns = [c.strip() for c in ROLL_HEADER.split(",")]
    header = ", ".join(c.upper() for c in reversed(columns))
    line = ",".join(reversed(roll.line("A5000AA", family_name="Reverse").split(",")))
    summary = import_roll(admin_vault, roll.write([line], header=header))
    assert summary.added == 1
    assert _patient(admin_vault, "A5000AA").family_name == "Reverse"


# -- files that are not rolls -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"   \r\n\n", "empty", id="whitespace"),
        pytest.param((ROLL_HEADER + "\n").encode(), "no rows", id="header-only"),
        pytest.param(b"name,age\nBob,3\n", "not a prison roll", id="wrong-header"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary", id="binary"
        ),
        pytest.param(
            (ROLL_HEADER + "\nA1234BC,,Mc\xe9,J,1980-01-01,M,MDI,A,,,\n").encode("latin-1"),
            "UTF-8",
            id="latin-1",
        ),
        pytest.param(("\ufeff" + ROLL_HEADER).encode("utf-16"), "", id="utf-16"),
        pytest.param(b'prison_number,"unterminated\n', "", id="broken-quote-header"),
    ],
)
def test_a_file_that_is_not_a_roll_writes_nothing(admin_vault, roll, three, content, words):
    import_roll(admin_vault, roll.write(three))
    before = _counts(admin_vault)
    path = roll.folder / "not-a-roll.csv"
    path.write_bytes(content)
    with pytest.raises(RollFileError) as caught:
        import_roll(admin_vault, path)
    assert isinstance(caught.value, KnownError)
    assert words in caught.value.message
    assert "\n" not in caught.value.message
    assert _counts(admin_vault) == before
    assert all(_patient(admin_vault, n).on_roll for n in ("A1111AA", "B2222BB", "C3333CC"))


def test_missing_file_and_folder_are_invalid_input(admin_vault, roll):
    before = _counts(admin_vault)
    with pytest.raises(InvalidInput):
        import_roll(admin_vault, roll.folder / "nope.csv")
    with pytest.raises(InvalidInput):
        import_roll(admin_vault, roll.folder)
    assert _counts(admin_vault) == before


def test_a_failure_while_applying_writes_nothing(admin_vault, roll, three, monkeypatch):
    import_roll(admin_vault, roll.write(three[:1]))
    before = _counts(admin_vault)

    def explode(*args, **kwargs):
        raise RuntimeError("disk pulled out")

    monkeypatch.setattr(roll_reconcile, "_mark_left", explode)
    with pytest.raises(RuntimeError):
        import_roll(admin_vault, roll.write(three))
    assert _counts(admin_vault) == before


def test_roles_that_may_not_import(admin_vault, roll, three):
    admin_vault.add_user("hca", PASSWORD, display_name="H", role="HCA", kdf=FAST_KDF)
    admin_vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    admin_vault.lock()
    hca = Vault(admin_vault.home).unlock("hca", PASSWORD)
    try:
        before = _counts(hca)
        with pytest.raises(PermissionDenied):
            import_roll(hca, roll.write(three))
        assert _counts(hca) == before
    finally:
        hca.lock()
    nurse = Vault(admin_vault.home).unlock("nurse", PASSWORD)
    try:
        assert import_roll(nurse, roll.write(three)).added == 3
    finally:
        nurse.lock()


# -- the whole file scanned: control characters and field lengths (issue 11) ------------------


def _prison_number(i: int) -> str:
    return f"A{i:04d}{chr(65 + i // 260 % 26)}{chr(65 + i // 10 % 26)}"


def test_a_nul_far_into_the_file_refuses_only_its_row(admin_vault, roll):
    """Past the first 64 KiB (where a binary file is recognised) a NUL is one row's error."""
    lines = [
        roll.line(_prison_number(i), family_name=f"Person{i}", given_names="Pat " * 20)
        for i in range(900)
    ]
    lines[850] = roll.line(_prison_number(850), family_name="Nul\x00Name")
    path = roll.write(lines)
    assert path.read_bytes().index(b"\x00") > 65536
    summary = import_roll(admin_vault, path)
    assert summary.rejected == [(852, "family_name contains a control character (U+0000)")]
    assert summary.added == 899
    with admin_vault.session() as session:
        names = session.scalars(select(Patient.family_name)).all()
    assert not any("\x00" in n for n in names)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("family_name", "X" * 120_000, "family_name is longer than 100 characters (120000)"),
        ("given_names", "Y" * 151, "given_names is longer than 150 characters (151)"),
        ("location", "A-" * 40, "location is longer than 60 characters (80)"),
        ("family_name", "Bell\x07", "family_name contains a control character (U+0007)"),
        ("given_names", "Tab\there", "given_names contains a control character (U+0009)"),
        ("given_names", "Line\nbreak", "given_names contains a control character (U+000A)"),
        ("family_name", "evil\u202etxt.exe", "family_name contains a control character (U+202E)"),
        ("family_name", "C1\x85", "family_name contains a control character (U+0085)"),
        ("alerts", "HA;" * 200, "alerts is longer than 400 characters (600)"),
    ],
)
def test_an_overlong_or_control_field_is_refused_with_its_row_and_the_rest_load(
    admin_vault, roll, field, value, reason
):
    lines = [roll.line("A1111AA"), roll.line("B2222BB", **{field: value}), roll.line("C3333CC")]
    summary = import_roll(admin_vault, roll.write(lines))
    assert summary.rejected == [(3, reason)]
    assert summary.added == 2
    assert len(" ".join(summary.lines())) < 500  # the report never echoes the long value


def test_fields_at_their_columns_length_load(admin_vault, roll):
    line = roll.line("A1111AA", family_name="F" * 100, given_names="G" * 150)
    summary = import_roll(admin_vault, roll.write([line]))
    assert summary.rejected == []
    assert _patient(admin_vault, "A1111AA").family_name == "F" * 100


# -- the estate: one identity per real thing, newest roll wins --------------------------------


def test_records_take_their_estate_wide_ids(admin_vault, roll, three):
    from hjdesk.clinical import estate_ids

    import_roll(admin_vault, roll.write(three))
    adams = _patient(admin_vault, "A1111AA")
    assert adams.id == estate_ids.patient_id("A1111AA")
    assert adams.establishment_id == estate_ids.establishment_id("MDI")
    assert adams.location_id == estate_ids.location_id("MDI", "A-1-001")
    assert [a.id for a in adams.alerts] == [estate_ids.alert_id(adams.id, "HA")]


def test_an_older_roll_imported_late_changes_nothing_the_newer_one_wrote(admin_vault, roll, three):
    from datetime import UTC, datetime

    taken = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    renamed = three[2].replace("Clark", "Clarke").replace("C-3-101", "D-1-001")
    import_roll(admin_vault, roll.write([*three[:2], renamed], name="new.csv"), as_of=taken)
    before = _max_op(admin_vault)
    older = taken.replace(day=1, hour=5)
    summary = import_roll(admin_vault, roll.write(three, name="old.csv"), as_of=older)
    assert summary.older == 1
    assert (summary.updated, summary.moved) == (0, 0)
    clarke = _patient(admin_vault, "C3333CC")
    assert clarke.family_name == "Clarke"
    assert _location(admin_vault, clarke) == "D-1-001"
    # Nothing of the people changes (the old roll's cell is still recorded as a place).
    assert {op.kind for op in _new_ops(admin_vault, before)} <= {"audit_event", "location"}
    assert "1 rows kept the values of a newer roll already here" in summary.lines()


def test_a_roll_time_without_a_zone_or_in_the_future_is_refused(admin_vault, roll, three):
    from datetime import UTC, datetime, timedelta

    path = roll.write(three)
    before = _counts(admin_vault)
    with pytest.raises(InvalidInput, match="time zone"):
        import_roll(admin_vault, path, as_of=datetime(2026, 12, 1, 6, 0))
    with pytest.raises(InvalidInput, match="in the future"):
        import_roll(admin_vault, path, as_of=datetime.now(UTC) + timedelta(days=1))
    assert _counts(admin_vault) == before
