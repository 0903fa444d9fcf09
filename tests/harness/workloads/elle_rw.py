"""Elle's rw-register checker, as Maelstrom's txn-rw-register runs it (spec §6.9).

A history of read/write transactions over registers is valid under a set of consistency
models when it shows none of the anomalies those models prohibit. Elle cannot see the
database's version order, so it infers what it can and looks for cycles:

1. **Versions.** Per key, ``nil`` precedes every value written or read, and (Maelstrom turns
   on "writes follow reads") a committed transaction that first reads ``v`` and finally
   writes ``v'`` puts ``v`` before ``v'``. If those read-then-write edges make the version
   graph cyclic, the cycle is reported as ``cyclic-versions`` and all of them are dropped.
2. **Dependencies** between committed transactions: ``wr`` (T2 read what T1 wrote), ``ww``
   (T2's write follows T1's in the version graph) and ``rw`` (T2 overwrote the version T1
   read). Strict models add ``realtime`` edges (T1 completed before T2 was invoked),
   session models ``process`` edges.
3. **Cycles**, searched in each strongly connected component of that graph. First the
   cheap "cycle exists" markers: does the component still hold a cycle when only the edges
   a model forbids cycling through are kept (``PL-1-cycle-exists`` for ww, ...)? Then a
   search for concrete cycles of each class, most severe first, within a budget of one
   second per component. A cycle is classified by how each of its edges is explained,
   preferring ``wr`` over ``ww`` over ``rw`` over ``realtime``/``process``: all ``ww``
   is G0, with a ``wr`` G1c, one ``rw`` G-single-item, two or more G2-item (some adjacent)
   or G-nonadjacent-item (none adjacent), with ``-realtime``/``-process`` appended when
   such an edge is needed to close the cycle.
4. **Single-transaction anomalies**: G1a (read of a failed transaction's write), G1b (read
   of another transaction's overwritten, intermediate write), internal (a read disagreeing
   with the transaction's own earlier read or write) and lost-update (two committed
   transactions read the same version of a key and both wrote it).

Every anomaly a chosen model prohibits makes the history invalid. `check` applies
Maelstrom's wrapper on top: cycle-search timeouts are ignored, and anything else reported
(an empty transaction graph too) is invalid. Errors Elle raises (a value written twice,
keys of mixed types, an unknown consistency model) make the verdict "unknown".

Where this differs from Elle 0.2.2, on purpose:

* only anomaly classes that the chosen models make reportable are searched for (Elle also
  searches the others, then drops what it finds; those finds fed only the ``not`` and
  ``also-not`` boundary, which can therefore name fewer models here);
* the search is a breadth-first search over (transaction, cycle-state) pairs that returns
  the shortest simple cycle it meets, on edges labelled by their explanation; Elle's own
  search may find other (equally valid) example cycles, or time out elsewhere;
* G-single, G-nonadjacent and G2 without ``-item`` need predicate reads, which registers
  never have; Elle searches for them and never finds them; this checker does not search.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterable

from .unique_ids import json_key

CYCLE_SEARCH_TIMEOUT_S = 1.0   # per strongly connected component, as Elle's default

NIL = json_key(None)
FALSE = json_key(False)


class CheckerError(Exception):
    """The history cannot be analysed (Elle throws): the verdict is "unknown"."""


# ---------------------------------------------------------------------------------------
# Consistency models and anomalies (Adya, Bailis, Cerone et al., as Elle relates them).
# ---------------------------------------------------------------------------------------

# Friendly model names -> the canonical names the tables below use.
CANONICAL_MODEL = {
    "consistent-view": "PL-2+", "conflict-serializable": "PL-3", "cursor-stability": "PL-CS",
    "forward-consistent-view": "PL-FCV", "monotonic-snapshot-read": "PL-MSR",
    "monotonic-view": "PL-2L", "read-committed": "PL-2", "read-uncommitted": "PL-1",
    "repeatable-read": "PL-2.99", "serializable": "PL-3", "snapshot-isolation": "PL-SI",
    "strict-serializable": "PL-SS", "strong-serializable": "PL-SS",
    "update-serializable": "PL-3U",
    "strong-session-read-uncommitted": "strong-session-PL-1",
    "strong-session-read-committed": "strong-session-PL-2",
    "strong-read-uncommitted": "strong-PL-1", "strong-read-committed": "strong-PL-2",
}
# Canonical -> the name results use; two friendly names share PL-3 and PL-SS.
FRIENDLY_MODEL = {**{c: f for f, c in CANONICAL_MODEL.items()},
                  "PL-3": "serializable", "PL-SS": "strict-serializable"}


def canonical_model(model: str) -> str:
    return CANONICAL_MODEL.get(model, model)


def _canonical_graph(graph: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    merged: dict[str, set[str]] = defaultdict(set)
    for model, weaker in graph.items():
        merged[canonical_model(model)].update(canonical_model(w) for w in weaker)
    return dict(merged)


# A model -> the weaker models every history satisfying it also satisfies.
MODEL_IMPLIES = _canonical_graph({
    "causal-cerone": ("read-atomic",),
    "consistent-view": ("cursor-stability", "monotonic-view"),
    "conflict-serializable": ("view-serializable",),
    "cursor-stability": ("read-committed",),
    "forward-consistent-view": ("consistent-view",),
    "read-committed": ("read-uncommitted",),
    "serializable": ("repeatable-read", "update-serializable", "snapshot-isolation",
                     "view-serializable"),
    "update-serializable": ("forward-consistent-view",),
    "monotonic-atomic-view": ("read-committed",),
    "monotonic-view": ("read-committed",),
    "monotonic-snapshot-read": ("read-committed",),
    "parallel-snapshot-isolation": ("causal-cerone", "update-atomic"),
    "prefix": ("causal-cerone",),
    "read-atomic": ("monotonic-atomic-view",),
    "repeatable-read": ("cursor-stability", "monotonic-atomic-view"),
    "update-atomic": ("read-atomic",),
    "session-serializable": ("1SR",),
    "snapshot-isolation": ("forward-consistent-view", "monotonic-atomic-view",
                           "monotonic-snapshot-read", "parallel-snapshot-isolation", "prefix"),
    "strict-serializable": ("serializable", "linearizable", "snapshot-isolation",
                            "strong-snapshot-isolation", "strong-session-serializable",
                            "session-serializable"),
    "strong-session-PL-1": ("read-uncommitted",),
    "strong-session-PL-2": ("read-committed", "strong-session-PL-1"),
    "strong-PL-1": ("strong-session-PL-1",),
    "strong-PL-2": ("strong-session-PL-2", "strong-PL-1"),
    "strong-session-serializable": ("serializable", "strong-session-snapshot-isolation"),
    "strong-session-snapshot-isolation": ("snapshot-isolation", "strong-session-PL-2"),
    "strong-snapshot-isolation": ("strong-session-snapshot-isolation", "strong-PL-2"),
    "linearizable": ("sequential",),
    "sequential": ("causal",),
    "causal": ("writes-follow-reads", "PRAM"),
    "PRAM": ("monotonic-reads", "monotonic-writes", "read-your-writes"),
})

# A model -> the anomalies it rules out itself (those of weaker models come on top).
MODEL_PROSCRIBES = _canonical_graph({
    "causal-cerone": ("internal", "G1a"),
    "cursor-stability": ("G1", "G-cursor", "lost-update"),
    "monotonic-view": ("G1", "G-monotonic"),
    "monotonic-snapshot-read": ("G1", "G-MSR"),
    "consistent-view": ("G1", "G-single"),
    "forward-consistent-view": ("G1", "G-SIb"),
    "parallel-snapshot-isolation": ("internal", "G1a"),
    "serializable": ("G1", "G2", "predicate-read-miss", "PL-3-cycle-exists", "internal"),
    "read-committed": ("G1", "PL-2-cycle-exists"),
    "read-uncommitted": ("G0", "duplicate-elements", "cyclic-versions", "PL-1-cycle-exists"),
    "prefix": ("internal", "G1a"),
    "snapshot-isolation": ("internal", "G1", "G-SI", "G-nonadjacent", "PL-SI-cycle-exists"),
    "read-atomic": ("internal", "G1a", "future-read"),
    "repeatable-read": ("G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"),
    "update-atomic": ("lost-update",),
    "strict-serializable": ("G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"),
    "strong-session-PL-1": ("strong-session-PL-1-cycle-exists", "G0-process"),
    "strong-session-PL-2": ("strong-session-PL-2-cycle-exists", "G1c-process"),
    "strong-PL-1": ("strong-PL-1-cycle-exists", "G0-realtime"),
    "strong-PL-2": ("strong-PL-2-cycle-exists", "G1c-realtime"),
    "strong-session-snapshot-isolation": ("internal", "G1-process", "G-nonadjacent-process",
                                          "strong-session-snapshot-isolation-cycle-exists"),
    "strong-snapshot-isolation": ("internal", "G1-realtime", "G-nonadjacent-realtime",
                                  "strong-snapshot-isolation-cycle-exists"),
    "strong-session-serializable": ("G1-process", "G2-process",
                                    "strong-session-serializable-cycle-exists"),
    "update-serializable": ("G1", "G-update"),
})

# An anomaly -> anomalies its presence implies (a G0 cycle is also a G1c, G1c is part of
# G1, anything in one process is also visible in real time, ...).
ANOMALY_IMPLIES: dict[str, tuple[str, ...]] = {
    "G0": ("G1c", "G0-process"), "G0-process": ("G1c-process", "G0-realtime"),
    "G0-realtime": ("G1c-realtime",),
    "G1a": ("G1",), "G1b": ("G1",), "G1c": ("G1", "G1c-process"),
    "G1c-process": ("G1c-realtime", "G1-process"), "G1c-realtime": ("G1-realtime",),
    "G1": ("G1-process",), "G1-process": ("G1-realtime",),
    "G-single-item": ("G-single", "G-single-item-process", "G-nonadjacent-item"),
    "G-single-item-process": ("G-single-process", "G-single-item-realtime",
                              "G-nonadjacent-item-process"),
    "G-single-item-realtime": ("G-single-realtime", "G-nonadjacent-item-realtime"),
    "G-single": ("G-nonadjacent", "GSIb", "G-single-process"),
    "G-single-process": ("G-nonadjacent-process", "G-single-realtime"),
    "G-single-realtime": ("G-nonadjacent-realtime",),
    "G-nonadjacent-item": ("G-nonadjacent", "G2-item", "G-nonadjacent-item-process"),
    "G-nonadjacent-item-process": ("G-nonadjacent-process", "G2-item-process",
                                   "G-nonadjacent-item-realtime"),
    "G-nonadjacent-item-realtime": ("G2-item-realtime", "G-nonadjacent-realtime"),
    "G-nonadjacent": ("G2", "G-nonadjacent-process"),
    "G-nonadjacent-process": ("G2-process", "G-nonadjacent-realtime"),
    "G-nonadjacent-realtime": ("G2-realtime",),
    "G2": ("G2-process",), "G2-item": ("G2", "G2-item-process"),
    "G2-item-process": ("G2-process", "G2-item-realtime"), "G2-item-realtime": ("G2-realtime",),
    "G2-process": ("G2-realtime",),
    "GSIa": ("GSI",), "GSIb": ("GSI",),
    "incompatible-order": ("G1a",), "future-read": ("G1c",), "dirty-update": ("G1a",),
    "lost-update": ("write-skew", "G2-item"), "write-skew": ("G2",),
}

# Not implications, only "usually worse than": with ANOMALY_IMPLIES it orders the search,
# most severe class first.
ANOMALY_SEVERITY: dict[str, tuple[str, ...]] = {
    "G0": ("G1c",), "G0-process": ("G1c-process",), "G0-realtime": ("G1c-realtime",),
    "G1c": ("G-single", "G2-item"), "G1c-process": ("G-single-process", "G2-item-process"),
    "G1c-realtime": ("G-single-realtime", "G2-item-realtime"),
    "G2": ("G0-process",), "G2-process": ("G0-realtime",),
}

# Reported whatever the models, but only ever making a result unknown (in Elle).
UNKNOWN_ANOMALIES = frozenset({"empty-transaction-graph", "cycle-search-timeout"})


def _reachable(graph: dict[str, Iterable[str]], starts: Iterable[str]) -> set[str]:
    """``starts`` and everything reachable from them."""
    seen = set(starts)
    todo = list(seen)
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _reversed(graph: dict[str, Iterable[str]]) -> dict[str, set[str]]:
    rev: dict[str, set[str]] = defaultdict(set)
    for a, bs in graph.items():
        for b in bs:
            rev[b].add(a)
    return dict(rev)


MODEL_IMPLIED_BY = _reversed(MODEL_IMPLIES)
PROSCRIBED_BY = _reversed(MODEL_PROSCRIBES)
ANOMALY_IMPLIED_BY = _reversed(ANOMALY_IMPLIES)
KNOWN_MODELS = frozenset(MODEL_IMPLIES) | frozenset(MODEL_IMPLIED_BY) | \
    frozenset(CANONICAL_MODEL) | frozenset(CANONICAL_MODEL.values())


def validate_models(models: Iterable[str]) -> list[str]:
    models = list(models)
    unknown = [m for m in models if m not in KNOWN_MODELS]
    if unknown:
        raise CheckerError(f"Unknown consistency model {unknown}; known models are: "
                           f"{sorted(KNOWN_MODELS)}")
    return models


def prohibited_anomalies(models: Iterable[str]) -> frozenset[str]:
    """Every anomaly that cannot occur if all of ``models`` hold."""
    implied = _reachable(MODEL_IMPLIES, (canonical_model(m) for m in validate_models(models)))
    direct = {a for m in implied for a in MODEL_PROSCRIBES.get(m, ())}
    return frozenset(_reachable(ANOMALY_IMPLIED_BY, direct))


def ruled_out_models(anomalies: Iterable[str]) -> set[str]:
    """Every (canonical) model that cannot hold once ``anomalies`` were seen."""
    implied = _reachable(ANOMALY_IMPLIES, anomalies)
    direct = {m for a in implied for m in PROSCRIBED_BY.get(a, ())}
    return _reachable(MODEL_IMPLIED_BY, direct)


def boundary(anomalies: Iterable[str]) -> dict[str, list[str]]:
    """``not``: the weakest models the anomalies rule out; ``also-not``: the stronger rest."""
    impossible = ruled_out_models(anomalies)
    weakest = {m for m in impossible
               if not (_reachable(MODEL_IMPLIES, [m]) - {m}) & impossible}
    friendly = lambda ms: sorted({FRIENDLY_MODEL.get(m, m) for m in ms})  # noqa: E731
    return {"not": friendly(weakest), "also-not": friendly(impossible - weakest)}


def _severity_depths() -> dict[str, int]:
    """Each anomaly's layer in the implication+severity DAG (0 = implied by nothing)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source in (ANOMALY_IMPLIES, ANOMALY_SEVERITY):
        for a, bs in source.items():
            graph[a].update(bs)
    vertices = set(graph) | {b for bs in graph.values() for b in bs}
    indegree = {v: 0 for v in vertices}
    for bs in graph.values():
        for b in bs:
            indegree[b] += 1
    depths, layer, depth = {}, [v for v in vertices if indegree[v] == 0], 0
    while layer:
        nxt = []
        for v in layer:
            depths[v] = depth
            for b in graph.get(v, ()):
                indegree[b] -= 1
                if indegree[b] == 0:
                    nxt.append(b)
        layer, depth = nxt, depth + 1
    return depths


