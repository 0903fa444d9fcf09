"""txn-rw-register (docs/maelstrom.md §6.9): transactions of register reads and writes, checked by
Elle's rw-register checker. ``workload`` holds the generator and client, ``checker`` the checker."""
from .workload import TxnRwRegister

WORKLOAD = TxnRwRegister
