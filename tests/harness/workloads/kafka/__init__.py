"""kafka (docs/maelstrom.md §6.7): append-only logs per key, sends, polls and committed offsets.
``workload`` holds the generator and client, ``checker`` the checker and ``cycles`` its
dependency-cycle search."""
from .workload import Kafka

WORKLOAD = Kafka
