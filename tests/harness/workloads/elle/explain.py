"""Why a txn-rw-register or txn-list-append run is invalid (or unknown): Elle's anomalies,
each cycle in Elle's words and drawn as a small graph.

A cycle case already carries Elle's explanation (``cycle``: the chain like
``T1 -ww(3)-> T2 -rw(3)-> T1``; ``steps``: why each transaction must come before the next;
``txns``: the transactions). This adds what each anomaly class means, the verdict's reason
(an anomaly the requested consistency model forbids, or only ones it allows), and a picture
per cycle: the transactions on a ring, each dependency an arrow labelled as in the chain.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from ...explain import Context, Part, esc, figure, names, para, plural, table
from ...plots import clip, compact_json, svg_document

CASES_DRAWN = 2            # cycles drawn per anomaly type
CONSOLE_TYPES = 3

# What each anomaly class is, in a learner's words (after Adya's and Elle's definitions).
MEANINGS = {
    "G0": "write cycle: transactions overwrote each other's writes in a circle (only ww dependencies), "
          "so no order of them gives the final versions",
    "G1a": "aborted read: a transaction read a value written by a transaction that failed",
    "G1b": "intermediate read: a transaction read a value that its writer later overwrote within the same transaction",
    "G1c": "circular information flow: a cycle of ww and wr dependencies, so each transaction both "
           "saw and preceded another",
    "G-single": "read skew: a cycle with exactly one anti-dependency (rw): some transaction missed a "
                "write that precedes one it saw",
    "G-single-item": "read skew on single keys: a cycle with exactly one anti-dependency (rw)",
    "G-nonadjacent": "a cycle whose anti-dependencies (rw) are never next to each other",
    "G-nonadjacent-item": "a cycle on single keys whose anti-dependencies (rw) are never next to each other",
    "G2": "anti-dependency cycle (write skew): a cycle with two or more rw dependencies",
    "G2-item": "anti-dependency cycle on single keys (write skew): two or more rw dependencies",
    "internal": "a transaction's read contradicts its own earlier write or read of the same key",
    "incompatible-order": "two reads of one key saw lists that cannot both be prefixes of one order of appends",
    "lost-update": "several committed transactions read the same version of a key and each wrote it: "
                   "all updates but one were lost",
    "dirty-update": "a committed write built on a version written by a failed transaction",
    "duplicate-elements": "a read saw the same appended element twice",
    "duplicate-appends": "the same element was appended twice",
    "cyclic-versions": "the versions of a key were inferred to follow each other in a circle",
    "empty-transaction-graph": "no dependency between transactions could be inferred at all",
    "cycle-search-timeout": "the search for cycles ran out of time in a large component",
}
SUFFIXES = {"-process": " (counting each process's own order)", "-realtime": " (counting real-time order)"}


def meaning(kind: str) -> str:
    if kind.endswith("-cycle-exists"):
        return (f"a cycle that {kind[:-len('-cycle-exists')]} forbids exists in a component of the graph "
                f"(Elle's marker when it names no shortest example)")
    for suffix, note in SUFFIXES.items():
        if kind.endswith(suffix) and kind[:-len(suffix)] in MEANINGS:
            return MEANINGS[kind[:-len(suffix)]] + note
    return MEANINGS.get(kind, "an anomaly Elle reports (see its documentation)")


_STEP = re.compile(r"\s*-(.+?)->\s*(T\d+)")


def chain(cycle: str) -> tuple[list[str], list[str]]:
    """The transactions and edge labels of a chain ``T1 -ww(3)-> T2 -wr(5)-> T1``."""
    first = re.match(r"\s*(T\d+)", cycle)
    if not first:
        return [], []
    nodes, labels = [first[1]], []
    for m in _STEP.finditer(cycle, first.end()):
        labels.append(m[1])
        nodes.append(m[2])
    return nodes[:-1] if len(nodes) > 1 and nodes[-1] == nodes[0] else nodes, labels


def txn_text(txn: Any) -> str:
    """A transaction's ops as a short line: ``r 9 [2 3], append 7 1``."""
    value = txn.get("value") if isinstance(txn, dict) else None
    if not isinstance(value, list):
        return clip(compact_json(txn), 80)
    return clip(", ".join(" ".join(compact_json(x) if not isinstance(x, str) else x for x in mop)
                          if isinstance(mop, list) else compact_json(mop) for mop in value), 80)


