"""g-counter and pn-counter (docs/maelstrom.md §6.6): nodes keep a shared counter that clients add to.

There is no error wrapper: any error reply or timeout escapes ``invoke`` and becomes an
indeterminate ``info`` op (docs/maelstrom.md §5.5), even for reads and definite errors. Only the final
reads are checked: each must equal the sum of the acknowledged adds plus the deltas of
some subset of the indeterminate ones. That set of sums is kept as sorted, merged runs of
consecutive integers, because hundreds of indeterminate adds would make the set of
individual sums far too large to list.
"""
from __future__ import annotations

from bisect import bisect_right
from heapq import merge

from ...schema import check_response, is_int
from ..base import Workload
from .explain import explain_counter

Run = tuple[int, int]   # the integers lo..hi, both included


def merged(runs: list[Run]) -> list[Run]:
    """Sorted runs with overlapping or adjacent ones joined (the input must be sorted)."""
    out: list[Run] = []
    for lo, hi in runs:
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def acceptable_sums(definite: int, indeterminate: list[int]) -> list[Run]:
    """Every ``definite + sum(subset of indeterminate)``, as maximal runs, ascending."""
    runs: list[Run] = [(definite, definite)]
    for delta in indeterminate:
        shifted = [(lo + delta, hi + delta) for lo, hi in runs]
        runs = merged(list(merge(runs, shifted)))
    return runs


def contains(runs: list[Run], value: int) -> bool:
    i = bisect_right(runs, (value, float("inf")))
    return i > 0 and runs[i - 1][0] <= value <= runs[i - 1][1]


class PNCounter(Workload):
    name = "pn-counter"
    final_phase = True
    # g-counter's stream is this one with the negative adds dropped.
    allows_decrements = True

    def next_op(self, now: float) -> dict:
        while True:
            if self.rng.randrange(2) == 0:
                return {"f": "read", "value": None}
            delta = self.rng.randint(-5, 4)
            if delta >= 0 or self.allows_decrements:
                return {"f": "add", "value": delta}

    async def invoke(self, client, op):
        if op["f"] == "add":
            body = await client.rpc({"type": "add", "delta": op["value"]})
            check_response(body, "add_ok", {})
            return {"type": "ok", "value": op["value"]}
        body = await client.rpc({"type": "read"})
        check_response(body, "read_ok", {"value": is_int})
        return {"type": "ok", "value": body["value"]}

    def check(self, history: list[dict]) -> dict:
        adds = [op for op in history if op["f"] == "add"]
        definite = sum(op["value"] for op in adds if op["type"] == "ok")
        runs = acceptable_sums(definite, [op["value"] for op in adds if op["type"] == "info"])
        # Reads before the end are not checked at all: counters only converge eventually.
        final_reads = [op for op in history if op.get("final?") and op["type"] == "ok"]
        errors = [op for op in final_reads if not contains(runs, op["value"])]
        return {
            "valid?": not errors,
            "errors": errors or None,
            "final-reads": [op["value"] for op in final_reads],
            "acceptable": [[lo, hi] for lo, hi in runs],
        }

    def explain(self, ctx):
        return explain_counter(ctx)


class GCounter(PNCounter):
    name = "g-counter"
    allows_decrements = False