# ---------------------------------------------------------------------------------------
# Transactions
# ---------------------------------------------------------------------------------------

# Dependency kinds, as bits of an edge's label set.
WW, WR, RW, PROCESS, REALTIME = 1, 2, 4, 8, 16
REL_NAMES = {WW: "ww", WR: "wr", RW: "rw", PROCESS: "process", REALTIME: "realtime"}


def explained_rel(rels: int) -> int:
    """The one dependency an edge is explained by: wr, then ww, rw, realtime, process."""
    for rel in (WR, WW, RW, REALTIME, PROCESS):
        if rels & rel:
            return rel
    raise ValueError("an edge without dependencies")


@dataclass
class Txn:
    """One client transaction, identified (as in Elle) by its completion's index."""

    index: int
    invoke_index: int
    process: Any
    type: str                         # "ok", "info" or "fail"
    value: list                       # the micro-ops as completed
    reads: dict[Hashable, Hashable]   # external reads: key -> first value read, if read first
    writes: dict[Hashable, Hashable]  # external writes: key -> last value written

    def summary(self) -> dict:
        return {"index": self.index, "process": self.process, "type": self.type,
                "value": self.value}


class _History:
    """A history's client transactions, with keys and values made comparable as Clojure
    compares them (``1``, ``1.0`` and ``true`` are different values)."""

    def __init__(self, history: list[dict]):
        self.ops = [op for op in history if isinstance(op.get("process"), int)]
        self.shown: dict[Hashable, Any] = {}     # canonical value -> a JSON value to show
        self.txns: list[Txn] = []                # in completion order
        self.txn_of_op: dict[int, Txn] = {}      # invoke or completion index -> its txn
        self.completion_of: dict[int, int] = {}  # invoke index -> completion index
        self._check_key_types()
        open_ops: dict[Any, dict] = {}
        for op in self.ops:
            if op["type"] == "invoke":
                open_ops[op["process"]] = op
                continue
            invoke = open_ops.pop(op["process"], op)
            value = op.get("value") or []
            txn = Txn(op["index"], invoke["index"], op["process"], op["type"], value,
                      self._external_reads(value), self._external_writes(value))
            self.txns.append(txn)
            self.txn_of_op[invoke["index"]] = self.txn_of_op[op["index"]] = txn
            self.completion_of[invoke["index"]] = op["index"]
        self.ok = [t for t in self.txns if t.type == "ok"]

    def key(self, raw: Any) -> Hashable:
        canon = json_key(raw)
        self.shown.setdefault(canon, raw)
        return canon

    def show(self, canon: Hashable) -> str:
        return json.dumps(self.shown.get(canon))

    def mops(self, value: list) -> Iterable[tuple[str, Hashable, Hashable]]:
        for f, k, v in value:
            yield f, self.key(k), self.key(v)

    def _external_reads(self, value: list) -> dict[Hashable, Hashable]:
        reads, touched = {}, set()
        for f, k, v in self.mops(value):
            if f == "r" and k not in touched:
                reads[k] = v
            touched.add(k)
        return reads

    def _external_writes(self, value: list) -> dict[Hashable, Hashable]:
        return {k: v for f, k, v in self.mops(value) if f != "r"}

    def _check_key_types(self) -> None:
        kinds = {type(mop[1]).__name__ for op in self.ops for mop in (op.get("value") or [])}
        if len(kinds) > 1:
            raise CheckerError("History includes a mix of different types for transaction "
                               f"keys: {sorted(kinds)}. You almost certainly don't want this.")


