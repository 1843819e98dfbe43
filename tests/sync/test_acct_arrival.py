"""An arrival's HA-alert ACCT meets the ACCT that travelled with the person (hazard H-38), across
real hub processes on both engines: the laptop that mirrored the case closes it after a pull,
only when nobody used it and an earlier open case continues; otherwise both stay live and each
says so. The whole journey (history, printouts, the audit) is in test_printed_after_transfer.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hjdesk.clinical.acct import FIND_FIRST_REVIEW_TASK, first_case_review_due
from hjdesk.services import acct
from hjdesk.services.corrections.amendments import amend_contribution
from hjdesk.services.patients import patient_acct_cases
from hjdesk.storage.models import AuditEvent, OutboxOp, Task
from hjdesk.storage.vault import OpenVault
from hjdesk.sync import client
from hjdesk.sync.hub import schema
from tests.services.task_pull import pull_task_status, stored_task
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    add_nurse,
    import_roll_as,
    run_cli,
    write_roll,
)
from tests.sync.test_printed_after_transfer import (
    MOVER,
    MOVER_ID,
    NEIGHBOUR,
    OTHER_WING,
    T0,
    _acct_with_input,
    _nurse,
    _prison,
)


def _origin(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path, state: str
) -> Laptop:
    """AAA, where the mover has an open ACCT, one in post-closure, or none; synced."""
    origin = _prison(hub, make_laptop, tmp_path)
    now = datetime.now(UTC)
    if state != "none":
        with _nurse(origin) as v:
            case_id, _, _ = _acct_with_input(v, MOVER_ID, now)
            if state == "post-closure":
                acct.close_case(v, case_id, held_at=now - timedelta(hours=1), chair="SO", now=now)
    origin.sync()
    return origin


def _receiving(hub: HubProcess, make_laptop: Callable[[str], Laptop], name: str) -> Laptop:
    laptop = make_laptop(name)
    laptop.enrol(hub, "BBB")
    add_nurse(laptop)
    return laptop


def _ha_roll(laptop: Laptop, tmp_path: Path) -> str:
    """BBB's roll lists the mover with the HA alert before their history is here: the mirror."""
    roll = write_roll(
        tmp_path / f"{laptop.name}.csv", "BBB", [replace(MOVER, location="2-04", alerts="HA")]
    )
    import_roll_as(laptop, roll, T0 + timedelta(hours=1))
    with _nurse(laptop) as v:
        (mirror,) = [c for c in patient_acct_cases(v, MOVER_ID) if c.source == "HA_ALERT"]
    return mirror.id


def _let_go(origin: Laptop, tmp_path: Path) -> None:
    """AAA's roll no longer lists the mover: the move takes effect at the hub."""
    gone = write_roll(tmp_path / "aaa-2.csv", "AAA", [NEIGHBOUR, OTHER_WING])
    import_roll_as(origin, gone, T0 + timedelta(hours=2))
    origin.sync()


def _cases(laptop: Laptop) -> dict[str, acct.AcctCaseView]:
    with _nurse(laptop) as v:
        return {c.id: c for c in patient_acct_cases(v, MOVER_ID)}


def _live(laptop: Laptop) -> list[str]:
    return [i for i, c in _cases(laptop).items() if c.status in ("OPEN", "POST_CLOSURE")]


def _plan_input(v: OpenVault, event_id: str) -> str:
    return acct.add_contribution(
        v, event_id, contribution_type="WRITTEN_CONTRIBUTION", team="PRIMARY_CARE",
        summary="Will write before the review", planned=True,
    ).id  # fmt: skip


def _withdrawn_input(v: OpenVault, event_id: str) -> None:
    given = acct.add_contribution(
        v, event_id, contribution_type="WRITTEN_CONTRIBUTION", team="PRIMARY_CARE",
        summary="Written for the wrong person",
    )  # fmt: skip
    amend_contribution(v, given.id, reason="Wrong person", entered_in_error=True)


def _first_review_time(v: OpenVault, event_id: str) -> None:
    case = next(c for c in patient_acct_cases(v, MOVER_ID) if c.source == "HA_ALERT")
    event = next(e for e in case.events if e.id == event_id)
    acct.reschedule_event(
        v, event_id, scheduled_at=datetime.now(UTC) + timedelta(hours=3), base_rev=event.rev
    )


def _case_manager(v: OpenVault, event_id: str) -> None:
    case = next(c for c in patient_acct_cases(v, MOVER_ID) if c.source == "HA_ALERT")
    acct.update_case(v, case.id, base_rev=case.rev, case_manager="SO Heron")


