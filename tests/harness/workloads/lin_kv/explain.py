"""Why a lin-kv run is not linearizable: per failing key, a minimal set of operations that
cannot be linearized, drawn as Porcupine and Knossos draw histories, with the sentence.

Knossos reports the op at which its search got stuck; the history around it may hold
hundreds of ops. Here the key's ops are shrunk to a *minimal* non-linearizable set: ops are
removed (halves, then quarters, ... then one at a time, as delta debugging does) as long as
what is left still cannot be linearized, so that removing any one of the ops shown makes
the rest linearizable. A write stays while it is the last that could have given a kept
read its value: without it, the read alone would fail, which says nothing about the
history. The checker itself decides each step, so the set is as true as its verdict. The set is drawn as bars per process on a time axis, each from invocation to
completion with its value, and each "finished before … began" constraint between them as
an arrow; the sentence says which order real time forces and where every order allowed
fails. A search that runs over its time budget reports the set it has shrunk to so far,
and says so.
"""
from __future__ import annotations

import json
import time
from typing import Any

from ...explain import Context, Part, esc, figure, para, plural
from ...plots import NS_PER_MS, TYPE_COLOURS, svg_document
from .checker import check_register

KEYS_EXPLAINED = 3          # failing keys shrunk and drawn; the rest are listed
SHRINK_BUDGET_S = 5.0       # per key
CONSOLE_KEYS = 2


def key_of(value: Any) -> Any:
    """The key of an op value ``[k v]``, as the checker names it in its results."""
    if not (isinstance(value, list) and len(value) == 2):
        return None
    k = value[0]
    return json.dumps(k) if isinstance(k, (list, dict)) else k


def key_histories(ctx: Context, keys: set[str]) -> dict[str, list[tuple[dict, dict | None]]]:
    """(invoke, completion) of each client op on ``keys`` (named as strings, as in results),
    with the key stripped from the values as the checker sees them."""
    pairs: dict[str, list[list]] = {k: [] for k in keys}
    open_ops: dict[Any, list] = {}
    for op in ctx.history():
        p = op.get("process")
        if p == "nemesis":
            continue
        if op["type"] == "invoke":
            k = str(key_of(op.get("value")))
            if k in pairs:
                open_ops[p] = [{**op, "value": op["value"][1]}, None]
                pairs[k].append(open_ops[p])
            else:
                open_ops.pop(p, None)
        elif p in open_ops:
            value = op.get("value")
            open_ops.pop(p)[1] = {**op, "value": value[1] if isinstance(value, list) and len(value) == 2 else value}
    return {k: [(i, c) for i, c in v] for k, v in pairs.items()}


def counted(pair: tuple[dict, dict | None]) -> bool:
    """Whether the checker takes this op into account at all (failed ops and reads that
    returned nil or never returned constrain nothing)."""
    invoke, done = pair
    if done is not None and done["type"] == "fail":
        return False
    if invoke["f"] == "read":
        return done is not None and done["type"] == "ok" and done.get("value") is not None
    return True


def history_of(pairs: list[tuple[dict, dict | None]]) -> list[dict]:
    ops = [op for pair in pairs for op in pair if op is not None]
    return sorted(ops, key=lambda op: op["index"])


def linearizable(pairs: list[tuple[dict, dict | None]]) -> Any:
    return check_register(history_of(pairs), max_configs=200_000)["valid?"]


def _needs_and_gives(pair: tuple[dict, dict | None]) -> tuple[str | None, str | None]:
    """The value an op needs to find in the register (a read's result, a cas's from) and
    the value it leaves there (a write's, a cas's to), as JSON text."""
    invoke, done = pair
    v = invoke.get("value")
    if invoke["f"] == "read":
        return json.dumps(done.get("value")), None
    if invoke["f"] == "write":
        return None, json.dumps(v)
    return (json.dumps(v[0]), json.dumps(v[1])) if isinstance(v, list) and len(v) == 2 else (None, None)


