"""Elle's list-append checker (``elle.list-append``, Elle 0.2.2), as Maelstrom's
txn-list-append runs it.

Transactions read whole lists and append unique elements, so every read shows the order
in which its key's elements were appended, up to that point. Elle takes that order from
the reads and checks everything against it:

1. **Version order.** Per key, the distinct non-empty lists read by ok or crashed (info)
   transactions, shortest first. Each must be a prefix of the next; where one is not, the
   pair is an ``incompatible-order``. The longest read gives the key's order of appends (a
   key never read but appended by exactly one micro-op has that one element as its
   order). Reads with an element twice are ``duplicate-elements``.
2. **Dependencies** between ok and info transactions, each append placed right after the
   element before it in that order (or after the last element ever read, if it was never
   read itself): ``ww`` from the writer of that element, ``rw`` from every transaction
   whose read ended at that element (or read the key empty, for the first append), and
   ``wr`` from the writer of a read's last element to the reader. Real-time or process
   edges are added as the models ask (`order_edges` in `elle/cycles.py`).
3. **Cycles** in that graph, found and classified by `elle/cycles.py` (G0, G1c,
   G-single-item, G2-item, their -process and -realtime variants, and the "cycle exists"
   markers), one second of search per strongly connected component. An edge carrying
   both ww and wr is explained as ww, as Elle's combined explainer does for list-append.
4. **Anomalies in single transactions or elements:** G1a (an ok read holds an element a
   failed transaction appended), G1b (an ok read ends in an element that another
   transaction appended and then followed with another append to the key), internal (a
   read disagreeing with what the same transaction read or appended before it),
   future-read (a read holding an element its own transaction appends later),
   dirty-update (in a key's order, a committed append directly follows failed ones) and
   lost-update (two ok transactions read the same state of a key, then both appended).

Maelstrom does not wrap this checker: its verdict is Elle's. Invalid if a prohibited
anomaly was found; "unknown" if only an empty transaction graph or a cycle-search timeout
was; "unknown" too where Elle throws: a micro-op other than r/append, an element appended
to a key by two invocations, an element read that no completed transaction appended, an
unknown consistency model.

Complexity: linear in the history's micro-ops and read elements for everything but the
cycle search, which runs only inside strongly connected components (none, for a valid
history) and is bounded by its time budget.

Where this differs from Elle 0.2.2, on purpose: as in `txn_rw_register/checker.py`, only
the anomaly classes the models make reportable are searched for, and example cycles may
differ. Where several different reads of a key are longest (an incompatible order), Elle
takes whichever its hash set yields last; this takes the one read first.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Hashable, Iterable

from ...jsonvalues import json_key
from ..elle.cycles import (CYCLE_SEARCH_TIMEOUT_S, RW, WR, WW, WW_FIRST, CycleExplainer, TxnGraph,
                           graph_anomalies, link_order_edges, order_edges, result_map)
from ..elle.consistency_models import CheckerError, anomaly_scope, unknown_where_elle_throws

INIT = ("init",)               # the empty state of a key, before its first append
UNKNOWN_PREFIX = "..."         # an expected state whose beginning is unknown
_NIL_OR_FALSE = (json_key(None), json_key(False))

# A micro-op with key and values comparable as Clojure compares them: ("r", key, None or
# a tuple of elements) or ("append", key, element).
Mop = tuple[str, Hashable, Any]


def canonical(raw: Any) -> Hashable:
    """A key or element in comparable form (``json_key``; the common case made fast)."""
    return ("int", raw) if type(raw) is int else json_key(raw)


def shown(c: Hashable) -> Any:
    """A comparable form back as the JSON value it came from."""
    tag = c[0]
    if tag == "null":
        return None
    if tag == "array":
        return [shown(x) for x in c[1]]
    if tag == "object":
        return {k: shown(v) for k, v in c[1]}
    return c[1]


def _text(c: Hashable) -> str:
    """A comparable form as JSON text, for sentences."""
    return json.dumps(shown(c))


def _dict_key(c: Hashable) -> Any:
    raw = shown(c)
    return raw if isinstance(raw, (str, int, float, bool)) or raw is None else str(raw)


def _mops(value: Any) -> list[Mop]:
    """A transaction's micro-ops in comparable form; CheckerError where Elle throws."""
    mops = []
    for mop in value or ():
        if not (isinstance(mop, list) and len(mop) == 3 and mop[0] in ("r", "append")):
            raise CheckerError("history contained operations other than appends or reads: "
                               f"{mop!r}")
        f, k, v = mop
        if f == "append":
            mops.append((f, canonical(k), canonical(v)))
        elif v is None or isinstance(v, list):
            mops.append((f, canonical(k), None if v is None else tuple(map(canonical, v))))
        else:
            raise CheckerError(f"a read of key {k!r} returned {v!r}, which is not a list")
    return mops