USES: dict[str, Callable[[OpenVault, str], object]] = {
    "input planned": _plan_input,
    "input given, then withdrawn": _withdrawn_input,
    "first review time given": _first_review_time,
    "case manager named": _case_manager,
}


@pytest.mark.parametrize("use", list(USES))
def test_a_mirror_someone_used_stays_and_both_cases_say_so(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path, use: str
) -> None:
    origin = _origin(hub, make_laptop, tmp_path, "open")
    office = _receiving(hub, make_laptop, "bbb")
    mirror = _ha_roll(office, tmp_path)
    first = _cases(office)[mirror].events[0].id
    with _nurse(office) as v:
        USES[use](v, first)
    office.sync()
    _let_go(origin, tmp_path)
    office.sync()

    cases = _cases(office)
    (travelling,) = [i for i in cases if i != mirror]
    assert sorted(_live(office)) == sorted([mirror, travelling])
    # The partial control stays the control: each case names when the other was opened.
    assert cases[mirror].other_live_opened == (cases[travelling].opened_at,)
    assert cases[travelling].other_live_opened == (cases[mirror].opened_at,)
    assert "Closed on arrival" not in cases[mirror].concern_summary


def test_only_the_laptop_that_mirrored_the_case_closes_it_and_the_others_follow(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    origin = _origin(hub, make_laptop, tmp_path, "open")
    office = _receiving(hub, make_laptop, "bbb")
    wing = _receiving(hub, make_laptop, "bbb-wing")
    mirror = _ha_roll(office, tmp_path)
    office.sync()
    _let_go(origin, tmp_path)

    # The wing's laptop receives the history and the office's mirror: it did not create the
    # mirror, so it leaves it alone (it writes nothing that could meet the office's closure).
    wing.sync()
    assert len(_live(wing)) == 2
    assert _cases(wing)[mirror].rev == 1

    first = office.sync()
    (travelling,) = [i for i in _cases(office) if i != mirror]
    assert _live(office) == [travelling]
    assert first.mirrors_closed == (mirror,)
    second = wing.sync()
    assert second.mirrors_closed == ()  # the wing's laptop closed nothing: it says nothing
    assert _live(wing) == _live(office)
    closed = _cases(wing)[mirror]
    assert closed.status == "CLOSED"
    assert "Closed on arrival" in closed.concern_summary
    assert closed.events[0].scheduled_at is None
    assert (first.open_conflicts, second.open_conflicts) == (0, 0)
    assert hub.count(schema.conflicts) == 0


@pytest.mark.parametrize("state", ["none", "post-closure"])
def test_without_an_open_travelling_acct_the_mirror_stays(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path, state: str
) -> None:
    """No ACCT came with the person, or only one in post-closure: the HA alert says the prison
    has an ACCT open, so the mirror and its first review within 24 hours stay."""
    origin = _origin(hub, make_laptop, tmp_path, state)
    office = _receiving(hub, make_laptop, "bbb")
    mirror = _ha_roll(office, tmp_path)
    office.sync()
    _let_go(origin, tmp_path)
    office.sync()

    cases = _cases(office)
    kept = cases[mirror]
    assert kept.status == "OPEN"
    assert [(e.event_type, e.scheduled_at) for e in kept.events] == [
        ("CASE_REVIEW_FIRST", first_case_review_due(kept.opened_at))
    ]
    travelled = [c.status for i, c in cases.items() if i != mirror]
    assert travelled == ([] if state == "none" else ["POST_CLOSURE"])


def test_a_mirror_is_closed_at_a_later_sync_when_a_pull_left_it(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check runs after every pull, not only a pull that brings the travelling case: a
    laptop switched off between the pull and the closure closes it at its next sync."""
    origin = _origin(hub, make_laptop, tmp_path, "open")
    office = _receiving(hub, make_laptop, "bbb")
    mirror = _ha_roll(office, tmp_path)
    office.sync()
    _let_go(origin, tmp_path)
    with monkeypatch.context() as patched:
        patched.setattr(client.acct, "settle_arrival_mirrors", lambda vault: ())
        assert office.sync().pulled > 0
    assert len(_live(office)) == 2

    office.sync()  # nothing new comes: the check runs all the same
    (travelling,) = [i for i in _cases(office) if i != mirror]
    assert _live(office) == [travelling]


def test_the_mirrors_task_of_a_status_this_version_does_not_know_moves_to_the_case_that_continues(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A newer laptop put the mirror's "find the first review time" task in a status this
    version does not know (H-40): it is still work, so closing the mirror moves it to the ACCT
    that travelled, like an open task, and leaves its status as it was."""
    origin = _origin(hub, make_laptop, tmp_path, "open")
    office = _receiving(hub, make_laptop, "bbb")
    mirror = _ha_roll(office, tmp_path)
    office.sync()
    _let_go(origin, tmp_path)
    with monkeypatch.context() as patched:  # the travelling case arrives; no check yet
        patched.setattr(client.acct, "settle_arrival_mirrors", lambda vault: ())
        office.sync()
    (travelling,) = [i for i in _cases(office) if i != mirror]
    with office.vault() as v:
        with v.session() as session:
            (task_id,) = session.scalars(
                select(Task.id).where(Task.source_id == mirror, Task.kind == FIND_FIRST_REVIEW_TASK)
            )
        pull_task_status(v, task_id, "SNOOZED")
        (closed,) = acct.settle_arrival_mirrors(v)
    assert (closed.mirror_id, closed.continuing_id, closed.task_ids) == (
        mirror,
        travelling,
        (task_id,),
    )
    with office.vault() as v:
        task = stored_task(v, task_id)
    assert (task.source_id, task.status) == (travelling, "SNOOZED")
    assert "continues here: ask its case manager" in task.detail


def _acct_writes(laptop: Laptop) -> tuple[int, int]:
    """Queued ACCT and task changes, and audit events of a mirror closed, on this laptop."""
    with laptop.peek() as s:
        ops = s.scalar(
            select(func.count())
            .select_from(OutboxOp)
            .where(OutboxOp.kind.in_(("acct_case", "acct_event", "task")))
        )
        audits = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "acct_mirror_superseded")
        )
    return ops or 0, audits or 0