def possible_writers(pairs: list[tuple[dict, dict | None]]) -> dict[int, set[int]]:
    """For each op that needs a value (by its invocation's index): the other ops of ``pairs``
    that write that value and began before it returned, which could have put it there."""
    gives = [(p[0]["index"], _needs_and_gives(p)[1]) for p in pairs]
    out = {}
    for pair in pairs:
        need = _needs_and_gives(pair)[0]
        if need is None:
            continue
        invoke, done = pair
        end = done["index"] if done is not None and done["type"] == "ok" else float("inf")
        out[invoke["index"]] = {i for i, g in gives if g == need and i != invoke["index"] and i < end}
    return out


def keeps_writers(candidate: list, writers: dict[int, set[int]]) -> bool:
    """Whether each op of ``candidate`` that needs a value keeps one of the writes that could
    have given it that value, when the whole history has one: otherwise the set would fail
    only because the shrinking removed that write, which is no fault of the history."""
    kept = {p[0]["index"] for p in candidate}
    return all(not writers.get(i) or writers[i] & kept for i in kept)


def shrink(pairs: list[tuple[dict, dict | None]], deadline: float) -> tuple[list, bool]:
    """A subset of ``pairs`` (which cannot be linearized) that still cannot, and whether it
    is minimal (it is, unless the deadline passed first). Chunks of half the ops are tried
    for removal, then quarters, and so on down to single ops, until no single op can go.
    A write is never removed while it is the last that could have given a kept op the
    value it needs (``keeps_writers``)."""
    current = list(pairs)
    writers = possible_writers(pairs)
    size = max(1, len(current) // 2)
    while True:
        removed, i = False, 0
        while i < len(current):
            if time.monotonic() > deadline:
                return current, False
            candidate = current[:i] + current[i + size:]
            if candidate and keeps_writers(candidate, writers) and linearizable(candidate) is False:
                current, removed = candidate, True   # the next chunk has slid into place
            else:
                i += size
        if size == 1 and not removed:
            return current, True
        if not removed:
            size = max(1, size // 2)


def op_text(invoke: dict, done: dict | None) -> str:
    v = invoke.get("value")
    if invoke["f"] == "read":
        return f"read → {json.dumps(done.get('value'))}" if done else "read"
    if invoke["f"] == "write":
        return f"write {json.dumps(v)}"
    if isinstance(v, list) and len(v) == 2:
        return f"cas {json.dumps(v[0])}→{json.dumps(v[1])}"
    return f"{invoke['f']} {json.dumps(v)}"


def describe(pair: tuple[dict, dict | None], origin: int) -> str:
    invoke, done = pair
    span = f"{(invoke['time'] - origin) / NS_PER_MS:,.1f}–" + (
        f"{(done['time'] - origin) / NS_PER_MS:,.1f} ms" if done is not None and done["type"] == "ok"
        else "… ms (indeterminate: it may have happened any time after it began, or never)")
    return f"process {invoke['process']}'s {op_text(invoke, done)} ({span})"


def precedences(pairs: list[tuple[dict, dict | None]]) -> list[tuple[int, int]]:
    """(a, b): ``a`` completed before ``b`` was invoked; only the edges not implied by others."""
    def before(a, b):
        done = pairs[a][1]
        return done is not None and done["type"] == "ok" and done["index"] < pairs[b][0]["index"]
    n = len(pairs)
    edges = {(a, b) for a in range(n) for b in range(n) if a != b and before(a, b)}
    return sorted((a, b) for a, b in edges if not any((a, c) in edges and (c, b) in edges for c in range(n)))


def sentence(key: Any, pairs: list, minimal: bool) -> tuple[list[str], dict]:
    """The explanation of one key's set, in parts (what, the ops, real time's order, where
    every order fails), and the checker's report on it."""
    origin = min(p[0]["time"] for p in pairs)
    report = check_register(history_of(pairs))
    parts = [f"key {key}: {'these' if minimal else 'at least these'} {plural(len(pairs), 'operation')} cannot be "
             f"linearized{' (minimal: leave any one out and the rest can be linearized, or some read loses every write that could explain it)' if minimal else ''}:",
             "; ".join(f"({i + 1}) {describe(p, origin)}" for i, p in enumerate(pairs)) + "."]
    order = [f"{a + 1} finished before {b + 1} began" for a, b in precedences(pairs)]
    parts.append("Real time orders them: " + ", ".join(order) + "." if order else
                 "Real time does not order them: they overlap.")
    paths = report.get("final-paths") or []
    ends = sorted({json.dumps(path[0]["model"].get("value")) for path in paths if path and path[0].get("op")})
    stuck = report.get("op")
    if stuck is not None and paths:
        why = paths[0][-1]["model"].get("inconsistent")
        index = next((i for i, p in enumerate(pairs) if p[1] is not None and p[1]["index"] == stuck["index"]), None)
        which = f"({index + 1}) " if index is not None else ""
        holding = f"holding {' or '.join(ends)}" if ends else "never written (nil)"
        parts.append(f"Every order real time allows fails; the furthest get to {which}and find the register "
                     f"{holding} there: {why}.")
    return parts, report


# --- the picture --------------------------------------------------------------------------
LANE, BAR, TOP, LEFT, RIGHT = 46, 14, 60, 110, 30


def bars_svg(key: Any, pairs: list, stuck_index: int | None, width: float = 900) -> str:
    """Porcupine-style bars: one lane per process, each op from invocation to completion
    with its text, numbered as in the sentence; arrows for "finished before … began"."""
    processes = sorted({p[0]["process"] for p in pairs}, key=lambda p: (not isinstance(p, int), str(p)))
    lane = {p: k for k, p in enumerate(processes)}
    t0 = min(p[0]["time"] for p in pairs)
    ends = [p[1]["time"] for p in pairs if p[1] is not None and p[1]["type"] == "ok"]
    t1 = max([*ends, *(p[0]["time"] for p in pairs)])
    span = max(t1 - t0, 1)
    t1 += span * 0.15                       # room for indeterminate ops to run on
    plot_w = width - LEFT - RIGHT

    def x(t: int) -> float:
        return LEFT + (t - t0) / (t1 - t0) * plot_w

    height = TOP + LANE * len(processes) + 50
    body = [f'<text x="16" y="44">Bars run from invocation to completion (ms since the first); '
            f'an arrow means "finished before the other began"; the red outline is where every order fails.</text>']
    for p, k in lane.items():
        y = TOP + k * LANE
        body.append(f'<text x="{LEFT - 10}" y="{y + 30}" text-anchor="end">process {esc(p)}</text>'
                    f'<line class="grid" x1="{LEFT}" y1="{y + LANE}" x2="{width - RIGHT}" y2="{y + LANE}"/>')
    spots = {}
    for i, (invoke, done) in enumerate(pairs):
        y = TOP + lane[invoke["process"]] * LANE + 19   # the bar; its text sits above it
        xa = x(invoke["time"])
        ok = done is not None and done["type"] == "ok"
        xb = x(done["time"]) if ok else x(t1)
        colour = TYPE_COLOURS["ok" if ok else "info"]
        outline = ' stroke="#d0021b" stroke-width="3"' if done is not None and done["index"] == stuck_index else ""
        dash = "" if ok else ' stroke-dasharray="4 3" fill-opacity="0.35"'
        body.append(f'<g><title>{esc(describe((invoke, done), t0))}</title>'
                    f'<rect x="{xa:.1f}" y="{y}" width="{max(xb - xa, 4):.1f}" height="{BAR}" rx="3" '
                    f'fill="{colour}" fill-opacity="0.75"{outline}{dash}/>'
                    f'<text x="{xa:.1f}" y="{y - 4}">({i + 1}) {esc(op_text(invoke, done))}</text></g>')
        spots[i] = (xa, xb, y)
    for a, b in precedences(pairs):
        xa, ya = spots[a][1], spots[a][2] + BAR / 2
        xb, yb = spots[b][0], spots[b][2] + BAR / 2
        body.append(f'<path d="M{xa:.1f},{ya:.1f} C{(xa + xb) / 2:.1f},{ya:.1f} {(xa + xb) / 2:.1f},{yb:.1f} '
                    f'{xb:.1f},{yb:.1f}" fill="none" stroke="#888" stroke-width="1.2" marker-end="url(#arrow)"/>')
    axis_y = TOP + LANE * len(processes) + 16
    for k in range(6):
        t = t0 + (t1 - t0) * k / 5
        body.append(f'<text class="time" x="{x(t):.1f}" y="{axis_y}" text-anchor="middle">'
                    f'{(t - t0) / NS_PER_MS:,.1f} ms</text>')
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 8" refX="10" refY="4" markerWidth="9" markerHeight="7" '
            'orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#888"/></marker></defs>')
    return svg_document(width, height, f"Key {key}: operations that cannot be linearized", [defs, *body])


# --- the part -------------------------------------------------------------------------------
def explain_lin_kv(ctx: Context) -> Part | None:
    result = ctx.results.get("workload") or {}
    per_key = result.get("results") or {}
    failing = [str(k) for k in result.get("failures") or []]
    unknown = [k for k, r in per_key.items() if isinstance(r, dict) and r.get("valid?") == "unknown"]
    if not failing and not unknown:
        return None
    chosen = failing[:KEYS_EXPLAINED]
    histories = key_histories(ctx, set(chosen))
    lines = [f"{len(failing)} of {plural(len(per_key), 'key')} cannot be linearized"
             + (f": {names_of(failing)}" if failing else "")
             + (f"; the checker gave up on {plural(len(unknown), 'key')} ({names_of(unknown)})" if unknown else "")
             + "."]
    page, keys = "", []
    for k in chosen:
        candidates = [p for p in histories.get(k, []) if counted(p)]
        stuck = (per_key.get(k) or {}).get("linearizable", {}).get("op") or {}
        # Ops invoked after the stuck op returned cannot be what makes it fail: try without them.
        if stuck.get("index") is not None:
            prefix = [p for p in candidates if p[0]["index"] < stuck["index"]]
            if prefix and linearizable(prefix) is False:
                candidates = prefix
        if not candidates or linearizable(candidates) is not False:
            keys.append({"key": k, "error": "the key's ops could not be shrunk (the checker's search ran out)"})
            continue
        found, minimal = shrink(candidates, time.monotonic() + SHRINK_BUDGET_S)
        parts, report = sentence(k, found, minimal)
        text = " ".join(parts)
        stuck_index = (report.get("op") or {}).get("index")
        name = ctx.picture(f"explain-key-{k}.svg", bars_svg(k, found, stuck_index))
        keys.append({"key": k, "minimal": minimal, "explanation": text, "ops": [
            {"process": i["process"], "f": i["f"], "value": i.get("value"),
             "type": c["type"] if c else "info", "returned": c.get("value") if c else None,
             "invoked-ns": i["time"], "completed-ns": c["time"] if c else None} for i, c in found],
            "knossos": report.get("final-paths")})
        page += (f"<h4>Key {esc(k)}</h4>" + para(parts[0]) + "<ol>" + "".join(
                     f"<li>{esc(describe(p, min(q[0]['time'] for q in found)))}</li>" for p in found) + "</ol>"
                 + "".join(para(x) for x in parts[2:]) + figure(name, f"key {k}: the operations that cannot be linearized"))
        if len([x for x in keys if "explanation" in x]) <= CONSOLE_KEYS:
            lines.append(text)
    for k in unknown[:KEYS_EXPLAINED]:
        cause = ((per_key.get(k) or {}).get("linearizable") or {}).get("cause")
        line = f"key {k}: the checker could not decide: {cause}"
        keys.append({"key": k, "unknown": cause})
        page += para(line)
        lines.append(line)
    if len(failing) > len(chosen):
        page += para(f"Only the first {len(chosen)} failing keys are shrunk and drawn; the others: "
                     f"{names_of(failing[len(chosen):])}.")
    return Part("workload", "Operations that cannot be linearized", lines,
                {"summary": lines[0], "keys": keys}, para(lines[0]) + page)


def names_of(keys: list) -> str:
    shown = ", ".join(str(k) for k in keys[:10])
    return shown + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
