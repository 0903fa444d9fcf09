"""g-set (docs/maelstrom.md §6.4): a grow-only set of integers, judged by the set-full checker.

There is no error wrapper: any error reply or timeout, definite or not, escapes ``invoke``
and so becomes an indeterminate ``info`` op (docs/maelstrom.md §5.5). The final reads carry no
``final?`` flag, unlike broadcast's.
"""
from __future__ import annotations

from typing import Iterator

from ...schema import check_response, is_array
from ..base import Workload
from ..set_full.checker import check_set_full
from ..set_full.explain import explain_set_full


class GSet(Workload):
    name = "g-set"
    final_phase = True

    def __init__(self, opts, rng):
        super().__init__(opts, rng)
        self.next_element = 0

    def next_op(self, now: float) -> dict:
        if self.rng.randrange(2) == 0:
            return {"f": "read", "value": None}
        element = self.next_element
        self.next_element += 1
        return {"f": "add", "value": element}

    def final_ops(self, thread: int) -> Iterator[dict]:
        yield {"f": "read", "value": None}

    async def invoke(self, client, op):
        if op["f"] == "add":
            body = await client.rpc({"type": "add", "element": op["value"]})
            check_response(body, "add_ok", {})
            return {"type": "ok", "value": op["value"]}
        body = await client.rpc({"type": "read"})
        # The elements really travel in a field called "value".
        check_response(body, "read_ok", {"value": is_array})
        return {"type": "ok", "value": body["value"]}

    def check(self, history: list[dict]) -> dict:
        return check_set_full(history)

    def explain(self, ctx):
        return explain_set_full(ctx, "add")
