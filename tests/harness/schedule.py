"""When the next main-phase op is due: the rules of Jepsen 0.3.7's generator, without a clock.

Maelstrom builds its main phase as ``(gen/time-limit T (gen/nemesis N (gen/stagger (/ rate)
W)))``. Three rules of ``jepsen.generator`` decide when something is invoked:

* ``Stagger``: an op may go at its stream's due time or later; once it goes, the next one is
  due a uniform ``[0, 2 * mean)`` after the moment it actually went (its ``:time``), so a late
  op pushes the whole stream back.
* ``Any`` / ``soonest-op-map``: the client stream and the nemesis stream are independent; a
  client stream with no free thread is ``:pending`` and never holds the nemesis back; equal
  times are a coin toss.
* ``TimeLimit``: nothing whose time is at or past the cutoff is released, and once the soonest
  op of the merged stream is, the phase is over: unless client ops are in flight, since the
  interpreter asks again after each completion (``jepsen.generator.interpreter/run!``).

Every function takes ``now`` so the rules can be tested on a fake clock.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

PENDING = "pending"   # a stream has an op but no free thread (or nemesis) to run it


class Stagger:
    """One op stream spaced uniformly on [0, 2 * mean_gap) from each op's actual invocation."""

    def __init__(self, mean_gap_s: float, rng: random.Random):
        self.span = 2 * mean_gap_s
        self.rng = rng
        self.due: float | None = None     # the first op is due at once

    def due_at(self, now: float) -> float:
        return now if self.due is None else max(self.due, now)

    def invoked(self, now: float) -> None:
        self.due = now + self.rng.random() * self.span


@dataclass(frozen=True)
class Step:
    action: str            # "client", "nemesis", "wait" or "done"
    until: float = math.inf  # for "wait": when to look again (sooner if a thread frees)


def next_step(now: float, cutoff: float, client: float | str | None, nemesis: float | str | None,
              rng: random.Random) -> Step:
    """What the main phase does at ``now``.

    ``client`` is the client stream's due time, ``PENDING`` when every thread is busy, or
    None once it has no more ops; ``nemesis`` is the nemesis stream's due time, ``PENDING``
    while its op is being carried out, or None when there is no nemesis."""
    candidates = [(t, name) for t, name in ((client, "client"), (nemesis, "nemesis"))
                  if t is not None and t != PENDING]
    if candidates:
        if len(candidates) == 2 and candidates[0][0] == candidates[1][0]:
            time, action = rng.choice(candidates)
        else:
            time, action = min(candidates)
        time = max(time, now)
        if time < cutoff:
            return Step("wait", time) if time > now else Step(action)
    # Nothing can be released before the cutoff, so TimeLimit yields nil. But Jepsen's
    # interpreter, given nil while ops are in flight, asks the same generator again after the
    # next completion, and a stream that was only pending may then have an op due before
    # the cutoff.
    return Step("wait") if PENDING in (client, nemesis) and now < cutoff else Step("done")
