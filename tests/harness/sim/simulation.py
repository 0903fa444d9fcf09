"""`Simulation`: the hosting of a ``sim`` run (tests/harness/hosting.py has the real one).

Every node is a `SimNode` in this process, and the harness and the nodes share one
`VirtualTimeLoop`, so time moves only from one scheduled event to the next.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import random
from pathlib import Path
from typing import Callable, Iterator

from ..clock import Clock
from ..network import Network
from ..options import Options
from ..process import NodeHost
from .host import SimNode, is_python_script
from .sandbox import Sandbox, current_node
from .virtual_time import VirtualClock, VirtualTimeLoop


# How long a node takes from its launch to reading its stdin: a Python node's start-up on
# this machine (interpreter and imports; its init_ok comes 340-390 ms after launch). Drawn
# per node so that nodes' timers do not tick in lockstep, as they never do in real time.
STARTUP_S = (0.30, 0.40)


class Simulation:
    harness = "the simulator (virtual time)"
    results_facts = {"clock": "virtual"}

    def __init__(self) -> None:
        self.virtual = VirtualClock()
        self.clock = Clock(self.virtual.ns)
        self._pids = iter(range(1000, 1 << 22))
        self.rng = random.Random(0)

    def new_loop(self) -> asyncio.AbstractEventLoop:
        loop = VirtualTimeLoop(self.virtual, current_node, self._enter)
        loop.set_exception_handler(_log_to_node)
        return loop

    def _enter(self, node: SimNode | None) -> None:
        """A node's code runs in its own working directory, as its process would."""
        os.chdir(self._cwd if node is None else node.workdir)

    @contextlib.contextmanager
    def session(self, rng: random.Random) -> Iterator[None]:
        self.rng = random.Random(rng.random())
        self._cwd = os.getcwd()
        try:
            with Sandbox(self.virtual.ns, rng):
                yield
        finally:
            os.chdir(self._cwd)

    def refusal(self, opts: Options) -> str | None:
        if not os.path.isfile(opts.bin):
            return f"--bin {opts.bin} does not exist or is not a file"
        if not is_python_script(opts.bin):
            return (f"--bin {opts.bin} is not a Python script: the simulator runs Python nodes built "
                    f"on common/ inside its own process; run this node with `test` instead")
        return None

    def host(self, node_id: str, argv: list[str], workdir: str, log_path: Path, network: Network,
             log: Callable[[str], None], echo_stderr: bool) -> NodeHost:
        return SimNode(node_id, argv, workdir, log_path, network, log, echo_stderr, pid=next(self._pids),
                       startup_s=self.rng.uniform(*STARTUP_S))

    async def stop(self, hosts: list[NodeHost]) -> None:
        for h in hosts:
            await h.kill()


def _log_to_node(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """An exception no handler caught: a process's asyncio would print it on its stderr."""
    node = current_node.get()
    if node is None:
        return loop.default_exception_handler(context)
    message = context.get("message", "Unhandled exception in event loop")
    exc = context.get("exception")
    if exc is not None:
        import traceback
        message += "\n" + "".join(traceback.format_exception(exc)).rstrip()
    node.stderr_text(message + "\n")
