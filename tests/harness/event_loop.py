"""The harness's event loop: timers that wake within microseconds, as the JVM's do.

asyncio's default selector on Linux (epoll) waits in whole milliseconds, rounded up, so every
timed wake-up is up to 1 ms late. Jepsen spaces each op from the moment it really went, so at
--rate 1000 that lateness alone cut the offered rate by a third, and deliveries ran up to a
millisecond behind Maelstrom's. select() takes its timeout in microseconds but scans every
descriptor it is given (three pipes per node) and cannot take descriptors above 1023.

So the loop waits in select() on one descriptor only, the epoll instance itself (readable as
soon as any descriptor it watches is), then asks epoll, without waiting, which ones are ready:
microsecond timers, and a wait that costs the same for 1 node as for 1,000.
"""
from __future__ import annotations

import asyncio
import select
import selectors


class _EpollWithPreciseWait(selectors.EpollSelector):
    def select(self, timeout: float | None = None) -> list:
        if timeout is not None and timeout > 0:
            select.select((self._selector,), (), (), timeout)
            timeout = 0
        return super().select(timeout)


def precise_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop with microsecond timers."""
    if hasattr(selectors, "EpollSelector"):
        return asyncio.SelectorEventLoop(_EpollWithPreciseWait())
    # kqueue (macOS, BSD) already takes its timeout in nanoseconds.
    return asyncio.SelectorEventLoop(selectors.DefaultSelector())
