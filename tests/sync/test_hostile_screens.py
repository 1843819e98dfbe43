"""The screens `test_hostile_content.py` does not drive, with hostile records present: the Sync
page as a whole (records set aside, conflicts whose hub version is hostile, ACCT input needed by a
time at the calendar's ends), the Wing clinics page on hostile sessions and appointments, the
encounter form, the amend and withdraw dialogs opened on hostile entries, ACCT input, screening
events and care plan reviews, the release plan dialog, and ACCT post-closure reviews and foot
reviews dated at the calendar's ends. Each action works or is refused in words, never a crash.

The hostile records are those of `test_hostile_content.py` (`HOSTILE`, `Hostile`), stored the
way a pull stores them (`store_as_pulled`) into a copy of its module's demo vault; everything
else is written through the services or the widgets, as a nurse would. Every widget runs
offscreen on the inline runner, which raises bugs: a crash in any of them fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import pytest

from hjdesk.storage.vault import OpenVault
from tests.sync.test_hostile_content import (
    A_PLAN,
    AN_EVENT,
    EARLIEST,
    FIRST_DAY,
    HOSTILE,
    LAST_DAY,
    LATEST,
    RECENT,
    Hostile,
    hostile_template,
    nurse,
    store_as_pulled,
)
from tests.sync.test_hostile_content import _patient as patient_of

__all__ = ["hostile_template", "nurse"]  # the module-scoped demo vault and its copy per test


def _show(qtbot: Any, page: Any, target: str | None = None, *, refresh: bool = False) -> None:
    """Show a page as the workspace does: shown, refreshed if asked, then opened on `target`."""
    qtbot.addWidget(page)
    page.show()
    if refresh:
        page.refresh()
    if target is not None:
        page.open_target(target)


def _context(vault: OpenVault) -> Any:
    from tests.gui.helpers_clinic import page_context

    return page_context(vault)


# -- the encounter form and the amend dialog ---------------------------------------------------

# An LTC review whose foot risk gives the next review date from its start: at the calendar's ends.
FOOT_LATEST = Hostile(
    "measurement",
    {"code": "FOOT_RISK", "value": None, "text_value": "HIGH", "unit": "", "taken_at": LATEST},
    (
        Hostile(
            "encounter",
            {
                "kind": "LTC_REVIEW",
                "ltc_condition": "DIABETES",
                "entered_in_error": False,
                "started_at": LATEST,
            },
        ),
    ),
)
FOOT_ACTIVE_LATEST = Hostile("measurement", {**FOOT_LATEST.changes, "text_value": "ACTIVE"},
                             FOOT_LATEST.parents)  # fmt: skip
FOOT_EARLIEST = Hostile(
    "measurement",
    {**FOOT_LATEST.changes, "taken_at": EARLIEST},
    (Hostile("encounter", {**FOOT_LATEST.parents[0].changes, "started_at": EARLIEST}),),
)
AMENDABLE: dict[str, Hostile] = {
    **{
        name: hostile
        for name, hostile in HOSTILE.items()
        if hostile.kind == "encounter" or any(p.kind == "encounter" for p in hostile.parents)
    },
    "foot-risk-latest": FOOT_LATEST,
    "foot-risk-active-latest": FOOT_ACTIVE_LATEST,
    "foot-risk-earliest": FOOT_EARLIEST,
}


def _encounter_ids(vault: OpenVault, patient_id: str) -> set[str]:
    from sqlalchemy import select

    from hjdesk.storage.models import Encounter

    with vault.session() as session:
        return set(session.scalars(select(Encounter.id).where(Encounter.patient_id == patient_id)))


def _amend(qtbot: Any, vault: OpenVault, patient_id: str, encounter_id: str, in_error: bool) -> str:
    """Amend the entry through the record's Timeline and the amend dialog, as a nurse would;
    what became of it: "signed", the dialog's message in words, or "not amendable"."""
    from hjdesk.ui.pages.patient_record import PatientRecordPage
    from hjdesk.ui.record.timeline import ID_ROLE

    page = PatientRecordPage(_context(vault))
    _show(qtbot, page, patient_id)
    tree = page.timeline.tree
    (row,) = [
        tree.topLevelItem(r)
        for r in range(tree.topLevelItemCount())
        if tree.topLevelItem(r).data(0, ID_ROLE) == encounter_id  # type: ignore[union-attr]
    ]
    tree.setCurrentItem(row)
    if not page.timeline.amend_button.isEnabled():
        return "not amendable"
    page.timeline.amend_button.click()
    dialog = page.timeline.amend_dialog
    assert dialog is not None
    assert dialog.isVisible()
    if in_error:
        dialog.in_error.setChecked(True)
    else:
        dialog.narrative.setPlainText(dialog.narrative.toPlainText() + " Corrected.")
    qtbot.keyClicks(dialog.reason, "Checked against the paper record")
    dialog.save_button.click()
    if dialog.result() == dialog.DialogCode.Accepted:
        return "signed"
    assert dialog.error.text().strip(), "refused in words"
    return dialog.error.text()


