"""unique-ids (docs/maelstrom.md §6.2): nodes answer ``generate`` with globally unique ids.
``workload`` holds the generator, client and checker, ``explain`` why a run is invalid."""
from .workload import UniqueIds

WORKLOAD = UniqueIds
