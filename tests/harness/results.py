"""The results map of a test run: the generic checkers and their composition (docs/maelstrom.md §8, §9).

Every function here is pure: it reads a history (list of op dicts, docs/maelstrom.md §5.4), the
counts folded from a network journal (``NetCounts``) or sub-results, and returns plain data.
Result maps use Maelstrom's key names without the colon, so results.json mirrors
results.edn. Validity values are ``True``, ``False`` or ``"unknown"``.
"""
from __future__ import annotations

import struct
from collections import Counter
from typing import Any, Callable, Iterable

from .options import Options

UNKNOWN = "unknown"

VERDICTS = {
    True: "Everything looks good! \u30fd(\u2018\u30fc`)\u30ce",
    False: "Analysis invalid! (\uff89\u0ca5\u76ca\u0ca5\uff09\uff89 \u253b\u2501\u253b",
    UNKNOWN: "Errors occurred during analysis, but no anomalies found. \u0ca0~\u0ca0",
}

# kafka's :crash ops always end :info by design, and :debug-topic-partitions is a debugging
# aid; stats does not hold it against a run that they never succeed.
STATS_IGNORED_FS = frozenset({"crash", "debug-topic-partitions"})


def merge_valid(*values: Any) -> bool | str:
    """The worst of several validities: False > "unknown" > True. Nothing merged is True.

    Anything that is neither True nor False (a missing ``valid?``) counts as unknown."""
    if any(v is False for v in values):
        return False
    if any(v is not True for v in values):
        return UNKNOWN
    return True


def safely(check: Callable[[], dict]) -> dict:
    """Run one sub-checker; an exception becomes an unknown result rather than a lost run."""
    try:
        return check()
    except Exception as e:  # any checker failure is reported in the results, not raised
        return {"valid?": UNKNOWN, "error": f"{type(e).__name__}: {e}"}


def stats(history: list[dict]) -> dict:
    """Counts of client completions, overall and per ``:f`` (docs/maelstrom.md §8 ``:stats``).

    An ``:f`` is valid iff at least one of its ops succeeded."""
    by_f: dict[str, Counter] = {}
    for op in history:
        if _is_client(op) and op["type"] != "invoke":
            by_f.setdefault(op["f"], Counter())[op["type"]] += 1
    by_f_results = {f: {**_counts(by_f[f]), "valid?": by_f[f]["ok"] > 0}
                    for f in sorted(by_f)}
    return {**_counts(sum(by_f.values(), Counter())),
            "by-f": by_f_results,
            "valid?": merge_valid(*(r["valid?"] for f, r in by_f_results.items()
                                    if f not in STATS_IGNORED_FS))}


def availability(history: list[dict], requirement: str | float | None) -> dict:
    """The fraction of client invocations that completed ok, against ``--availability``.

    ``requirement`` is None (no check), ``"total"`` (every op must succeed) or a lower
    bound on the fraction."""
    invokes = oks = 0
    for op in history:
        if _is_client(op):
            invokes += op["type"] == "invoke"
            oks += op["type"] == "ok"
    # Maelstrom computes the fraction as a 32-bit float and compares that rounded value, so a
    # run exactly at a bound such as 0.9 falls short of it (0.9f < 0.9). Mirrored on purpose.
    fraction = _float32(oks / invokes) if invokes else 1.0
    if requirement is None:
        valid = True
    elif requirement == "total":
        valid = fraction == 1.0
    elif isinstance(requirement, (int, float)) and not isinstance(requirement, bool):
        valid = requirement <= fraction
    else:
        raise ValueError(f"Don't know how to handle availability {requirement!r}")
    return {"valid?": valid, "ok-fraction": _shortest_float32(fraction)}


class NetCounts:
    """The counts behind ``:net``, folded over journal events one at a time (docs/maelstrom.md
    §9): sends and receives of server traffic (index 0) and client traffic (index 1). A
    message is client traffic when its source or destination is a client (``c...``);
    everything else, service traffic included, is server traffic. Every message is journalled
    once when it is sent, before any receive, so the distinct messages are the sends. Drops
    (the harness's own event, not Maelstrom's) count nothing."""

    def __init__(self) -> None:
        self.sends = [0, 0]
        self.recvs = [0, 0]

    def add(self, event: str, message: dict) -> None:
        client = message["src"].startswith("c") or message["dest"].startswith("c")
        if event == "send":
            self.sends[client] += 1
        elif event == "recv":
            self.recvs[client] += 1


def net(counts: NetCounts, history: Iterable[dict]) -> dict:
    """Message statistics (docs/maelstrom.md §9 ``:net``). ``msgs-per-op`` divides by every
    client invocation, final reads and failed ops included."""
    op_count = sum(1 for op in history if _is_client(op) and op["type"] == "invoke")
    parts = {"all": (sum(counts.sends), sum(counts.recvs)),
             "clients": (counts.sends[1], counts.recvs[1]),
             "servers": (counts.sends[0], counts.recvs[0])}
    result: dict[str, Any] = {}
    for name, (sends, recvs) in parts.items():
        result[name] = {"send-count": sends, "recv-count": recvs, "msg-count": sends}
        if op_count and name != "clients":
            result[name]["msgs-per-op"] = _shortest_float32(_float32(sends / op_count))
    result["valid?"] = True
    return result