def cycle_svg(kind: str, case: dict) -> str:
    """The cycle's transactions on a ring, each arrow labelled with its dependency (inside
    the ring) and each transaction with its process and ops (outside it)."""
    nodes, labels = chain(case.get("cycle", ""))
    txns = case.get("txns") or {}
    n = max(len(nodes), 1)
    radius = 60 + 20 * n
    width = 2 * radius + 920
    cx, cy = width / 2, 112 + radius
    height = cy + radius + 60
    angle = {name: 2 * math.pi * k / n for k, name in enumerate(nodes)}
    spot = {name: (cx + radius * math.sin(a), cy - radius * math.cos(a)) for name, a in angle.items()}
    text = meaning(kind)
    body = ['<defs><marker id="arrow" viewBox="0 0 10 8" refX="10" refY="4" markerWidth="10" markerHeight="8" '
            'orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#d0021b"/></marker></defs>',
            f'<text x="16" y="44">{esc(clip(text, 150))}.</text>',
            '<text x="16" y="62">Each arrow: the transaction at its tail must come before the one at its head '
            '(hover a transaction for its ops).</text>']
    r = 20
    for k, (a, label) in enumerate(zip(nodes, labels)):
        b = nodes[(k + 1) % n]
        (xa, ya), (xb, yb) = spot[a], spot[b]
        d = math.hypot(xb - xa, yb - ya) or 1
        ux, uy = (xb - xa) / d, (yb - ya) / d
        mx, my = (xa + xb) / 2, (ya + yb) / 2
        # Bow inwards (towards the centre; sideways for a two-transaction cycle).
        ox, oy = (cx - mx, cy - my) if n > 2 else (-uy, ux)
        norm = math.hypot(ox, oy) or 1
        qx, qy = mx + ox / norm * 24, my + oy / norm * 24
        lx, ly = mx + ox / norm * 40, my + oy / norm * 40
        sx, sy = xa + ux * r, ya + uy * r
        ex, ey = xb - ux * (r + 2), yb - uy * (r + 2)
        body.append(f'<path d="M{sx:.1f},{sy:.1f} Q{qx:.1f},{qy:.1f} {ex:.1f},{ey:.1f}" fill="none" '
                    f'stroke="#d0021b" stroke-width="2" marker-end="url(#arrow)"/>'
                    f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="middle" font-weight="bold">{esc(label)}</text>')
    for name, (x, y) in spot.items():
        txn = txns.get(name) or {}
        process = txn.get("process") if isinstance(txn, dict) else None
        sin, cos = math.sin(angle[name]), math.cos(angle[name])
        tx, ty = x + sin * (r + 8), y - cos * (r + 8) + 4 + (10 if cos < -0.5 else -4 if cos > 0.5 else 0)
        anchor = "start" if sin > 0.3 else "end" if sin < -0.3 else "middle"
        caption = f'{"process " + str(process) + ": " if process is not None else ""}{txn_text(txn)}'
        body.append(f'<g><title>{esc(name)}: {esc(compact_json(txn))}</title>'
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="#6db6fe" fill-opacity="0.85"/>'
                    f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-weight="bold">{esc(name)}</text>'
                    f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" class="time">{esc(caption)}</text></g>')
    return svg_document(width, height, clip(f"{kind}: {case.get('cycle', '')}", 130), body)


def explain_elle(ctx: Context) -> Part | None:
    result = ctx.results.get("workload") or {}
    if result.get("valid?") is True:
        return None
    anomalies = result.get("anomalies") or {}
    if not anomalies:
        return None
    kinds = list(result.get("anomaly-types") or anomalies)
    models = ", ".join(ctx.opts.consistency_models)
    ruled_out = result.get("not") or []
    if result.get("valid?") is False and ruled_out:
        headline = (f"Elle found {names(kinds)}: {'it rules' if len(kinds) == 1 else 'they rule'} out "
                    f"{names(ruled_out)} (asked for: {models}).")
    elif result.get("valid?") is False:
        # Maelstrom's txn wrappers fail a run on any anomaly type Elle reports, even one
        # (an empty transaction graph) that rules out no model.
        headline = (f"Elle found {names(kinds)}, which {'rules' if len(kinds) == 1 else 'rule'} "
                    f"out no consistency model, but "
                    f"Maelstrom counts any anomaly Elle reports as a failure (asked for: {models}).")
    else:
        headline = (f"Elle found only {names(kinds)}, which {models} does not forbid, so the run is neither "
                    f"valid nor invalid.")
    lines, page, data = [headline], para(headline), {"summary": headline, "anomalies": {}}
    for kind in kinds:
        cases = anomalies.get(kind)
        cases = cases if isinstance(cases, list) else [cases]
        cycles = [c for c in cases if isinstance(c, dict) and c.get("cycle")]
        entry: dict[str, Any] = {"meaning": meaning(kind), "count": len(cases)}
        page += f"<h4>{esc(kind)} ({plural(len(cases), 'case')})</h4>" + para(meaning(kind).capitalize() + ".")
        if cycles:
            first = cycles[0]
            entry["cycles"] = [{"cycle": c["cycle"], "steps": c.get("steps", [])} for c in cycles]
            if len(data["anomalies"]) < CONSOLE_TYPES:
                steps = first.get("steps", [])
                lines.append(f"{kind}: {clip(first['cycle'], 160)}" + (f" ({plural(len(cycles) - 1, 'more cycle')})"
                                                                      if len(cycles) > 1 else ""))
                if not any(line.startswith("  ") for line in lines):   # one cycle in words is enough here
                    lines += [f"  {step}" for step in steps[:3]]
                    if len(steps) > 3:
                        lines.append(f"  … {len(steps) - 3} more steps on the run page")
            for k, case in enumerate(cycles[:CASES_DRAWN]):
                name = ctx.picture(f"explain-{re.sub(r'[^A-Za-z0-9-]', '_', kind)}-{k + 1}.svg", cycle_svg(kind, case))
                page += (para(f"Cycle: {case['cycle']}") + "<ol>" + "".join(f"<li>{esc(s)}</li>" for s in case.get("steps", []))
                         + "</ol>" + table(["transaction", "process", "ops"],
                                           [[t, (v or {}).get("process"), txn_text(v)] for t, v in (case.get("txns") or {}).items()])
                         + figure(name, f"{kind} cycle {k + 1}"))
        else:
            entry["cases"] = cases[:8]
            # A marker anomaly (true) has no case to show.
            example = "" if cases[0] is True else f"; e.g. {clip(compact_json(cases[0]), 120)}"
            if len(data["anomalies"]) < CONSOLE_TYPES:
                lines.append(f"{kind}: {meaning(kind)}{example}")
            if example:
                page += "".join(f"<pre>{esc(clip(json.dumps(c, indent=1), 1500))}</pre>" for c in cases[:3])
        data["anomalies"][kind] = entry
    return Part("workload", "Anomalies, in Elle's words", lines, data, page)
