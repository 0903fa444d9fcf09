"""Cycles in a graph of transaction dependencies, found and classified as Elle does.

Edges carry a set of dependency kinds (bits: ww, wr, rw, process, realtime), but each edge
is *explained* by one of them, the first it carries in the graph's order of explanations
(rw-register: wr, ww, rw, realtime, process; list-append: ww first), and a cycle is
classified by its explained edges: all ww is G0; with a wr, G1c; one rw,
G-single-item; two or more, G2-item if some two are adjacent, else G-nonadjacent-item;
``-realtime`` or ``-process`` is appended when such an edge is part of it.

Each strongly connected component of the graph is examined on its own:

1. **Markers.** For each model, weakest first: does a cycle remain when only the kinds of
   edge that model forbids cycling through are kept (``PL-1-cycle-exists`` for ww,
   ``PL-2-cycle-exists`` for ww and wr, ...)? Each one found rules out that model and every
   stronger one, which are then not looked at.
2. **Example cycles**, class by class, most severe first, skipping classes the markers show
   cannot be there and classes implied by one already found. The search is breadth first
   over (transaction, state) pairs, where the state counts what the cycle still needs, and
   returns the shortest simple cycle it meets. A component gets a time budget; when it
   runs out, a ``cycle-search-timeout`` is reported with some cycle of the component.

Markers look at every kind an edge carries, example cycles only at the kind that explains
it. Elle's own search walks edges by kind and then checks how the cycle it found is
explained, so the two can come up with different example cycles (or, rarely, one finds a
class the other misses); the markers, and hence the verdicts, are the same.
"""
from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .consistency_models import (ANOMALY_IMPLIES, FRIENDLY_MODEL, boundary, canonical_model,
                                 prohibited_anomalies, reachable, ruled_out_models,
                                 severity_depths, stronger_models)
from .graphs import strongly_connected_components


# Dependency kinds, as bits of an edge's label set.
WW, WR, RW, PROCESS, REALTIME = 1, 2, 4, 8, 16
REL_NAMES = {WW: "ww", WR: "wr", RW: "rw", PROCESS: "process", REALTIME: "realtime"}
CYCLE_SEARCH_TIMEOUT_S = 1.0   # per strongly connected component, as Elle's default


# The order in which Elle's combined explainer tries the dependencies of an edge: the
# order its checker lists the graphs in. rw-register lists wr first, list-append ww.
WR_FIRST = (WR, WW, RW, REALTIME, PROCESS)
WW_FIRST = (WW, WR, RW, REALTIME, PROCESS)


def explained_rel(rels: int, order: tuple[int, ...] = WR_FIRST) -> int:
    """The one dependency an edge is explained by: the first of ``order`` it carries."""
    for rel in order:
        if rels & rel:
            return rel
    raise ValueError("an edge without dependencies")


class TxnGraph:
    """Dependencies between transactions: ``out[a][b]`` is the set of kinds (bits) of
    a -> b. Vertices are the transactions any dependency was inferred for, even one that
    came out as a self-edge (dropped, except wr ones, as Elle does). ``explain_order`` is
    the order in which an edge's kinds are tried to explain it."""

    def __init__(self, explain_order: tuple[int, ...] = WR_FIRST) -> None:
        self.out: dict[int, dict[int, int]] = defaultdict(dict)
        self.vertices: set[int] = set()
        self.explain_order = explain_order

    def link(self, a: int, b: int, rel: int) -> None:
        self.vertices.add(a)
        self.vertices.add(b)
        if a != b or rel == WR:
            edges = self.out[a]
            edges[b] = edges.get(b, 0) | rel

    def rels(self, a: int, b: int) -> int:
        return self.out.get(a, {}).get(b, 0)

    def explained(self, a: int, b: int) -> int:
        """The dependency that explains the edge a -> b."""
        return explained_rel(self.rels(a, b), self.explain_order)


