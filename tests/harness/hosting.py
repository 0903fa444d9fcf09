"""How a run hosts its nodes and keeps its time: the one thing ``test`` and ``sim`` do differently.

The runner (runner.py) is the same code for both. It asks its hosting for the event loop and
the clock every part of the harness reads, for one host per node (process.py's `NodeHost`
interface), and to stop them all at the end.

- `RealTime` (``test``): each node is a process started from ``--bin``; time is the
  monotonic clock, on an event loop with microsecond timers.
- ``Simulation`` (``sim``, tests/harness/sim/): every node runs in the harness's own process
  on one virtual clock that jumps from one event to the next.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import random
from pathlib import Path
from typing import Callable, Iterator

from .clock import Clock
from .event_loop import precise_event_loop
from .network import Network
from .options import Options
from .process import NodeHost, NodeProcess, ProcessTable


class RealTime:
    """Nodes as processes on the wall clock."""

    harness = "the local harness"
    results_facts: dict = {}   # added to results' harness map

    def __init__(self) -> None:
        self.clock = Clock()

    def new_loop(self) -> asyncio.AbstractEventLoop:
        return precise_event_loop()

    @contextlib.contextmanager
    def session(self, rng: random.Random) -> Iterator[None]:
        """Around the whole run: nothing to set up for real processes."""
        yield

    def refusal(self, opts: Options) -> str | None:
        """Why ``--bin`` cannot be run at all, or None."""
        binary = os.path.realpath(opts.bin)
        if not os.path.isfile(binary):
            return f"--bin {opts.bin} does not exist or is not a file"
        if not os.access(binary, os.X_OK):
            return f"--bin {opts.bin} is not executable (chmod +x it and give it a shebang line)"
        return None

    def host(self, node_id: str, argv: list[str], workdir: str, log_path: Path, network: Network,
             log: Callable[[str], None], echo_stderr: bool) -> NodeHost:
        return NodeProcess(node_id, argv, workdir, log_path, network, log, echo_stderr)

    async def stop(self, hosts: list[NodeHost]) -> None:
        """Kill every node and whatever it spawned; one process-table read for all."""
        table = await asyncio.to_thread(ProcessTable)
        await asyncio.gather(*(h.kill(table) for h in hosts), return_exceptions=True)