# ---------------------------------------------------------------------------------------
# Version graphs
# ---------------------------------------------------------------------------------------

VersionGraph = dict[Hashable, set[Hashable]]   # value -> values known to follow it


def strongly_connected_components(vertices: Iterable[Hashable],
                                  successors: Callable[[Hashable], Iterable[Hashable]]
                                  ) -> list[list[Hashable]]:
    """Tarjan's algorithm, without recursion. Singletons are included."""
    index: dict[Hashable, int] = {}
    low: dict[Hashable, int] = {}
    on_stack: set[Hashable] = set()
    stack: list[Hashable] = []
    components = []
    for root in vertices:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors(root)))]
        while work:
            v, succs = work[-1]
            for w in succs:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(successors(w))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    components.append(component)
    return components


def version_graphs(h: _History) -> tuple[dict[Hashable, VersionGraph], list[dict]]:
    """Per key, the version order Elle can infer, and any ``cyclic-versions`` cases."""
    initial: dict[Hashable, VersionGraph] = defaultdict(lambda: defaultdict(set))
    for t in h.txns:
        if t.type == "fail":
            continue
        # A crashed transaction's writes may have happened; its reads are unknown.
        seen = list(t.writes.items()) + (list(t.reads.items()) if t.type == "ok" else [])
        for k, v in seen:
            if v != NIL:
                initial[k][NIL].add(v)
    merged: dict[Hashable, VersionGraph] = defaultdict(lambda: defaultdict(set))
    for k, graph in initial.items():
        for v, nexts in graph.items():
            merged[k][v] |= nexts
    for t in h.ok:   # writes follow reads: first read v, last write v' => v < v'
        for k, v in t.reads.items():
            if v != NIL and k in t.writes:
                merged[k][v].add(t.writes[k])
    cycles = []
    for k, graph in merged.items():
        for scc in strongly_connected_components(list(graph), lambda v: graph.get(v, ())):
            if len(scc) > 1:
                cycles.append({"key": h.shown[k], "scc": [h.shown[v] for v in scc],
                               "sources": ["initial-state", "wfr-keys"]})
    return (initial, cycles) if cycles else (merged, [])


