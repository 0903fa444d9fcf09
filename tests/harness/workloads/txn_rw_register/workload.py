"""txn-rw-register (docs/maelstrom.md §6.9): transactions of register reads and writes, checked by Elle.

Clients send ``{"type": "txn", "txn": [["r", k, null], ["w", k, v], ...]}`` and expect
``txn_ok`` with the same micro-ops, reads filled in. The generator is Elle's: each
transaction has 1..--max-txn-length micro-ops, each a read or a write (even odds), on keys
drawn from a pool of --key-count active keys with an exponential distribution (the last
slot is the likeliest, about half the time). Writes to a key carry 1, 2, 3, ... so every
written value is unique; a key that has had --max-writes-per-key writes is retired and its
pool slot goes to a fresh key. Nothing is idempotent and clients are reusable.
"""
from __future__ import annotations

import math
import random
from typing import Any

from ...options import Options
from ...schema import array_of, check_response
from ..base import Client, Workload, with_errors
from . import checker
from ..elle.explain import explain_elle

DEFAULT_KEY_COUNT = 10
KEY_DIST_BASE = 2


def is_micro_op(v: Any) -> bool:
    """A completed micro-op: ``["r", key, any value]`` or ``["w", key, value]``."""
    return isinstance(v, list) and len(v) == 3 and v[0] in ("r", "w")


class TxnGenerator:
    """Elle's write/read transaction generator over an exponentially weighted key pool."""

    def __init__(self, rng: random.Random, key_count: int, max_txn_length: int,
                 max_writes_per_key: int):
        self.rng = rng
        self.max_txn_length = max_txn_length
        self.max_writes_per_key = max_writes_per_key
        self.active = list(range(key_count))
        self.next_value: dict[int, int] = {}
        # Drawing uniformly from [0, scale) and taking log2(x + 2) - 1 picks pool slot i
        # with probability 2^(i+1) / scale.
        self.scale = KEY_DIST_BASE * (KEY_DIST_BASE ** key_count - 1) / (KEY_DIST_BASE - 1)

    def key(self) -> int:
        x = self.rng.random() * self.scale + KEY_DIST_BASE
        slot = math.floor(math.log(x) / math.log(KEY_DIST_BASE) - 1)
        return self.active[min(max(slot, 0), len(self.active) - 1)]

    def txn(self) -> list[list]:
        length = self.rng.randint(1, self.max_txn_length)
        txn: list[list] = []
        while len(txn) < length:
            f, k = self.rng.choice("rw"), self.key()
            if f == "r":
                txn.append(["r", k, None])
                continue
            v = self.next_value.get(k, 1)
            if v > self.max_writes_per_key:
                # Retire the key, then draw this micro-op again.
                self.active[self.active.index(k)] = max(self.active) + 1
                continue
            self.next_value[k] = v + 1
            txn.append(["w", k, v])
        return txn


class TxnRwRegister(Workload):
    name = "txn-rw-register"
    reusable_client = True
    # What a micro-op of a txn_ok reply must look like (Maelstrom's response schema).
    reply_micro_op = staticmethod(is_micro_op)

    def __init__(self, opts: Options, rng: random.Random):
        super().__init__(opts, rng)
        self.generator = TxnGenerator(rng, opts.key_count or DEFAULT_KEY_COUNT,
                                      opts.max_txn_length, opts.max_writes_per_key)

    def next_op(self, now: float) -> dict:
        return {"f": "txn", "value": self.generator.txn()}

    async def invoke(self, client: Client, op: dict) -> dict:
        async def call() -> dict:
            body = await client.rpc({"type": "txn", "txn": op["value"]})
            check_response(body, "txn_ok", {"txn": array_of(self.reply_micro_op)})
            return {"type": "ok", "value": [list(mop) for mop in body["txn"] or []]}
        return await with_errors(False, op["value"], call)

    def check(self, history: list[dict]) -> dict:
        return checker.check(history, self.opts.consistency_models)

    def explain(self, ctx):
        return explain_elle(ctx)