def fold_journal(events: Iterable[tuple[str, int, dict]]) -> NetCounts:
    """The ``:net`` counts of a stored journal, read event by event."""
    counts = NetCounts()
    for event, _time, message in events:
        counts.add(event, message)
    return counts


def exceptions(history: list[dict]) -> dict:
    """Unhandled client exceptions, grouped by class, most frequent first (docs/maelstrom.md §8).

    Only ``:info`` ops with an ``exception`` count. The class is the exception data's
    ``"class"`` (or ``"type"``) entry, else the Python type of the data. Each group keeps
    its first op as the example. Never invalid: exceptions are a symptom, not a verdict."""
    groups: dict[str, list[dict]] = {}
    for op in history:
        if op["type"] == "info" and op.get("exception"):
            groups.setdefault(_exception_class(op["exception"]), []).append(op)
    if not groups:
        return {"valid?": True}
    ranked = sorted(groups.items(), key=lambda group: -len(group[1]))
    return {"valid?": True,
            "exceptions": [{"count": len(ops), "class": cls, "example": ops[0]}
                           for cls, ops in ranked]}


def op_latency_ms(history: Iterable[dict]) -> dict:
    """How long clients waited for their ``ok`` replies, invocation to completion, in ms:
    the count and the quantiles 0.5, 0.99 and 1 as set-full picks them (docs/maelstrom.md
    §6.5). Not a Maelstrom figure: the harness's own, for the footer and the run page."""
    invoked: dict[Any, int] = {}
    waits: list[int] = []
    for op in history:
        if not _is_client(op):
            continue
        if op["type"] == "invoke":
            invoked[op["process"]] = op["time"]
        elif op["process"] in invoked:
            start = invoked.pop(op["process"])
            if op["type"] == "ok":
                waits.append(op["time"] - start)
    if not waits:
        return {"count": 0}
    waits.sort()
    pick = lambda q: round(waits[min(len(waits) - 1, int(len(waits) * q))] / 1e6, 3)
    return {"count": len(waits), "p50": pick(0.5), "p99": pick(0.99), "max": pick(1)}


def compose(history: list[dict], net_counts: NetCounts, opts: Options,
            workload_result: dict, harness: dict | None = None) -> dict:
    """The full results map of a run, with the merged top-level ``valid?``.

    ``workload_result`` is the workload checker's output (already guarded by the caller);
    ``harness`` holds the harness's own delivery statistics, informative only."""
    results: dict[str, Any] = {
        "perf": {"latency-graph": {"valid?": True}, "rate-graph": {"valid?": True},
                 "valid?": True},
        "timeline": {"valid?": True},
        "exceptions": safely(lambda: exceptions(history)),
        "stats": safely(lambda: stats(history)),
        "availability": safely(lambda: availability(history, opts.availability)),
        "net": safely(lambda: net(net_counts, history)),
        "workload": workload_result,
    }
    if harness is not None:
        results["harness"] = {**harness, "valid?": True}
    results["valid?"] = merge_valid(*(r.get("valid?") for r in results.values()))
    return results


def verdict_line(valid: bool | str) -> str:
    """Maelstrom's closing console line for a run's validity (docs/maelstrom.md §3.4)."""
    return VERDICTS[valid if valid is True or valid is False else UNKNOWN]


def exit_code(valid: bool | str) -> int:
    """0 when valid, 1 when invalid, 2 when unknown (docs/maelstrom.md §3.4)."""
    return 0 if valid is True else 1 if valid is False else 2


def _is_client(op: dict) -> bool:
    return op["process"] != "nemesis"


def _counts(by_type: Counter) -> dict:
    return {"count": sum(by_type.values()), "ok-count": by_type["ok"],
            "fail-count": by_type["fail"], "info-count": by_type["info"]}


def _exception_class(data: Any) -> str:
    if isinstance(data, dict):
        for key in ("class", "type"):
            if isinstance(data.get(key), str):
                return data[key]
    return type(data).__name__


def _float32(x: float) -> float:
    """``x`` rounded to the nearest 32-bit float (Clojure's ``float``)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _shortest_float32(x: float) -> float:
    """The shortest decimal that rounds to the same 32-bit float as ``x``: how Java prints a
    float (0.9 rather than 0.8999999761581421)."""
    for digits in range(1, 9):
        candidate = float(f"{x:.{digits}g}")
        if _float32(candidate) == x:
            return candidate
    return float(f"{x:.9g}")  # nine significant digits identify every 32-bit float