@dataclass(eq=False)
class Txn:
    """One client transaction, identified (as in Elle) by its completion's index."""

    index: int
    invoke_index: int
    process: Any
    type: str          # "ok", "info" or "fail"
    value: list        # the micro-ops as completed
    mops: list[Mop]    # the same, comparable
    sent: list[Mop]    # the micro-ops as invoked, comparable

    def summary(self) -> dict:
        return {"index": self.index, "process": self.process, "type": self.type,
                "value": self.value}


class AppendHistory:
    """A history's client transactions."""

    def __init__(self, history: list[dict]):
        self.ops = [op for op in history if isinstance(op.get("process"), int)]
        self.txns: list[Txn] = []                 # in completion order
        self.unanswered: list[list[Mop]] = []     # invocations that never completed
        open_ops: dict[Any, tuple[dict, list[Mop]]] = {}
        for op in self.ops:
            mops = _mops(op.get("value"))
            if op["type"] == "invoke":
                open_ops[op["process"]] = (op, mops)
                continue
            invoke, sent = open_ops.pop(op["process"], (op, mops))
            self.txns.append(Txn(op["index"], invoke["index"], op["process"], op["type"],
                                 op.get("value") or [], mops, sent))
        self.unanswered = [mops for _, mops in open_ops.values()]
        self.possible = [t for t in self.txns if t.type in ("ok", "info")]
        self.ok = [t for t in self.txns if t.type == "ok"]

    def all_mops(self) -> list[list[Mop]]:
        """Every client op's micro-ops, invocations included, as Elle folds them."""
        return [t.sent for t in self.txns] + [t.mops for t in self.txns] + self.unanswered


def verify_unique_appends(h: AppendHistory) -> None:
    """Elle refuses a history in which two invocations append the same element to a key."""
    seen: set[tuple] = set()
    for mops in [t.sent for t in h.txns] + h.unanswered:
        for f, k, v in mops:
            if f == "append":
                if (k, v) in seen:
                    raise CheckerError(f"value {shown(v)!r} appended to key {shown(k)!r} "
                                       "multiple times!")
                seen.add((k, v))


# ---------------------------------------------------------------------------------------
# Version orders
# ---------------------------------------------------------------------------------------

_TOO_MANY = object()


def sorted_values(mop_lists: Iterable[list[Mop]]) -> dict[Hashable, list[tuple]]:
    """Per key, the distinct non-empty lists read, shortest first; a key never read
    non-empty but appended by a single micro-op has that one-element list."""
    seen: dict[Hashable, dict[tuple, None]] = defaultdict(dict)
    single: dict[Hashable, Any] = {}
    for mops in mop_lists:
        for f, k, v in mops:
            if f == "r":
                if v:
                    seen[k][v] = None
            else:
                single[k] = _TOO_MANY if k in single else v
    for k, v in single.items():
        if v is not _TOO_MANY and k not in seen:
            seen[k] = {(v,): None}
    return {k: sorted(vs, key=len) for k, vs in seen.items()}


