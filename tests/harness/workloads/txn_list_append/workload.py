"""The txn-list-append generator and client, as Maelstrom 0.2.4 runs them.

Clients send ``{"type": "txn", "txn": [["r", k, null], ["append", k, v], ...]}`` and expect
``txn_ok`` with the same micro-ops, each read filled in with the key's whole list (``null``
for a key never appended to). Everything but the micro-op names is txn-rw-register's
(Elle's ``append-txns`` is its write/read generator with writes turned into appends):
1..--max-txn-length micro-ops, reads and appends at even odds, keys from a pool of
--key-count (default 10) drawn exponentially, elements 1, 2, 3, ... per key, a key retired
after --max-writes-per-key (default 16) appends. Clients are reusable, nothing is
idempotent, and there is no final phase.
"""
from __future__ import annotations

from typing import Any

from ...schema import is_array
from ..txn_rw_register.workload import TxnRwRegister
from . import checker


def is_reply_micro_op(v: Any) -> bool:
    """``["r", key, list or null]`` or ``["append", key, any element]``."""
    return isinstance(v, list) and len(v) == 3 and (
        v[0] == "append" or (v[0] == "r" and is_array(v[2])))


def appends(txn: list[list]) -> list[list]:
    """A write/read transaction with its writes turned into appends."""
    return [["append" if f == "w" else f, k, v] for f, k, v in txn]


class TxnListAppend(TxnRwRegister):
    name = "txn-list-append"
    reply_micro_op = staticmethod(is_reply_micro_op)

    def next_op(self, now: float) -> dict:
        return {"f": "txn", "value": appends(self.generator.txn())}

    def check(self, history: list[dict]) -> dict:
        return checker.check(history, self.opts.consistency_models)
