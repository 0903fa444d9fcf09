"""Hard lin-kv histories for the checker's tests and benchmark: one key, k acknowledged ops
all in flight at once, then a read no order of them explains.

A plain linearizability search must try every subset of the burst before it can refute
the read: 2^k subsets, times the register's states. Porcupine (the same search as Knossos'
wgl) needs 2.7 to 3.5 s at k = 18 and 14 to 22 s at k = 20 on this project's machine.
"""
from __future__ import annotations

import random

VALUES = range(5)   # Maelstrom's lin-kv writes and cas values are 0..4


def _burst_ops(k: int, rng: random.Random, mix: str) -> list[tuple[str, object, object]]:
    """k (f, value sent, value returned) that some order makes legal: writes only, or
    Maelstrom's even mix of reads, writes and cas (each cas from the value it will find)."""
    ops, state = [], None
    for _ in range(k):
        f = "write" if mix == "writes" or state is None else rng.choice(("read", "write", "cas"))
        if f == "write":
            state = rng.choice(VALUES)
            ops.append(("write", state, state))
        elif f == "read":
            ops.append(("read", None, state))
        else:
            new = rng.choice(VALUES)
            ops.append(("cas", [state, new], [state, new]))
            state = new
    return ops


def burst_history(k: int, seed: int = 0, mix: str = "writes", ending: str = "unwritten",
                  nested: bool = False) -> list[dict]:
    """The history of key 0: ``k`` ok ops invoked one after another and then completed in
    a random order (all concurrent; with ``nested``, in the reverse order of their
    invocations, so that each op's interval holds the next one's and no two identical ops
    can trade places), followed, once all are done, by:

    - ``ending="unwritten"``: a read of 5, a value nothing wrote;
    - ``ending="overwritten"``: a write of 0, then a read of a value the burst wrote other
      than 0, which that write has overwritten.
    """
    rng = random.Random(seed)
    burst = _burst_ops(k, rng, mix)
    ops: list[dict] = []

    def add(type_: str, process: int, f: str, value: object) -> None:
        ops.append({"index": len(ops), "time": len(ops) * 1_000_000, "type": type_,
                    "process": process, "f": f, "value": [0, value]})

    order = list(range(k))
    rng.shuffle(order)
    for p in order:
        add("invoke", p, burst[p][0], burst[p][1])
    if nested:
        order.reverse()
    else:
        rng.shuffle(order)
    for p in order:
        add("ok", p, burst[p][0], burst[p][2])
    if ending == "overwritten":
        add("invoke", k, "write", 0)
        add("ok", k, "write", 0)
        written = sorted({v for f, _, v in burst if f == "write" and v != 0} |
                         {v[1] for f, _, v in burst if f == "cas" and v[1] != 0}) or [1]
        stale = rng.choice(written)
    else:
        stale = 5
    add("invoke", k + 1, "read", None)
    add("ok", k + 1, "read", stale)
    return ops
