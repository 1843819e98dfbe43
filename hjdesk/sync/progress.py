"""A long sync's progress as a person reads it: records so far, the rate, and the time left.

The sync client reports each acknowledged push batch and each stored pull page through its
progress callback (`SyncProgress`: phase, records done, total when known). `RateMeter` turns those
callbacks into a `ProgressLine` for the command line and the Sync page. The rate is the phase's
average since its first report (steadier than batch-to-batch, which jumps with the hub's load);
it is shown once the phase has run for `settle` seconds, so a first batch does not promise a
rate the rest will not keep. Time left needs the total: the laptop knows how many ops it has to
push, and a pull's first page says how many records follow it (`ChangesReply.remaining`); from a
hub too old to say, a pull shows records and rate only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hjdesk.sync.cycle import SyncProgress

RECORD_PHASES = ("push", "pull")
_VERBS = {"push": "sent", "pull": "received"}


def _count(n: int) -> str:
    return f"{n:,} record" + ("" if n == 1 else "s")


def duration_text(seconds: float) -> str:
    """`about 3 min 20 s`, `about 40 s`, `under a second`."""
    if seconds < 1:
        return "under a second"
    whole = round(seconds)
    if whole < 60:
        return f"about {whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"about {minutes} min {rest} s" if rest else f"about {minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes} min"


@dataclass(frozen=True, slots=True)
class ProgressLine:
    phase: str
    done: int
    total: int | None
    rate: float | None  # records per second over the phase so far; None until it has settled
    seconds_left: float | None  # None when the total or the rate is not known
    message: str  # the client's own words, for the phases that are not record counts

    @property
    def counts_records(self) -> bool:
        return self.phase in RECORD_PHASES

    def text(self) -> str:
        """One line: `sent 4,000 of 10,000 records, 2,100 records/s, about 3 s left`."""
        if not self.counts_records:
            return self.message
        verb = _VERBS[self.phase]
        parts = [
            f"{verb} {self.done:,} of {_count(self.total)}"
            if self.total  # nothing to receive reads "received 0 records", not "0 of 0"
            else f"{verb} {_count(self.done)}"
        ]
        if self.rate is not None:
            parts.append(f"{self.rate:,.0f} records/s")
        if self.seconds_left is not None:
            parts.append(f"{duration_text(self.seconds_left)} left")
        return ", ".join(parts)


class RateMeter:
    """Feed it every `SyncProgress`; it returns the line to show. One meter per sync."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, settle: float = 1.0) -> None:
        self._clock = clock
        self._settle = settle
        self._phase: str | None = None
        self._started = 0.0
        self._first = 0

    def update(self, step: SyncProgress) -> ProgressLine:
        now = self._clock()
        if step.phase != self._phase:
            # A phase's rate counts from its first report: the connection and the other phase's
            # work are not records of this one. (A second push, after the pull, starts again.)
            self._phase, self._started, self._first = step.phase, now, step.done
        rate: float | None = None
        elapsed = now - self._started
        moved = step.done - self._first
        if step.phase in RECORD_PHASES and elapsed >= self._settle and moved > 0:
            rate = moved / elapsed
        left: float | None = None
        if rate is not None and step.total is not None:
            left = max(step.total - step.done, 0) / rate
        return ProgressLine(step.phase, step.done, step.total, rate, left, step.message)
