"""The op stream of lin-kv: Jepsen's independent-keys register generator (docs/maelstrom.md §6.8).

Threads are split into groups of 2N (N nodes); each group works on one key at a time,
starting with keys 0, 1, ... in group order and taking the next unused key when its key is
retired. Threads 0..N-1 only read; every other thread writes (1/3) or compare-and-sets
(2/3), with values drawn from 0..4. Quirk kept from Jepsen: the readers are picked by
absolute thread number, so groups after the first have none.

A key is retired once the processes its group's threads have held since the key began
number more than 20 (Jepsen's ``process-limit``). A thread takes a new process after each
``info`` op, so without timeouts the whole run uses key 0.
"""
from __future__ import annotations

import random

from ..base import TestCannotRun

PROCESS_LIMIT = 20
VALUES = 5


class GeneratorAssertion(TestCannotRun):
    """Jepsen's generator refused the test's concurrency (Maelstrom exits 255)."""


class IndependentKeys:
    def __init__(self, node_count: int, concurrency: int, rng: random.Random):
        self.readers = node_count
        self.group_size = 2 * node_count
        self.concurrency = concurrency
        self.rng = rng
        self.groups = max(concurrency // self.group_size, 1)
        self.process = list(range(concurrency))       # each thread's current process
        self.key = list(range(self.groups))           # each group's current key
        self.seen: list[set[int]] = [set() for _ in range(self.groups)]
        self.next_key = self.groups

    def check_concurrency(self) -> None:
        """Jepsen's assertions, with its messages. Raises GeneratorAssertion."""
        c, n = self.concurrency, self.group_size
        if c < n:
            raise GeneratorAssertion(
                f"With {c} worker threads, this jepsen.concurrent/concurrent-generator cannot run a "
                f"key with {n} threads concurrently. Consider raising your test's :concurrency to "
                f"at least {n}. (lin-kv needs --concurrency to be a multiple of 2 × node count; "
                f"pass --concurrency 2n)")
        if c % n:
            k = c // n
            raise GeneratorAssertion(
                f"This jepsen.independent/concurrent-generator has {c} threads to work with, but "
                f"can only use {k * n} of those threads to run {k} concurrent keys with {n} threads "
                f"apiece. Consider raising or lowering the test's :concurrency to a multiple of {n}.")
        if n > PROCESS_LIMIT:
            # Maelstrom retires every key on its first op and spins forever looking for one
            # it may use (a hang); we stop instead.
            raise GeneratorAssertion(
                f"{n} threads per key exceed Jepsen's limit of {PROCESS_LIMIT} processes per key, "
                f"so every key is retired at once: Maelstrom hangs here. Use at most "
                f"{PROCESS_LIMIT // 2} nodes for lin-kv.")

    def process_changed(self, thread: int, process: int) -> None:
        self.process[thread] = process

    def op(self, thread: int) -> dict:
        """The next op for a free ``thread``: ``{"f": ..., "value": [key, ...]}``."""
        g = thread // self.group_size
        members = {self.process[t] for t in range(g * self.group_size, (g + 1) * self.group_size)}
        seen = self.seen[g] | members
        if len(seen) > PROCESS_LIMIT:
            self.key[g] = self.next_key
            self.next_key += 1
            seen = members
        self.seen[g] = seen
        k = self.key[g]
        if thread < self.readers:
            return {"f": "read", "value": [k, None]}
        if self.rng.randrange(3) == 0:
            return {"f": "write", "value": [k, self.rng.randrange(VALUES)]}
        return {"f": "cas", "value": [k, [self.rng.randrange(VALUES), self.rng.randrange(VALUES)]]}
