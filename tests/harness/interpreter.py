"""Runs the workload's ops against the cluster and records the history (spec §5).

Threads 0..C-1 each talk to node ``nodes[t mod N]``; a thread starts as process ``t`` and
becomes ``process + C`` after every ``info`` completion. Main-phase client ops are spaced
uniformly on [0, 2/rate) across the whole cluster; the partition nemesis runs beside them.
Workloads with a final phase then get a heal, 10 s of quiet and their final ops.
"""
from __future__ import annotations

import asyncio
import random
import traceback
from typing import Callable

from .client import ClientIds, NetClient
from .clock import Clock
from .nemesis import describe, random_grudge
from .network import Network
from .options import Options
from .workloads.base import Workload

RECOVERY_S = 10.0


class Interpreter:
    def __init__(self, opts: Options, workload: Workload, network: Network, clock: Clock,
                 client_ids: ClientIds, rng: random.Random, log: Callable[[str], None]):
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
        self.freed = asyncio.Event()
        self.history: list[dict] = []
        self.partitioned: str | None = None
        self.phase = "setup"
        self.counts = {"ok": 0, "fail": 0, "info": 0}   # client completions, for the status line

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
                self.freed.set()
        self.busy[thread] = asyncio.get_running_loop().create_task(run())

    async def _wait_free(self) -> None:
        while all(self.busy):
            self.freed.clear()
            await self.freed.wait()

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
        self.phase = "main"
        loop = asyncio.get_running_loop()
        start = loop.time()
        cutoff = start + self.opts.time_limit
        rate = self.opts.rate
        nemesis = "partition" in self.opts.nemesis
        interval = self.opts.nemesis_interval
        next_client = start if rate > 0 else float("inf")
        next_nemesis = start if nemesis else float("inf")
        nemesis_starts = True
        k = 0
        while True:
            due = min(next_client, next_nemesis)
            if due >= cutoff:
                break
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            if next_nemesis <= next_client:
                (self.start_partition if nemesis_starts else self.stop_partition)()
                nemesis_starts = not nemesis_starts
                k += 1
                next_nemesis += self.rng.uniform(0, 2 * interval)
                continue
            # The next gap runs from when this op was due, so that timer overshoot (the event
            # loop sleeps in whole milliseconds) does not slow the rate down; but from when a
            # thread came free if the op had to wait for one, as in Jepsen.
            issued = next_client
            if all(self.busy):
                await self._wait_free()
                issued = loop.time()
            thread = self._pick_thread(k)
            op = self.workload.next_op_for(thread, loop.time() - start)
            if op is None:
                next_client = float("inf")
                continue
            self._start(thread, op)
            k += 1
            next_client = issued + self.rng.uniform(0, 2 / rate)
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
            for op in self.workload.final_ops(thread):
                sleep = op.get("_sleep", 0)
                if deadline is not None and loop.time() + sleep >= deadline:
                    return
                if sleep:
                    await asyncio.sleep(sleep)
                self.busy[thread] = asyncio.current_task()
                try:
                    await self._run_op(thread, op)
                finally:
                    self.busy[thread] = None

        await asyncio.gather(*(thread_ops(t) for t in range(self.C)))