# The "a cycle exists" markers: a model, and the dependencies it must not cycle through.
# ("extension", A, B) is A plus every A-step followed by one B-step.
CYCLE_EXISTS_SPECS: list[tuple[str, Any]] = [
    ("PL-1", WW),
    ("PL-2", WW | WR),
    ("PL-SI", ("extension", WW | WR, RW)),
    ("PL-2.99", WW | WR | RW),
    ("PL-3", WW | WR | RW),
    ("strong-session-PL-1", WW | PROCESS),
    ("strong-session-PL-2", WW | WR | PROCESS),
    ("strong-session-snapshot-isolation", ("extension", WW | WR | PROCESS, RW)),
    ("strong-session-serializable", WW | WR | RW | PROCESS),
    ("strong-PL-1", WW | REALTIME),
    ("strong-PL-2", WW | WR | REALTIME),
    ("strong-snapshot-isolation", ("extension", WW | WR | REALTIME, RW)),
    ("PL-SS", WW | WR | RW | REALTIME),
]


@dataclass(frozen=True)
class CycleSpec:
    """A class of cycle: which explained dependencies it may use, which it needs at least
    once each, and how many rw edges it has ("none", "one", "nonadjacent": two or more,
    never two in a row, "adjacent": two or more, some two in a row)."""

    name: str
    allowed: int
    required: tuple[int, ...]
    rw: str


def _cycle_specs() -> list[CycleSpec]:
    """The classes worth searching for, most severe first."""
    base = [CycleSpec("G0", WW, (), "none"),
            CycleSpec("G1c", WW | WR, (WR,), "none"),
            CycleSpec("G-single-item", WW | WR | RW, (), "one"),
            CycleSpec("G-nonadjacent-item", WW | WR | RW, (), "nonadjacent"),
            CycleSpec("G2-item", WW | WR | RW, (), "adjacent")]
    variants = [CycleSpec(f"{s.name}-{REL_NAMES[rel]}", s.allowed | rel, s.required + (rel,),
                          s.rw)
                for s in base for rel in (PROCESS, REALTIME)]
    depth = severity_depths()
    return sorted(base + variants, key=lambda s: (depth[s.name], s.name))


CYCLE_SPECS = _cycle_specs()
# Every cycle class, including those that need predicate reads (G-single, G-nonadjacent
# and G2 without "-item"): never found on registers, but still part of what a model rules
# out and what decides which extra order edges a check needs.
CYCLE_TYPES = frozenset(s.name for s in CYCLE_SPECS) | frozenset(
    f"{t}{v}" for t in ("G-single", "G-nonadjacent", "G2") for v in ("", "-process", "-realtime"))


def cycle_type(rels: list[int]) -> str:
    """The class of a cycle, given the explained dependency of each of its edges in order."""
    rw = rels.count(RW)
    if rw == 1:
        kind = "G-single-item"
    elif rw > 1:
        adjacent = any(a == RW and b == RW for a, b in zip(rels, rels[1:] + rels[:1]))
        kind = "G2-item" if adjacent else "G-nonadjacent-item"
    elif WR in rels:
        kind = "G1c"
    elif WW in rels:
        kind = "G0"
    else:
        raise ValueError(f"cannot classify a cycle of {rels}")
    if REALTIME in rels:
        return kind + "-realtime"
    return kind + "-process" if PROCESS in rels else kind


class SearchTimeout(Exception):
    """A component's search budget ran out."""


