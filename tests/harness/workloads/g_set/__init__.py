"""g-set (docs/maelstrom.md §6.4): a grow-only set of integers.
``workload`` holds the generator and client; the checker is the shared one in ``set_full``."""
from .workload import GSet

WORKLOAD = GSet
