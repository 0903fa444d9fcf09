"""Elle's rw-register checker, as Maelstrom's txn-rw-register runs it (docs/maelstrom.md §6.9).

A history of read/write transactions over registers is valid under a set of consistency
models when it shows none of the anomalies those models prohibit
(`elle/consistency_models.py`). Elle cannot see the database's version order, so it infers
what it can and looks for cycles:

1. **Versions.** Per key, ``nil`` precedes every value written or read, and (Maelstrom turns
   on "writes follow reads") a committed transaction that first reads ``v`` and finally
   writes ``v'`` puts ``v`` before ``v'``. If those read-then-write edges make the version
   graph cyclic, the cycle is reported as ``cyclic-versions`` and all of them are dropped.
   Blind writes (no read of the key first) are never ordered: a cycle of them is invisible.
2. **Dependencies** between committed transactions: ``wr`` (T2 read what T1 wrote), ``ww``
   (T2's write follows T1's in the version graph) and ``rw`` (T2 overwrote the version T1
   read). Models with a real-time component add ``realtime`` edges (T1 completed before T2
   was invoked), session models ``process`` edges.
3. **Cycles** in that graph, found and classified by `elle/cycles.py` (G0, G1c,
   G-single-item, G2-item, ..., and the "cycle exists" markers), with a budget of one second
   per strongly connected component.
4. **Single-transaction anomalies**: G1a (read of a failed transaction's write), G1b (read
   of another transaction's overwritten, intermediate write), internal (a read disagreeing
   with the transaction's own earlier read or write) and lost-update (two committed
   transactions read the same version of a key and both wrote it).

`check` applies Maelstrom's wrapper to Elle's result: cycle-search timeouts are ignored,
and anything else reported (an empty transaction graph too) is invalid. Where Elle throws
(a value written by two committed transactions and read, keys of mixed types, an unknown
consistency model) the verdict is "unknown".

Where this differs from Elle 0.2.2, on purpose: only anomaly classes that the chosen models
make reportable are searched for. Elle also searches for the others and then drops what it
finds; those finds fed only the ``not`` and ``also-not`` boundary, which can therefore name
fewer models here. The example cycles found may differ too (see `elle/cycles.py`).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterable

from ...jsonvalues import json_key
from ..elle.cycles import (CYCLE_SEARCH_TIMEOUT_S, REL_NAMES, RW, WR, WW, CycleExplainer, TxnGraph,
                           graph_anomalies, link_order_edges, order_edges, result_map)
from ..elle.graphs import strongly_connected_components
from ..elle.consistency_models import CheckerError, anomaly_scope, unknown_where_elle_throws


NIL = json_key(None)
FALSE = json_key(False)


# ---------------------------------------------------------------------------------------
# Transactions
# ---------------------------------------------------------------------------------------

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
        """What a report shows of the transaction."""
        return {"index": self.index, "process": self.process, "type": self.type,
                "value": self.value}


class TxnHistory:
    """A history's client transactions, with keys and values made comparable as Clojure
    compares them (``1``, ``1.0`` and ``true`` are different values)."""

    def __init__(self, history: list[dict]):
        self.ops = [op for op in history if isinstance(op.get("process"), int)]
        self.shown: dict[Hashable, Any] = {}     # canonical value -> a JSON value to show
        self.txns: list[Txn] = []                # in completion order
        self.txn_of_op: dict[int, Txn] = {}      # invoke or completion index -> its txn
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
        self.ok = [t for t in self.txns if t.type == "ok"]

    def key(self, raw: Any) -> Hashable:
        """The comparable form of a key or value from the history."""
        canon = json_key(raw)
        self.shown.setdefault(canon, raw)
        return canon

    def show(self, canon: Hashable) -> str:
        """A comparable form back as JSON text, for reports."""
        return json.dumps(self.shown.get(canon))

    def mops(self, value: list) -> Iterable[tuple[str, Hashable, Hashable]]:
        """A transaction's micro-ops, keys and values in comparable form."""
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


def version_graphs(h: TxnHistory) -> tuple[dict[Hashable, VersionGraph], list[dict]]:
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

Index = dict[Hashable, dict[Hashable, list[Txn]]]


def _index(txns: list[Txn], ext: Callable[[Txn], dict]) -> Index:
    """key -> value -> the transactions whose external reads (or writes) have it."""
    idx: Index = defaultdict(lambda: defaultdict(list))
    for t in txns:
        for k, v in ext(t).items():
            idx[k][v].append(t)
    return idx