class _SccSearch:
    """Cycle search inside one strongly connected component."""

    def __init__(self, g: TxnGraph, scc: list[int], deadline: float):
        members = set(scc)
        self.vertices = sorted(scc)
        self.deadline = deadline
        self.steps = 0
        # Each edge inside the component, with the one dependency that explains it.
        self.adj = {v: [(w, explained_rel(r, g.explain_order))
                        for w, r in sorted(g.out.get(v, {}).items()) if w in members]
                    for v in self.vertices}
        self.present = 0   # every dependency that explains some edge
        for edges in self.adj.values():
            for _, rel in edges:
                self.present |= rel

    def find(self, spec: CycleSpec) -> list[int] | None:
        """A cycle of class ``spec`` (its transactions in order), or None."""
        if any(not self.present & r for r in spec.required) or \
                (spec.rw != "none" and not self.present & RW):
            return None
        first = RW if spec.rw != "none" else (spec.required[-1] if spec.required else spec.allowed)
        for start in self.vertices:
            cycle = self._from(start, spec, first)
            if cycle:
                return cycle
        return None

    # A search state is what the cycle so far means for ``spec``: (bits of the required
    # dependencies still missing, rw edges so far up to 2, whether the last edge was rw,
    # whether two rw edges were adjacent).

    @staticmethod
    def _step(spec: CycleSpec, state: tuple, rel: int) -> tuple | None:
        """The state after one more edge explained by ``rel``; None if ``spec`` forbids it."""
        needed, rws, last_rw, adjacent = state
        for i, r in enumerate(spec.required):
            if rel & r:
                needed &= ~(1 << i)
        if rel == RW:
            if (spec.rw == "one" and rws) or (spec.rw == "nonadjacent" and last_rw):
                return None
            return needed, min(rws + 1, 2), True, adjacent or last_rw
        return needed, rws, False, adjacent

    @staticmethod
    def _accepts(spec: CycleSpec, state: tuple) -> bool:
        """Whether a cycle closed in this state is of class ``spec``."""
        needed, rws, last_rw, adjacent = state
        if needed:
            return False
        # Cycles with rw edges start with one, so the closing edge is adjacent to it.
        return {"none": True, "one": rws == 1, "nonadjacent": rws == 2 and not last_rw,
                "adjacent": rws == 2 and (adjacent or last_rw)}[spec.rw]

    def _from(self, start: int, spec: CycleSpec, first: int) -> list[int] | None:
        """The shortest simple cycle through ``start`` (whose first edge is a ``first``
        one) that fits ``spec``, as breadth-first search over (vertex, state) finds it."""
        if time.monotonic() > self.deadline:
            raise SearchTimeout()
        init = ((1 << len(spec.required)) - 1, 0, False, False)
        parent: dict[tuple, tuple | None] = {}
        queue: deque = deque()
        for w, rel in self.adj[start]:
            if rel & first & spec.allowed:
                state = self._step(spec, init, rel)
                if state is None:
                    continue
                if w == start:
                    if self._accepts(spec, state):
                        return [start]
                elif (w, state) not in parent:
                    parent[(w, state)] = None
                    queue.append((w, state))
        while queue:
            self.steps += 1
            if self.steps % 512 == 0 and time.monotonic() > self.deadline:
                raise SearchTimeout()
            node = queue.popleft()
            v, state = node
            for w, rel in self.adj[v]:
                if not rel & spec.allowed:
                    continue
                nxt = self._step(spec, state, rel)
                if nxt is None:
                    continue
                if w == start:
                    if self._accepts(spec, nxt):
                        path = self._path(parent, node)
                        if len(set(path)) == len(path):
                            return [start] + path
                    continue
                if (w, nxt) not in parent:
                    parent[(w, nxt)] = node
                    queue.append((w, nxt))
        return None

    @staticmethod
    def _path(parent: dict, node: tuple) -> list[int]:
        """The vertices the search went through to reach ``node``."""
        path = []
        while node is not None:
            path.append(node[0])
            node = parent[node]
        return path[::-1]

    def any_cycle(self) -> list[int]:
        """Some cycle, found by walking until a vertex repeats (the component is strongly
        connected, so every vertex has a successor inside it)."""
        path, seen = [self.vertices[0]], {self.vertices[0]: 0}
        while True:
            nxt = self.adj[path[-1]][0][0]
            if nxt in seen:
                return path[seen[nxt]:]
            seen[nxt] = len(path)
            path.append(nxt)


def _projection(g: TxnGraph, members: set[int], spec: Any) -> dict[int, set[int]]:
    """The component's edges carrying any of the kinds ``spec`` names (see
    CYCLE_EXISTS_SPECS), as adjacency sets."""
    if isinstance(spec, tuple):
        _, first, then = spec
        a, b = _projection(g, members, first), _projection(g, members, then)
        extended = {v: set(ws) for v, ws in a.items()}
        for v, ws in a.items():
            for w in ws:
                extended[v] |= b.get(w, set())
        return extended
    return {v: {w for w, r in g.out.get(v, {}).items() if r & spec and w in members}
            for v in members}


def _spec_text(spec: Any) -> list:
    if isinstance(spec, tuple):
        return ["extension", _spec_text(spec[1]), _spec_text(spec[2])]
    return ["union"] + [name for bit, name in REL_NAMES.items() if spec & bit]


