"""Dependency cycles for the kafka checker: Elle over write-read and real-time edges.

The graph's vertices are the completions of send and poll (and txn) ops. Its edges are

* **wr**: the sender of a value -> every other op that polled it (given by the caller);
* **realtime**: an ok op -> every op invoked after it completed.

Maelstrom does not infer write-write order for kafka, and sends never poll, so every cycle
needs a poll that returned a value before its send was even invoked (a read from the
future). Elle calls such a cycle ``G1c-realtime`` and marks its strongly connected
component with ``strong-PL-2-cycle-exists``; a graph with no edges at all is reported as
``empty-transaction-graph``.

Real-time order has quadratically many edges. Instead of listing them, every send or poll
invocation gets a node on a chain in invocation order: an ok op links to the first chain
node invoked after it completed, each chain node links to the next one and to its own op.
Paths between ops, and therefore cycles and strongly connected components, are the same.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import deque

from ..elle.graphs import strongly_connected_components

Edge = tuple[int, int]


def cycle_anomalies(ops: list[dict], wr: dict[Edge, dict]) -> dict[str, list | bool]:
    """Cycles among ``ops`` (client history entries, in order). ``wr`` maps (writer
    position, reader position) to the step that explains the edge."""
    graph = _Graph(ops, wr)
    if not wr and not graph.has_realtime_edge:
        return {"empty-transaction-graph": True}
    cycles, exists = [], []
    for component in graph.components():
        members = sorted(v for v in component if v < len(ops))
        cycles.append(graph.explain(graph.cycle_in(set(component))))
        exists.append({"type": "strong-PL-2-cycle-exists", "not": "strong-read-committed",
                       "subgraph": ["union", "ww", "wr", "realtime"],
                       "scc-size": len(members),
                       "scc": [ops[v].get("index", v) for v in members]})
    anomalies: dict[str, list] = {}
    for case in cycles:
        anomalies.setdefault(case["type"], []).append(case)
    if exists:
        anomalies["strong-PL-2-cycle-exists"] = exists
    return anomalies


def calls(ops: list[dict]) -> list[Edge]:
    """(invocation position, completion position) of every send and poll, in invocation order."""
    found, open_at = [], {}
    for pos, op in enumerate(ops):
        if op.get("f") not in ("send", "poll", "txn"):
            continue
        if op.get("type") == "invoke":
            open_at[op.get("process")] = pos
        elif op.get("process") in open_at:
            found.append((open_at.pop(op.get("process")), pos))
    return sorted(found)


class _Graph:
    """Ops are nodes 0..n-1 (positions in ``ops``); chain node n+j stands for the j-th call."""

    def __init__(self, ops: list[dict], wr: dict[Edge, dict]):
        self.ops = ops
        self.wr = wr
        chain = calls(ops)
        self.invoke_of = {done: invoked for invoked, done in chain}
        n = len(ops)
        self.adj: list[list[int]] = [[] for _ in range(n + len(chain))]
        for a, b in wr:
            self.adj[a].append(b)
        for j, (_, done) in enumerate(chain):
            self.adj[n + j].append(done)
            if j + 1 < len(chain):
                self.adj[n + j].append(n + j + 1)
        starts = [invoked for invoked, _ in chain]
        self.has_realtime_edge = False
        for _, done in chain:
            later = bisect_right(starts, done)   # the first call invoked after this one ended
            if ops[done].get("type") == "ok" and later < len(chain):
                self.adj[done].append(n + later)
                self.has_realtime_edge = True

    def components(self) -> list[list[int]]:
        """Strongly connected components with more than one node. Roots without edges are
        skipped: they could only be singletons, and there are many of them."""
        roots = (v for v, edges in enumerate(self.adj) if edges)
        return [c for c in strongly_connected_components(roots, self.adj.__getitem__)
                if len(c) > 1]

    def cycle_in(self, component: set[int]) -> list[int]:
        """A shortest cycle through some sender in the component, as a node path."""
        start = min(a for a, b in self.wr if a in component and b in component)
        parent = {start: None}
        queue = deque([start])
        while queue:
            v = queue.popleft()
            for w in self.adj[v]:
                if w == start:
                    path = [v]
                    while parent[path[-1]] is not None:
                        path.append(parent[path[-1]])
                    return path[::-1] + [start]
                if w in component and w not in parent:
                    parent[w] = v
                    queue.append(w)
        raise AssertionError("a strongly connected component always has a cycle")

    def explain(self, path: list[int]) -> dict:
        """Elle's explanation of a cycle: its ops and the kind of each step."""
        n = len(self.ops)
        stops, steps = [path[0]], []
        direct = True          # op -> op edges are wr; a detour through the chain is realtime
        for v in path[1:]:
            if v >= n:
                direct = False
                continue
            a = stops[-1]
            steps.append(self.wr[(a, v)] if direct else
                         {"type": "realtime", "a'": self.ops[a], "b": self.ops[self.invoke_of[v]]})
            stops.append(v)
            direct = True
        kinds = {s["type"] for s in steps}
        data = "G1c" if "wr" in kinds else "G0"
        return {"type": data + ("-realtime" if "realtime" in kinds else ""),
                "cycle": [self.ops[v] for v in stops], "steps": steps}
