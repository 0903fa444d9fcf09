"""txn-list-append (docs/maelstrom.md §6.10): transactions of list reads and appends, checked by Elle's
list-append checker. ``workload`` holds the generator and client, ``checker`` the checker."""
from .workload import TxnListAppend

WORKLOAD = TxnListAppend
