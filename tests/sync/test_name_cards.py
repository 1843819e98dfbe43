"""Name cards (hazard H-37): the hub's word on who another prison's staff are, for the records of
a person who arrives by transfer. What a card holds, that it is made once per staff member and
prison, never for the prison's own staff, for records written after the move too, and how a
laptop stores it (read-only, beside and never as a staff row). The printed and on-screen names
are in tests/sync/test_printed_after_transfer.py; a device's forged card in
tests/sync/test_hostile_device.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.services.encounters import patient_timeline
from hjdesk.storage.models import HeldForNewer, OutboxOp, Staff, StaffNameCard, SyncQuarantine
from hjdesk.sync import payloads
from hjdesk.sync.cycle import remote_session
from hjdesk.sync.hub import schema
from hjdesk.sync.local_apply import PageResult, apply_changes
from hjdesk.sync.protocol import STAFF_CARD_KIND, Change
from tests.conftest import FAST_KDF, PASSWORD
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    Prisoner,
    add_nurse,
    as_user,
    import_roll_as,
    sign_visit,
    test_nhs_number,
    write_roll,
)

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
FIRST = Prisoner("A4001AA", test_nhs_number(41), "Fenwick", location="A-1-001")
SECOND = Prisoner("A4002AA", test_nhs_number(42), "Gossard", location="A-1-002")
STAYER = Prisoner("A4003AA", test_nhs_number(43), "Hollis", location="A-1-003")
FIRST_ID, SECOND_ID = (estate_ids.patient_id(p.number) for p in (FIRST, SECOND))
AAA_NURSE = estate_ids.staff_id("AAA", "nurse")
AAA_SISTER = estate_ids.staff_id("AAA", "sister")
BBB_NURSE = estate_ids.staff_id("BBB", "nurse")
AAA_ADMIN, BBB_ADMIN = (estate_ids.staff_id(code, "admin") for code in ("AAA", "BBB"))


class _Estate:
    """Two prisons, a laptop each (and a second at AAA), rolls imported as the tests say."""

    def __init__(self, hub: HubProcess, make: Callable[[str], Laptop], tmp: Path) -> None:
        self.hub, self.tmp, self.hour = hub, tmp, 0
        self.aaa, self.bbb = make("aaa"), make("bbb")
        self.aaa.enrol(hub, "AAA")
        self.bbb.enrol(hub, "BBB")
        add_nurse(self.aaa)
        add_nurse(self.bbb)  # the same username and name as AAA's nurse: another person
        self.rolls: dict[str, list[Prisoner]] = {"AAA": [FIRST, SECOND, STAYER], "BBB": []}
        self.roll("AAA")

    def laptop(self, code: str) -> Laptop:
        return self.aaa if code == "AAA" else self.bbb

    def roll(self, code: str, laptop: Laptop | None = None) -> None:
        self.hour += 1
        path = write_roll(self.tmp / f"{code}-{self.hour}.csv", code, self.rolls[code])
        import_roll_as(laptop or self.laptop(code), path, T0 + timedelta(hours=self.hour))
        (laptop or self.laptop(code)).sync()

    def move(self, person: Prisoner, to: str) -> None:
        """The destination's roll lists them (a claim), then the origin's drops them."""
        origin = "AAA" if to == "BBB" else "BBB"
        self.rolls[to].append(replace(person, location="2-04" if to == "BBB" else "A-1-009"))
        self.roll(to)
        self.rolls[origin] = [p for p in self.rolls[origin] if p.number != person.number]
        self.roll(origin)
        self.aaa.sync()
        self.bbb.sync()

    def cards(self) -> list[dict[str, Any]]:
        docs = schema.documents
        with self.hub.store.reading() as conn:
            rows = conn.execute(select(docs).where(docs.c.kind == STAFF_CARD_KIND)).mappings()
            return sorted((dict(r) for r in rows), key=lambda r: (r["est_code"], r["id"]))


def test_a_card_names_who_they_are_and_where_once_per_prison(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    estate = _Estate(hub, make_laptop, tmp_path)
    sign_visit(estate.aaa, FIRST_ID, "Seen at AAA")
    sign_visit(estate.aaa, SECOND_ID, "Seen at AAA too")
    estate.aaa.sync()
    assert estate.cards() == []  # nobody has moved: no card anywhere

    estate.move(FIRST, "BBB")
    # The nurse who signed, and the administrator whose roll import wrote their roll records.
    cards = {c["payload"]["staff_id"]: c for c in estate.cards()}
    assert set(cards) == {AAA_NURSE, AAA_ADMIN}
    card = cards[AAA_NURSE]
    assert card["id"] == estate_ids.staff_card_id(AAA_NURSE, "BBB")
    assert (card["est_code"], card["patient_id"], card["origin_device"]) == ("BBB", None, "hub")
    # Who they are and where they work: nothing else of the staff document (no username, no
    # active state, no team), nothing that could pass for authority.
    assert card["payload"] == {
        "staff_id": AAA_NURSE,
        "name": "Nurse Test",
        "role": "RN",
        "establishment": "AAA",
    }
    assert all(set(c["payload"]) == set(card["payload"]) for c in cards.values())
    with estate.bbb.peek() as s:
        held = s.get(StaffNameCard, AAA_NURSE)
        assert held is not None
        assert (held.name, held.role, held.establishment) == ("Nurse Test", "RN", "AAA")
        assert s.get(Staff, AAA_NURSE) is None  # a card is never a staff row
    with estate.aaa.peek() as s:  # AAA's laptops need no card of their own staff
        assert s.scalars(select(StaffNameCard)).all() == []

    # A second person naming the same staff, and the first person arriving again after going
    # back: still one card each (refreshed), not one per arrival.
    estate.move(SECOND, "BBB")
    estate.move(FIRST, "AAA")
    estate.move(FIRST, "BBB")
    again = {c["payload"]["staff_id"]: c for c in estate.cards()}
    assert set(again) == {AAA_NURSE, AAA_ADMIN}
    assert again[AAA_NURSE]["id"] == card["id"]
    assert again[AAA_NURSE]["rev"] > card["rev"]
    assert again[AAA_NURSE]["payload"] == card["payload"]
    with estate.bbb.peek() as s:
        assert len(s.scalars(select(StaffNameCard)).all()) == 2
    with estate.aaa.peek() as s:
        # FIRST came back to AAA naming BBB's administrator (BBB's roll import): a card of them
        # at AAA, and none of AAA's own staff.
        assert {c.staff_id for c in s.scalars(select(StaffNameCard))} <= {BBB_ADMIN}


def test_no_card_for_the_prisons_own_staff_and_one_where_they_wrote_for_another(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """While BBB's claim waits, BBB's nurse writes for the person still placed at AAA: AAA's
    laptops hold that record, so AAA gets a card of BBB's nurse. On arrival at BBB, the history
    names both nurses; BBB gets a card of AAA's only."""
    estate = _Estate(hub, make_laptop, tmp_path)
    sign_visit(estate.aaa, FIRST_ID, "Seen at AAA")
    estate.aaa.sync()
    estate.rolls["BBB"].append(replace(FIRST, location="2-04"))
    estate.roll("BBB")  # the claim: pending while AAA's roll still lists them
    sign_visit(estate.bbb, FIRST_ID, "Seen on arrival at BBB")
    estate.bbb.sync()
    pending = {(c["est_code"], c["payload"]["staff_id"]) for c in estate.cards()}
    assert ("AAA", BBB_NURSE) in pending
    assert all(code == "AAA" for code, _ in pending)  # nothing has arrived at BBB yet

    estate.rolls["AAA"] = [SECOND, STAYER]
    estate.roll("AAA")
    estate.bbb.sync()
    made = {(c["est_code"], c["payload"]["staff_id"]) for c in estate.cards()}
    assert {("AAA", BBB_NURSE), ("BBB", AAA_NURSE), ("BBB", AAA_ADMIN)} <= made
    assert not {("BBB", BBB_NURSE), ("BBB", BBB_ADMIN), ("AAA", AAA_NURSE)} & made
    with as_user(estate.bbb, "nurse") as v:
        names = {(i.summary, i.author_name, i.author_role) for i in patient_timeline(v, FIRST_ID)}
    # The card's name carries the role at signing; nothing shows the role twice.
    assert names == {
        ("Seen at AAA", "Nurse Test (RN, AAA)", ""),
        ("Seen on arrival at BBB", "Nurse Test", "RN"),  # BBB's own nurse, from their staff row
    }