def transaction_graph(h: TxnHistory, versions: dict[Hashable, VersionGraph],
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
    link_order_edges(g, h.ops, extra)
    return g


# ---------------------------------------------------------------------------------------
# Anomalies within single transactions
# ---------------------------------------------------------------------------------------

def internal_cases(h: TxnHistory) -> list[dict]:
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


def g1a_cases(h: TxnHistory) -> list[dict]:
    """G1a, aborted read: an ok transaction read a value a failed transaction wrote."""
    failed = {(k, v): t for t in h.txns if t.type == "fail"
              for f, k, v in h.mops(t.value) if f == "w"}
    return _read_cases(h, failed, "failed")


def g1b_cases(h: TxnHistory) -> list[dict]:
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


def _read_cases(h: TxnHistory, writes: dict[tuple, Txn], what: str) -> list[dict]:
    cases = []
    for t in h.ok:
        for mop, (f, k, v) in zip(t.value, h.mops(t.value)):
            writer = writes.get((k, v)) if f == "r" else None
            if writer is not None and writer is not t:
                cases.append({"op": t.summary(), "mop": mop, "writer": writer.summary(),
                              "explanation": f"txn {t.index} read key {h.show(k)} = "
                              f"{h.show(v)}, which txn {writer.index} wrote and {what}"})
    return cases


def lost_update_cases(h: TxnHistory) -> list[dict]:
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
# Cycles, explained
# ---------------------------------------------------------------------------------------

class RegisterCycleExplainer(CycleExplainer):
    """Explains register dependencies: which key and values make an edge."""

    def __init__(self, h: TxnHistory, g: TxnGraph, versions: dict[Hashable, VersionGraph]):
        super().__init__(g, {t.index: t for t in h.txns})
        self.h, self.versions = h, versions

    def data_step(self, rel: int, ta: Txn, tb: Txn, an: str, bn: str) -> tuple[str, str] | None:
        h = self.h
        if rel == WR:
            for k, v in ta.writes.items():
                if k in tb.reads and tb.reads[k] == v:
                    return (f"wr({h.show(k)})", f"{an} wrote key {h.show(k)} = {h.show(v)}, "
                            f"which was read by {bn}")
            return None
        mine = ta.writes if rel == WW else ta.reads
        for k, v in mine.items():
            v2 = tb.writes.get(k)
            if k in tb.writes and v2 in self.versions.get(k, {}).get(v, ()):
                did = "set key" if rel == WW else "read key"
                sep = " to " if rel == WW else " = "
                return (f"{REL_NAMES[rel]}({h.show(k)})",
                        f"{an} {did} {h.show(k)}{sep}{h.show(v)}, and {bn} set it to "
                        f"{h.show(v2)}, which came later in the version order")
        return None


# ---------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------

def elle_check(history: list[dict], consistency_models: Iterable[str],
               cycle_search_timeout: float = CYCLE_SEARCH_TIMEOUT_S) -> dict:
    """Elle's own result map: ``valid?`` (True, False or "unknown"), and when anything was
    reportable, ``anomaly-types``, ``anomalies``, ``not`` and ``also-not``.
    Raises CheckerError where Elle throws."""
    prohibited, reportable = anomaly_scope(consistency_models)
    h = TxnHistory(history)
    versions, cyclic = version_graphs(h)
    g = transaction_graph(h, versions, order_edges(reportable))

    anomalies: dict[str, Any] = {}
    if cyclic:
        anomalies["cyclic-versions"] = cyclic
    anomalies.update(graph_anomalies(g, RegisterCycleExplainer(h, g, versions).cycle,
                                     reportable, cycle_search_timeout))
    for name, cases in (("internal", internal_cases(h)), ("G1a", g1a_cases(h)),
                        ("G1b", g1b_cases(h)), ("lost-update", lost_update_cases(h))):
        if cases:
            anomalies[name] = cases
    return result_map(anomalies, prohibited, reportable)


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
    """The txn-rw-register verdict (docs/maelstrom.md §6.9): Elle's result under Maelstrom's wrapper, or
    ``{"valid?": "unknown", "error": ...}`` where Elle throws."""
    return unknown_where_elle_throws(
        lambda: maelstrom_wrapper(elle_check(history, consistency_models, cycle_search_timeout)))