@pytest.mark.parametrize("name", sorted(AMENDABLE))
def test_a_hostile_encounter_can_be_amended_or_is_refused_in_words(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    """Correcting a hostile entry's wording, then marking it entered in error: each is signed
    or refused with a message in the dialog, never a traceback; entered in error always works
    (it is how a nurse withdraws a record no one should rely on)."""
    patient_id = patient_of(nurse)
    before = _encounter_ids(nurse, patient_id)
    store_as_pulled(nurse, AMENDABLE[name], patient_id)
    hostile = sorted(_encounter_ids(nurse, patient_id) - before)
    assert hostile
    for encounter_id in hostile:
        _amend(qtbot, nurse, patient_id, encounter_id, in_error=False)
        assert _amend(qtbot, nurse, patient_id, encounter_id, in_error=True) in (
            "signed", "not amendable",
        )  # fmt: skip


# -- the Wing clinics page ---------------------------------------------------------------------

TODAY = date.today().isoformat()


def _session(**changes: Any) -> Hostile:
    return Hostile("clinic_session", changes)


def _appointment(session: Hostile, **changes: Any) -> Hostile:
    return Hostile("appointment", changes, (session,))


SEEN_LATE = _appointment(
    _session(session_date=TODAY, status="IN_PROGRESS", wings="", clinicians=[]),
    outcome="ATTENDED", attribution="SEEN", outcome_at=LATEST,
)  # fmt: skip
CLINICS: dict[str, Hostile] = {
    "clinic-session-odd": HOSTILE["clinic-session-odd"],
    "appointment-odd": HOSTILE["appointment-odd"],
    # An outcome whose attribution, time and details no service would write with it.
    "appointment-outcome-odd": _appointment(
        _session(session_date=TODAY, status="IN_PROGRESS", facilitating_officer=""),
        outcome="ATTENDED",
        attribution="PRISON",
        outcome_at=LATEST,
        outcome_by="",
        outcome_reason="",
        rebook_required=True,
        position=2**62,
    ),
    "appointment-refused-without-details": _appointment(
        _session(session_date=TODAY, status="PLANNED"),
        outcome="REFUSED",
        attribution=None,
        risks_explained=None,
        witness_name=None,
    ),
    "appointment-seen-session-latest": _appointment(
        _session(session_date=LAST_DAY, status="IN_PROGRESS", clinicians=["", "nobody"]),
        outcome="SEEN_AT_CELL_DOOR",
        attribution="SEEN",
        outcome_at=EARLIEST,
    ),
    "appointment-waiting-in-a-closed-session": _appointment(
        _session(session_date=FIRST_DAY, status="CLOSED"), outcome=None, attribution=None
    ),
    # A seen appointment whose note (pulled) starts at the calendar's end, of an unknown kind.
    "appointment-note-odd": Hostile(
        "encounter",
        {"kind": "NOT_A_KIND", "started_at": LATEST, "entered_in_error": False},
        (SEEN_LATE,),
    ),
}


def _session_ids(vault: OpenVault, stored: dict[str, Any]) -> str:
    """The clinic session a stored hostile record is in (itself, its appointment's session)."""
    from hjdesk.storage.models import Appointment

    if "session_date" in stored:
        return str(stored["id"])
    if "session_id" in stored:
        return str(stored["session_id"])
    with vault.session() as session:
        found = session.get(Appointment, stored["appointment_id"])
        assert found is not None
        return found.session_id


def _every_row(qtbot: Any, page: Any) -> None:
    """Enter on every row (the record, or the note of a seen patient), then an outcome on the
    first: Attended (its note opens), then Not unlocked with its reason."""
    from hjdesk.clinical.attendance import Outcome
    from tests.gui.helpers_clinic import record_outcome, select_row

    for row in range(page.table.rowCount()):
        select_row(page, row)
        page.activate()
        if page.dialog is not None:
            page.dialog.close_without_asking()
    if page.table.rowCount():
        dialog = record_outcome(qtbot, page, 0, Outcome.ATTENDED)
        if dialog is not None:
            dialog.close_without_asking()
        record_outcome(qtbot, page, 0, Outcome.NOT_UNLOCKED, reason="Officers on movements")


@pytest.mark.parametrize("name", sorted(CLINICS))
def test_the_wing_clinics_page_runs_a_hostile_session(
    qtbot: Any, nurse: OpenVault, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Choose the session, Enter and an outcome on every row, start and close it: each step
    works or says why not in words."""
    from PySide6.QtWidgets import QMessageBox

    from hjdesk.clinical.attendance import Outcome
    from tests.gui.helpers_clinic import answer_questions, clinics_page, pick
    from tests.sync.test_hostile_content import _crashes

    answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    patient_id = patient_of(nurse)
    session_id = _session_ids(nurse, store_as_pulled(nurse, CLINICS[name], patient_id))
    assert _crashes(nurse, patient_id) == {}  # the lists, reports and printouts of sessions
    page = clinics_page(qtbot, _context(nurse))
    page.open_target(session_id)
    assert page.view is not None
    assert page.view.id == session_id
    assert page.header.text()
    for row, shown in enumerate(page.view.appointments):  # an outcome shows, however odd
        assert bool(page.table.item(row, 6).text()) == (shown.outcome is not None)  # type: ignore[union-attr]
    _every_row(qtbot, page)
    if page.start_button.isEnabled():
        page.start_button.click()
    if page.close_button.isEnabled():
        page.close_button.click()
        pick(page.closer.remaining, Outcome.LOCKDOWN_INCIDENT.value)
        qtbot.keyClicks(page.closer.reason, "Lockdown")
        page.closer.close_button.click()
    page.refresh()


# -- the Sync page -----------------------------------------------------------------------------

# Conflicts whose hub version is hostile, of every kind a laptop edits (the mutable records):
# one a kind (a newer conflict on a record replaces the older).
HUB_VERSIONS: dict[str, Hostile] = {
    "care_plan": Hostile(
        "care_plan",
        {**HOSTILE["care-plan-dates-ends"].changes, **HOSTILE["care-plan-data-lists"].changes},
    ),
    "clinic_session": HOSTILE["clinic-session-odd"],
    "appointment": Hostile(
        "appointment",
        {
            "position": -(2**62),
            "outcome": "REFUSED",
            "attribution": None,
            "outcome_at": LATEST,
            "a_field_of_a_newer_version": "x" * 1000,
        },
    ),
    "acct_case": Hostile(
        "acct_case",
        {**HOSTILE["acct-case-post-closure-latest"].changes, "opened_at": EARLIEST},
    ),
    "release_plan": HOSTILE["release-plan-odd"],
    "patient": Hostile("patient", {"date_of_birth": FIRST_DAY, "reception_date": LAST_DAY}),
}
# Records no laptop can store: set aside, listed on the page.
SET_ASIDE: dict[str, Hostile] = {
    "clinic-type-unknown": Hostile("clinic_session", {"clinic_type": "NOT_A_CLINIC"}),
    "outcome-unknown": Hostile("appointment", {"outcome": "NOT_AN_OUTCOME"}),
    "pulse-past-64-bits": Hostile("observation", {"pulse": 2**63}),
}


def _apply(vault: OpenVault, hostile: Hostile, patient_id: str) -> dict[str, Any]:
    """Apply the record as a pull does, whatever becomes of it (stored, set aside, a clash)."""
    from hjdesk.sync.cycle import remote_session
    from hjdesk.sync.local_apply import PageResult, apply_changes
    from hjdesk.sync.protocol import Change
    from tests.sync.test_hostile_content import _payloads

    changes: list[Change] = []
    payload = _payloads(vault, hostile, patient_id, changes, check=False)
    with remote_session(vault) as session:
        apply_changes(session, changes, PageResult())
    return payload


def _conflict(vault: OpenVault, number: int, hostile: Hostile, patient_id: str) -> None:
    """A conflict as a push reply stores it: this laptop's version of one of its records, and
    the hub's, the hostile payload (which the payload rules take) under that record's id."""
    from hjdesk.sync import payloads
    from hjdesk.sync.conflicts import store_hub_conflicts
    from hjdesk.sync.protocol import ConflictInfo
    from tests.sync.test_hostile_content import _CLASSES, _payloads, _template

    mine = _template(vault, _CLASSES[hostile.kind], patient_id)
    hub = {**_payloads(vault, hostile, patient_id, []), "id": mine["id"], "rev": mine["rev"] + 1}
    assert payloads.read(hostile.kind, hub["id"], hub)[0] is None
    info = ConflictInfo(
        id=number, kind=hostile.kind, record_id=mine["id"], patient_id=patient_id,
        op_id=f"device:{number}", your_rev=mine["rev"] + 1, your_payload=mine,
        hub_rev=hub["rev"], hub_payload=hub, created_at=RECENT,
    )  # fmt: skip
    with vault.transaction() as session:
        store_hub_conflicts(session, [info])


def _contribute(vault: OpenVault, event_id: str) -> str:
    """Health input planned for a (hostile) ACCT event, through the service: work to send."""
    from hjdesk.services.acct import add_contribution
    from hjdesk.storage.errors import KnownError

    try:
        add_contribution(
            vault, event_id, contribution_type="ATTENDED_IN_PERSON", team="PRIMARY_CARE",
            summary="Will attend the review.", planned=True,
        )  # fmt: skip
    except KnownError as refused:
        return str(refused)
    return "planned"


def _acct_page_on(qtbot: Any, context: Any, targets: list[str]) -> list[str]:
    """The ACCT page opened on each case or event (for an event, the input form pointed at it
    says when the input is needed by), as the Sync page's list opens it; what the form says."""
    from hjdesk.ui.pages.acct import AcctPage

    page = AcctPage(context)
    _show(qtbot, page, refresh=True)
    said = []
    for target in targets:
        page.open_target(target)
        assert page.detail.view is not None
        said.append(page.form.needed_by.text())
    return said


def _choose(panel: Any, conflict_id: int) -> None:
    (row,) = [n for n, c in enumerate(panel.conflicts) if c.id == conflict_id]
    panel.list.selectRow(row)
    assert panel.compare.rowCount() > 0


def test_the_sync_page_shows_hostile_records_set_aside_in_conflict_and_due(
    qtbot: Any, nurse: OpenVault
) -> None:
    """The whole page: records set aside (each shown in full), conflicts whose hub version is
    hostile (each compared, then the hub's kept: the readers then read it), a pulled record
    colliding with a user here, and ACCT input needed by times at the calendar's ends."""
    from tests.gui.helpers_sync import sync_page
    from tests.sync.test_hostile_content import _crashes

    patient_id = patient_of(nurse)
    for hostile in SET_ASIDE.values():
        _apply(nurse, hostile, patient_id)
    for number, hostile in enumerate(HUB_VERSIONS.values(), 1):
        _conflict(nurse, number, hostile, patient_id)
    _apply(nurse, Hostile("staff", {"username": "nurse", "role": "NOT_A_ROLE"}), patient_id)
    events = [
        store_as_pulled(nurse, HOSTILE[name], patient_id)["id"]
        for name in ("acct-event-ends", "acct-event-latest")
    ]
    planned = [_contribute(nurse, event_id) for event_id in events]

    page, _ = sync_page(qtbot, nurse)
    quarantine = page.quarantine
    assert quarantine.table.rowCount() == len(SET_ASIDE)
    for row in range(quarantine.table.rowCount()):
        quarantine.table.selectRow(row)
        quarantine.show_button.click()
        assert quarantine.record.toPlainText()
        quarantine.retry_button.click()  # a pulled record: tried again, set aside again
        assert quarantine.message.text().endswith(
            "It still cannot be stored here: it is set aside again."
        )
    assert quarantine.table.rowCount() == len(SET_ASIDE)
    assert page.needed.table.rowCount() == planned.count("planned")
    panel = page.conflicts
    assert len(panel.conflicts) == len(HUB_VERSIONS) + 1  # and the clash
    for masked in (True, False):
        page.context.privacy.set_masked(masked)
        for conflict in panel.conflicts:
            _choose(panel, conflict.id)
    page.needed.redraw()
    early, late = _acct_page_on(qtbot, page.context, events)
    assert early.startswith("Needed by Mon 01 Jan 1 00:00")  # its year: not next January
    assert late.startswith("Needed by Fri 31 Dec 9999 23:59")

    # A merged version typed over the hub's hostile values, one of them not a date at all.
    (plan,) = [c for c in panel.conflicts if c.kind == "care_plan"]
    _choose(panel, plan.id)
    panel.set_merged_text("title", "Merged")
    panel.set_merged_text("review_due", "next Tuesday")
    panel.save_merged.click()
    assert "review_due" in panel.message.text()  # refused in words
    assert panel.message.text().startswith("Not done: This version cannot be saved")
    for conflict in list(panel.conflicts):  # the hub's version kept: it is now the record
        _choose(panel, conflict.id)
        (panel.keep_hub if panel.keep_hub.isEnabled() else panel.keep_mine).click()
        assert panel.message.text().startswith(("Resolved: kept the hub's", "Dismissed"))
    assert panel.conflicts == []
    assert _crashes(nurse, patient_id) == {}  # the hub's versions kept stop no reader


# -- the encounter form ------------------------------------------------------------------------


def _every_form(qtbot: Any, vault: OpenVault, patient_id: str) -> list[str]:
    """Open every kind of entry's form for the patient (live scores, the header with their age),
    type a note and sign a general entry; what signing said (a new id, or the message)."""
    from hjdesk.services.encounters.forms import EncounterKind
    from hjdesk.ui.encounter import open_encounter_dialog
    from tests.gui.helpers_clinic import sign, type_narrative

    said = []
    context = _context(vault)
    for kind in EncounterKind:
        dialog = open_encounter_dialog(context, patient_id, kind)
        qtbot.addWidget(dialog)
        assert dialog.form.loaded is not None
        assert dialog.form.patient_line.text()
        if kind is EncounterKind.GENERAL:
            type_narrative(qtbot, dialog.form, "Seen on the wing.")
            said.append(sign(qtbot, dialog.form) or dialog.form.message.text())
        dialog.close_without_asking()
    return said


@pytest.mark.parametrize(
    "name", ["patient-born-first-day", "patient-born-last-day", "patient-dates-last-day"]
)
def test_the_encounter_form_opens_for_a_person_pulled_with_dates_at_the_calendars_ends(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    person = store_as_pulled(nurse, HOSTILE[name], patient_of(nurse))
    assert all(_every_form(qtbot, nurse, person["id"]))


def test_the_encounter_form_opens_for_a_patient_holding_every_hostile_record(
    qtbot: Any, nurse: OpenVault
) -> None:
    patient_id = patient_of(nurse)
    for hostile in HOSTILE.values():
        store_as_pulled(nurse, hostile, patient_id)
    assert all(_every_form(qtbot, nurse, patient_id))


# -- the ACCT post-closure review at the calendar's ends ---------------------------------------

_POST_CLOSURE_EARLY = Hostile(
    "acct_case",
    {"status": "POST_CLOSURE", "closed_at": EARLIEST, "post_closure_review_due": FIRST_DAY},
)
POST_CLOSURE: dict[str, Hostile] = {
    "post-closure-due-first-day": _POST_CLOSURE_EARLY,
    "post-closure-due-last-day": Hostile(
        "acct_case",
        {"status": "POST_CLOSURE", "closed_at": LATEST, "post_closure_review_due": LAST_DAY},
    ),
    "post-closure-review-latest": Hostile(
        "acct_event",
        {"event_type": "POST_CLOSURE_REVIEW", "scheduled_at": LATEST, "held_at": None},
        (_POST_CLOSURE_EARLY,),
    ),
    "case-opened-earliest": Hostile(
        "acct_case", {"status": "OPEN", "opened_at": EARLIEST, "closed_at": None}
    ),
}


def _move_on(vault: OpenVault, case_id: str) -> list[str]:
    """What a nurse does to a case through the services: hold every event not yet held, close
    it, reopen it. Each works or is refused in words; what each said."""
    from hjdesk.services import acct
    from hjdesk.services.common import utc_now
    from hjdesk.storage.errors import KnownError

    now = utc_now()
    steps = [
        *(
            partial(acct.record_event_held, vault, e.id, held_at=now, chair="Case manager")
            for e in acct.case_view(vault, case_id).events
            if e.held_at is None
        ),
        partial(acct.close_case, vault, case_id, held_at=now, chair="Case manager"),
        partial(acct.reopen_case, vault, case_id, reopened_at=now, reason="New concerns"),
    ]
    said = []
    for step in steps:
        try:
            step()
        except KnownError as refused:
            said.append(str(refused))
        else:
            said.append("done")
    return said


@pytest.mark.parametrize("name", sorted(POST_CLOSURE))
def test_a_post_closure_review_at_the_calendars_ends_stops_no_reader_or_step(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    """Read as pulled (the record and its tabs, the ACCT page, every reader), then moved on
    through the services (held, closed, reopened: each computes a post-closure review date),
    then read again."""
    from tests.sync.test_hostile_content import _crashes, _every_tab_and_entry

    patient_id = patient_of(nurse)
    stored = store_as_pulled(nurse, POST_CLOSURE[name], patient_id)
    case_id = stored.get("case_id", stored["id"])
    for moved in (False, True):
        if moved:
            assert all(_move_on(nurse, case_id))
        assert _crashes(nurse, patient_id) == {}
        assert _every_tab_and_entry(qtbot, nurse, patient_id) > 0
        _acct_page_on(qtbot, _context(nurse), [case_id])


# -- ACCT health input: amended and withdrawn from the case ------------------------------------

_OURS = {"team": "PRIMARY_CARE", "entered_in_error": False}  # the nurse's team: theirs to amend
CONTRIBUTIONS: dict[str, Hostile] = {
    "needed-latest-signed-earliest": Hostile(
        "acct_contribution", {**HOSTILE["acct-contribution-ends"].changes, **_OURS}, (AN_EVENT,)
    ),
    "needed-earliest-signed-latest": Hostile(
        "acct_contribution",
        {"needed_by": EARLIEST, "signed_at": LATEST, "planned": False, "summary": "", **_OURS},
        (AN_EVENT,),
    ),
    "by-staff-no-list-names": Hostile(
        "acct_contribution",
        {**HOSTILE["staff-odd-contributes-to-acct"].changes, **_OURS},
        HOSTILE["staff-odd-contributes-to-acct"].parents,
    ),
    "note-of-an-unknown-kind-at-the-end": Hostile(
        "acct_contribution",
        {"planned": False, **_OURS},
        (AN_EVENT, Hostile("encounter", {"kind": "NOT_A_KIND", "started_at": LATEST})),
    ),
}


def _correct_input(qtbot: Any, page: Any, contribution_id: str, withdraw: bool) -> str:
    """Choose the input on its case and amend it (a new summary) or withdraw it, through the
    dialogs: "signed", or what the dialog says."""
    rows = [n for n, c in enumerate(page.detail.given.rows) if c.id == contribution_id]
    assert rows, "listed on its case"
    page.detail.given_table.selectRow(rows[0])
    detail = page.detail
    if withdraw:
        return _sign_correction(qtbot, page.corrections, detail.withdraw_button, lambda _: None)
    return _sign_correction(
        qtbot,
        page.corrections,
        detail.amend_button,
        lambda dialog: dialog.summary.setPlainText("Attended; risk discussed."),
    )


@pytest.mark.parametrize("name", sorted(CONTRIBUTIONS))
def test_hostile_acct_input_can_be_amended_and_withdrawn_or_is_refused_in_words(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    from hjdesk.ui.pages.acct import AcctPage

    stored = store_as_pulled(nurse, CONTRIBUTIONS[name], patient_of(nurse))
    page = AcctPage(_context(nurse))
    _show(qtbot, page, stored["event_id"], refresh=True)
    assert page.detail.chosen_event() is not None
    _correct_input(qtbot, page, stored["id"], withdraw=False)
    latest = [c.id for c in page.detail.given.rows if c.amends_id == stored["id"]]
    assert _correct_input(qtbot, page, (latest or [stored["id"]])[0], withdraw=True) == "signed"


# -- screening events and care plan reviews: amended and withdrawn -----------------------------

SCREENINGS: dict[str, Hostile] = {
    "screening-odd": HOSTILE["screening-odd"],
    "screening-dated-last-day": Hostile(
        "screening_event",
        {"event_date": LAST_DAY, "next_due": FIRST_DAY, "outcome": "", "entered_in_error": False},
    ),
}
REVIEWS: dict[str, Hostile] = {
    "care-plan-review-odd": HOSTILE["care-plan-review-odd"],
    "care-plan-reviewed-review-due-earliest": HOSTILE["care-plan-reviewed-review-due-earliest"],
    **{
        f"continuing-review-next-due-{end}": Hostile(
            "care_plan_review",
            {"decision": "CONTINUE", "next_review_due": day, "entered_in_error": False},
            (A_PLAN,),
        )
        for end, day in (("first-day", FIRST_DAY), ("last-day", LAST_DAY))
    },
}


def _sign_correction(qtbot: Any, flow: Any, button: Any, fill: Callable[[Any], None]) -> str:
    """Press `button` (amend or withdraw), give a reason, `fill` the dialog, sign: "signed" or
    what the dialog says in words."""
    assert button.isEnabled(), button.toolTip()
    button.click()
    dialog = flow.dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.reason, "Checked against the paper record")
    fill(dialog)
    (dialog.sign_button if hasattr(dialog, "sign_button") else dialog.ok).click()
    if flow.dialog is None:
        return "signed"
    assert dialog.problem.text(), "refused in words"
    said = str(dialog.problem.text())
    dialog.reject()
    return said


@pytest.mark.parametrize("name", sorted(SCREENINGS))
def test_a_hostile_screening_event_can_be_amended_and_withdrawn_from_the_record(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    from hjdesk.ui.pages.patient_record import PatientRecordPage

    patient_id = patient_of(nurse)
    stored = store_as_pulled(nurse, SCREENINGS[name], patient_id)
    page = PatientRecordPage(_context(nurse))
    _show(qtbot, page, patient_id)
    tab = page.screening
    page.tabs.setCurrentWidget(tab)

    def choose(record_id: str) -> None:
        (row,) = [n for n, v in enumerate(tab.rows) if v.id == record_id]
        tab.tree.setCurrentItem(tab.tree.topLevelItem(row))

    choose(stored["id"])
    amend = partial(_sign_correction, qtbot, tab.corrections)
    amend(tab.amend_button, lambda d: d.outcome.setText("Given"))
    fixed = [v.id for v in tab.rows if v.amends_id == stored["id"]]
    kept = [v.event_date.isoformat() for v in tab.rows if v.id in fixed]
    assert kept in ([], [stored["event_date"]])  # the outcome corrected, the date as it was
    choose((fixed or [stored["id"]])[0])
    assert amend(tab.withdraw_button, lambda _: None) == "signed"


@pytest.mark.parametrize("name", sorted(REVIEWS))
def test_a_hostile_care_plan_review_can_be_amended_and_withdrawn_from_the_editor(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    from hjdesk.services.care_plans import plan_view
    from hjdesk.ui.pages.care_plans import CarePlansPage

    stored = store_as_pulled(nurse, REVIEWS[name], patient_of(nurse))
    page = CarePlansPage(_context(nurse))
    _show(qtbot, page, stored["plan_id"], refresh=True)
    editor = page.editor

    def choose(record_id: str) -> None:
        rows = editor.reviews
        (row,) = [
            r for r in range(rows.rowCount()) if rows.row_at(rows.index(r, 0)).id == record_id
        ]
        editor.review_table.selectRow(row)

    choose(stored["id"])
    amend = partial(_sign_correction, qtbot, editor.lifecycle.corrections)
    said = amend(editor.amend_review_button, lambda d: d.outcome.setPlainText("Reviewed again."))
    assert "Write the next review date as" not in said  # the date it filled in is one it reads
    reviews = plan_view(nurse, stored["plan_id"]).reviews
    fixed = [r.id for r in reviews if r.id != stored["id"]]
    kept = [r.review_date.isoformat() for r in reviews if r.id in fixed]
    assert kept in ([], [stored["review_date"]])  # the review's date stays (a closing one's)
    choose((fixed or [stored["id"]])[0])
    assert amend(editor.withdraw_review_button, lambda _: None) == "signed"


# -- the transfer or release plan, edited ------------------------------------------------------

RELEASE_PLANS: dict[str, Hostile] = {  # open: the plan the Release tab shows and edits
    "days-below-any-supply-date-first-day": Hostile(
        "release_plan",
        {"status": "OPEN", "days_of_medicine_supplied": -(2**62), "expected_date": FIRST_DAY},
    ),
    "days-huge-date-last-day": Hostile(
        "release_plan",
        {"status": "OPEN", "days_of_medicine_supplied": 2**62, "expected_date": LAST_DAY},
    ),
}


@pytest.mark.parametrize("name", sorted(RELEASE_PLANS))
def test_a_hostile_release_plan_opens_in_its_dialog_and_saves_or_is_refused_in_words(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    """The plan as every reader shows it (the summary says what is odd), then the Release
    tab's plan dialog on it: it opens, and saving it with notes added keeps its values as they
    are stored, saved or refused in words (never the nearest the dialog's fields could show)."""
    from hjdesk.services.release import release_summary
    from hjdesk.ui.pages.patient_record import PatientRecordPage
    from tests.sync.test_hostile_content import _crashes

    patient_id = patient_of(nurse)
    stored = store_as_pulled(nurse, RELEASE_PLANS[name], patient_id)
    assert _crashes(nurse, patient_id) == {}
    plan = release_summary(nurse, patient_id).release_plan
    assert plan is not None
    assert plan.id == stored["id"]
    page = PatientRecordPage(_context(nurse))
    _show(qtbot, page, patient_id)
    tab = page.release
    page.tabs.setCurrentWidget(tab)
    tab.plan_button.click()
    dialog = tab.dialog
    assert dialog is not None
    dialog.notes.setPlainText("Checked on the wing.")
    dialog.save_button.click()
    saved = release_summary(nurse, patient_id).release_plan
    assert saved is not None
    if dialog.result() != dialog.DialogCode.Accepted:
        assert dialog.error.text()  # refused in words
        assert saved.notes != "Checked on the wing."
    assert (saved.days_of_medicine_supplied, saved.expected_date) == (
        plan.days_of_medicine_supplied, plan.expected_date,
    )  # fmt: skip


def _stored_plan(vault: OpenVault, plan_id: str) -> Any:
    """The plan as the services read it (the Release tab lists only open plans: this one is
    opened in the dialog directly, as the tab would open it)."""
    from hjdesk.services.common import local_today
    from hjdesk.services.release.plans import plan_view_of
    from hjdesk.storage.models import ReleasePlan

    with vault.session() as session:
        row = session.get(ReleasePlan, plan_id)
        assert row is not None
        return plan_view_of(row, local_today())


def test_a_release_plan_status_this_version_does_not_know_is_kept_never_saved_as_another(
    qtbot: Any, nurse: OpenVault
) -> None:
    """A plan whose status a newer version wrote ("ON_HOLD") opens showing that status as
    itself, marked as not known here, never as "Open (planning)"; Save with only the notes
    changed writes nothing and asks, in words, for a status to be chosen; once one is chosen,
    that one is saved."""
    from hjdesk.ui.record.release_plan_dialog import STATUSES, ReleasePlanDialog
    from tests.gui.helpers_care import choose

    patient_id = patient_of(nurse)
    stored = store_as_pulled(nurse, Hostile("release_plan", {"status": "ON_HOLD"}), patient_id)
    dialog = ReleasePlanDialog(
        _context(nurse), patient_id, "the patient", _stored_plan(nurse, stored["id"])
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.status.currentText() == "\u2018ON_HOLD\u2019 — not known to this version (kept)"
    assert dialog.status.value() == "ON_HOLD"
    assert "not one this version knows" in dialog.status.accessibleDescription()
    dialog.notes.setPlainText("Checked on the wing.")
    dialog.save_button.click()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.error.text() == (
        "The plan status reads \u2018ON_HOLD\u2019, which this version does not know: choose one "
        "from the list to save."
    )
    kept = _stored_plan(nurse, stored["id"])
    assert (kept.status, kept.notes, kept.rev) == (stored["status"], stored["notes"], stored["rev"])

    choose(dialog.status, "CANCELLED")
    assert dialog.status.currentText() == STATUSES["CANCELLED"]
    dialog.save_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    saved = _stored_plan(nurse, stored["id"])
    assert (saved.status, saved.notes) == ("CANCELLED", "Checked on the wing.")


def test_a_plan_of_a_status_this_version_does_not_know_is_the_summarys_plan_marked_as_such(
    nurse: OpenVault,
) -> None:
    """A plan a newer laptop put "ON_HOLD" is still the patient's live plan here: the transfer
    summary, on screen and on paper, shows it with its status named as unknown to this version
    (hidden, the summary said "no plan" and the tab offered to start a second one for the same
    move). An open plan comes before it; one saved as done is no longer the summary's plan."""
    from hjdesk.reports.release_docs import movement_pairs
    from hjdesk.services.release import UNKNOWN_STATUS, release_summary, save_release_plan
    from hjdesk.services.release.plans import release_plans_due
    from hjdesk.ui.record.release_summary_html import plan_lines

    patient_id = patient_of(nurse)
    live = release_summary(nurse, patient_id).release_plan
    if live is not None:  # the demo's own plan for this person ends first, through the service
        save_release_plan(
            nurse, patient_id, plan_id=live.id, base_rev=live.rev, status="DONE",
            movement_type=live.movement_type, expected_date=live.expected_date,
        )  # fmt: skip
    stored = store_as_pulled(nurse, Hostile("release_plan", {"status": "ON_HOLD"}), patient_id)
    plan = release_summary(nurse, patient_id).release_plan
    assert plan is not None
    assert (plan.id, plan.status) == (stored["id"], "ON_HOLD")
    assert not plan.status_known
    said = UNKNOWN_STATUS.format(status="ON_HOLD")
    assert ("Plan status", said) in movement_pairs(plan)
    assert any(
        "ON_HOLD" in line and "not known to this version" in line for line in plan_lines(plan)
    )
    due = [row for row in release_plans_due(nurse) if row.patient_id == patient_id]
    assert all(row.plan_id == stored["id"] for row in due)

    opened = save_release_plan(nurse, patient_id, movement_type="TRANSFER", expected_date=None)
    assert release_summary(nurse, patient_id).release_plan.id == opened.id  # open comes first
    ended = {"movement_type": "TRANSFER", "expected_date": None, "status": "DONE"}
    save_release_plan(nurse, patient_id, plan_id=opened.id, base_rev=opened.rev, **ended)
    assert release_summary(nurse, patient_id).release_plan.id == stored["id"]


# -- the care plan editor ----------------------------------------------------------------------

PLANS = ("care-plan-dates-ends", "care-plan-data-odd", "care-plan-data-lists")


@pytest.mark.parametrize("name", PLANS)
def test_a_hostile_care_plan_opens_unchanged_in_the_editor_and_saves_a_new_title(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    """Opened, the plan has no changes to lose (its dates and needs read back as stored);
    a new title is saved (or refused in words) and its dates stay as they were."""
    from hjdesk.services.care_plans import plan_view
    from hjdesk.ui.pages.care_plans import CarePlansPage

    stored = store_as_pulled(nurse, HOSTILE[name], patient_of(nurse))
    before = plan_view(nurse, stored["id"])
    page = CarePlansPage(_context(nurse))
    _show(qtbot, page, stored["id"], refresh=True)
    editor = page.editor
    assert editor.plan_id == stored["id"]
    assert not editor.dirty()
    editor.form.title.setText("Reviewed on the wing")
    editor.save_button.click()
    after = plan_view(nurse, stored["id"])
    assert after.title == "Reviewed on the wing" or editor.problem.text()
    assert (after.start_date, after.review_due) == (before.start_date, before.review_due)


# -- a task closed from Today ------------------------------------------------------------------

TASKS = ("task-odd", "task-latest")


@pytest.mark.parametrize("name", TASKS)
def test_a_hostile_task_is_closed_from_today(
    qtbot: Any, nurse: OpenVault, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task of a kind no list names, due at the calendar's ends: chosen on Today and closed
    with a note of what was done."""
    from PySide6.QtWidgets import QInputDialog

    from hjdesk.ui.pages.today import TodayPage
    from hjdesk.ui.today_model import ITEM_ROLE

    stored = store_as_pulled(nurse, HOSTILE[name], patient_of(nurse))
    page = TodayPage(_context(nurse))
    _show(qtbot, page, refresh=True)
    model = page.model

    def listed() -> list[Any]:
        return [
            model.index(row, 0, model.index(heading, 0))
            for heading in range(model.rowCount())
            for row in range(model.rowCount(model.index(heading, 0)))
            if getattr(model.index(row, 0, model.index(heading, 0)).data(ITEM_ROLE),
                       "source_id", None) == stored["id"]
        ]  # fmt: skip

    (found,) = listed()
    page.tree.setCurrentIndex(found)
    assert page.close_task.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Done on the wing", True))
    page.close_task.click()
    assert listed() == []  # closed: Today no longer lists it
