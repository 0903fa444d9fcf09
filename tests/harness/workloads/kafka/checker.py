"""The kafka checker (docs/maelstrom.md §6.7), after Jepsen's ``jepsen.tests.kafka`` checker.

From the history it derives, per key, a *log*: offset -> the values some op saw there (ok
sends, info sends that some ok poll proves happened, and every poll). Dropping the empty
offsets gives dense *indices* and a version order. Against that it looks for:

* ``duplicate`` (a value at two offsets) and ``inconsistent-offsets`` (two values at one);
* skips and reorderings inside one poll (``int-poll-skip``, ``int-nonmonotonic-poll``) or
  one send op (``int-send-skip``, ``int-nonmonotonic-send``), and between one process's
  successive polls (``poll-skip``, ``nonmonotonic-poll``) and sends (``nonmonotonic-send``);
* ``G1a`` (an ok poll saw a failed send), ``precommitted-read`` (an op saw its own send),
  ``lost-write`` (an acknowledged value below the highest one polled that no ok poll saw)
  and ``unseen`` (an acknowledged value no ok poll ever saw);
* dependency cycles over write-read and real-time edges, in practice ``G1c-realtime`` with
  ``strong-PL-2-cycle-exists``, plus ``empty-transaction-graph`` when there are no edges.

Only ``int-send-skip`` and the G0 / PL-1 families are allowed. Negative offsets are left
out of the version order, as Jepsen's ``version-orders`` does. Where Jepsen's checker
throws (a polled value nobody sent, a key that ok polls name but never return a message
for at an offset of 0 or more) the result is ``valid? "unknown"``, as in Maelstrom.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .cycles import cycle_anomalies

ALLOWED_ERROR_TYPES = frozenset({
    "int-send-skip", "G0", "G0-process", "G0-realtime",
    "PL-1-cycle-exists", "strong-PL-1-cycle-exists"})
MISSING = object()   # "no such value" where a value itself may be null
# Maelstrom only issues single-mop "send" and "poll" ops; Jepsen's "txn" ops mix both.
SENDING = frozenset({"send", "txn"})
POLLING = frozenset({"poll", "txn"})
TXN_FS = SENDING | POLLING


class CheckerCrash(Exception):
    """A history Jepsen's kafka checker throws on; the verdict is then unknown."""


# --- reading ops --------------------------------------------------------------------------
def freeze(v: Any) -> Any:
    """A hashable stand-in for a JSON value that keeps Clojure's equality: 1, 1.0 and true
    are three different messages."""
    if isinstance(v, bool) or isinstance(v, float):
        return (type(v).__name__, v)
    if isinstance(v, list):
        return ("list", tuple(freeze(x) for x in v))
    if isinstance(v, dict):
        return ("map", tuple(sorted((str(k), freeze(x)) for k, x in v.items())))
    return v


def thaw(v: Any) -> Any:
    """The JSON-friendly form of a frozen value, for error reports."""
    if isinstance(v, tuple) and len(v) == 2 and v[0] in ("bool", "float"):
        return v[1]
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "list":
        return [thaw(x) for x in v[1]]
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "map":
        return {k: thaw(x) for k, x in v[1]}
    return v


def sort_key(v: Any):
    return (0, v, "") if isinstance(v, int) else (1, 0, repr(v))


def op_writes(op: dict) -> dict[str, list[tuple[Any, Any]]]:
    """key -> the (offset or None, value) pairs a send op sent, in order."""
    writes: dict[str, list] = {}
    if op.get("f") not in SENDING:
        return writes
    for mop in op.get("value") or ():
        if isinstance(mop, list) and len(mop) == 3 and mop[0] == "send":
            _, k, x = mop
            pair = (x[0], freeze(x[1])) if isinstance(x, list) and len(x) >= 2 else (None, freeze(x))
            writes.setdefault(k, []).append(pair)
    return writes


def op_reads(op: dict) -> dict[str, list[tuple[Any, Any]]]:
    """key -> the (offset, value) pairs a poll op returned, in order; [] for empty or null."""
    reads: dict[str, list] = {}
    if op.get("f") not in POLLING:
        return reads
    for mop in op.get("value") or ():
        if isinstance(mop, list) and len(mop) >= 2 and mop[0] == "poll" and isinstance(mop[1], dict):
            for k, pairs in mop[1].items():
                reads.setdefault(k, []).extend((p[0], freeze(p[1])) for p in pairs or ())
    return reads