def incompatible_order_cases(values: dict[Hashable, list[tuple]]) -> list[dict]:
    """Per key, the first two reads (by length) of which the shorter is not a prefix of
    the longer."""
    cases = []
    for k, vs in values.items():
        for a, b in zip(vs, vs[1:]):
            if b[:len(a)] != a:
                cases.append({"key": shown(k), "values": [[shown(e) for e in a],
                                                          [shown(e) for e in b]]})
                break
    return cases


class VersionOrder:
    """Each key's order of appends, and who appended and who read each element."""

    def __init__(self, values: dict[Hashable, list[tuple]], txns: list[Txn]):
        # The longest read of a key, without repeated elements, is its order of appends.
        self.order = {k: list(dict.fromkeys(max(vs, key=len))) for k, vs in values.items()}
        self.position = {k: {e: i for i, e in enumerate(order)}
                         for k, order in self.order.items()}
        self.writer: dict[Hashable, dict[Hashable, Txn]] = defaultdict(dict)
        self.readers: dict[Hashable, dict[Hashable, list[Txn]]] = \
            defaultdict(lambda: defaultdict(list))
        for t in txns:
            for f, k, v in t.mops:
                if f == "append":
                    self.writer[k][v] = t
                elif not (t.type == "info" and v is None):
                    last = v[-1] if v else INIT
                    self.readers[k][INIT if last in _NIL_OR_FALSE else last].append(t)

    def placed(self, k: Hashable, e: Hashable) -> bool:
        """Whether some read shows ``e``, so that its place in ``k``'s order is known."""
        return e in self.position.get(k, {})

    def previous(self, k: Hashable, e: Hashable) -> Hashable:
        """The element appended just before ``e`` to ``k``; for an element never read, the
        last one ever read. INIT if there is none."""
        i = self.position.get(k, {}).get(e)
        if i is None:
            order = self.order.get(k)
            return order[-1] if order else INIT
        return self.order[k][i - 1] if i else INIT


def transaction_graph(h: AppendHistory, versions: VersionOrder, extra: str | None) -> TxnGraph:
    """ww, wr and rw dependencies between ok and info transactions, plus ``extra`` order
    edges; an edge is explained by ww before wr."""
    g = TxnGraph(explain_order=WW_FIRST)
    for t in h.possible:
        for f, k, v in t.mops:
            if f == "append":
                prev = versions.previous(k, v)
                if prev is not INIT:
                    w = versions.writer[k].get(prev)
                    if w is not None and w is not t:
                        g.link(w.index, t.index, WW)
                for r in versions.readers[k].get(prev, ()):
                    if r is not t:
                        g.link(r.index, t.index, RW)
            elif v:
                w = versions.writer[k].get(v[-1])
                if w is not None and w is not t:
                    g.link(w.index, t.index, WR)
    link_order_edges(g, h.ops, extra)
    return g


# ---------------------------------------------------------------------------------------
# Anomalies outside cycles
# ---------------------------------------------------------------------------------------

def g1a_cases(h: AppendHistory) -> list[dict]:
    """G1a, aborted read: an ok read holds an element that a failed transaction appended."""
    failed = {(k, v): t for t in h.txns if t.type == "fail"
              for f, k, v in t.mops if f == "append"}
    if not failed:
        return []
    cases = []
    for t in h.ok:
        for mop, (f, k, v) in zip(t.value, t.mops):
            for e in (v or ()) if f == "r" else ():
                writer = failed.get((k, e))
                if writer is not None:
                    cases.append({"op": t.summary(), "mop": mop, "writer": writer.summary(),
                                  "element": shown(e)})
    return cases