def cycle_exists_cases(g: TxnGraph, scc: list[int]) -> list[dict]:
    """The markers: for each model (weakest first, skipping those already ruled out),
    whether a cycle through only the dependencies it forbids exists in this component."""
    members, cases, ruled_out = set(scc), [], set()
    for model, spec in CYCLE_EXISTS_SPECS:
        if model in ruled_out:
            continue
        adj = _projection(g, members, spec)
        found = [c for c in strongly_connected_components(sorted(members), lambda v: adj[v])
                 if len(c) > 1 or c[0] in adj[c[0]]]
        if found:
            smallest = min(found, key=len)
            cases.append({"type": f"{model}-cycle-exists",
                          "not": FRIENDLY_MODEL.get(model, model), "subgraph": _spec_text(spec),
                          "scc-size": len(smallest), "scc": sorted(smallest)})
            ruled_out |= stronger_models(model)
    return cases


Explain = Callable[[list[int]], dict]   # a cycle of transactions -> its report


def cycle_cases_in_scc(g: TxnGraph, scc: list[int], explain: Explain,
                       reportable: frozenset[str], timeout: float) -> list[dict]:
    """Markers and example cycles for one component, most severe class first. Only
    classes in ``reportable`` are searched for; ``timeout`` is the budget in seconds."""
    markers = cycle_exists_cases(g, scc)
    # Classes that the models the markers leave possible forbid cannot be here.
    impossible: set[str] = set()
    for case in markers:
        impossible |= stronger_models(case["not"])
    possible = {canonical_model(m) for m, _ in CYCLE_EXISTS_SPECS} - impossible
    skip = set(CYCLE_TYPES & prohibited_anomalies(possible))
    search = _SccSearch(g, scc, time.monotonic() + timeout)
    found, searched = [], []
    try:
        for spec in CYCLE_SPECS:
            if spec.name in skip or spec.name not in reportable:
                continue
            searched.append(spec.name)
            cycle = search.find(spec)
            if cycle:
                found.append(explain(cycle))
                skip |= reachable(ANOMALY_IMPLIES, [spec.name])
    except SearchTimeout:
        timed_out = {"type": "cycle-search-timeout", "anomaly-spec-type": searched[-1],
                     "does-not-contain": [t for t in searched[:-1]
                                          if t not in {c["type"] for c in found}],
                     "scc-size": len(scc)}
        return [timed_out, explain(search.any_cycle())] + markers + found
    return markers + found


def cycle_cases(g: TxnGraph, explain: Explain, reportable: frozenset[str],
                timeout: float) -> dict[str, list[dict]]:
    """Anomaly type -> cases, over every strongly connected component of ``g``."""
    anomalies: dict[str, list[dict]] = {}
    components = [c for c in strongly_connected_components(sorted(g.vertices),
                                                           lambda v: g.out.get(v, {}))
                  if len(c) > 1]
    for scc in sorted(components, key=min):
        for case in cycle_cases_in_scc(g, scc, explain, reportable, timeout):
            anomalies.setdefault(case["type"], []).append(case)
    return anomalies


def graph_anomalies(g: TxnGraph, explain: Explain, reportable: frozenset[str],
                    timeout: float) -> dict[str, Any]:
    """What the transaction graph shows: ``empty-transaction-graph`` if it has no vertex,
    and the cycle cases."""
    anomalies: dict[str, Any] = {"empty-transaction-graph": True} if not g.vertices else {}
    anomalies.update(cycle_cases(g, explain, reportable, timeout))
    return anomalies


# ---------------------------------------------------------------------------------------
# Order edges, reports and the result: shared by the rw-register and list-append checkers
# ---------------------------------------------------------------------------------------

def order_edges(reportable: frozenset[str]) -> str | None:
    """The one extra order Elle adds: real time if a reportable anomaly involves it (then
    process anomalies show up as real-time ones), else process order if one involves
    that, else none."""
    cycles = reportable & CYCLE_TYPES
    if any(t.endswith("-realtime") for t in cycles):
        return "realtime"
    return "process" if any(t.endswith("-process") for t in cycles) else None


def link_order_edges(g: TxnGraph, client_ops: list[dict], extra: str | None) -> None:
    """Adds ``extra`` ("realtime", "process" or None) edges between the completions of
    ``client_ops`` (a history's client ops, in order)."""
    if extra == "realtime":
        _link_realtime(g, client_ops)
    elif extra == "process":
        last: dict[Any, int] = {}
        for op in client_ops:
            if op["type"] == "ok":
                if op["process"] in last:
                    g.link(last[op["process"]], op["index"], PROCESS)
                last[op["process"]] = op["index"]