def max_send_offsets(op: dict) -> dict[str, int]:
    """key -> highest offset an ok or info op sent at (Jepsen floors these at 0)."""
    if op.get("type") not in ("ok", "info"):
        return {}
    return {k: max([0] + [o for o, _ in pairs if isinstance(o, int)])
            for k, pairs in op_writes(op).items() if any(isinstance(o, int) for o, _ in pairs)}


def max_poll_offsets(op: dict) -> dict[str, int]:
    """key -> highest offset an ok or info op polled; -1 for a key it got no messages for."""
    if op.get("type") not in ("ok", "info"):
        return {}
    return {k: max([-1] + [o for o, _ in pairs if o is not None])
            for k, pairs in op_reads(op).items()}


@dataclass(eq=False)
class Txn:
    """One client history entry with its sends and polls decoded."""
    pos: int                    # position among the client ops: the real-time order
    op: dict
    writes: dict[str, list] = field(init=False)
    reads: dict[str, list] = field(init=False)

    def __post_init__(self):
        self.writes = op_writes(self.op)
        self.reads = op_reads(self.op)

    @property
    def type(self) -> str:
        return self.op.get("type")

    def written(self, k: str) -> list:
        return [v for _, v in self.writes.get(k, ())]

    def read(self, k: str) -> list:
        return [v for _, v in self.reads.get(k, ())]

    def values_written(self) -> dict[str, list]:
        return {k: self.written(k) for k in self.writes}

    def values_read(self) -> dict[str, list]:
        return {k: self.read(k) for k in self.reads}


# --- the analysis -------------------------------------------------------------------------
@dataclass
class VersionOrder:
    log: dict[int, list]        # offset -> distinct values seen there, first seen first
    by_index: list              # dense index -> one value (the first seen at that offset)
    by_value: dict              # value -> dense index (its last offset wins)

    def dense(self) -> list[list]:
        return [self.log[o] for o in sorted(self.log)]


class Analysis:
    """What every error class is judged against: the decoded ops, who sent and who polled
    each value, and each key's log and version order."""

    def __init__(self, history: list[dict]):
        client_ops = (op for op in history if op.get("process") != "nemesis")
        self.txns = [Txn(i, op) for i, op in enumerate(client_ops)]
        self.completions = [t for t in self.txns if t.type != "invoke"]
        self.writes_by_type = self._by_type(lambda t: t.writes)
        self.reads_by_type = self._by_type(lambda t: t.reads)
        self.writer_of: dict[str, dict] = defaultdict(dict)
        self.readers_of: dict[str, dict] = defaultdict(lambda: defaultdict(list))
        for t in self.completions:
            for k in t.writes:
                for v in t.written(k):
                    self.writer_of[k][v] = t
            for k in t.reads:
                for v in t.read(k):
                    self.readers_of[k][v].append(t)
        self.orders, self.inconsistent = self._version_orders()

    def _by_type(self, part) -> dict[str, dict[str, set]]:
        out: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        for t in self.completions:
            for k, pairs in part(t).items():
                out[t.type][k].update(v for _, v in pairs)
        return out

    def must_have_committed(self, t: Txn) -> bool:
        """Ok, or info with some sent value that an ok poll returned."""
        if t.type == "ok":
            return True
        ok_reads = self.reads_by_type["ok"]
        return t.type == "info" and any(v in ok_reads.get(k, ()) for k in t.writes for v in t.written(k))

    def _version_orders(self) -> tuple[dict[str, VersionOrder], list[dict]]:
        logs: dict[str, dict[int, list]] = defaultdict(dict)

        def note(k, offset, value):
            # Jepsen's datafy-version-order-log reads a key's offsets from 0 up to the
            # largest, so a negative offset never reaches the version order.
            if offset is None or offset < 0:
                return
            seen = logs[k].setdefault(offset, [])
            if value not in seen:
                seen.append(value)

        for t in self.txns:
            if t.writes and self.must_have_committed(t):
                for k, pairs in t.writes.items():
                    for o, v in pairs:
                        note(k, o, v)
            for k, pairs in t.reads.items():
                for o, v in pairs:
                    note(k, o, v)
        orders, errors = {}, []
        for k, log in logs.items():
            by_index = []
            for index, offset in enumerate(sorted(log)):
                values = log[offset]
                by_index.append(values[0])
                if len(values) > 1:
                    errors.append({"key": k, "offset": offset, "index": index,
                                   "values": sorted(map(thaw, values), key=sort_key)})
            orders[k] = VersionOrder(log, by_index, {v: i for i, v in enumerate(by_index)})
        return orders, errors

    def index_of(self, k: str, v: Any):
        order = self.orders.get(k)
        return None if order is None or v is MISSING else order.by_value.get(v)

    def delta(self, k: str, v1: Any, v2: Any) -> int:
        """Dense-index distance from v1 to v2; 1 (nothing to report) if either is unknown."""
        i1, i2 = self.index_of(k, v1), self.index_of(k, v2)
        return 1 if i1 is None or i2 is None else i2 - i1

    def skipped(self, k: str, v1: Any, v2: Any) -> list:
        by_index = self.orders[k].by_index
        return [thaw(v) for v in by_index[self.index_of(k, v1) + 1:self.index_of(k, v2)]]


