"""broadcast (docs/maelstrom.md §6.3): nodes gossip integer messages; every node must end up with all.
``workload`` holds the generator and client; the checker is the shared one in ``set_full``."""
from .workload import Broadcast

WORKLOAD = Broadcast