def _link_realtime(g: TxnGraph, client_ops: list[dict]) -> None:
    """a -> b when ok a completed before b was invoked; only the transitive reduction's
    worth of edges: a completion leaves the frontier once a later ok completion covers it."""
    completion_of: dict[int, int] = {}
    open_ops: dict[Any, int] = {}
    for op in client_ops:
        if op["type"] == "invoke":
            open_ops[op["process"]] = op["index"]
        elif op["process"] in open_ops:
            completion_of[open_ops.pop(op["process"])] = op["index"]
    frontier: set[int] = set()
    preceded_by: dict[int, list[int]] = {}
    for op in client_ops:
        if op["type"] == "invoke":
            done = completion_of.get(op["index"])
            if done is not None and frontier:
                preceded_by[done] = list(frontier)
                for a in frontier:
                    g.link(a, done, REALTIME)
        elif op["type"] == "ok":
            frontier.difference_update(preceded_by.get(op["index"], ()))
            frontier.add(op["index"])


class CycleExplainer:
    """Turns a cycle of transactions into a report a person can read: its class, a chain
    like ``T1 -ww(3)-> T2 -wr(5)-> T1``, one sentence per edge, and the transactions.
    A checker explains its own data dependencies (``data_step``); order edges are common.
    ``txns`` maps a completion index to its transaction (``summary()``, ``process``,
    ``invoke_index``)."""

    def __init__(self, g: TxnGraph, txns: dict[int, Any]):
        self.g, self.txns = g, txns

    def data_step(self, rel: int, a: Any, b: Any, an: str, bn: str) -> tuple[str, str] | None:
        """(short label, sentence) for a ww, wr or rw edge from txn a to txn b."""
        raise NotImplementedError

    def step(self, a: int, b: int, names: dict[int, str]) -> tuple[str, str]:
        """(short label like ``ww(3)``, sentence) for the edge a -> b."""
        rel = self.g.explained(a, b)
        ta, tb = self.txns[a], self.txns[b]
        an, bn = names[a], names[b]
        if rel in (WR, WW, RW):
            found = self.data_step(rel, ta, tb, an, bn)
            if found:
                return found
        if rel == REALTIME:
            return ("realtime", f"{an} completed at index {a}, before the invocation of {bn}, "
                    f"at index {tb.invoke_index}")
        if rel == PROCESS:
            return ("process", f"process {ta.process} executed {an} before {bn}")
        raise ValueError(f"cannot explain {a} -> {b}")

    def cycle(self, cycle: list[int]) -> dict:
        """The report on ``cycle``, its transactions' indices in order."""
        names = {v: f"T{i + 1}" for i, v in enumerate(cycle)}
        pairs = list(zip(cycle, cycle[1:] + cycle[:1]))
        rels = [self.g.explained(a, b) for a, b in pairs]
        chain, steps = names[cycle[0]], []
        for a, b in pairs:
            label, sentence = self.step(a, b, names)
            chain += f" -{label}-> {names[b]}"
            steps.append(f"{names[a]} < {names[b]}, because {sentence}")
        return {"type": cycle_type(rels), "cycle": chain, "steps": steps,
                "txns": {names[v]: self.txns[v].summary() for v in cycle}}


def result_map(anomalies: dict[str, Any], prohibited: frozenset[str],
               reportable: Iterable[str]) -> dict:
    """Elle's result: valid unless something reportable was found; then invalid if that
    includes a prohibited anomaly, else unknown."""
    shown = {t: c for t, c in anomalies.items() if t in reportable}
    # A marker says less than a concrete anomaly ruling out the same model: drop it then.
    ruled_out = ruled_out_models(t for t in shown if not t.endswith("-cycle-exists"))
    redundant = {f"{m}-cycle-exists" for m, _ in CYCLE_EXISTS_SPECS
                 if canonical_model(m) in ruled_out}
    shown = {t: c for t, c in shown.items() if t not in redundant}
    if not shown:
        return {"valid?": True}
    return {"valid?": False if set(anomalies) & prohibited else "unknown",
            "anomaly-types": sorted(shown), "anomalies": shown, **boundary(anomalies)}
