"""Runs the workload's ops against the cluster and records the history (docs/maelstrom.md §5).

Threads 0..C-1 each talk to node ``nodes[t mod N]``; a thread starts as process ``t`` and
becomes ``process + C`` after every ``info`` completion. Main-phase client ops are spaced
uniformly on [0, 2/rate) across the whole cluster, and the nemesis runs on its own schedule
beside them (nemesis/combined.py), never waiting for a client thread (schedule.py has the
rules). The nemesis is one process: its next op waits until the one in progress (a restart
waiting for init_ok, say) is done. Workloads with a final phase then get the nemesis's final
ops (heal, resume, restart), 10 s of quiet and their final ops, the threads starting in a
random order; the others end with whatever faults are in force, as in Maelstrom.
"""
from __future__ import annotations

import asyncio
import math
import random
import traceback
from typing import Callable

from .client import ClientIds, NetClient
from .clock import Clock
from .nemesis.combined import NemesisSchedule
from .nemesis.perform import Nemesis
from .network import Network
from .options import Options
from .recording import History
from .schedule import PENDING, Stagger, next_step
from .workloads.base import Workload

RECOVERY_S = 10.0


class Interpreter:
    def __init__(self, opts: Options, workload: Workload, network: Network, clock: Clock,
                 client_ids: ClientIds, rng: random.Random, log: Callable[[str], None],
                 nemesis: Nemesis | None = None, fault_rng: random.Random | None = None,
                 history: History | list | None = None, client_rng: random.Random | None = None):
        self.opts = opts
        self.workload = workload
        self.network = network
        self.clock = clock
        self.client_ids = client_ids
        self.rng = rng
        # The client stream's own draws (its gaps, which thread, ties): how many it makes
        # depends on timing, so sharing ``rng`` with the nemesis would shift the faults a
        # seed gives from one run to the next.
        self.client_rng = client_rng or rng
        self.log = log
        self.C = opts.concurrency
        self.process = list(range(self.C))
        self.clients: list[NetClient | None] = [None] * self.C
        self.client_process: list[int | None] = [None] * self.C
        self.busy: list[asyncio.Task | None] = [None] * self.C
        self._wake: asyncio.Future | None = None   # the main loop, waiting for a free thread
        # Where ops are recorded: a run streams them to history.jsonl; a list keeps them.
        self.history = history if history is not None else []
        # ``rng`` draws the partitions, as it always has; ``fault_rng`` the kills and pauses.
        fault_rng = fault_rng or random.Random(1)
        self.nemesis = nemesis or Nemesis(network, {}, opts.nodes, fault_rng, log)
        self.nemesis_schedule = NemesisSchedule(opts.nemesis, opts.nodes, opts.nemesis_interval,
                                                rng, fault_rng)
        self._nemesis_task: asyncio.Task | None = None
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
        pending = [t for t in (*self.busy, self._nemesis_task) if t]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    # --- nemesis ------------------------------------------------------------------------
    async def run_nemesis_op(self, op: dict) -> None:
        """Record the op's invocation, carry it out, record its completion (both ``info``)."""
        self.record({"type": "info", "process": "nemesis", "f": op["f"], "value": op["value"]})
        try:
            done = await self.nemesis.invoke(op)
        except asyncio.CancelledError:
            raise
        except Exception as e:   # Jepsen's interpreter: a nemesis that throws completes info
            done = {"value": op["value"], "error": f"indeterminate: {e}",
                    "exception": {"class": type(e).__name__, "message": str(e)}}
        self.record({"type": "info", "process": "nemesis", "f": op["f"], **done})

    async def stop_nemesis(self) -> None:
        """Cancel the nemesis op under way, if any, and wait until it has stopped."""
        task = self._nemesis_task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _start_nemesis(self, op: dict) -> None:
        async def run():
            try:
                await self.run_nemesis_op(op)
            finally:
                self._nemesis_task = None
                if self._wake is not None and not self._wake.done():
                    self._wake.set_result(None)
        self._nemesis_task = asyncio.get_running_loop().create_task(run())

    # --- phases -------------------------------------------------------------------------
    def _pick_thread(self, k: int) -> int:
        free = [t for t in range(self.C) if self.busy[t] is None]
        if self.workload.each_thread:
            return self.client_rng.choice(free)
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
        clients = Stagger(1 / rate, self.client_rng) if rate > 0 else None
        nemesis = self.nemesis_schedule
        k = 0
        while True:
            now = loop.time()
            client_due = None if clients is None else \
                PENDING if all(self.busy) else clients.due_at(now)
            # The nemesis is one process: while its op is carried out, its streams are pending.
            nemesis_due = PENDING if self._nemesis_task is not None else nemesis.due_at(now)
            step = next_step(now, cutoff, client_due, nemesis_due, self.client_rng)
            if step.action == "done":
                break
            if step.action == "wait":
                await self._pause(step.until, wake_on_free=PENDING in (client_due, nemesis_due))
                continue
            if step.action == "nemesis":
                self._start_nemesis(nemesis.take(now))
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
        for op in self.nemesis_schedule.final_ops():
            await self.run_nemesis_op(op)
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
        self.client_rng.shuffle(order)
        await asyncio.gather(*(thread_ops(t) for t in order))
