"""echo (docs/maelstrom.md §6.1): clients send strings, nodes must echo them back unchanged.
``workload`` holds the generator, client and checker, ``explain`` why a run is invalid."""
from .workload import Echo

WORKLOAD = Echo
