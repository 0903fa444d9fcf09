"""lin-kv (docs/maelstrom.md §6.8): independent linearizable registers, one per integer key.

Clients send ``read {key}``, ``write {key, value}`` and ``cas {key, from, to}`` and expect
``read_ok {value}``, ``write_ok`` and ``cas_ok``. Errors 20 (no such key) and 22 (``from``
did not match) are the expected refusals. Clients are reusable and wait
max(10 × --latency, 1000) ms for a reply; a read is idempotent, so its timeouts and errors
fail it, while a write or cas that times out (or meets an indefinite error) may have
happened and is ``info``. There is no final phase.

Op values carry their key: ``[k nil]`` for a read (``[k v]`` once it returns), ``[k v]``
for a write, ``[k [from to]]`` for a cas. The generator is in generator.py, the
linearizability checker in checker.py.
"""
from __future__ import annotations

import random

from ...options import Options
from ...schema import check_response, is_any
from ..base import Client, Workload, with_errors
from .checker import check_independent
from .explain import explain_lin_kv
from .generator import IndependentKeys


class LinKv(Workload):
    name = "lin-kv"
    reusable_client = True

    def __init__(self, opts: Options, rng: random.Random):
        super().__init__(opts, rng)
        self.generator = IndependentKeys(opts.node_count, opts.concurrency, rng)
        self.timeout = max(10 * opts.latency, 1000) / 1000

    async def setup(self, client: Client) -> None:
        # Jepsen asserts when the first op is generated; failing here is the same exit 255.
        self.generator.check_concurrency()

    def next_op_for(self, thread: int, now: float) -> dict:
        return self.generator.op(thread)

    def update(self, invoke: dict, completion: dict) -> None:
        if completion["type"] == "info":
            p = completion["process"]
            self.generator.process_changed(p % self.opts.concurrency, p + self.opts.concurrency)

    async def invoke(self, client: Client, op: dict) -> dict:
        k, v = op["value"]
        if op["f"] == "read":
            async def read() -> dict:
                body = await client.rpc({"type": "read", "key": k}, self.timeout)
                check_response(body, "read_ok", {"value": is_any})
                return {"type": "ok", "value": [k, body["value"]]}
            return await with_errors(True, op["value"], read)
        if op["f"] == "write":
            request, reply = {"type": "write", "key": k, "value": v}, "write_ok"
        else:
            request, reply = {"type": "cas", "key": k, "from": v[0], "to": v[1]}, "cas_ok"

        async def change() -> dict:
            check_response(await client.rpc(request, self.timeout), reply, {})
            return {"type": "ok", "value": op["value"]}
        return await with_errors(False, op["value"], change)

    def check(self, history: list[dict]) -> dict:
        return check_independent(history)

    def explain(self, ctx):
        return explain_lin_kv(ctx)


WORKLOAD = LinKv
