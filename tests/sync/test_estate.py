"""The estate (architecture.md §5a): several laptops in each of two prisons around one hub.

Every laptop of a prison imports the same roll file; they sync in a random (seeded) order. Each
patient is one record on every laptop, roll imports never make a conflict, the newest roll wins
whatever order laptops import in, and a prisoner who moves from A to B by roll imports — in either
order — arrives at B with their whole history and leaves A's laptops, losing nothing unsent.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.services.patients.caseload import open_patient
from hjdesk.storage.models import (
    CarePlan,
    Encounter,
    Location,
    Patient,
    RollLinkFlag,
    Staff,
    TransferNotice,
)
from hjdesk.sync.client import list_conflicts
from hjdesk.sync.hub import schema
from hjdesk.sync.quarantine import list_quarantine
from hjdesk.ui.record.header import badges_for
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    Prisoner,
    add_nurse,
    draft_care_plan,
    import_roll_as,
    patient_numbers,
    rows_of,
    run_cli,
    sign_visit,
    test_nhs_number,
    write_roll,
)

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

A_ROLL = [
    Prisoner("A1001AA", test_nhs_number(1), "Ashdown", location="A-1-001", alerts="PEEP"),
    Prisoner("A1002AA", test_nhs_number(2), "Barford", location="A-1-002"),
    Prisoner("A1003AA", test_nhs_number(3), "Carrick", location="B-2-010", alerts="HA"),
    Prisoner("A1004AA", test_nhs_number(4), "Dunmore", location="B-2-011"),
]
B_ROLL = [
    Prisoner("B2001BB", test_nhs_number(11), "Elstow", location="1-01"),
    Prisoner("B2002BB", test_nhs_number(12), "Fenwick", location="1-02"),
    Prisoner("B2003BB", test_nhs_number(13), "Garside", location="2-01"),
]
MOVER = A_ROLL[1]
MOVER_ID = estate_ids.patient_id(MOVER.number)


def _numbers(roll: list[Prisoner]) -> list[str]:
    return sorted(p.number for p in roll)


def _estate(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], a: int = 3, b: int = 2
) -> tuple[list[Laptop], list[Laptop]]:
    prison_a = [make_laptop(f"a{i}") for i in range(a)]
    prison_b = [make_laptop(f"b{i}") for i in range(b)]
    for laptop in prison_a:
        laptop.enrol(hub, "AAA")
    for laptop in prison_b:
        laptop.enrol(hub, "BBB")
    return prison_a, prison_b


def _no_conflicts(hub: HubProcess, laptops: list[Laptop]) -> None:
    """Roll imports and transfers make no conflict, and the hub refuses none of their ops."""
    assert hub.count(schema.conflicts) == 0
    assert hub.count(schema.refusals) == 0
    for laptop in laptops:
        with laptop.vault() as v:
            assert list_conflicts(v) == [], laptop.name
            assert list_quarantine(v) == [], laptop.name


def _settle(laptops: list[Laptop], rounds: int = 2) -> None:
    for _ in range(rounds):
        for laptop in laptops:
            laptop.sync()


def _notices(laptop: Laptop) -> list[tuple[str, str, str, str]]:
    with laptop.peek() as s:
        return [
            (n.patient_id, n.direction, n.from_code, n.to_code)
            for n in s.scalars(select(TransferNotice))
        ]


def test_every_laptop_shows_each_patient_once_and_roll_imports_never_conflict(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    prison_a, prison_b = _estate(hub, make_laptop)
    roll_a = write_roll(tmp_path / "rolls" / "aaa.csv", "AAA", A_ROLL)
    roll_b = write_roll(tmp_path / "rolls" / "bbb.csv", "BBB", B_ROLL)
    steps: list[tuple[str, Laptop]] = []
    for laptop in prison_a + prison_b:
        steps += [("import", laptop), ("sync", laptop), ("sync", laptop)]
    rng = random.Random(20261201)
    rng.shuffle(steps)
    for action, laptop in steps:
        if action == "import":
            roll = roll_a if laptop in prison_a else roll_b
            import_roll_as(laptop, roll, T0)
        else:
            laptop.sync()
    _settle(prison_a + prison_b)

    for laptops, roll, code in ((prison_a, A_ROLL, "AAA"), (prison_b, B_ROLL, "BBB")):
        for laptop in laptops:
            assert patient_numbers(laptop) == _numbers(roll), laptop.name
            with laptop.peek() as s:
                # One admin staff record for the prison, the same id on each of its laptops.
                assert list(s.scalars(select(Staff.id))) == [estate_ids.staff_id(code, "admin")]
                paths = list(s.scalars(select(Location.id)))
                assert len(paths) == len(set(paths)) == len({p.location for p in roll})
                carrick = s.get(Patient, estate_ids.patient_id("A1003AA"))
                if code == "AAA":
                    assert carrick is not None
                    assert [a.code for a in carrick.alerts] == ["HA"]
    _no_conflicts(hub, prison_a + prison_b)
    with hub.store.reading() as conn:
        kinds = conn.execute(
            select(schema.documents.c.kind, schema.documents.c.id).where(
                schema.documents.c.kind == "patient"
            )
        ).all()
    assert len(kinds) == len(A_ROLL) + len(B_ROLL)


def test_the_newest_roll_wins_field_by_field_whatever_order_it_is_imported_in(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    (one, two), _ = _estate(hub, make_laptop, a=2, b=0)
    first = write_roll(tmp_path / "first.csv", "AAA", A_ROLL)
    moved = [*A_ROLL]
    moved[0] = Prisoner(
        "A1001AA", test_nhs_number(1), "Ashdown-Hale", location="C-3-030", alerts="PEEP"
    )
    second = write_roll(tmp_path / "second.csv", "AAA", moved)
    import_roll_as(one, first, T0)
    import_roll_as(two, second, T0 + HOUR)
    two.sync()
    # Laptop one has not seen the newer roll; it imports the older file again, after the newer
    # one was imported elsewhere: its values must not undo the newer roll's.
    import_roll_as(one, first, T0 + timedelta(minutes=30))
    _settle([one, two])
    ashdown = estate_ids.patient_id("A1001AA")
    for laptop in (one, two):
        found = laptop.patient(ashdown)
        assert found is not None
        assert found.family_name == "Ashdown-Hale", laptop.name
        assert found.location_id == estate_ids.location_id("AAA", "C-3-030")
    doc = hub.doc("patient", ashdown)
    assert doc is not None
    assert doc["payload"]["family_name"] == "Ashdown-Hale"
    _no_conflicts(hub, [one, two])


def _history_at_a(prison_a: list[Laptop], roll_a: Path) -> tuple[list[str], str]:
    """A's laptops import the roll and write history for the mover on two different laptops."""
    for laptop in prison_a:
        import_roll_as(laptop, roll_a, T0)
        add_nurse(laptop)
    visits = [sign_visit(prison_a[0], MOVER_ID, f"Visit {i} on the wing.") for i in range(2)]
    plan = draft_care_plan(prison_a[-1], MOVER_ID)
    _settle(prison_a, rounds=1)
    return visits, plan


