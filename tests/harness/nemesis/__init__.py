"""The nemesis: the faults Maelstrom injects, when, and carrying them out (docs/maelstrom.md §4.4, §4.5).

- ``partition``: the partition shapes (grudges), as Jepsen draws them;
- ``combined``: the schedule of ops, Jepsen 0.3.7's ``jepsen.nemesis.combined`` as Maelstrom
  composes it (partition package + DB package: kill/start, pause/resume);
- ``perform``: carrying an op out on the network and the node hosts, and what is in force.
"""
from .partition import SHAPES, Grudge, describe, grudge, majority, minority_third, random_grudge

__all__ = ["SHAPES", "Grudge", "describe", "grudge", "majority", "minority_third", "random_grudge"]
