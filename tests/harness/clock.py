"""The run's relative clock: op times are nanoseconds since the origin (docs/maelstrom.md §1 step 4)."""
from __future__ import annotations

import time


class Clock:
    def __init__(self) -> None:
        self.origin_ns = time.monotonic_ns()

    def reset_origin(self) -> None:
        self.origin_ns = time.monotonic_ns()

    def now_ns(self) -> int:
        return time.monotonic_ns() - self.origin_ns

    @staticmethod
    def monotonic() -> float:
        """Seconds on the event loop's clock (asyncio's loop.time() is time.monotonic())."""
        return time.monotonic()
