"""The prison roll (architecture.md §8): parsing, validating and applying roll CSV files.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.roll.importing import import_roll
from hjdesk.services.roll.links import LinkFlag, mark_checked, open_link_flags
from hjdesk.services.roll.reconcile import apply_rows
from hjdesk.services.roll.rows import COLUMNS, ImportSummary, RollRow

__all__ = [
    "COLUMNS",
    "ImportSummary",
    "LinkFlag",
    "RollRow",
    "apply_rows",
    "import_roll",
    "mark_checked",
    "open_link_flags",
]