def _arrived_with_history(
    prison_b: list[Laptop], visits: list[str], plan: str, prison_a: list[Laptop]
) -> None:
    for laptop in prison_b:
        assert MOVER.number in patient_numbers(laptop), laptop.name
        found = laptop.patient(MOVER_ID)
        assert found is not None
        assert found.establishment_id == estate_ids.establishment_id("BBB")
        assert found.on_roll
        assert rows_of(laptop, Encounter, MOVER_ID) == sorted(visits), laptop.name
        assert rows_of(laptop, CarePlan, MOVER_ID) == [plan], laptop.name
        assert _notices(laptop) == []
    for laptop in prison_a:
        assert MOVER.number not in patient_numbers(laptop), laptop.name
        assert rows_of(laptop, Encounter, MOVER_ID) == [], laptop.name
        assert rows_of(laptop, CarePlan, MOVER_ID) == [], laptop.name
        assert laptop.unsent() == 0
        assert _notices(laptop) == []


def test_a_move_claimed_by_the_destination_first_waits_until_the_origin_lets_go(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    prison_a, prison_b = _estate(hub, make_laptop)
    roll_a = write_roll(tmp_path / "aaa.csv", "AAA", A_ROLL)
    visits, plan = _history_at_a(prison_a, roll_a)

    # B's roll lists the mover first: a claim, pending while A's roll still has them.
    roll_b = write_roll(tmp_path / "bbb.csv", "BBB", [*B_ROLL, MOVER])
    for laptop in prison_b:
        import_roll_as(laptop, roll_b, T0 + HOUR)
    _settle(prison_b + prison_a, rounds=1)
    with hub.store.reading() as conn:
        (pending,) = conn.execute(schema.transfers.select()).mappings().all()
    assert (pending["status"], pending["from_code"], pending["to_code"]) == (
        "pending",
        "AAA",
        "BBB",
    )
    for laptop in prison_b:
        assert _notices(laptop) == [(MOVER_ID, "arriving", "AAA", "BBB")]
        assert rows_of(laptop, Encounter, MOVER_ID) == []  # history still at the office
    for laptop in prison_a:
        assert _notices(laptop) == [(MOVER_ID, "leaving", "AAA", "BBB")]
        assert rows_of(laptop, Encounter, MOVER_ID) == sorted(visits)
    # What the nurse sees in the record's header, on each side.
    with prison_b[0].vault() as v:
        arriving = badges_for(open_patient(v, MOVER_ID))
    assert ("Arriving — history at the office (from AAA)", "AMBER") in arriving
    with prison_a[0].vault() as v:
        leaving = badges_for(open_patient(v, MOVER_ID))
    assert ("Leaving — to BBB", "AMBER") in leaving
    listed = run_cli("hub", "transfers", "--db", hub.db_url)
    assert listed.returncode == 0, listed.stderr
    assert f"{pending['id']}\t{MOVER.number}\tAAA -> BBB\tpending" in listed.stdout

    # A nurse at A writes once more before A's next roll: unsent when the transfer takes effect.
    late = sign_visit(prison_a[2], MOVER_ID, "Seen before leaving for court.")
    without = write_roll(tmp_path / "aaa-2.csv", "AAA", [p for p in A_ROLL if p is not MOVER])
    import_roll_as(prison_a[0], without, T0 + 2 * HOUR)
    prison_a[0].sync()
    # Another laptop of A imports the same roll before it has heard: its word that the mover is
    # off A's roll comes after the move and is no transfer, and nothing is refused or set aside.
    import_roll_as(prison_a[1], without, T0 + 2 * HOUR)
    _settle(prison_a + prison_b)
    with hub.store.reading() as conn:
        (done,) = conn.execute(schema.transfers.select()).mappings().all()
    assert done["status"] == "effective"
    _arrived_with_history(prison_b, [*visits, late], plan, prison_a)
    _no_conflicts(hub, prison_a + prison_b)


def test_a_move_the_origin_lets_go_of_first_takes_effect_at_the_claim(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    prison_a, prison_b = _estate(hub, make_laptop)
    roll_a = write_roll(tmp_path / "aaa.csv", "AAA", A_ROLL)
    visits, plan = _history_at_a(prison_a, roll_a)
    without = write_roll(tmp_path / "aaa-2.csv", "AAA", [p for p in A_ROLL if p is not MOVER])
    import_roll_as(prison_a[1], without, T0 + HOUR)
    _settle(prison_a)
    for laptop in prison_a:  # off A's roll: out of A's laptops (the office keeps the history)
        assert MOVER.number not in patient_numbers(laptop)

    roll_b = write_roll(tmp_path / "bbb.csv", "BBB", [*B_ROLL, MOVER])
    import_roll_as(prison_b[0], roll_b, T0 + 2 * HOUR)
    prison_b[0].sync()
    with hub.store.reading() as conn:
        (done,) = conn.execute(schema.transfers.select()).mappings().all()
    assert (done["status"], done["from_code"], done["to_code"]) == ("effective", "AAA", "BBB")
    import_roll_as(prison_b[1], roll_b, T0 + 2 * HOUR)
    _settle(prison_b + prison_a)
    _arrived_with_history(prison_b, visits, plan, prison_a)
    _no_conflicts(hub, prison_a + prison_b)


def test_an_administrator_confirms_a_pending_transfer(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    prison_a, prison_b = _estate(hub, make_laptop, a=1, b=1)
    roll_a = write_roll(tmp_path / "aaa.csv", "AAA", A_ROLL)
    visits, plan = _history_at_a(prison_a, roll_a)
    import_roll_as(prison_b[0], write_roll(tmp_path / "b.csv", "BBB", [MOVER]), T0 + HOUR)
    _settle(prison_b + prison_a, rounds=1)
    with hub.store.reading() as conn:
        (pending,) = conn.execute(schema.transfers.select()).mappings().all()

    missing = run_cli("hub", "transfers", "--db", hub.db_url, "--confirm", "999")
    assert missing.returncode == 1
    assert "No transfer 999" in missing.stderr
    confirmed = run_cli("hub", "transfers", "--db", hub.db_url, "--confirm", str(pending["id"]))
    assert confirmed.returncode == 0, confirmed.stderr
    again = run_cli("hub", "transfers", "--db", hub.db_url, "--confirm", str(pending["id"]))
    assert again.returncode == 1
    assert "already effective" in again.stderr
    _settle(prison_a + prison_b)
    _arrived_with_history(prison_b, visits, plan, prison_a)


@pytest.mark.parametrize("order", ["a-first", "b-first"])
def test_a_new_prison_number_with_a_known_nhs_number_is_flagged_not_merged(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path, order: str
) -> None:
    del hub  # the rule is the laptop's; the hub fixture keeps the engine parametrisation
    laptop = make_laptop("flag")
    first = write_roll(tmp_path / "one.csv", "AAA", A_ROLL)
    renumbered = Prisoner("A9999ZZ", MOVER.nhs, MOVER.family)
    both = write_roll(tmp_path / "two.csv", "AAA", [*A_ROLL, renumbered])
    rolls = [first, both] if order == "a-first" else [both]
    summaries = [import_roll_as(laptop, r, T0 + i * HOUR) for i, r in enumerate(rolls)]
    assert summaries[-1].flagged == 1
    with laptop.peek() as s:
        (flag,) = s.scalars(select(RollLinkFlag))
        numbers = {flag.patient_id, flag.other_patient_id}
    assert numbers == {estate_ids.patient_id("A9999ZZ"), MOVER_ID}
    assert sorted(patient_numbers(laptop)) == sorted([*_numbers(A_ROLL), "A9999ZZ"])


def test_users_and_work_from_before_enrolment_take_their_prisons_ids(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """A laptop set up before it knew its prison: its users' records, and everything they wrote,
    get the prison's staff ids at enrolment, before anything is sent; the audit chain stays whole
    and the hub accepts it unbroken."""
    early, other = make_laptop("early"), make_laptop("other")
    add_nurse(early)
    import_roll_as(early, write_roll(tmp_path / "aaa.csv", "AAA", A_ROLL), T0)
    visit = sign_visit(early, MOVER_ID, "Seen before the laptop was enrolled.")
    early.enrol(hub, "AAA")
    other.enrol(hub, "AAA")
    add_nurse(other)
    nurse = estate_ids.staff_id("AAA", "nurse")
    with early.peek() as s:
        assert sorted(s.scalars(select(Staff.id))) == sorted(
            [estate_ids.staff_id("AAA", "admin"), nurse]
        )
        encounter = s.get(Encounter, visit)
        assert encounter is not None
        assert encounter.author_id == nurse
    _settle([early, other])
    with other.peek() as s:
        pulled = s.get(Encounter, visit)
        assert pulled is not None
        assert pulled.author_id == nurse  # the same nurse on both laptops
        assert sorted(s.scalars(select(Staff.username))) == ["admin", "nurse"]
    report = run_cli("hub", "audit-report", "--db", hub.db_url)
    assert report.returncode == 0, report.stdout
    _no_conflicts(hub, [early, other])


def test_after_a_move_the_origin_may_say_only_that_the_patient_is_off_its_roll(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """The previous prison's late 'off our roll' is let through (it moves nobody); the same op
    carrying any other change of the patient (here a renamed person with a newer roll stamp) is
    refused: the origin holds no authority over a patient who has left."""
    from tests.sync.test_hostile_device import Attacker, _edit

    prison_a, prison_b = _estate(hub, make_laptop, a=1, b=1)
    import_roll_as(prison_a[0], write_roll(tmp_path / "aaa.csv", "AAA", A_ROLL), T0)
    prison_a[0].sync()
    roll_b = write_roll(tmp_path / "bbb.csv", "BBB", [*B_ROLL, MOVER])
    import_roll_as(prison_b[0], roll_b, T0 + HOUR)
    prison_b[0].sync()
    without = write_roll(tmp_path / "aaa-2.csv", "AAA", [p for p in A_ROLL if p is not MOVER])
    import_roll_as(prison_a[0], without, T0 + 2 * HOUR)
    prison_a[0].sync()
    held = hub.doc("patient", MOVER_ID)
    assert held is not None
    assert held["payload"]["establishment_id"] == estate_ids.establishment_id("BBB")

    attacker = Attacker(hub, prison_a[0])
    late = estate_ids.roll_stamp(T0 + 3 * HOUR, T0 + 3 * HOUR, attacker.device)
    origin = {"establishment_id": estate_ids.establishment_id("AAA"), "on_roll": False,
              "roll_stamps": {**held["payload"]["roll_stamps"], "placement": late}}  # fmt: skip
    renamed = {**origin, "family_name": "Forged",
               "roll_stamps": {**origin["roll_stamps"], "family_name": late}}  # fmt: skip
    refused = attacker.push(_edit(hub, "patient", MOVER_ID, **renamed))
    assert refused.status_code == 422, refused.text
    assert [r["rule"] for r in refused.json()["refused"]] == ["transfer-only-by-roll-claim"]
    accepted = attacker.push(_edit(hub, "patient", MOVER_ID, **origin))
    assert accepted.status_code == 200, accepted.text
    after = hub.doc("patient", MOVER_ID)
    assert after is not None
    assert after["payload"]["establishment_id"] == estate_ids.establishment_id("BBB")
    assert after["payload"]["family_name"] == MOVER.family