# ---------------------------------------------------------------------------------------
# The transaction graph
# ---------------------------------------------------------------------------------------

class TxnGraph:
    """Dependencies between transactions: ``out[a][b]`` is the set of kinds (bits) of
    a -> b. Vertices are the transactions any dependency was inferred for, even one that
    came out as a self-edge (dropped, except wr ones, as Elle does)."""

    def __init__(self) -> None:
        self.out: dict[int, dict[int, int]] = defaultdict(dict)
        self.vertices: set[int] = set()

    def link(self, a: int, b: int, rel: int) -> None:
        self.vertices.add(a)
        self.vertices.add(b)
        if a != b or rel == WR:
            edges = self.out[a]
            edges[b] = edges.get(b, 0) | rel

    def rels(self, a: int, b: int) -> int:
        return self.out.get(a, {}).get(b, 0)


def _index(txns: list[Txn], ext: Callable[[Txn], dict]) -> dict[Hashable, dict[Hashable, list[Txn]]]:
    """key -> value -> the transactions whose external reads (or writes) have it."""
    idx: dict[Hashable, dict[Hashable, list[Txn]]] = defaultdict(lambda: defaultdict(list))
    for t in txns:
        for k, v in ext(t).items():
            idx[k][v].append(t)
    return idx


def transaction_graph(h: _History, versions: dict[Hashable, VersionGraph],
                      extra: str | None) -> TxnGraph:
    """wr, ww and rw dependencies between ok transactions, plus ``extra`` ("realtime",
    "process" or None) order edges."""
    g = TxnGraph()
    writers = _index(h.ok, lambda t: t.writes)
    readers = _index(h.ok, lambda t: t.reads)
    for k, by_value in readers.items():
        for v, rs in by_value.items():
            ws = writers.get(k, {}).get(v, [])
            if len(ws) > 1:
                raise CheckerError(f"Key {h.show(k)} had value {h.show(v)} written by more "
                                   f"than one op: {[w.index for w in ws]}")
            for w in ws:
                for r in rs:
                    g.link(w.index, r.index, WR)
    for k, graph in versions.items():
        k_writers, k_readers = writers.get(k, {}), readers.get(k, {})
        for v1, nexts in graph.items():
            for v2 in nexts:
                later = k_writers.get(v2, ())
                for b in later:
                    for a in k_writers.get(v1, ()):
                        g.link(a.index, b.index, WW)
                    for a in k_readers.get(v1, ()):
                        g.link(a.index, b.index, RW)
    if extra == "realtime":
        _link_realtime(h, g)
    elif extra == "process":
        _link_process(h, g)
    return g


