"""broadcast (docs/maelstrom.md §6.3): nodes gossip integer messages; every node must end up with all.

During setup every node receives the whole topology map. The main phase mixes broadcasts
of 0, 1, 2, ... with reads; after the heal and the quiet period each thread reads once
more, and the set-full checker (with ``broadcast`` as its add) judges the reads.
"""
from __future__ import annotations

from ...schema import check_response, is_array
from ...topology import topology
from ..base import Workload, with_errors
from ..set_full.checker import check_set_full
from ..set_full.explain import explain_set_full

# Broadcast RPCs are safe to retry only when they read.
IDEMPOTENT = frozenset({"read"})
TOPOLOGY_TIMEOUT = 5.0


class Broadcast(Workload):
    name = "broadcast"
    final_phase = True

    def __init__(self, opts, rng):
        super().__init__(opts, rng)
        self.next_message = 0

    async def setup(self, client) -> None:
        neighbours = topology(self.opts.topology, self.opts.nodes)
        body = await client.rpc({"type": "topology", "topology": neighbours}, timeout=TOPOLOGY_TIMEOUT)
        check_response(body, "topology_ok", {})

    def next_op(self, now: float) -> dict:
        if self.rng.randrange(2) == 0:
            return {"f": "read", "value": None}
        message = self.next_message
        self.next_message += 1
        return {"f": "broadcast", "value": message}

    async def invoke(self, client, op):
        async def call():
            if op["f"] == "broadcast":
                body = await client.rpc({"type": "broadcast", "message": op["value"]})
                check_response(body, "broadcast_ok", {})
                return {"type": "ok", "value": op["value"]}
            body = await client.rpc({"type": "read"})
            check_response(body, "read_ok", {"messages": is_array})
            return {"type": "ok", "value": body["messages"]}
        return await with_errors(op["f"] in IDEMPOTENT, op["value"], call)

    def check(self, history: list[dict]) -> dict:
        return check_set_full(history, add_f="broadcast")

    def explain(self, ctx):
        return explain_set_full(ctx, "broadcast")
