"""Runs the workload's ops against the cluster and records the history (docs/maelstrom.md §5).

Threads 0..C-1 each talk to node ``nodes[t mod N]``; a thread starts as process ``t`` and
becomes ``process + C`` after every ``info`` completion. Main-phase client ops are spaced
uniformly on [0, 2/rate) across the whole cluster, and the partition nemesis runs on its own
schedule beside them, never waiting for a client thread (schedule.py has the rules).
Workloads with a final phase then get a heal, 10 s of quiet and their final ops, the threads
starting in a random order.
"""
from __future__ import annotations

import asyncio
import math
import random
import traceback
from typing import Callable

from .client import ClientIds, NetClient
from .clock import Clock
from .nemesis import describe, random_grudge
from .network import Network
from .options import Options
from .recording import History
from .schedule import PENDING, Stagger, next_step
from .workloads.base import Workload

RECOVERY_S = 10.0


class Interpreter:
    def __init__(self, opts: Options, workload: Workload, network: Network, clock: Clock,
                 client_ids: ClientIds, rng: random.Random, log: Callable[[str], None],
                 history: History | list | None = None):
        self.opts = opts
        self.workload = workload
        self.network = network
        self.clock = clock
        self.client_ids = client_ids
        self.rng = rng
        self.log = log
        self.C = opts.concurrency
        self.process = list(range(self.C))
        self.clients: list[NetClient | None] = [None] * self.C
        self.client_process: list[int | None] = [None] * self.C
        self.busy: list[asyncio.Task | None] = [None] * self.C
        self._wake: asyncio.Future | None = None   # the main loop, waiting for a free thread
        # Where ops are recorded: a run streams them to history.jsonl; a list keeps them.
        self.history = history if history is not None else []
        self.partitioned: str | None = None
        self.phase = "setup"
        # client invocations (for the message budget) and completions (for the status line)
        self.counts = {"invoke": 0, "ok": 0, "fail": 0, "info": 0}

    # --- history ----------------------------------------------------------------------
    def record(self, op: dict) -> dict:
        op = {"index": len(self.history), "time": self.clock.now_ns(), **op}
        self.history.append(op)
        if op["process"] != "nemesis" and op["type"] in self.counts:
            self.counts[op["type"]] += 1
        return op

    # --- clients ------------------------------------------------------------------------
    def _client_for(self, thread: int) -> NetClient:
        client = self.clients[thread]
        stale = client is not None and not self.workload.reusable_client \
            and self.client_process[thread] != self.process[thread]
        if client is None or stale:
            if client is not None:
                client.close()
            node = self.opts.nodes[thread % len(self.opts.nodes)]
            client = NetClient(self.network, self.client_ids.next(), node)
            self.clients[thread] = client
        self.client_process[thread] = self.process[thread]
        return client

    def close_clients(self) -> None:
        for c in self.clients:
            if c is not None:
                c.close()
        self.clients = [None] * self.C

    async def _run_op(self, thread: int, op: dict) -> None:
        process = self.process[thread]
        extras = {k: v for k, v in op.items() if k not in ("f", "value") and not k.startswith("_")}
        invoke = self.record({"type": "invoke", "process": process, "f": op["f"],
                              "value": op.get("value"), **extras})
        try:
            client = self._client_for(thread)
            done = await self.workload.invoke(client, {k: v for k, v in op.items() if not k.startswith("_")})
        except asyncio.CancelledError:
            raise
        except Exception as e:
            done = {"type": "info", "value": op.get("value"), "error": f"indeterminate: {e}",
                    "exception": {"class": type(e).__name__, "message": str(e),
                                  "trace": traceback.format_exception_only(e)[-1].strip()}}
        completion = self.record({"type": done["type"], "process": process, "f": op["f"],
                                  "value": done.get("value"), **extras,
                                  **{k: v for k, v in done.items() if k not in ("type", "value")}})
        if completion["type"] == "info":
            self.process[thread] = process + self.C
        try:
            self.workload.update(invoke, completion)
        except Exception as e:
            self.log(f"WARN workload update failed: {e!r}")

    def _start(self, thread: int, op: dict) -> None:
        async def run():
            try:
                await self._run_op(thread, op)
            finally:
                self.busy[thread] = None
                if self._wake is not None and not self._wake.done():
                    self._wake.set_result(None)
        self.busy[thread] = asyncio.get_running_loop().create_task(run())

    async def _pause(self, until: float, wake_on_free: bool) -> None:
        """Sleep until loop time ``until``, or until a client thread frees if asked to."""
        loop = asyncio.get_running_loop()
        wake = loop.create_future()
        timer = loop.call_at(until, wake.set_result, None) if until != math.inf else None
        self._wake = wake if wake_on_free else None
        try:
            await wake
        finally:
            self._wake = None
            if timer is not None:
                timer.cancel()

    async def drain(self) -> None:
        pending = [t for t in self.busy if t]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    # --- nemesis ------------------------------------------------------------------------
    def start_partition(self) -> None:
        shape, grudge = random_grudge(self.opts.nodes, self.rng)
        self.record({"type": "info", "process": "nemesis", "f": "start-partition", "value": shape})
        self.network.partition(grudge)
        self.partitioned = shape
        self.log(f"Partition started ({shape}): " + "; ".join(
            f"{n} drops {','.join(sorted(g))}" for n, g in sorted(grudge.items()) if g))
        self.record({"type": "info", "process": "nemesis", "f": "start-partition",
                     "value": ["isolated", describe(grudge)]})

    def stop_partition(self) -> None:
        self.record({"type": "info", "process": "nemesis", "f": "stop-partition", "value": None})
        self.network.heal()
        if self.partitioned:
            self.log("Partition healed")
        self.partitioned = None
        self.record({"type": "info", "process": "nemesis", "f": "stop-partition",
                     "value": "network-healed"})

    # --- phases -------------------------------------------------------------------------
    def _pick_thread(self, k: int) -> int:
        free = [t for t in range(self.C) if self.busy[t] is None]
        if self.workload.each_thread:
            return self.rng.choice(free)
        start = k % (self.C + 1)
        if start == self.C:
            start = 0
        for i in range(self.C):
            t = (start + i) % self.C
            if self.busy[t] is None:
                return t
        raise AssertionError("no free thread")

    async def main_phase(self) -> None:
        """Client ops and nemesis ops on two independent schedules (see schedule.py)."""
        self.phase = "main"
        loop = asyncio.get_running_loop()
        start = loop.time()
        cutoff = start + self.opts.time_limit
        rate = self.opts.rate
        clients = Stagger(1 / rate, self.rng) if rate > 0 else None
        nemesis = Stagger(self.opts.nemesis_interval, self.rng) if "partition" in self.opts.nemesis else None
        nemesis_starts = True
        k = 0
        while True:
            now = loop.time()
            client_due = None if clients is None else \
                PENDING if all(self.busy) else clients.due_at(now)
            step = next_step(now, cutoff, client_due, nemesis and nemesis.due_at(now), self.rng)
            if step.action == "done":
                break
            if step.action == "wait":
                await self._pause(step.until, wake_on_free=client_due == PENDING)
                continue
            if step.action == "nemesis":
                (self.start_partition if nemesis_starts else self.stop_partition)()
                nemesis_starts = not nemesis_starts
                nemesis.invoked(now)
            else:
                thread = self._pick_thread(k)
                op = self.workload.next_op_for(thread, now - start)
                if op is None:
                    clients = None
                    continue
                self._start(thread, op)
                clients.invoked(now)
            k += 1
        if rate <= 0:
            await asyncio.sleep(max(0.0, cutoff - loop.time()))
        await self.drain()

    async def final_phase(self) -> None:
        if "partition" in self.opts.nemesis:
            self.stop_partition()
        self.phase = "recovery"
        self.log("Waiting for recovery...")
        await asyncio.sleep(RECOVERY_S)
        self.phase = "final"
        limit = self.workload.final_time_limit
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit if limit else None

        async def thread_ops(thread: int) -> None:
            last_invoked = None
            for op in self.workload.final_ops(thread):
                # Jepsen's stagger: the gap runs from the previous op's invocation, and an
                # op that falls at or past the phase's cut-off is never invoked.
                due = loop.time() if last_invoked is None else last_invoked + op.get("_gap", 0.0)
                if deadline is not None and due >= deadline:
                    return
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                last_invoked = loop.time()
                if deadline is not None and last_invoked >= deadline:
                    return
                self.busy[thread] = asyncio.current_task()
                try:
                    await self._run_op(thread, op)
                finally:
                    self.busy[thread] = None

        # Jepsen's each-thread breaks the tie between idle threads at random (soonest-op-map),
        # so which node answers the last final read changes from seed to seed.
        order = list(range(self.C))
        self.rng.shuffle(order)
        await asyncio.gather(*(thread_ops(t) for t in order))