def _link_realtime(h: _History, g: TxnGraph) -> None:
    """a -> b when ok a completed before b was invoked; only the transitive reduction's
    worth of edges: a completion leaves the frontier once a later ok completion covers it."""
    frontier: set[int] = set()
    preceded_by: dict[int, list[int]] = {}
    for op in h.ops:
        if op["type"] == "invoke":
            done = h.completion_of.get(op["index"])
            if done is not None and frontier:
                preceded_by[done] = list(frontier)
                for a in frontier:
                    g.link(a, done, REALTIME)
        elif op["type"] == "ok":
            frontier.difference_update(preceded_by.get(op["index"], ()))
            frontier.add(op["index"])


def _link_process(h: _History, g: TxnGraph) -> None:
    last: dict[Any, int] = {}
    for t in h.ok:
        if t.process in last:
            g.link(last[t.process], t.index, PROCESS)
        last[t.process] = t.index


# ---------------------------------------------------------------------------------------
# Anomalies within single transactions
# ---------------------------------------------------------------------------------------

def internal_cases(h: _History) -> list[dict]:
    """A read that disagrees with what the same transaction read or wrote before."""
    cases = []
    for t in h.ok:
        expected: dict[Hashable, Hashable] = {}
        for mop, (f, k, v) in zip(t.value, h.mops(t.value)):
            if f == "r":
                known = expected.get(k)
                # Elle 0.2.2 knows nothing after a read of nil (or false).
                if known is not None and known not in (NIL, FALSE) and known != v:
                    cases.append({"op": t.summary(), "mop": mop, "expected": h.shown[known],
                                  "explanation": f"txn {t.index} read key {h.show(k)} = "
                                  f"{h.show(v)}, but had just seen {h.show(known)}"})
                    break
            expected[k] = v
    return cases


