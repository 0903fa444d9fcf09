"""An asyncio event loop on a virtual clock: waiting costs nothing.

asyncio asks its selector to wait for I/O until the next timer is due. Here the selector
still looks at the real descriptors (the loop's own self-pipe, through which Ctrl-C and
SIGTERM arrive), but without waiting: if nothing is ready it moves the virtual clock forward
by the whole timeout and returns, and the loop, whose ``time()`` reads that clock, finds the
timer due. So a 20-second test takes only as long as its callbacks take to run, and two
runs that schedule the same callbacks run them in the same order at the same virtual times.

Each callback carries the context it was scheduled in (asyncio copies it into every handle
and task), so a handle can say which simulated node it belongs to: the loop says when the
next callback belongs to another owner than the last (`enter`). `VirtualTimeLoop.take`
lifts a node's pending handles out of the loop (to freeze a paused node or drop a killed
one's) and `put_back` returns them, due when they were due.
"""
from __future__ import annotations

import asyncio
import contextvars
import heapq
import itertools
import math
import selectors
from collections import deque
from typing import Any, Callable


# Callbacks run (and lines nodes write) at one virtual instant before time is let pass
# anyway, and the virtual time each of them is then charged (see let_time_pass).
STILL_CALLBACKS = 100_000
CROWDED_CALLBACK_NS = 5_000


class VirtualClock:
    """Nanoseconds of virtual time; only the loop moves it, and only forward."""

    def __init__(self) -> None:
        self.now_ns = 0

    def ns(self) -> int:
        return self.now_ns


class _AdvancingSelector(selectors.DefaultSelector):
    """Polls the real descriptors without waiting; a wait with nothing ready becomes a jump
    of the virtual clock."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self.clock = clock
        self.loop: VirtualTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list:
        if timeout is None:
            # No timer at all: only another thread or a signal can wake the loop. The
            # harness always has a timer running, so this is not reached in a simulation.
            return super().select(None)
        if timeout == 0:
            if self.loop.at_this_instant > STILL_CALLBACKS:
                self.loop.let_time_pass()
                return super().select(0)   # and a signal (Ctrl-C, SIGTERM) is seen
            return []   # callbacks are ready: the descriptors can wait for the next jump
        ready = super().select(0)
        if not ready:
            self.clock.now_ns += max(1, math.ceil(timeout * 1e9))
            self.loop.at_this_instant = 0
        return ready


def _run_as_owner(handle: asyncio.Handle) -> None:
    """Run a callback, first telling the loop whose it is (see `VirtualTimeLoop.enter`)."""
    loop = handle._loop
    loop.at_this_instant += 1
    owner = handle._context.get(loop.owner_var)
    if owner is not loop.owner:
        loop.enter(owner)
    _run(handle)


_run = asyncio.Handle._run


class _Handle(asyncio.Handle):
    __slots__ = ()
    _run = _run_as_owner


class _Timer(asyncio.TimerHandle):
    """A timer that comes after every timer set before it for the same time. asyncio's own
    order for equal times is the heap's, an accident of its layout; on a virtual clock
    equal times are common (a node's timers, messages due in the same millisecond)."""

    __slots__ = ("_seq",)

    def __lt__(self, other: _Timer) -> bool:
        return self._when < other._when or (self._when == other._when and self._seq < other._seq)

    _run = _run_as_owner


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """``owner_var`` names the owner of each callback (from the context it was scheduled
    in); ``on_enter(owner)`` runs whenever the next callback's owner is another than the
    last one's (the simulator moves into the node's working directory)."""

    def __init__(self, clock: VirtualClock, owner_var: contextvars.ContextVar | None = None,
                 on_enter: Callable[[Any], None] | None = None) -> None:
        super().__init__(_AdvancingSelector(clock))
        self._selector.loop = self
        self.at_this_instant = 0      # callbacks run since the clock last moved
        self.virtual_clock = clock
        self._clock_resolution = 1e-9
        self._timer_seq = itertools.count()
        self.owner_var = owner_var or contextvars.ContextVar("glomers_owner", default=None)
        self.owner = None
        self._on_enter = on_enter

    def let_time_pass(self) -> None:
        """Charge virtual time for a crowd of callbacks at one instant. Nodes that answer
        each other without end at zero latency (a message storm, at Maelstrom's default
        ``--latency 0``) would otherwise hold the clock still for ever, and with it every
        timer of the harness: the message budget that names the flood and stops the run,
        the time limit, even Ctrl-C. A process-based harness carries at most about 200,000
        messages a second, so each of the STILL_CALLBACKS callbacks is charged what one
        costs there; a sane run never has that many at one instant, so its times are
        untouched, and the rule depends on counts only, so runs stay deterministic."""
        self.at_this_instant = 0
        self.virtual_clock.now_ns += STILL_CALLBACKS * CROWDED_CALLBACK_NS

    def enter(self, owner: Any) -> None:
        """The code about to run is ``owner``'s."""
        self.owner = owner
        if self._on_enter is not None:
            self._on_enter(owner)

    def _call_soon(self, callback, args, context) -> asyncio.Handle:
        handle = _Handle(callback, args, self, context)
        self._ready.append(handle)
        return handle

    def time(self) -> float:
        return self.virtual_clock.now_ns / 1e9

    def call_at(self, when: float, callback, *args: Any, context=None) -> asyncio.TimerHandle:
        self._check_closed()
        timer = _Timer(when, callback, args, self, context)
        timer._seq = next(self._timer_seq)
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer

    # --- one owner's handles ------------------------------------------------------------
    def take(self, var: contextvars.ContextVar, owner: Any) -> list[asyncio.Handle]:
        """Remove every pending handle whose context has ``var`` set to ``owner``, in the
        order they would have run; return them (see `put_back`)."""
        mine_ready = [h for h in self._ready if _owner(h, var) is owner]
        if mine_ready:
            self._ready = deque(h for h in self._ready if _owner(h, var) is not owner)
        mine_timers = [h for h in self._scheduled if _owner(h, var) is owner and not h._cancelled]
        if mine_timers:
            kept = [h for h in self._scheduled if _owner(h, var) is not owner]
            heapq.heapify(kept)
            self._scheduled = kept
            self._timer_cancelled_count = sum(h._cancelled for h in kept)
            for h in mine_timers:
                h._scheduled = False
            mine_timers.sort(key=lambda h: h._when)
        return [h for h in mine_ready if not h._cancelled] + mine_timers

    def put_back(self, handles: list[asyncio.Handle]) -> None:
        """Schedule handles taken by `take` again: each runs when it was due, or at once if
        that time has passed; one cancelled meanwhile does not run."""
        now = self.time()
        for h in handles:
            if h._cancelled:
                continue
            if isinstance(h, asyncio.TimerHandle) and h._when > now:
                h._scheduled = True
                heapq.heappush(self._scheduled, h)
            else:
                self._ready.append(h)


def _owner(handle: asyncio.Handle, var: contextvars.ContextVar) -> Any:
    context = handle._context
    return context.get(var) if context is not None else None