def g1b_cases(h: AppendHistory) -> list[dict]:
    """G1b, intermediate read: an ok read ends in an element that another transaction
    appended and then followed with a later append to the same key."""
    intermediate: dict[tuple, Txn] = {}
    for t in h.txns:
        for mops in (t.sent, t.mops):
            last: dict[Hashable, Hashable] = {}
            for f, k, v in mops:
                if f == "append":
                    if k in last:
                        intermediate[(k, last[k])] = t
                    last[k] = v
    cases = []
    for t in h.ok:
        for mop, (f, k, v) in zip(t.value, t.mops):
            writer = intermediate.get((k, v[-1])) if f == "r" and v else None
            if writer is not None and writer is not t:
                cases.append({"op": t.summary(), "mop": mop, "writer": writer.summary(),
                              "element": shown(v[-1])})
    return cases


def internal_case(t: Txn) -> dict | None:
    """A read that disagrees with what the transaction read or appended before it. After
    appends to a key it has not read, only the end of the list is known; after a read of
    null, nothing is."""
    state: dict[Hashable, tuple[bool, tuple] | None] = {}   # key -> (prefix known?, list)
    for mop, (f, k, v) in zip(t.value, t.mops):
        if f == "append":
            s = state.get(k, (False, ()))
            state[k] = (True, (v,)) if s is None else (s[0], s[1] + (v,))
            continue
        s = state.get(k)
        if s is not None:
            known, expected = s
            if known:
                wrong = v != expected
            else:
                start = len(v or ()) - len(expected)
                wrong = start < 0 or (v or ())[start:] != expected
            if wrong:
                return {"op": t.summary(), "mop": mop,
                        "expected": ([] if known else [UNKNOWN_PREFIX]) +
                        [shown(e) for e in expected]}
        state[k] = None if v is None else (True, v)
    return None


def future_read_case(t: Txn) -> dict | None:
    """A read holding an element that the same transaction appends only later."""
    read: dict[tuple, list] = {}   # (key, element) -> the first read mop that held it
    for mop, (f, k, v) in zip(t.value, t.mops):
        if f == "append":
            if (k, v) in read:
                return {"op": t.summary(), "mop": read[(k, v)], "element": shown(v)}
        else:
            for e in v or ():
                read.setdefault((k, e), mop)
    return None


def duplicate_cases(h: AppendHistory) -> list[dict]:
    """Reads (by ok or info transactions) holding the same element more than once."""
    cases = []
    for t in h.possible:
        for mop, (f, k, v) in zip(t.value, t.mops):
            if f == "r" and v and len(set(v)) < len(v):
                dups = {_dict_key(e): n for e, n in Counter(v).items() if n > 1}
                cases.append({"op": t.summary(), "mop": mop, "duplicates": dups})
    return cases


def dirty_update_cases(h: AppendHistory) -> list[dict]:
    """In a key's order of appends (over the whole history), a committed append that
    directly follows appends of failed transactions."""
    order = VersionOrder(sorted_values(h.all_mops()), []).order
    writer: dict[tuple, Txn] = {(k, v): t for t in h.txns
                                for f, k, v in t.mops if f == "append"}
    cases = []
    for k, elements in order.items():
        last, span = None, []   # the last decided writer (None: the initial state)
        for e in elements:
            t = writer.get((k, e))
            if t is None:
                raise CheckerError(f"No transaction wrote {shown(k)!r} {shown(e)!r}")
            span.append(e)
            was_failed = last is not None and last.type == "fail"
            if t.type == "ok" and was_failed:
                cases.append({"key": shown(k), "values": [shown(x) for x in span],
                              "txns": [last.summary(), UNKNOWN_PREFIX, t.summary()]})
            if t.type == "ok" or (t.type == "fail" and not was_failed):
                last, span = t, [e]
    return cases


def lost_update_cases(h: AppendHistory) -> list[dict]:
    """Two or more ok transactions read the same state of a key, then appended to it."""
    by_state: dict[tuple, list[Txn]] = defaultdict(list)
    for t in h.ok:
        first_read: dict[Hashable, Any] = {}
        counted: set[Hashable] = set()
        for f, k, v in t.mops:
            if f == "r":
                first_read.setdefault(k, v)
            elif k not in counted and k in first_read:
                counted.add(k)
                by_state[(k, first_read[k])].append(t)
    return [{"key": shown(k), "value": None if v is None else [shown(e) for e in v],
             "txns": [t.summary() for t in ts]}
            for (k, v), ts in by_state.items() if len(ts) > 1]


