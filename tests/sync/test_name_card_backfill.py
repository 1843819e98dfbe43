"""`hjdesk hub name-cards` (hazard H-37): histories that reached the next prison before the hub
made name cards get them from one administrator's run, once, and a second run changes nothing.

The "old" state is built honestly: records written through the laptop services and pushed by
the real sync, the person moved by the two prisons' rolls; then the cards this hub made are
deleted from its own table, which is what a hub from before cards holds, before the next
prison's laptop pulls the history. Set-up helpers are those of
tests/sync/test_printed_after_transfer.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from hjdesk.cli import main
from hjdesk.clinical import estate_ids
from hjdesk.services.common import NAME_NOT_HELD
from hjdesk.services.encounters import patient_timeline
from hjdesk.storage.models import Staff, StaffNameCard
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.card_backfill import CardsWritten, write_missing_cards
from hjdesk.sync.hub.store import current_seq
from hjdesk.sync.protocol import STAFF_CARD_KIND
from tests.reports.conftest import pdf_text
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    add_nurse,
    as_user,
    import_roll_as,
    sign_visit,
    write_roll,
)
from tests.sync.test_printed_after_transfer import (
    AAA_NURSE,
    MOVER,
    MOVER_ID,
    NEIGHBOUR,
    NEIGHBOUR_ID,
    ORIGIN,
    OTHER_WING,
    T0,
    _acct_with_input,
    _nurse,
    _print,
    _prison,
)

AAA_ADMIN = estate_ids.staff_id(ORIGIN, "admin")
BBB_NURSE, BBB_ADMIN = (estate_ids.staff_id("BBB", name) for name in ("nurse", "admin"))
NAMED = f"Nurse Test (RN, {ORIGIN})"


def _cards(hub: HubProcess) -> list[dict[str, Any]]:
    docs = schema.documents
    with hub.store.reading() as conn:
        rows = conn.execute(select(docs).where(docs.c.kind == STAFF_CARD_KIND)).mappings()
        return sorted((dict(r) for r in rows), key=lambda r: (r["est_code"], r["id"]))


def _forget_cards(hub: HubProcess) -> None:
    """Simulates the hub from before name cards: it holds the same documents, and no card. Done
    in the hub store's own table (nothing else writes cards; this is the pre-upgrade state)."""
    with hub.store.writing() as (conn, _):
        conn.execute(delete(schema.documents).where(schema.documents.c.kind == STAFF_CARD_KIND))