def g1a_cases(h: _History) -> list[dict]:
    """G1a, aborted read: an ok transaction read a value a failed transaction wrote."""
    failed = {(k, v): t for t in h.txns if t.type == "fail"
              for f, k, v in h.mops(t.value) if f == "w"}
    return _read_cases(h, failed, "failed")


def g1b_cases(h: _History) -> list[dict]:
    """G1b, intermediate read: a read of a value another transaction overwrote itself."""
    intermediate: dict[tuple[Hashable, Hashable], Txn] = {}
    for op in h.ops:
        last: dict[Hashable, Hashable] = {}
        for f, k, v in h.mops(op.get("value") or []):
            if f == "w":
                writer = h.txn_of_op.get(op["index"])
                if k in last and writer is not None:
                    intermediate[(k, last[k])] = writer
                last[k] = v
    return _read_cases(h, intermediate, "overwrote in the same transaction")


def _read_cases(h: _History, writes: dict[tuple, Txn], what: str) -> list[dict]:
    cases = []
    for t in h.ok:
        for mop, (f, k, v) in zip(t.value, h.mops(t.value)):
            writer = writes.get((k, v)) if f == "r" else None
            if writer is not None and writer is not t:
                cases.append({"op": t.summary(), "mop": mop, "writer": writer.summary(),
                              "explanation": f"txn {t.index} read key {h.show(k)} = "
                              f"{h.show(v)}, which txn {writer.index} wrote and {what}"})
    return cases


def lost_update_cases(h: _History) -> list[dict]:
    """Two or more ok transactions read the same version of a key, then both wrote it."""
    by_version: dict[tuple[Hashable, Hashable], list[Txn]] = defaultdict(list)
    for t in h.ok:
        first_read: dict[Hashable, Hashable] = {}
        counted: set[Hashable] = set()
        for f, k, v in h.mops(t.value):
            if f == "r":
                first_read.setdefault(k, v)
            elif k not in counted and k in first_read:
                counted.add(k)
                by_version[(k, first_read[k])].append(t)
    return [{"key": h.shown[k], "value": h.shown[v], "txns": [t.summary() for t in ts],
             "explanation": f"txns {[t.index for t in ts]} all read key {h.show(k)} = "
             f"{h.show(v)} and wrote it"}
            for (k, v), ts in by_version.items() if len(ts) > 1]


