"""The interpreter's cycle collector and the app's long-lived objects.

Python's full (oldest-generation) collection walks every object the process tracks. Once the
workspace is built, ~180,000 of those are modules, classes, functions and widgets that live as
long as the app, and each full collection walked them all: 140-300 ms on whichever thread
allocated last, often the GUI thread, as a page's rows arrived (docs/performance.md, "The GUI
thread at 100,000 patients"). Frozen after the unlock (`gc.freeze`), they are left out of
collections. The two pages whose rows grow with the establishment (Today's items, the Patients
roll: 26,000 and 100,000 objects at 100,000 patients) freeze again once their rows are shown, so
that those are not walked by every later collection either; rows replaced by a refresh hold no
reference cycles and are freed as usual.

Frozen objects are still freed when nothing refers to them; only a reference cycle among them
would wait. So the lock unfreezes them and collects at once: nothing a session held in memory,
patient data included, outlives the lock because of the freeze.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Leave what exists now (the app's code, its workspace, a large page's rows) out of
    future collections. Cheap: it moves the collector's lists, it does not walk them."""
    gc.freeze()


def release_on_lock() -> None:
    """Return everything to the collector and collect it now."""
    gc.unfreeze()
    gc.collect()