def test_a_record_written_at_the_old_prison_after_the_move_brings_its_card(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """A second AAA laptop, not synced since before the move, signs for the person: its record
    reaches BBB (nothing is lost), and so does the name of the AAA colleague who signed it."""
    estate = _Estate(hub, make_laptop, tmp_path)
    late = make_laptop("aaa-2")
    late.enrol(hub, "AAA")
    late.sync()  # the roll, from the hub
    with late.vault() as v:
        v.add_user("sister", PASSWORD, display_name="Sister Late", role="RMN", kdf=FAST_KDF)
    estate.move(FIRST, "BBB")
    sign_visit(late, FIRST_ID, "Seen before the van left", user="sister")
    late.sync()
    estate.bbb.sync()
    assert estate.hub.doc(STAFF_CARD_KIND, estate_ids.staff_card_id(AAA_SISTER, "BBB"))
    with as_user(estate.bbb, "nurse") as v:
        names = {i.author_name for i in patient_timeline(v, FIRST_ID)}
    assert names == {"Sister Late (RMN, AAA)"}


def _change(kind: str, record_id: str, payload: dict[str, Any], rev: int = 1) -> Change:
    return Change(seq=1, kind=kind, record_id=record_id, rev=rev, patient_id=None, payload=payload)


def test_a_laptop_stores_cards_read_only_and_sets_aside_a_kind_it_cannot_read(
    make_laptop: Callable[[str], Laptop],
) -> None:
    """Applied as a pull applies them: a card goes to its own table only when newer, never to
    the staff rows or the outbox; a malformed one is set aside; a kind this version does not
    know (as `staff_card` is to a laptop from before it) is kept for a newer version
    (tests/sync/test_held_for_newer.py), and the rest of the page is stored."""
    laptop = make_laptop("solo")
    add_nurse(laptop)
    card_id = estate_ids.staff_card_id(AAA_NURSE, "BBB")
    card = {"staff_id": AAA_NURSE, "name": "Nurse Test", "role": "RN", "establishment": "AAA"}
    result = PageResult()
    with laptop.vault() as v, remote_session(v) as session:
        apply_changes(
            session,
            [
                _change(STAFF_CARD_KIND, card_id, card),
                _change("name_badge", "badge-1", {"name": "from a newer version"}),
                _change(STAFF_CARD_KIND, "bad-card", {"staff_id": AAA_NURSE, "name": "No role"}),
            ],
            result,
        )
    assert (result.applied, result.unknown, result.quarantined) == (1, 1, 1)
    # The same card again is skipped; a newer one (the nurse renamed) replaces it.
    for rev, name in ((1, "Nurse Test"), (2, "Nurse Renamed")):
        with laptop.vault() as v, remote_session(v) as session:
            apply_changes(session, [_change(STAFF_CARD_KIND, card_id, {**card, "name": name}, rev)],
                          result)  # fmt: skip
    assert (result.applied, result.skipped) == (2, 1)
    with laptop.peek() as s:
        held = s.get(StaffNameCard, AAA_NURSE)
        assert held is not None
        assert (held.name, held.rev, held.card_id) == ("Nurse Renamed", 2, card_id)
        assert s.get(Staff, AAA_NURSE) is None
        (aside,) = s.scalars(select(SyncQuarantine)).all()
        assert (aside.kind, aside.rule) == (STAFF_CARD_KIND, "payload-invalid")
        (kept,) = s.scalars(select(HeldForNewer)).all()
        assert (kept.kind, kept.record_id, kept.rev) == ("name_badge", "badge-1", 1)
        # Nothing of the cards is queued for the hub.
        assert s.scalars(select(OutboxOp).where(OutboxOp.kind == STAFF_CARD_KIND)).all() == []


def test_the_fields_that_name_staff_are_every_staff_id_a_record_holds() -> None:
    """The hub reads these fields of an arrival's records for the names they need: every column
    of a synced record that holds a staff id is marked (`NAMES_STAFF`), so one added later is
    read too. (Clinic sessions' clinicians are the prison's own staff, never a person's
    history.)"""
    assert payloads.staff_fields() == (
        "author_id",
        "contributor_id",
        "lead_id",
        "outcome_by",
        "owner_id",
        "signed_by",
    )


def _cards_of(estate: _Estate, staff_id: str) -> dict[str, dict[str, Any]]:
    """The hub's cards of one member of staff, by the establishment holding each; a second card
    of the same person at one establishment fails here."""
    found: dict[str, dict[str, Any]] = {}
    for card in estate.cards():
        if card["payload"]["staff_id"] == staff_id:
            assert card["est_code"] not in found, "one card per (staff, establishment)"
            assert card["id"] == estate_ids.staff_card_id(staff_id, card["est_code"])
            found[card["est_code"]] = card
    return found


def _signed_then_moved_to_two_prisons(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> tuple[_Estate, Laptop, Laptop]:
    """AAA's nurse signs for FIRST and SECOND; FIRST moves to BBB (two laptops there), SECOND
    to CCC; every laptop synced. Returns the estate, BBB's second laptop and CCC's."""
    estate = _Estate(hub, make_laptop, tmp_path)
    colleague = make_laptop("bbb-2")
    colleague.enrol(hub, "BBB")
    add_nurse(colleague)
    ccc = make_laptop("ccc")
    ccc.enrol(hub, "CCC")
    add_nurse(ccc)
    sign_visit(estate.aaa, FIRST_ID, "Seen at AAA")
    sign_visit(estate.aaa, SECOND_ID, "Seen at AAA too")
    estate.aaa.sync()
    estate.move(FIRST, "BBB")
    # SECOND to CCC: CCC's roll lists them (a claim), then AAA's drops them.
    there = write_roll(tmp_path / "ccc.csv", "CCC", [replace(SECOND, location="3-01")])
    import_roll_as(ccc, there, T0 + timedelta(hours=20))
    ccc.sync()
    estate.rolls["AAA"] = [STAYER]
    estate.roll("AAA")
    for laptop in (estate.bbb, colleague, ccc):
        laptop.sync()
    return estate, colleague, ccc


def test_a_renamed_member_of_staff_is_renamed_on_every_card_of_them(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """H-37: AAA's nurse signs for two people who move, one to BBB and one to CCC; then AAA
    renames the nurse and changes their role. The hub refreshes the card at BBB and the one at
    CCC (same ids, newer revs), and every laptop of those prisons, including one that already
    held the old card, names the nurse anew at its next pull. A rename that no card names
    writes nothing."""
    estate, colleague, ccc = _signed_then_moved_to_two_prisons(hub, make_laptop, tmp_path)
    before = _cards_of(estate, AAA_NURSE)
    assert set(before) == {"BBB", "CCC"}
    admin_before = _cards_of(estate, AAA_ADMIN)
    with as_user(colleague, "nurse") as v:  # the old name, held before the rename
        assert {i.author_name for i in patient_timeline(v, FIRST_ID)} == {"Nurse Test (RN, AAA)"}

    with estate.aaa.vault() as v:
        v.rename_user("nurse", "Nurse Renamed")
    estate.aaa.sync()
    after = _cards_of(estate, AAA_NURSE)
    assert set(after) == {"BBB", "CCC"}
    for code, card in after.items():
        assert card["id"] == before[code]["id"]
        assert card["rev"] > before[code]["rev"]
        assert card["change_seq"] > before[code]["change_seq"]
        assert (card["origin_device"], card["last_device"]) == ("hub", None)
        assert card["payload"] == {**before[code]["payload"], "name": "Nurse Renamed"}
    assert _cards_of(estate, AAA_ADMIN) == admin_before  # nobody else's card is written again

    for laptop, person in ((estate.bbb, FIRST_ID), (colleague, FIRST_ID), (ccc, SECOND_ID)):
        laptop.sync()
        with as_user(laptop, "nurse") as v:
            names = {i.author_name for i in patient_timeline(v, person)}
        assert names == {"Nurse Renamed (RN, AAA)"}, laptop.name
        with laptop.peek() as s:
            (held,) = s.scalars(
                select(StaffNameCard).where(StaffNameCard.staff_id == AAA_NURSE)
            ).all()
            assert held.name == "Nurse Renamed"
            assert s.get(Staff, AAA_NURSE) is None

    # A new role: the cards carry it; a signed entry still shows the role it was signed in.
    with estate.aaa.vault() as v:
        v.set_role("nurse", "RMN")
    estate.aaa.sync()
    assert {c["payload"]["role"] for c in _cards_of(estate, AAA_NURSE).values()} == {"RMN"}
    estate.bbb.sync()
    with estate.bbb.peek() as s:
        held_card = s.get(StaffNameCard, AAA_NURSE)
        assert held_card is not None
        assert (held_card.name, held_card.role) == ("Nurse Renamed", "RMN")
    with as_user(estate.bbb, "nurse") as v:
        assert {i.author_name for i in patient_timeline(v, FIRST_ID)} == {"Nurse Renamed (RN, AAA)"}

    # BBB's own nurse renamed: no card of them exists anywhere, and none is made.
    written = {c["id"]: c["change_seq"] for c in estate.cards()}
    with estate.bbb.vault() as v:
        v.rename_user("nurse", "Nurse Bee")
    estate.bbb.sync()
    assert {c["id"]: c["change_seq"] for c in estate.cards()} == written