# ---------------------------------------------------------------------------------------
# Cycles, explained
# ---------------------------------------------------------------------------------------

class AppendCycleExplainer(CycleExplainer):
    """Explains list-append dependencies by the elements that make them."""

    def __init__(self, h: AppendHistory, g: TxnGraph, versions: VersionOrder):
        super().__init__(g, {t.index: t for t in h.txns})
        self.versions = versions

    def data_step(self, rel: int, ta: Txn, tb: Txn, an: str, bn: str) -> tuple[str, str] | None:
        vo = self.versions
        for f, k, v in tb.mops:
            key = _text(k)
            if rel == WR and f == "r" and v and vo.writer[k].get(v[-1]) is ta:
                return f"wr({key})", f"{bn} observed {an}'s append of {_text(v[-1])} to key {key}"
            if f != "append" or rel == WR:
                continue
            prev = vo.previous(k, v)
            if rel == WW and prev is not INIT and vo.writer[k].get(prev) is ta:
                return (f"ww({key})", f"{bn} appended {_text(v)} after {an} appended "
                        f"{_text(prev)} to {key}")
            if rel == RW and ta in vo.readers[k].get(prev, ()):
                if prev is INIT and vo.placed(k, v):
                    return (f"rw({key})", f"{an} observed the initial (nil) state of {key}, "
                            f"before {bn} created {key} by appending {_text(v)}")
                if prev is INIT:
                    # Elle says "created" here too, but an append no read shows is known
                    # only to follow the initial state: two such appends cannot both
                    # have created the key.
                    return (f"rw({key})", f"{an} observed the initial (nil) state of {key}, "
                            f"so it did not observe {bn}'s append of {_text(v)} to {key} "
                            f"(no read shows {_text(v)}: it is known only to follow that "
                            f"state)")
                return f"rw({key})", f"{an} did not observe {bn}'s append of {_text(v)} to {key}"
        return None


# ---------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------

def elle_check(history: list[dict], consistency_models: Iterable[str],
               cycle_search_timeout: float = CYCLE_SEARCH_TIMEOUT_S) -> dict:
    """Elle's result map: ``valid?`` (True, False or "unknown"), and when anything was
    reportable, ``anomaly-types``, ``anomalies``, ``not`` and ``also-not``.
    Raises CheckerError where Elle throws."""
    prohibited, reportable = anomaly_scope(consistency_models)
    h = AppendHistory(history)
    verify_unique_appends(h)
    values = sorted_values(t.mops for t in h.possible)
    versions = VersionOrder(values, h.possible)
    g = transaction_graph(h, versions, order_edges(reportable))

    anomalies = graph_anomalies(g, AppendCycleExplainer(h, g, versions).cycle, reportable,
                                cycle_search_timeout)
    internal = [c for c in map(internal_case, h.ok) if c]
    future = [c for c in map(future_read_case, h.ok) if c]
    for name, cases in (("duplicate-elements", duplicate_cases(h)),
                        ("incompatible-order", incompatible_order_cases(values)),
                        ("internal", internal), ("future-read", future),
                        ("dirty-update", dirty_update_cases(h)),
                        ("G1a", g1a_cases(h)), ("G1b", g1b_cases(h)),
                        ("lost-update", lost_update_cases(h))):
        if cases:
            anomalies[name] = cases
    return result_map(anomalies, prohibited, reportable)


def check(history: list[dict], consistency_models: Iterable[str],
          cycle_search_timeout: float = CYCLE_SEARCH_TIMEOUT_S) -> dict:
    """The txn-list-append verdict: Elle's result as it is, or ``{"valid?": "unknown",
    "error": ...}`` where Elle throws."""
    return unknown_where_elle_throws(
        lambda: elle_check(history, consistency_models, cycle_search_timeout))
