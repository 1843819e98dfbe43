"""Record identifiers (UUIDv7) and the hybrid logical clock used for display order.

UUIDv7 (RFC 9562) puts the millisecond time first, so ids made on a device sort by creation and
index well; Python 3.11 has no `uuid.uuid7`, and twenty lines beat a dependency.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> str:
    """A UUIDv7 as text; monotonic within this process (a 12-bit counter inside a millisecond)."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            now_ms = _last_ms
        else:
            _last_ms = now_ms
            _counter = 0
        counter = _counter
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (now_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand
    return str(uuid.UUID(int=value))


class HybridClock:
    """A hybrid logical clock: wall milliseconds, bumped past anything seen, plus a counter.

    Used only to order entries for display; revisions, never clocks, decide conflicts.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ms = 0
        self._count = 0

    def now(self) -> str:
        with self._lock:
            wall = time.time_ns() // 1_000_000
            if wall > self._ms:
                self._ms, self._count = wall, 0
            else:
                self._count += 1
            return f"{self._ms:013d}.{self._count:05d}"

    def observe(self, stamp: str) -> None:
        """Move past a stamp received from elsewhere so later local stamps sort after it."""
        ms_text, _, count_text = stamp.partition(".")
        ms, count = int(ms_text), int(count_text or 0)
        with self._lock:
            if (ms, count) > (self._ms, self._count):
                self._ms, self._count = ms, count