def test_the_check_writes_only_when_it_closes_a_mirror(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    origin = _origin(hub, make_laptop, tmp_path, "open")
    office = _receiving(hub, make_laptop, "bbb")
    _ha_roll(office, tmp_path)
    office.sync()
    ops, audits = _acct_writes(office)
    assert audits == 0
    with office.vault() as v:
        assert acct.settle_arrival_mirrors(v) == ()
    assert _acct_writes(office) == (ops, 0)

    _let_go(origin, tmp_path)
    office.sync()
    # The mirror (status, closed time, summary), its cancelled first review and the task.
    assert _acct_writes(office) == (ops + 3, 1)
    with office.vault() as v:
        assert acct.settle_arrival_mirrors(v) == ()  # closed once, never again
    assert _acct_writes(office) == (ops + 3, 1)


CLOSED_ONE = (
    "Closed 1 ACCT mirrored on arrival: the person arrived with an open ACCT, which continues here."
)


def test_the_command_line_says_when_sync_closed_a_mirror(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """`hjdesk sync` says it closed the mirror, naming nobody (its output and the log), and
    says nothing of it at the next sync, which closes nothing."""
    origin = _origin(hub, make_laptop, tmp_path, "open")
    office = _receiving(hub, make_laptop, "bbb")
    mirror = _ha_roll(office, tmp_path)
    office.sync()
    _let_go(origin, tmp_path)

    synced = run_cli("sync", "--home", str(office.home.root))
    assert synced.returncode == 0, synced.stderr
    assert CLOSED_ONE in synced.stdout.splitlines()
    assert _cases(office)[mirror].status == "CLOSED"
    again = run_cli("sync", "--home", str(office.home.root))
    assert again.returncode == 0, again.stderr
    assert "mirrored on arrival" not in again.stdout
    log = office.home.log.read_text(encoding="utf-8") if office.home.log.exists() else ""
    for said in (synced.stdout, synced.stderr, again.stderr, log):
        assert MOVER.family.lower() not in said.lower()
        assert MOVER.number not in said


def test_the_sync_page_says_when_sync_closed_a_mirror(
    qtbot: object, hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """The Sync page (offscreen) as a nurse opens it: the hub answers, so the page syncs at
    once (the automatic sync), and its summary says the mirror was closed; the summary of the
    next sync, from the Sync button, closes nothing and does not say it."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.gui.helpers_sync import sync_page

    origin = _origin(hub, make_laptop, tmp_path, "open")
    office = _receiving(hub, make_laptop, "bbb")
    mirror = _ha_roll(office, tmp_path)
    office.sync()
    _let_go(origin, tmp_path)

    with _nurse(office) as v:
        page, _ = sync_page(qtbot, v)
        lines = page.summary.text().splitlines()
        assert lines[0].startswith("Automatic sync finished at")
        assert CLOSED_ONE in lines
        assert page.summary.isVisible()
        assert page.sync_button.isEnabled()
        QTest.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        assert page.summary.text().startswith("Sync finished at")
        assert "mirrored on arrival" not in page.summary.text()
    assert _cases(office)[mirror].status == "CLOSED"
