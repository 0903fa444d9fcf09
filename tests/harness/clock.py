"""The run's one time source: op times are nanoseconds since the origin (docs/maelstrom.md §1 step 4).

Harness code that runs during a test reads time only here or through the running loop's
``loop.time()``, which reads the same source: the monotonic clock for ``test``, a virtual
clock that only the event loop advances for ``sim`` (tests/harness/sim/virtual_time.py).
"""
from __future__ import annotations

import time
from typing import Callable


class Clock:
    def __init__(self, source_ns: Callable[[], int] = time.monotonic_ns) -> None:
        """``source_ns`` gives the loop's time in nanoseconds (asyncio's loop.time() is
        time.monotonic() on the real loop)."""
        self.monotonic_ns = source_ns
        self.origin_ns = source_ns()

    def reset_origin(self) -> None:
        self.origin_ns = self.monotonic_ns()

    def now_ns(self) -> int:
        return self.monotonic_ns() - self.origin_ns

    def monotonic(self) -> float:
        """Seconds on the event loop's clock."""
        return self.monotonic_ns() / 1e9
