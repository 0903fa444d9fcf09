"""Carrying out nemesis ops on the network and the node hosts (docs/maelstrom.md §4.4, §4.5).

``Nemesis.invoke`` does what Jepsen's ``partition-nemesis`` and ``db-nemesis`` do for an op
of the schedule (``combined.py``) and returns the fields of its completion:

- ``start-partition`` / ``stop-partition``: apply the op's grudge / heal the network; the
  completion's value is ``["isolated", {node: [dropped senders]}]`` / ``"network-healed"``.
- ``kill`` / ``start`` / ``pause`` / ``resume``: turn the op's node spec into nodes
  (``db_nodes``), act on all of them at once, and complete with a map from each targeted
  node to what happened to it: ``killed``, ``started``, ``paused``, ``resumed``, or
  ``already-down`` / ``already-running`` / ``not-paused`` when there was nothing to do
  (Maelstrom's ``start!`` and ``resume!`` are idempotent: they are always sent to ``all``).
  Maelstrom's DB answers these with keywords too; their exact names are ours.

``start`` launches the node again and sends it ``init`` through the runner's own init path
(``restart``); if that fails, the op completes as Jepsen records a nemesis op that threw (its
invocation's value, an ``error`` naming the node and the cause), plus ``outcomes``: what
happened to each node, ``failed`` for those that did not come back. The run goes on.
"""
from __future__ import annotations

import asyncio
import random
from typing import Awaitable, Callable, Mapping, Protocol

from .combined import db_nodes
from .partition import describe


class Host(Protocol):
    """What the nemesis needs of a node host (process.py's docstring has the whole interface)."""
    state: str

    async def start(self) -> None: ...
    async def crash(self) -> None: ...
    async def pause(self) -> None: ...
    async def resume(self) -> None: ...


# What a db op reports of a node it left as it was.
UNCHANGED = frozenset({"already-down", "already-running", "not-paused"})


class NodeDidNotRestart(Exception):
    """A restarted node could not be brought back: its launch or its init failed."""


class Nemesis:
    """Carries out nemesis ops, and knows which faults are in force (for the status line)."""

    def __init__(self, network, hosts: Mapping[str, Host], nodes: list[str], rng: random.Random,
                 log: Callable[[str], None],
                 restart: Callable[[str], Awaitable[None]] | None = None):
        self.network = network
        self.hosts = hosts
        self.nodes = nodes
        self.rng = rng
        self.log = log
        self.restart = restart          # sends init to a node that was just started again
        self.partitioned: str | None = None   # the shape of the partition in force
        self._disturbed_at: dict[str, float] = {}   # node -> loop time of its latest kill/start/pause/resume

    # --- what is in force -----------------------------------------------------------
    def nodes_in(self, state: str) -> list[str]:
        return [n for n in self.nodes if n in self.hosts and self.hosts[n].state == state]

    def disturbed_since(self, node: str, since: float) -> bool:
        """Whether ``node`` is down or paused, or was killed, started, paused or resumed at
        or after loop time ``since``: a reply it held meanwhile was not its own doing."""
        host = self.hosts.get(node)
        if host is not None and host.state != "running":
            return True
        return self._disturbed_at.get(node, -1.0) >= since

    def status(self) -> str:
        """``partition: one, down: n2 n3, paused: n1``, or "" when nothing is in force."""
        parts = [f"partition: {self.partitioned}"] if self.partitioned else []
        for state in ("down", "paused"):
            nodes = self.nodes_in(state)
            if nodes:
                parts.append(f"{state}: {' '.join(nodes)}")
        return ", ".join(parts)

    # --- ops ----------------------------------------------------------------------------
    async def invoke(self, op: dict) -> dict:
        """Carry out ``op``; return its completion's fields (``value``, maybe ``error``)."""
        f = op["f"]
        if f == "start-partition":
            return {"value": self._start_partition(op["value"], op["grudge"])}
        if f == "stop-partition":
            return {"value": self._stop_partition()}
        act = {"kill": self._kill, "start": self._start, "pause": self._pause,
               "resume": self._resume}[f]
        nodes = db_nodes(op["value"], self.nodes, self.rng)
        outcomes = await asyncio.gather(*(act(n) for n in nodes), return_exceptions=True)
        failed = {n: e for n, e in zip(nodes, outcomes) if isinstance(e, BaseException)}
        done = {n: o for n, o in zip(nodes, outcomes) if n not in failed}
        now = asyncio.get_running_loop().time()
        for n in nodes:
            if done.get(n) not in UNCHANGED:   # failed ones too: something was done to them
                self._disturbed_at[n] = now
        changed = [n for n, o in done.items() if o not in UNCHANGED]
        if changed:
            self.log(f"Nemesis {f}: {' '.join(changed)}"
                     + (f" ({op['value']})" if op["value"] not in (None, "all") else ""))
        if not failed:
            return {"value": done}
        for e in failed.values():
            if isinstance(e, asyncio.CancelledError):
                raise e
        why = "; ".join(f"{n}: {e}" for n, e in failed.items())
        self.log(f"ERROR nemesis {f} failed on {', '.join(failed)}: {why}")
        first = next(iter(failed.values()))
        return {"value": op["value"], "error": f"indeterminate: {why}",
                "exception": {"class": type(first).__name__, "message": why},
                "outcomes": {n: done.get(n, "failed") for n in nodes}}

    def _start_partition(self, shape: str, grudge: dict[str, set[str]]) -> list:
        self.network.partition(grudge)
        self.partitioned = shape
        self.log(f"Partition started ({shape}): " + "; ".join(
            f"{n} drops {','.join(sorted(g))}" for n, g in sorted(grudge.items()) if g))
        return ["isolated", describe(grudge)]

    def _stop_partition(self) -> str:
        self.network.heal()
        if self.partitioned:
            self.log("Partition healed")
        self.partitioned = None
        return "network-healed"

    async def _kill(self, node: str) -> str:
        host = self.hosts[node]
        if host.state == "down":
            return "already-down"
        await host.crash()
        return "killed"

    async def _start(self, node: str) -> str:
        host = self.hosts[node]
        if host.state != "down":
            return "already-running"
        try:
            await host.start()
        except OSError as e:
            raise NodeDidNotRestart(f"could not launch {node} again: {e}") from None
        if self.restart is not None:
            await self.restart(node)
        return "started"

    async def _pause(self, node: str) -> str:
        host = self.hosts[node]
        if host.state == "down":
            return "already-down"
        await host.pause()
        return "paused"

    async def _resume(self, node: str) -> str:
        host = self.hosts[node]
        if host.state != "paused":
            return "not-paused"
        await host.resume()
        return "resumed"