# ---------------------------------------------------------------------------------------
# Cycles
# ---------------------------------------------------------------------------------------

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
    base = [CycleSpec("G0", WW, (), "none"),
            CycleSpec("G1c", WW | WR, (WR,), "none"),
            CycleSpec("G-single-item", WW | WR | RW, (), "one"),
            CycleSpec("G-nonadjacent-item", WW | WR | RW, (), "nonadjacent"),
            CycleSpec("G2-item", WW | WR | RW, (), "adjacent")]
    variants = [CycleSpec(f"{s.name}-{REL_NAMES[rel]}", s.allowed | rel, s.required + (rel,),
                          s.rw)
                for s in base for rel in (PROCESS, REALTIME)]
    depth = _severity_depths()
    return sorted(base + variants, key=lambda s: (depth[s.name], s.name))


CYCLE_SPECS = _cycle_specs()
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
    pass


class _SccSearch:
    """Cycle search inside one strongly connected component."""

    def __init__(self, g: TxnGraph, scc: list[int], deadline: float):
        members = set(scc)
        self.g = g
        self.vertices = sorted(scc)
        self.deadline = deadline
        self.steps = 0
        self.adj = {v: [(w, explained_rel(r)) for w, r in sorted(g.out.get(v, {}).items())
                        if w in members]
                    for v in self.vertices}

    def find(self, spec: CycleSpec) -> list[int] | None:
        present = 0
        for edges in self.adj.values():
            for _, rel in edges:
                present |= rel
        if any(not present & r for r in spec.required) or (spec.rw != "none" and not present & RW):
            return None
        first = RW if spec.rw != "none" else (spec.required[-1] if spec.required else spec.allowed)
        for start in self.vertices:
            cycle = self._from(start, spec, first)
            if cycle:
                return cycle
        return None

    @staticmethod
    def _step(spec: CycleSpec, state: tuple, rel: int) -> tuple | None:
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


class _Explainer:
    """Says, for one edge of a cycle, why the second transaction depends on the first."""

    def __init__(self, h: _History, g: TxnGraph, versions: dict[Hashable, VersionGraph]):
        self.h, self.g, self.versions = h, g, versions
        self.txn = {t.index: t for t in h.txns}

    def step(self, a: int, b: int, names: dict[int, str]) -> tuple[str, str]:
        """(short label like ``ww(3)``, sentence) for the edge a -> b."""
        rel = explained_rel(self.g.rels(a, b))
        ta, tb, h = self.txn[a], self.txn[b], self.h
        an, bn = names[a], names[b]
        if rel == WR:
            for k, v in ta.writes.items():
                if k in tb.reads and tb.reads[k] == v:
                    return (f"wr({h.show(k)})", f"{an} wrote key {h.show(k)} = {h.show(v)}, "
                            f"which was read by {bn}")
        if rel in (WW, RW):
            mine = ta.writes if rel == WW else ta.reads
            for k, v in mine.items():
                v2 = tb.writes.get(k)
                if k in tb.writes and v2 in self.versions.get(k, {}).get(v, ()):
                    did = "set key" if rel == WW else "read key"
                    sep = " to " if rel == WW else " = "
                    return (f"{REL_NAMES[rel]}({h.show(k)})",
                            f"{an} {did} {h.show(k)}{sep}{h.show(v)}, and {bn} set it to "
                            f"{h.show(v2)}, which came later in the version order")
        if rel == REALTIME:
            return ("realtime", f"{an} completed at index {a}, before the invocation of {bn}, "
                    f"at index {tb.invoke_index}")
        if rel == PROCESS:
            return ("process", f"process {ta.process} executed {an} before {bn}")
        raise ValueError(f"cannot explain {a} -> {b}")

    def cycle(self, cycle: list[int]) -> dict:
        names = {v: f"T{i + 1}" for i, v in enumerate(cycle)}
        rels = [explained_rel(self.g.rels(a, b)) for a, b in zip(cycle, cycle[1:] + cycle[:1])]
        chain, steps = names[cycle[0]], []
        for a, b in zip(cycle, cycle[1:] + cycle[:1]):
            label, sentence = self.step(a, b, names)
            chain += f" -{label}-> {names[b]}"
            steps.append(f"{names[a]} < {names[b]}, because {sentence}")
        return {"type": cycle_type(rels), "cycle": chain, "steps": steps,
                "txns": {names[v]: self.txn[v].summary() for v in cycle}}


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
            ruled_out |= ruled_out_models_from_model(model)
    return cases


def ruled_out_models_from_model(model: str) -> set[str]:
    """A model and every stronger one (which implies it)."""
    return _reachable(MODEL_IMPLIED_BY, [canonical_model(model)])


