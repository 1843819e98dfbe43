"""The encounter form (every `EncounterKind`, scored live) and the window it opens in."""

from hjdesk.ui.encounter.context import KIND_LABELS, kind_for_visit
from hjdesk.ui.encounter.dialog import EncounterDialog, open_encounter_dialog
from hjdesk.ui.encounter.form import EncounterForm

__all__ = [
    "KIND_LABELS",
    "EncounterDialog",
    "EncounterForm",
    "kind_for_visit",
    "open_encounter_dialog",
]
