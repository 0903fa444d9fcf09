"""g-counter and pn-counter (docs/maelstrom.md §6.6): nodes keep a shared counter that clients add to.
``workload`` holds both workloads' generator, client and checker, ``explain`` why a run is invalid."""
from .workload import GCounter, PNCounter

WORKLOAD = GCounter
WORKLOADS = {"g-counter": GCounter, "pn-counter": PNCounter}
