"""Reading the caseload: by wing, search by number or name, and every view audited."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from sqlalchemy import select

from hjdesk.services import patients
from hjdesk.services.roll.importing import import_roll
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import AuditEvent
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD, RollWriter

TODAY = date(2026, 6, 1)

PEOPLE = [
    # prison number, family, given, location, dob, nhs, alerts
    ("A4000AA", "Ní Bhriain", "Aoife", "C-1-001", "1990-01-01", "9434765919", "HA"),
    ("A4001AA", "O'Connor-Smyth", "Seán", "A-2-014", "1970-06-01", "", "PEEP"),
    ("A4002AA", "Brontë", "Zoë", "A-1-002", "1976-06-02", "", ""),
    ("A4003AA", "Zoë", "Kim", "B-1-001", "2000-02-29", "", ""),
    ("B5000BB", "Núñez García", "José María", "HCU", "1980-05-05", "", "HID"),
    ("B5001BB", "Smith", "John", "A-1-001", "1985-01-01", "", ""),
    ("B5002BB", "Smithson", "Jane", "RECP", "1985-01-01", "", ""),
]


def _load(opened, roll: RollWriter) -> None:
    lines = [
        roll.line(
            number,
            family_name=family,
            given_names=given,
            location=location,
            date_of_birth=dob,
            nhs_number=nhs,
            alerts=alerts,
        )
        for number, family, given, location, dob, nhs, alerts in PEOPLE
    ]
    summary = import_roll(opened, roll.write(lines))
    assert summary.added == len(PEOPLE)


@pytest.fixture
def ward(admin_vault, roll):
    _load(admin_vault, roll)
    return admin_vault


@pytest.fixture(scope="module")
def shared_ward(vault_template, tmp_path_factory):
    """The same ward, loaded once for the tests that only search (they write nothing)."""
    root = tmp_path_factory.mktemp("shared-ward")
    shutil.copytree(vault_template, root / "home")
    opened = Vault(HomePaths.resolve(root / "home")).unlock("admin", PASSWORD)
    (root / "rolls").mkdir()
    _load(opened, RollWriter(root / "rolls"))
    yield opened
    opened.lock()


def _numbers(rows) -> list[str]:
    return [r.prison_number for r in rows]


def _search(opened, text: str) -> list[str]:
    return _numbers(patients.search(opened, text, today=TODAY))


# -- caseload ---------------------------------------------------------------------------------


def test_caseload_is_ordered_by_wing_then_location_then_name(ward):
    rows = patients.caseload(ward, today=TODAY)
    assert [(r.wing, r.location) for r in rows] == [
        ("A", "A-1-001"),
        ("A", "A-1-002"),
        ("A", "A-2-014"),
        ("B", "B-1-001"),
        ("C", "C-1-001"),
        ("HCU", "HCU"),
        ("RECP", "RECP"),
    ]
    wings = [r.wing for r in rows]
    assert wings == sorted(wings)


def test_caseload_rows_carry_what_lists_show(ward):
    rows = {r.prison_number: r for r in patients.caseload(ward, today=TODAY)}
    aoife = rows["A4000AA"]
    assert aoife.display_name == "NÍ BHRIAIN, Aoife"
    assert aoife.nhs_display == "943 476 5919"
    assert aoife.alerts == ("HA",)
    assert (aoife.age, aoife.older_prisoner) == (36, False)
    assert aoife.establishment == "MDI"
    sean = rows["A4001AA"]
    assert (sean.age, sean.older_prisoner) == (56, True)  # 56th birthday today
    assert sean.nhs_display == "not known"
    assert rows["A4003AA"].age == 26  # born 29 February


def test_caseload_leaves_out_those_who_left_and_filters_by_establishment(ward, roll):
    others = [roll.line("C6000CC", family_name="Ward", establishment="LEI", location="A-1-001")]
    import_roll(ward, roll.write(others, name="lei.csv"), full_roll=True)
    assert len(patients.caseload(ward)) == len(PEOPLE) + 1
    assert _numbers(patients.caseload(ward, establishment="LEI")) == ["C6000CC"]
    # MDI's next full roll lacks Smith: he has left and is no longer on the caseload.
    remaining = [p for p in PEOPLE if p[0] != "B5001BB"]
    lines = [
        roll.line(
            n,
            family_name=f,
            given_names=g,
            location=loc,
            date_of_birth=dob,
            nhs_number=nhs,
            alerts=alerts,
        )
        for n, f, g, loc, dob, nhs, alerts in remaining
    ]
    assert import_roll(ward, roll.write(lines, name="mdi2.csv")).left == 1
    assert "B5001BB" not in _numbers(patients.caseload(ward, establishment="MDI"))
    # Search still finds them, after those on the roll.
    assert _search(ward, "smith") == ["B5002BB", "B5001BB"]
    (smith,) = [r for r in patients.search(ward, "smith john") if r.prison_number == "B5001BB"]
    assert smith.on_roll is False


def test_demo_caseload_is_grouped_by_wing(demo):
    rows = patients.caseload(demo)
    assert len(rows) == 1200
    keys = [(r.wing, r.location) for r in rows]
    assert keys == sorted(keys)


# -- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A4000AA", ["A4000AA"]),
        ("a4000aa", ["A4000AA"]),
        ("A400", ["A4000AA", "A4001AA", "A4002AA", "A4003AA"]),
        ("  b50 ", ["B5000BB", "B5001BB", "B5002BB"]),
        ("Z9999ZZ", []),
    ],
)
def test_search_by_prison_number_prefix(shared_ward, text, expected):
    assert sorted(_search(shared_ward, text)) == expected


@pytest.mark.parametrize("text", ["9434765919", "943 476 5919", "943-476-5919", "943 47"])
def test_search_by_nhs_number_with_or_without_spaces(shared_ward, text):
    assert _search(shared_ward, text) == ["A4000AA"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zoe", ["A4003AA"]),
        ("ZOË", ["A4003AA"]),
        ("bronte", ["A4002AA"]),
        ("Brontë zoe", ["A4002AA"]),
        ("bronte ZO", ["A4002AA"]),
        ("bronte kim", []),
        ("oconnor", ["A4001AA"]),
        ("O'Connor", ["A4001AA"]),
        ("o'connor-smyth sean", ["A4001AA"]),
        ("ni", ["A4000AA"]),
        ("ni bhriain", ["A4000AA"]),
        ("Ní Bhriain Aoife", ["A4000AA"]),
        ("nunez", ["B5000BB"]),
        ("nunez garcia jose maria", ["B5000BB"]),
        ("smith", ["B5001BB", "B5002BB"]),
        ("smith j", ["B5001BB", "B5002BB"]),  # Smith John, Smithson Jane
        ("smith jo", ["B5001BB"]),
        ("smiths", ["B5002BB"]),
        ("smith jane", ["B5002BB"]),
        ("smithson john", []),
    ],
)
def test_search_by_name_is_case_and_accent_insensitive(shared_ward, text, expected):
    assert _search(shared_ward, text) == expected


def test_empty_search_and_limit(ward):
    assert patients.search(ward, "   ") == []
    assert len(patients.search(ward, "a4", limit=2)) == 2


def test_search_text_is_not_a_pattern(shared_ward):
    assert _search(shared_ward, "s_ith") == []
    assert _search(shared_ward, "A4_0") == []
    assert _search(shared_ward, "943_") == []


def test_search_the_demo_by_each_identifier(demo):
    target = patients.caseload(demo)[137]
    assert target.prison_number in _numbers(patients.search(demo, target.prison_number.lower()))
    if target.nhs_number:
        assert _numbers(patients.search(demo, target.nhs_display)) == [target.prison_number]
    by_name = patients.search(demo, f"{target.family_name} {target.given_names}", limit=500)
    assert target.prison_number in _numbers(by_name)


# -- opening a record -------------------------------------------------------------------------


def test_opening_a_patient_is_audited(ward):
    (row,) = patients.search(ward, "A4001AA")
    opened_row = patients.open_patient(ward, row.id, today=TODAY)
    assert opened_row.family_name == "O'Connor-Smyth"
    with ward.session() as session:
        event = session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert (event.action, event.patient_id, event.actor_username) == (
        "view_patient",
        row.id,
        "admin",
    )
    assert "Connor" not in event.detail
    assert json.loads(event.detail) == {}


def test_listing_and_searching_are_not_record_views(ward):
    with ward.session() as session:
        before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    patients.caseload(ward)
    patients.search(ward, "smith")
    with ward.session() as session:
        after = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    assert after == before


def test_opening_an_unknown_patient_writes_nothing(ward):
    with ward.session() as session:
        before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    with pytest.raises(InvalidInput):
        patients.open_patient(ward, "no-such-id")
    with ward.session() as session:
        after = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    assert after == before


def test_every_role_may_view(ward):
    ward.add_user("hca", PASSWORD, display_name="H", role="HCA", kdf=FAST_KDF)
    ward.lock()
    hca = Vault(ward.home).unlock("hca", PASSWORD)
    try:
        (row,) = patients.search(hca, "zoe")
        patients.open_patient(hca, row.id)
        assert len(patients.caseload(hca)) == len(PEOPLE)
    finally:
        hca.lock()
