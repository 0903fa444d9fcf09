"""The message budget: a node that floods the network is named while it does, and a flood
that goes on ends the run (exit 255) before it exhausts the machine.

The learner's most common bug, a broadcast node that forwards every gossip it receives
without asking whether it has seen it before, turns one broadcast into an exponential
storm. Maelstrom has no budget: the storm runs until the machine gives out. Here, once a
second, the messages the nodes sent in that second are compared with an allowance of
``FLOOD_PER_S`` a second or ``FLOOD_PER_OP`` per client op invoked in that second,
whichever is larger:

* the first second over the allowance names the node that sent the most, with the type of
  message it sent most (a ``message-flood`` mistake, on the console and in the results);
* what the nodes send beyond the allowance adds up, and once it passes ``ABORT_EXCESS``
  messages the run is aborted with that reason.

Why these numbers: a correct node sends a handful of messages per client op (the challenges
ask for fewer than 30 per op across the whole cluster), and even an eager periodic gossip
-- 25 nodes telling 24 peers ten times a second -- stays under 6,000 a second. Our nodes'
busiest second at official parameters is listed in the run's ``harness`` results
(``busiest-second``) and stays far below (docs/maelstrom.md §9). A storm, by contrast,
fills whatever the harness can carry (about 190,000 messages a second), so it passes the
abort threshold within seconds, while its journal is still a few hundred megabytes.
"""
from __future__ import annotations

from typing import Callable

from .diagnostics import Diagnostics
from .recording import Journal

CHECK_S = 1.0
FLOOD_PER_S = 10_000
FLOOD_PER_OP = 100
ABORT_EXCESS = 200_000


class MessageBudget:
    """Checks the nodes' traffic against the allowance; ``check`` runs once a second."""

    def __init__(self, nodes: list[str], journal: Journal, client_ops: Callable[[], int],
                 diagnostics: Diagnostics):
        self.nodes = nodes
        self.journal = journal
        self.client_ops = client_ops
        self.diagnostics = diagnostics
        self.excess = 0.0
        self.elapsed = 0.0
        self.busiest = {"messages": 0, "client-ops": 0}   # the busiest second so far
        self._last_sent = {node: 0 for node in nodes}
        self._last_ops = 0

    def check(self, dt: float) -> str | None:
        """Account for the last ``dt`` seconds; the reason to abort the run, if it must be."""
        self.elapsed += dt
        sent = {node: self.journal.sent_by(node) for node in self.nodes}
        ops = self.client_ops()
        window = {node: sent[node] - self._last_sent[node] for node in self.nodes}
        messages, window_ops = sum(window.values()), ops - self._last_ops
        self._last_sent, self._last_ops = sent, ops
        if messages / max(dt, 1e-9) > self.busiest["messages"]:
            self.busiest = {"messages": round(messages / max(dt, 1e-9)), "client-ops": window_ops}
        allowance = max(FLOOD_PER_S * max(dt, CHECK_S), FLOOD_PER_OP * window_ops)
        if messages <= allowance:
            return None
        self.excess += messages - allowance
        worst = max(window, key=window.get)
        what = self.describe(worst, sent[worst], ops, messages / max(dt, 1e-9), window_ops)
        self.diagnostics.report("message-flood", worst, what)
        if self.excess <= ABORT_EXCESS:
            return None
        return (f"the nodes flooded the network: {int(self.excess):,} messages beyond the harness's "
                f"budget ({FLOOD_PER_S:,} a second, or {FLOOD_PER_OP} per client op); {worst} {what}. "
                f"The run was stopped before it exhausted the machine. "
                f"Fix: {self.diagnostics.mistakes[('message-flood', worst)].fix}")

    def describe(self, node: str, total: int, ops: int, rate: float, window_ops: int) -> str:
        by_type = self.journal.sent.get(node, {})
        kind, count = max(by_type.items(), key=lambda item: item[1], default=("?", 0))
        per_op = f", {total / ops:,.0f} per client op" if ops else ", before any client op"
        return (f"sent {total:,} messages in {self.elapsed:.0f} s{per_op}, {count:,} of them {kind!r} "
                f"(all nodes together: {rate:,.0f} a second, with {window_ops:,} client ops that second)")
