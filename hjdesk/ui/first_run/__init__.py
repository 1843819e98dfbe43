"""A laptop's first start (no vault yet) and a vault that cannot be opened: what to do, in words.

`FirstRunScreen` creates the vault with its first administrator, then offers the hub enrolment
and the roll import the Sync and Admin pages also hold. `VaultProblemScreen` explains a damaged
vault or one from a newer HJDesk and what to do about it.
"""

from hjdesk.ui.first_run.problem import VaultProblemScreen
from hjdesk.ui.first_run.screen import FirstRunScreen

__all__ = ["FirstRunScreen", "VaultProblemScreen"]