# --- error classes ------------------------------------------------------------------------
def duplicates(a: Analysis) -> list[dict]:
    errs = []
    for k, order in a.orders.items():
        offsets_of: dict[Any, list[int]] = defaultdict(list)
        for offset in sorted(order.log):
            for v in order.log[offset]:
                offsets_of[v].append(offset)
        errs += [{"key": k, "value": thaw(v), "count": len(offs), "offsets": offs}
                 for v, offs in offsets_of.items() if len(offs) > 1]
    return errs


def internal_cases(a: Analysis, txns: list[Txn], values_of) -> tuple[list[dict], list[dict]]:
    """Skips and reorderings between consecutive values of one key inside one op."""
    skips, nonmonotonic = [], []
    for t in txns:
        for k, values in values_of(t).items():
            for v1, v2 in zip(values, values[1:]):
                d = a.delta(k, v1, v2)
                case = {"key": k, "values": [thaw(v1), thaw(v2)], "delta": d}
                if d > 1:
                    skips.append({**case, "skipped": a.skipped(k, v1, v2), "op": t.op})
                elif d < 1:
                    nonmonotonic.append({**case, "op": t.op})
    return skips, nonmonotonic


def by_process(txns: list[Txn]) -> dict[Any, list[Txn]]:
    groups: dict[Any, list[Txn]] = defaultdict(list)
    for t in txns:
        groups[t.op.get("process")].append(t)
    return groups


def keep_assigned(last: dict[str, Txn], t: Txn) -> dict[str, Txn]:
    keys = set(t.op.get("value") or ())
    return {k: op for k, op in last.items() if k in keys}


def poll_cases(a: Analysis) -> tuple[list[dict], list[dict]]:
    """Per process: where each ok poll starts a key, against where its last ok poll of that
    key ended. Assigns forget keys no longer assigned."""
    skips, nonmonotonic = [], []
    for txns in by_process(a.txns).values():
        last: dict[str, Txn] = {}
        for t in txns:
            f = t.op.get("f")
            if f == "assign" and t.type in ("ok", "info"):
                last = keep_assigned(last, t)
            elif f in POLLING:
                for k in t.reads:
                    prev = last.get(k)
                    if prev is None:
                        continue
                    v1 = (prev.read(k) or [MISSING])[-1]
                    v2 = (t.read(k) or [MISSING])[0]
                    d = a.delta(k, v1, v2)
                    if d > 1:
                        skips.append({"key": k, "delta": d, "skipped": a.skipped(k, v1, v2),
                                      "ops": [prev.op, t.op]})
                    elif d < 1:
                        nonmonotonic.append({"key": k, "values": [thaw(v1), thaw(v2)], "delta": d,
                                             "ops": [prev.op, t.op]})
                if t.type == "ok":
                    last.update({k: t for k in t.reads})
    return skips, nonmonotonic


def nonmonotonic_sends(a: Analysis) -> list[dict]:
    errs = []
    for txns in by_process([t for t in a.txns if t.type in ("ok", "info")]).values():
        last: dict[str, Txn] = {}
        for t in txns:
            f = t.op.get("f")
            if f == "assign":
                last = keep_assigned(last, t)
            elif f in SENDING:
                for k in t.writes:
                    prev = last.get(k)
                    if prev is not None:
                        v1, v2 = prev.written(k)[-1], t.written(k)[0]
                        d = a.delta(k, v1, v2)
                        if d < 1:
                            errs.append({"key": k, "values": [thaw(v1), thaw(v2)], "delta": d,
                                         "ops": [prev.op, t.op]})
                last.update({k: t for k in t.writes})
    return errs


def g1a_cases(a: Analysis) -> list[dict]:
    failed = a.writes_by_type["fail"]
    return [{"key": k, "value": thaw(v), "writer": a.writer_of[k][v].op, "reader": t.op}
            for t in a.completions if t.type == "ok"
            for k in t.reads for v in t.read(k) if v in failed.get(k, ())]


