"""Jepsen's set-full checker (docs/maelstrom.md §6.5), shared by broadcast and g-set.

For every element added, the checker follows the reads that saw it and the reads that
missed it, and decides whether the element ended up *stable* (the last read that could
know about it saw it), *lost* (a read after it was known missed it, and no later read saw
it again) or *never-read*. It keeps Jepsen's quirks, because verdicts must match
Maelstrom's (docs/maelstrom.md §12): stale reads do not invalidate, duplicates in a read are never
reported, values nobody added are ignored, and "later" means a higher invocation index,
so among final reads invoked almost at once only the last-invoked one decides.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Hashable

from ...jsonvalues import json_key, json_sorted_by

# Quantiles of the latency summaries, keyed as results.json writes them.
QUANTILES = (("0", 0.0), ("0.5", 0.5), ("0.95", 0.95), ("0.99", 0.99), ("1", 1.0))
WORST_STALE_SHOWN = 8


@dataclass
class ElementState:
    """What the history has shown about one added element so far."""

    element: Any
    known: dict | None = None          # first ok completion (add or read) proving it exists
    last_present: dict | None = None   # latest-invoked read invocation that saw it
    last_absent: dict | None = None    # latest-invoked read invocation that missed it

    def add_completed(self, completion: dict) -> None:
        if completion["type"] == "ok" and self.known is None:
            self.known = completion

    def read(self, invoke: dict, completion: dict, present: bool) -> None:
        if present:
            if self.known is None:
                self.known = completion
            if self.last_present is None or self.last_present["index"] < invoke["index"]:
                self.last_present = invoke
        elif self.last_absent is None or self.last_absent["index"] < invoke["index"]:
            self.last_absent = invoke


def _index(op: dict | None) -> int:
    return -1 if op is None else op["index"]


def _ns_to_ms(ns: int) -> int:
    return int(max(0, ns) / 1e6)


def element_result(state: ElementState) -> dict:
    """The outcome and latencies of one element (Jepsen's per-element result record)."""
    present, absent = _index(state.last_present), _index(state.last_absent)
    stable = state.last_present is not None and absent < present
    # A miss only means loss once the element was known to exist before that read began.
    lost = (state.known is not None and state.last_absent is not None
            and present < absent and state.known["index"] < absent)
    stable_latency = lost_latency = None
    if stable:
        became_stable = state.last_absent["time"] + 1 if state.last_absent else 0
        stable_latency = _ns_to_ms(became_stable - state.known["time"])
    if lost:
        became_lost = state.last_present["time"] + 1 if state.last_present else 0
        lost_latency = _ns_to_ms(became_lost - state.known["time"])
    return {
        "element": state.element,
        "outcome": "stable" if stable else "lost" if lost else "never-read",
        "stable-latency": stable_latency,
        "lost-latency": lost_latency,
        "known": state.known,
        "last-absent": state.last_absent,
    }


def quantiles(latencies: list[int]) -> dict[str, int]:
    """The value at each quantile q is ``sorted[min(n - 1, floor(n * q))]``."""
    ordered = sorted(latencies)
    n = len(ordered)
    return {name: ordered[min(n - 1, math.floor(n * q))] for name, q in QUANTILES}


def track_elements(history: list[dict], add_f: str) -> list[ElementState]:
    """Walk the client ops in history order; return every tracked element's final state."""
    elements: dict[Hashable, ElementState] = {}
    open_invokes: dict[Any, dict] = {}
    for op in history:
        process = op["process"]
        if process == "nemesis":
            continue
        if op["type"] == "invoke":
            open_invokes[process] = op
            if op["f"] == add_f:
                # Adding a value again starts its tracking afresh.
                elements[json_key(op["value"])] = ElementState(op["value"])
            continue
        invoke = open_invokes.pop(process)
        if op["f"] == add_f:
            state = elements.get(json_key(op["value"]))
            if state is not None:
                state.add_completed(op)
        elif op["f"] == "read" and op["type"] == "ok":
            seen = {json_key(item) for item in op["value"] or ()}
            for key, state in elements.items():
                state.read(invoke, op, key in seen)
    return list(elements.values())


def check_set_full(history: list[dict], add_f: str = "add") -> dict:
    """Jepsen's set-full result map for ``history``; ``add_f`` names the op that adds."""
    # In element order, so every element list below comes out sorted.
    results = [element_result(s) for s in json_sorted_by(track_elements(history, add_f),
                                                         lambda s: s.element)]
    by_outcome: dict[str, list[dict]] = {"stable": [], "lost": [], "never-read": []}
    for r in results:
        by_outcome[r["outcome"]].append(r)
    stable, lost, never_read = by_outcome["stable"], by_outcome["lost"], by_outcome["never-read"]
    stale = [r for r in stable if r["stable-latency"] > 0]
    # Jepsen sorts ascending and reverses, so equal latencies come out in descending element order.
    by_latency = sorted(stale, key=lambda r: r["stable-latency"])
    worst_stale = by_latency[::-1][:WORST_STALE_SHOWN]
    result = {
        "valid?": False if lost else "unknown" if not stable else True,
        "attempt-count": len(results),
        "stable-count": len(stable),
        "lost-count": len(lost),
        "lost": [r["element"] for r in lost],
        "never-read-count": len(never_read),
        "never-read": [r["element"] for r in never_read],
        "stale-count": len(stale),
        "stale": [r["element"] for r in stale],
        "worst-stale": worst_stale,
    }
    if stable:
        result["stable-latencies"] = quantiles([r["stable-latency"] for r in stable])
    if lost:
        result["lost-latencies"] = quantiles([r["lost-latency"] for r in lost])
    # QUIRK: Jepsen's duplicate check looks for counts below 1, so it never finds any.
    result["duplicated-count"] = 0
    result["duplicated"] = {}
    return result