def cycle_cases_in_scc(g: TxnGraph, scc: list[int], explainer: _Explainer,
                       reportable: frozenset[str], timeout: float) -> list[dict]:
    """Markers and example cycles for one component (spec: most severe class first)."""
    markers = cycle_exists_cases(g, scc)
    # Classes that the models the markers leave possible forbid cannot be here.
    impossible: set[str] = set()
    for case in markers:
        impossible |= ruled_out_models_from_model(case["not"])
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
                found.append(explainer.cycle(cycle))
                skip |= _reachable(ANOMALY_IMPLIES, [spec.name])
    except SearchTimeout:
        timed_out = {"type": "cycle-search-timeout", "anomaly-spec-type": searched[-1],
                     "does-not-contain": [t for t in searched[:-1]
                                          if t not in {c["type"] for c in found}],
                     "scc-size": len(scc)}
        return [timed_out, explainer.cycle(search.any_cycle())] + markers + found
    return markers + found


# ---------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------

def elle_check(history: list[dict], consistency_models: Iterable[str],
               cycle_search_timeout: float = CYCLE_SEARCH_TIMEOUT_S) -> dict:
    """Elle's own result map: ``valid?`` (True, False or "unknown"), and when anything was
    reportable, ``anomaly-types``, ``anomalies``, ``not`` and ``also-not``.
    Raises CheckerError where Elle throws."""
    models = validate_models(consistency_models)
    prohibited = prohibited_anomalies(models)
    reportable = prohibited | UNKNOWN_ANOMALIES
    extra = ("realtime" if any(t.endswith("-realtime") for t in reportable & CYCLE_TYPES)
             else "process" if any(t.endswith("-process") for t in reportable & CYCLE_TYPES)
             else None)
    h = _History(history)
    versions, cyclic = version_graphs(h)
    g = transaction_graph(h, versions, extra)

    anomalies: dict[str, Any] = {}
    if cyclic:
        anomalies["cyclic-versions"] = cyclic
    if not g.vertices:
        anomalies["empty-transaction-graph"] = True
    explainer = _Explainer(h, g, versions)
    components = [c for c in strongly_connected_components(sorted(g.vertices),
                                                           lambda v: g.out.get(v, {}))
                  if len(c) > 1]
    for scc in sorted(components, key=min):
        for case in cycle_cases_in_scc(g, scc, explainer, reportable, cycle_search_timeout):
            anomalies.setdefault(case["type"], []).append(case)
    for name, cases in (("internal", internal_cases(h)), ("G1a", g1a_cases(h)),
                        ("G1b", g1b_cases(h)), ("lost-update", lost_update_cases(h))):
        if cases:
            anomalies[name] = cases
    return result_map(anomalies, prohibited, reportable)


def result_map(anomalies: dict[str, Any], prohibited: frozenset[str],
               reportable: frozenset[str]) -> dict:
    shown = {t: c for t, c in anomalies.items() if t in reportable}
    # A marker says less than a concrete anomaly ruling out the same model: drop it then.
    concrete = [t for t in shown if not t.endswith("-cycle-exists")]
    redundant = {f"{m}-cycle-exists" for m, _ in CYCLE_EXISTS_SPECS
                 if canonical_model(m) in ruled_out_models(concrete)}
    shown = {t: c for t, c in shown.items() if t not in redundant}
    if not shown:
        return {"valid?": True}
    return {"valid?": False if set(anomalies) & prohibited else "unknown",
            "anomaly-types": sorted(shown), "anomalies": shown, **boundary(anomalies)}


def maelstrom_wrapper(result: dict) -> dict:
    """Maelstrom's txn-rw-register wrapper around Elle's result: cycle-search timeouts are
    dropped, then the history is valid iff no anomaly type is left."""
    types = [t for t in result.get("anomaly-types", []) if t != "cycle-search-timeout"]
    anomalies = result.get("anomalies")
    if anomalies is not None:
        anomalies = {t: c for t, c in anomalies.items() if t != "cycle-search-timeout"}
    return {**result, "anomaly-types": types, "anomalies": anomalies, "valid?": not types}


def check(history: list[dict], consistency_models: Iterable[str],
          cycle_search_timeout: float = CYCLE_SEARCH_TIMEOUT_S) -> dict:
    """The txn-rw-register verdict (spec §6.9): Elle's result under Maelstrom's wrapper, or
    ``{"valid?": "unknown", "error": ...}`` where Elle throws."""
    try:
        return maelstrom_wrapper(elle_check(history, consistency_models, cycle_search_timeout))
    except CheckerError as e:
        return {"valid?": "unknown", "error": str(e)}