def _moved_before_cards(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> tuple[Laptop, list[dict[str, Any]]]:
    """AAA's nurse signs a visit and ACCT input for the mover (and a visit for a neighbour who
    stays); the mover goes to BBB by the two rolls; the hub's cards are forgotten before BBB's
    laptop pulls the history, and BBB's nurse then signs a visit of their own. Returns BBB's
    laptop and the cards the hub had made at the arrival (what the command should restore)."""
    origin = _prison(hub, make_laptop, tmp_path)
    now = datetime.now(UTC)
    with _nurse(origin) as v:
        _acct_with_input(v, MOVER_ID, now)
    sign_visit(origin, MOVER_ID, "Seen at AAA")
    sign_visit(origin, NEIGHBOUR_ID, "Neighbour seen at AAA")
    origin.sync()

    destination = make_laptop("bbb")
    destination.enrol(hub, "BBB")
    add_nurse(destination)  # the same username and name as AAA's nurse: another person
    claim = write_roll(tmp_path / "bbb.csv", "BBB", [replace(MOVER, location="2-04")])
    import_roll_as(destination, claim, T0 + timedelta(hours=1))
    destination.sync()
    gone = write_roll(tmp_path / "aaa-2.csv", "AAA", [NEIGHBOUR, OTHER_WING])
    import_roll_as(origin, gone, T0 + timedelta(hours=2))
    origin.sync()  # the move takes effect: the history is re-announced to BBB
    made = _cards(hub)
    _forget_cards(hub)
    destination.sync()
    sign_visit(destination, MOVER_ID, "Seen on arrival at BBB")
    destination.sync()
    return destination, made


def _timeline(laptop: Laptop) -> dict[str, str]:
    with as_user(laptop, "nurse") as v:
        return {i.summary: i.author_name for i in patient_timeline(v, MOVER_ID)}


def _run(capsys: pytest.CaptureFixture[str], db_url: str) -> str:
    assert main(["hub", "name-cards", "--db", db_url]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    # Counts only: nobody's name, number or identifier.
    for private in (MOVER.number, MOVER.nhs, MOVER.family, "Nurse Test", AAA_NURSE, MOVER_ID):
        assert private not in out
    return out.strip()


def test_the_command_names_the_previous_prisons_staff_in_a_history_from_before_cards(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    destination, made = _moved_before_cards(hub, make_laptop, tmp_path)
    assert {(c["est_code"], c["payload"]["staff_id"]) for c in made} == {
        ("BBB", AAA_NURSE),
        ("BBB", AAA_ADMIN),
    }
    # The state a hub upgrade finds: the history is there, the names are not.
    assert _cards(hub) == []
    assert _timeline(destination) == {
        "Seen at AAA": NAME_NOT_HELD,
        "Seen on arrival at BBB": "Nurse Test",  # BBB's own nurse, from their staff row
    }
    sheet = pdf_text(_print(destination, "acct-contribution", patient_id=MOVER_ID).data)
    assert sheet.has(f"Contributor {NAME_NOT_HELD}")

    assert _run(capsys, hub.db_url) == (
        "Wrote 2 name cards at 1 establishment (0 already up to date)."
    )
    cards = _cards(hub)
    # The cards an arrival makes, with the same ids: one per (staff, establishment), none of
    # BBB's own staff (named by the history too) and none at AAA (whose neighbour stays there).
    assert [(c["id"], c["est_code"], c["payload"]) for c in cards] == [
        (c["id"], c["est_code"], c["payload"]) for c in made
    ]
    assert {c["id"] for c in cards} == {
        estate_ids.staff_card_id(AAA_NURSE, "BBB"),
        estate_ids.staff_card_id(AAA_ADMIN, "BBB"),
    }
    assert all((c["origin_device"], c["patient_id"]) == ("hub", None) for c in cards)

    destination.sync()
    assert _timeline(destination) == {"Seen at AAA": NAMED, "Seen on arrival at BBB": "Nurse Test"}
    sheet = pdf_text(_print(destination, "acct-contribution", patient_id=MOVER_ID).data)
    assert sheet.has(f"Contributor {NAMED}")
    assert sheet.has(f"Electronically signed {NAMED},")
    assert not sheet.has(NAME_NOT_HELD)
    with destination.peek() as s:
        assert {c.staff_id for c in s.scalars(select(StaffNameCard))} == {AAA_NURSE, AAA_ADMIN}
        assert s.get(Staff, AAA_NURSE) is None  # a name, never a staff row
        assert s.get(StaffNameCard, BBB_NURSE) is None
        assert s.get(StaffNameCard, BBB_ADMIN) is None

    # Run again: nothing written, no change sequence taken, nothing for any laptop to pull.
    with hub.store.reading() as conn:
        seq = current_seq(conn)
    assert _run(capsys, hub.db_url) == (
        "Wrote 0 name cards at 0 establishments (2 already up to date)."
    )
    with hub.store.reading() as conn:
        assert current_seq(conn) == seq
    assert [(c["id"], c["rev"], c["change_seq"]) for c in _cards(hub)] == [
        (c["id"], c["rev"], c["change_seq"]) for c in cards
    ]
    assert destination.sync().pulled == 0


def test_pages_of_one_patient_find_the_same_cards_and_a_stale_card_is_rewritten(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """Paged one patient a snapshot, the command finds what one page finds; a card whose name is
    no longer the staff document's is written again (new rev and change sequence), the one that
    is right is left alone."""
    destination, made = _moved_before_cards(hub, make_laptop, tmp_path)
    assert write_missing_cards(hub.store, page=1) == CardsWritten(2, 1, 0)
    assert [c["payload"] for c in _cards(hub)] == [c["payload"] for c in made]
    nurse_card = estate_ids.staff_card_id(AAA_NURSE, "BBB")
    before = {c["id"]: c for c in _cards(hub)}
    docs = schema.documents
    with hub.store.writing() as (conn, _):  # a card left with an old name
        conn.execute(
            update(docs)
            .where(docs.c.kind == STAFF_CARD_KIND, docs.c.id == nurse_card)
            .values(payload={**before[nurse_card]["payload"], "name": "Nurse Oldname"})
        )
    assert write_missing_cards(hub.store, page=1) == CardsWritten(1, 1, 1)
    after = {c["id"]: c for c in _cards(hub)}
    assert after[nurse_card]["payload"] == before[nurse_card]["payload"]
    assert after[nurse_card]["rev"] == before[nurse_card]["rev"] + 1
    assert after[nurse_card]["change_seq"] > before[nurse_card]["change_seq"]
    (other,) = set(after) - {nurse_card}
    assert after[other] == before[other]
    destination.sync()
    assert _timeline(destination)["Seen at AAA"] == NAMED