def precommitted_reads(a: Analysis) -> list[dict]:
    errs = []
    for t in a.txns:
        for k in t.writes:
            bad = [v for v in t.written(k) if v in set(t.read(k))]
            if bad:
                errs.append({"op": t.op, "key": k, "value": thaw(bad[0])})
    return errs


def lost_writes(a: Analysis) -> list[dict]:
    """For each key: every value whose last appearance in the log lies at or below the
    highest first appearance of any ok-polled value must have been polled by some ok poll,
    unless its send may never have happened."""
    errs = []
    for k, polled in a.reads_by_type["ok"].items():
        order = a.orders.get(k)
        dense = order.dense() if order else []
        first_index, last_index = {}, {}
        for i, values in enumerate(dense):
            for v in values:
                first_index.setdefault(v, i)
                last_index[v] = i
        bound = max((first_index[v] for v in polled if v in first_index), default=-1)
        if bound < 0:
            # Jepsen indexes a vector at -1 here and throws (docs/maelstrom.md §6.7).
            raise CheckerCrash(f"key {k!r} appears in ok polls, which never returned a message for it "
                               f"at an offset of 0 or more")
        by_last = defaultdict(list)
        for v, i in last_index.items():
            by_last[i].append(v)
        at_bound = by_last.get(bound)
        max_read = a.readers_of[k].get(at_bound[0], [None])[0] if at_bound else None
        for i in range(bound + 1):
            for v in by_last.get(i, ()):
                if v in polled:
                    continue
                writer = a.writer_of[k].get(v)
                if writer is None:
                    raise CheckerCrash(f"no writer of value {thaw(v)!r} in key {k!r}")
                if a.must_have_committed(writer):
                    errs.append({"key": k, "value": thaw(v), "index": first_index[v],
                                 "max-read-index": bound, "writer": writer.op,
                                 "max-read": max_read.op if max_read else None})
    return errs


def unseen(a: Analysis) -> dict | None:
    """Values some ok send acknowledged that no ok poll ever returned."""
    oks = [t for t in a.completions if t.type == "ok" and t.op.get("f") in TXN_FS]
    if not oks:
        return None
    sent, polled = a.writes_by_type["ok"], a.reads_by_type["ok"]
    missing = {k: vs - polled.get(k, set()) for k, vs in sent.items()}
    # QUIRK: Jepsen merges sent and polled maps, so a key the very last ok op polls for
    # the first time (and no ok send ever reached) counts its polled values as unseen.
    last = oks[-1]
    earlier = {k for t in oks[:-1] for k in (*t.writes, *t.reads)}
    for k in last.reads:
        if k not in sent and k not in earlier:
            missing[k] = set(last.read(k))
    missing = {k: vs for k, vs in sorted(missing.items()) if vs}
    if not missing:
        return None
    return {"time": last.op.get("time"),
            "unseen": {k: len(vs) for k, vs in missing.items()},
            "messages": {k: sorted(map(thaw, vs), key=sort_key)[:32] for k, vs in missing.items()}}


def realtime_lag(a: Analysis) -> dict:
    """The worst lag over all ok polls: how long before the poll's invocation the offset
    after the highest one its process knew of (per assigned key) was known to exist."""
    known_at: dict[str, list] = defaultdict(list)   # key -> offset -> when first known to exist
    for t in a.txns:
        seen = max_poll_offsets(t.op)
        for k, o in max_send_offsets(t.op).items():
            seen[k] = max(o, seen.get(k, o))
        for k, o in seen.items():
            times = known_at[k]
            if o >= len(times):
                times.extend([t.op.get("time")] * (o + 1 - len(times)))
    invoked_at = invocation_times(a)
    worst, offsets_of = None, defaultdict(dict)
    for t in a.completions:
        if t.type != "ok":
            continue
        p, f = t.op.get("process"), t.op.get("f")
        if f == "assign":
            old = offsets_of[p]
            offsets_of[p] = {k: old.get(k, -1) for k in t.op.get("value") or ()}
        elif f in POLLING:
            offsets = offsets_of[p]
            for k, o in max_poll_offsets(t.op).items():
                offsets[k] = max(o, offsets.get(k, o))
            start = invoked_at.get(t.pos, 0)
            for k, o in offsets.items():
                times = known_at.get(k, [])
                lag = max(0, start - times[o + 1]) if o + 1 < len(times) else 0
                if worst is None or lag > worst["lag"]:
                    worst = {"time": start, "process": p, "key": k, "lag": lag}
    if worst is None:
        return {"time": 0.0, "lag": 0.0}
    return {**worst, "time": worst["time"] / 1e9, "lag": worst["lag"] / 1e9}


