"""Which nemesis op comes next, and whom it targets (docs/maelstrom.md §4.5).

This is Jepsen 0.3.7's ``jepsen.nemesis.combined`` as Maelstrom's main branch composes it
(``maelstrom.nemesis/package``: ``compose-packages`` of the partition package and the DB
package), without a clock: every method takes ``now``.

- The **partition package** alternates ``start-partition`` (a random shape) and
  ``stop-partition`` (``flip-flop``), under its own ``stagger``.
- The **DB package** mixes two such alternations, ``pause``/``resume`` and ``kill``/``start``
  (``db-generators``: ``mix`` of ``flip-flop``\\ s, one for each fault asked for), under its
  own ``stagger``. ``kill`` and ``pause`` name a random node spec; ``start`` and ``resume``
  always name ``all``, so they undo every kill or pause in force.
- ``gen/any`` merges the packages: the op due soonest goes, equal times are a coin toss.
  A package appears only when one of its faults was asked for.
- The final generator heals, resumes and restarts, in that order, for the faults asked for.

Op values are Jepsen's node specs (``node-specs``): None (a random non-empty subset),
``one``, ``minority-third``, ``minority``, ``majority``, ``all``; Maelstrom's DB has no
primaries, so never ``primaries``. ``db_nodes`` turns a spec into nodes when the op is
carried out, as ``db-nemesis`` does. A ``start-partition`` op carries its grudge, drawn
together with its shape (Jepsen draws the grudge when the op is carried out; nothing
between the two depends on it), under the key ``grudge``.
"""
from __future__ import annotations

import random
from typing import Callable, Iterable

from ..schedule import Stagger
from .partition import majority, minority_third, random_grudge

FAULTS = ("partition", "kill", "pause")
NODE_SPECS = (None, "one", "minority-third", "minority", "majority", "all")

Op = dict


def db_nodes(spec: str | None, nodes: list[str], rng: random.Random) -> list[str]:
    """The nodes a node spec names, drawn afresh each time (Jepsen's ``db-nodes``)."""
    if spec == "all":
        return list(nodes)
    if spec == "one":
        return [rng.choice(nodes)]
    shuffled = list(nodes)
    rng.shuffle(shuffled)
    if spec is None:   # util/random-nonempty-subset
        return shuffled[:rng.randrange(len(nodes)) + 1]
    count = {"minority": majority(len(nodes)) - 1, "majority": majority(len(nodes)),
             "minority-third": minority_third(len(nodes))}.get(spec)
    if count is None:
        raise ValueError(f"unknown node spec {spec!r}; expected one of {NODE_SPECS}")
    return shuffled[:count]


class FlipFlop:
    """``gen/flip-flop``: an op from ``a``, then one from ``b``, then ``a`` again, and so on."""

    def __init__(self, a: Callable[[], Op], b: Callable[[], Op]):
        self.makers = (a, b)
        self.i = 0

    def next(self) -> Op:
        op = self.makers[self.i]()
        self.i = 1 - self.i
        return op


class Mix:
    """``gen/mix``: each op comes from one of the generators, chosen uniformly at random;
    the choice for the next op is drawn as each op is taken."""

    def __init__(self, generators: list[FlipFlop], rng: random.Random):
        self.generators = generators
        self.rng = rng
        self.i = rng.randrange(len(generators))

    def next(self) -> Op:
        op = self.generators[self.i].next()
        self.i = self.rng.randrange(len(self.generators))
        return op


def partition_generator(nodes: list[str], rng: random.Random) -> FlipFlop:
    """``partition-package``'s generator: start a partition of a random shape, then heal."""
    def start() -> Op:
        shape, grudge = random_grudge(nodes, rng)
        return {"f": "start-partition", "value": shape, "grudge": grudge}
    return FlipFlop(start, lambda: {"f": "stop-partition", "value": None})


def db_generator(faults: Iterable[str], rng: random.Random) -> Mix | None:
    """``db-generators``: a mix of pause/resume and kill/start alternations, or None."""
    faults = set(faults)
    modes = []
    if "pause" in faults:
        modes.append(FlipFlop(lambda: {"f": "pause", "value": rng.choice(NODE_SPECS)},
                              lambda: {"f": "resume", "value": "all"}))
    if "kill" in faults:
        modes.append(FlipFlop(lambda: {"f": "kill", "value": rng.choice(NODE_SPECS)},
                              lambda: {"f": "start", "value": "all"}))
    return Mix(modes, rng) if modes else None


def final_ops(faults: Iterable[str]) -> list[Op]:
    """``compose-packages``' final generator: heal, then resume, then restart."""
    faults = set(faults)
    ops = []
    if "partition" in faults:
        ops.append({"f": "stop-partition", "value": None})
    if "pause" in faults:
        ops.append({"f": "resume", "value": "all"})
    if "kill" in faults:
        ops.append({"f": "start", "value": "all"})
    return ops


class _Stream:
    """One package's generator under its own ``gen/stagger``."""

    def __init__(self, generator: FlipFlop | Mix, interval_s: float, rng: random.Random):
        self.generator = generator
        self.stagger = Stagger(interval_s, rng)


class NemesisSchedule:
    """The merged nemesis streams of one run.

    ``partition_rng`` draws everything of the partition package (as the partition nemesis
    always has, so a seed's partition-only runs are unchanged); ``db_rng`` everything of the
    DB package and the coin toss between the two packages."""

    def __init__(self, faults: Iterable[str], nodes: list[str], interval_s: float,
                 partition_rng: random.Random, db_rng: random.Random):
        self.faults = set(faults)
        self.rng = db_rng
        self.streams: list[_Stream] = []
        if "partition" in self.faults:
            self.streams.append(_Stream(partition_generator(nodes, partition_rng), interval_s, partition_rng))
        db = db_generator(self.faults, db_rng)
        if db is not None:
            self.streams.append(_Stream(db, interval_s, db_rng))

    def due_at(self, now: float) -> float | None:
        """When the next op is due (at once: ``now``), or None with no faults asked for."""
        return min((s.stagger.due_at(now) for s in self.streams), default=None)

    def take(self, now: float) -> Op:
        """The op due soonest, taken at ``now`` (``gen/any``'s ``soonest-op-map``)."""
        due = [(s.stagger.due_at(now), s) for s in self.streams]
        soonest = min(t for t, _ in due)
        tied = [s for t, s in due if t == soonest]
        stream = tied[0] if len(tied) == 1 else self.rng.choice(tied)
        op = stream.generator.next()
        stream.stagger.invoked(now)
        return op

    def final_ops(self) -> list[Op]:
        return final_ops(self.faults)