def invocation_times(a: Analysis) -> dict[int, int]:
    """Completion position -> its invocation's time."""
    open_at, out = {}, {}
    for t in a.txns:
        p = t.op.get("process")
        if t.type == "invoke":
            open_at[p] = t.op.get("time", 0)
        elif p in open_at:
            out[t.pos] = open_at.pop(p)
    return out


def wr_edges(a: Analysis) -> dict[tuple[int, int], dict]:
    """Sender -> every other op that polled its value, for the cycle search."""
    edges = {}
    for k, readers in a.readers_of.items():
        for v, polls in readers.items():
            writer = a.writer_of[k].get(v)
            if writer is None:
                raise CheckerCrash(f"no send of value {thaw(v)!r} to key {k!r}, yet a poll returned it")
            for poll in polls:
                if poll is not writer:
                    edges.setdefault((writer.pos, poll.pos), {"type": "wr", "key": k, "value": thaw(v)})
    return edges


# --- the result ---------------------------------------------------------------------------
def _first(n: int, key):
    return lambda errs: sorted(errs, key=key)[:n]


def _last(n: int, key):
    return lambda errs: sorted(errs, key=key)[-n:]


def _by_delta(e: dict) -> int:
    return e["delta"]


def _by_steps(e: dict) -> int:
    return len(e["steps"])


# Jepsen's truncation of each error list in the results map; other lists are shown whole.
SHOWN = {
    "duplicate": _first(32, lambda e: e["count"]),
    "inconsistent-offsets": _first(32, lambda e: len(e["values"])),
    "int-nonmonotonic-poll": _first(8, _by_delta),
    "int-nonmonotonic-send": _first(8, _by_delta),
    "nonmonotonic-poll": _first(8, _by_delta),
    "nonmonotonic-send": _first(8, _by_delta),
    "int-poll-skip": _last(8, _by_delta),
    "int-send-skip": _last(8, _by_delta),
    "poll-skip": _last(8, _by_delta),
    **{kind: _first(8, _by_steps)
       for kind in ("G0", "G0-process", "G0-realtime", "G1c", "G1c-process", "G1c-realtime")},
}


def condense(kind: str, errs: Any) -> Any:
    """An error list as Jepsen reports it: its count and the most telling few cases."""
    if kind == "unseen":
        return errs
    if not isinstance(errs, list):
        return {"count": 1, "errs": errs}
    show = SHOWN.get(kind)
    return {"count": len(errs), "errs": show(errs) if show else errs}


def distinct(values: list) -> list:
    """Values in first-seen order without repeats (they may be unhashable lists)."""
    seen, out = set(), []
    for v in values:
        key = json.dumps(v, sort_keys=True, default=repr)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def check_kafka(history: list[dict]) -> dict:
    """The kafka workload's result map (docs/maelstrom.md §6.7)."""
    try:
        a = Analysis(history)
        errors = find_errors(a)
        lag = realtime_lag(a)
    except CheckerCrash as e:
        return {"valid?": "unknown", "error": str(e)}
    bad = sorted(k for k in errors if k not in ALLOWED_ERROR_TYPES)
    causes = distinct([t.op.get("error") for t in a.completions
                       if t.type == "info" and t.op.get("f") in TXN_FS])
    result = {"valid?": not bad, "worst-realtime-lag": lag, "bad-error-types": bad,
              "error-types": sorted(errors), "info-txn-causes": causes}
    result.update({kind: condense(kind, errs) for kind, errs in sorted(errors.items())})
    return result


def find_errors(a: Analysis) -> dict[str, Any]:
    """Error type -> its cases, for every type found."""
    int_poll_skip, int_poll_nm = internal_cases(a, a.txns, Txn.values_read)
    int_send_skip, int_send_nm = internal_cases(a, a.completions, Txn.values_written)
    poll_skip, poll_nm = poll_cases(a)
    found = {
        "duplicate": duplicates(a),
        "int-poll-skip": int_poll_skip,
        "int-nonmonotonic-poll": int_poll_nm,
        "int-send-skip": int_send_skip,
        "int-nonmonotonic-send": int_send_nm,
        "inconsistent-offsets": a.inconsistent,
        "precommitted-read": precommitted_reads(a),
        "G1a": g1a_cases(a),
        "lost-write": lost_writes(a),
        "poll-skip": poll_skip,
        "nonmonotonic-poll": poll_nm,
        "nonmonotonic-send": nonmonotonic_sends(a),
        "unseen": unseen(a),
    }
    found.update(cycle_anomalies([t.op for t in a.txns], wr_edges(a)))
    return {kind: errs for kind, errs in found.items() if errs}
