"""Pictures of a run's history: ``latency.svg``, ``latency-quantiles.svg``, ``rate.svg`` and
``timeline.html``.

Maelstrom draws these with gnuplot and Jepsen's timeline (docs/maelstrom.md §10); here they are
hand-written SVG and HTML so that they need nothing beyond the standard library. Every
picture paints its own background and follows the reader's light or dark colour scheme
(``prefers-color-scheme``), so it stays readable whatever page shows it.

Colours follow Jepsen's convention: ok ops are blue, info (indeterminate) ops orange, failed
ops pink. Shaded bands are the periods a fault was in force (nemesis/periods.py): grey a
network partition, red a node down (killed, not yet restarted), blue a node paused, in the
colours of Jepsen's perf plots for kill and pause; hovering a band names the node.

This module also holds the small drawing kit ``messages_svg`` shares: escaping, the theme,
the document wrapper.
"""
from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .nemesis.periods import Period, fault_periods
from .store import read_history

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000

# Completion type -> colour (Jepsen's blue/orange/pink, a shade deeper so marks show on white).
TYPE_COLOURS = {"ok": "#4c9bef", "info": "#f5a623", "fail": "#ee5fa7"}
TYPES = ("ok", "info", "fail")

THEME_CSS = """
svg, body { font-family: Helvetica, Arial, sans-serif; font-size: 12px; }
.bg { fill: #ffffff; }
text { fill: #222; }
.title { font-size: 15px; font-weight: bold; }
.note { fill: #c0561a; }
.axis { stroke: #555; stroke-width: 1; }
.grid { stroke: #e3e3e3; stroke-width: 1; }
.partition { fill: #8a8a8a; fill-opacity: 0.2; }
.down { fill: #e9a4a0; fill-opacity: 0.35; }
.paused { fill: #a0b1e9; fill-opacity: 0.35; }
.ok { fill: #4c9bef; stroke: #4c9bef; }
.info { fill: #f5a623; stroke: #f5a623; }
.fail { fill: #ee5fa7; stroke: #ee5fa7; }
.mark { fill-opacity: 0.75; stroke: none; }
.key { fill: #777; stroke: none; }
.line { fill: none; stroke-width: 1.6; }
@media (prefers-color-scheme: dark) {
  .bg { fill: #17191d; }
  text { fill: #ddd; }
  .note { fill: #f0a060; }
  .axis { stroke: #aaa; }
  .grid { stroke: #33363c; }
  .partition { fill: #9aa0aa; fill-opacity: 0.16; }
  .down { fill: #d9706a; fill-opacity: 0.3; }
  .paused { fill: #7088d9; fill-opacity: 0.3; }
  .key { fill: #aaa; }
}
"""

# Characters XML 1.0 forbids even when escaped; node output may contain any of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(value: Any) -> str:
    """Text safe inside XML/HTML content and attribute values."""
    return _NOT_XML.sub("\ufffd", html.escape(str(value), quote=True))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def svg_document(width: float, height: float, title: str, body: list[str], css: str = "") -> str:
    """A whole SVG file: background, theme, a title line at the top, then ``body``."""
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">',
        f"<title>{esc(title)}</title>",
        f"<style>{THEME_CSS}{css}</style>",
        f'<rect class="bg" x="0" y="0" width="{width:.0f}" height="{height:.0f}"/>',
        f'<text class="title" x="16" y="24">{esc(title)}</text>',
        *body,
        "</svg>",
        "",
    ])


# --- Reading the history --------------------------------------------------------------------


def load_history(run_dir: Path) -> list[dict]:
    """The ops of ``history.jsonl`` (each picture needs them all)."""
    return list(read_history(run_dir))


def op_pairs(history: list[dict]) -> list[tuple[dict, dict | None]]:
    """Every op's invocation with its completion (None if it never completed), in invoke order.

    A process runs one op at a time, so its next op after an invocation completes it. The
    nemesis logs both halves of its ops as ``info`` (docs/maelstrom.md §4.4): its ops simply alternate."""
    pairs: list[list] = []
    open_at: dict[Any, int] = {}     # process -> index in pairs of its open op
    for op in history:
        p = op["process"]
        if op["type"] == "invoke" or (p == "nemesis" and p not in open_at):
            open_at[p] = len(pairs)
            pairs.append([op, None])
        elif p in open_at:
            pairs[open_at.pop(p)][1] = op
    return [(invoke, done) for invoke, done in pairs]


def client_ops(history: list[dict]) -> list[tuple[dict, dict]]:
    """Completed client (non-nemesis) ops as (invocation, completion)."""
    return [(i, c) for i, c in op_pairs(history) if c is not None and i["process"] != "nemesis"]


# --- Axes -----------------------------------------------------------------------------------


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round-numbered ticks (steps of 1, 2 or 5 times a power of ten) covering [lo, hi]."""
    span = hi - lo if hi > lo else 1.0
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


def nice_ceiling(v: float) -> float:
    """The smallest round number (as ``nice_ticks`` makes them) at or above v; 1 for v <= 0."""
    if v <= 0:
        return 1.0
    ticks = nice_ticks(0, v)
    return ticks[-1] if ticks[-1] >= v else ticks[-1] + (ticks[1] - ticks[0])


def tick_label(v: float) -> str:
    return f"{v:g}"


@dataclass
class Frame:
    """The plot area of a chart and the mapping from data to pixels."""

    x0: float
    x1: float
    y0: float
    y1: float
    log_y: bool = False
    width: int = 960
    height: int = 500
    left: int = 72
    right: int = 190       # room for the legend
    top: int = 44
    bottom: int = 52

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    def px(self, x: float) -> float:
        return self.left + (x - self.x0) / (self.x1 - self.x0) * self.plot_w

    def py(self, y: float) -> float:
        if self.log_y:
            lo, hi = math.log10(self.y0), math.log10(self.y1)
            t = (math.log10(min(max(y, self.y0), self.y1)) - lo) / (hi - lo)
        else:
            t = (y - self.y0) / (self.y1 - self.y0)
        return self.top + (1 - t) * self.plot_h

    def y_ticks(self) -> list[float]:
        if self.log_y:
            return [10.0 ** k for k in range(round(math.log10(self.y0)), round(math.log10(self.y1)) + 1)]
        return [v for v in nice_ticks(self.y0, self.y1) if self.y0 <= v <= self.y1]

    def axes(self, x_label: str, y_label: str) -> list[str]:
        """Grid, tick labels, the two axis lines and their labels."""
        out = []
        bottom, right = self.top + self.plot_h, self.left + self.plot_w
        for v in nice_ticks(self.x0, self.x1, 10):
            if self.x0 <= v <= self.x1:
                x = self.px(v)
                out.append(f'<line class="grid" x1="{x:.1f}" y1="{self.top}" x2="{x:.1f}" y2="{bottom:.1f}"/>')
                out.append(f'<text x="{x:.1f}" y="{bottom + 16:.1f}" text-anchor="middle">{tick_label(v)}</text>')
        for v in self.y_ticks():
            y = self.py(v)
            out.append(f'<line class="grid" x1="{self.left}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}"/>')
            out.append(f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick_label(v)}</text>')
        out.append(f'<line class="axis" x1="{self.left}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}"/>')
        out.append(f'<line class="axis" x1="{self.left}" y1="{self.top}" x2="{self.left}" y2="{bottom:.1f}"/>')
        out.append(f'<text x="{self.left + self.plot_w / 2:.1f}" y="{self.height - 12}" '
                   f'text-anchor="middle">{esc(x_label)}</text>')
        cy = self.top + self.plot_h / 2
        out.append(f'<text x="18" y="{cy:.1f}" text-anchor="middle" '
                   f'transform="rotate(-90 18 {cy:.1f})">{esc(y_label)}</text>')
        return out

    def faults(self, periods: list[Period]) -> list[str]:
        """A shaded band over the plot for each fault period (a fault still in force at the
        end reaches the right edge)."""
        out = []
        for period in periods:
            a = self.px(max(period.start / NS_PER_S, self.x0))
            b = self.px(self.x1 if period.end is None else min(period.end / NS_PER_S, self.x1))
            out.append(f'<rect class="{period.kind} band" x="{a:.1f}" y="{self.top}" width="{max(b - a, 1):.1f}" '
                       f'height="{self.plot_h:.1f}"><title>{esc(period.describe())}</title></rect>')
        return out

    def legend(self, rows: list[tuple[str, str]]) -> list[str]:
        """Legend in the right margin: (swatch SVG centred on 0,0, label) per row."""
        out = []
        x = self.left + self.plot_w + 18
        for k, (swatch, label) in enumerate(rows):
            y = self.top + 8 + 18 * k
            out.append(f'<g transform="translate({x} {y})">{swatch}</g>')
            out.append(f'<text x="{x + 14}" y="{y + 4}">{esc(label)}</text>')
        return out


def time_span_s(history: list[dict]) -> float:
    """The run's length in seconds (at least a millisecond, so scales never divide by zero)."""
    return max((op["time"] for op in history), default=0) / NS_PER_S or 0.001


def type_swatch(kind: str) -> str:
    return f'<rect class="{kind}" x="-5" y="-5" width="10" height="10"/>'


FAULT_LABELS = {"partition": "partition", "down": "node down (killed)", "paused": "node paused"}


def fault_legend(periods: list[Period]) -> list[tuple[str, str]]:
    """Legend rows for the faults: a partition always (as before kill and pause existed), a
    node down or paused when the run had one."""
    kinds = {"partition"} | {p.kind for p in periods}
    return [(f'<rect class="{kind}" x="-5" y="-6" width="10" height="12"/>', FAULT_LABELS[kind])
            for kind in FAULT_LABELS if kind in kinds]


# --- latency.svg ----------------------------------------------------------------------------

# One marker shape per `f`: each draws an element of class ``cls`` centred on (x, y), size r.
Marker = Callable[[float, float, float, str], str]


def _circle(x: float, y: float, r: float, cls: str) -> str:
    return f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>'


def _polygon(corners: list[tuple[float, float]]) -> Marker:
    def draw(x: float, y: float, r: float, cls: str) -> str:
        points = " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in corners)
        return f'<polygon class="{cls}" points="{points}"/>'
    return draw


MARKERS: list[Marker] = [
    _circle,
    _polygon([(-1, -1), (1, -1), (1, 1), (-1, 1)]),                   # square
    _polygon([(0, -1.3), (1.2, 1), (-1.2, 1)]),                        # triangle
    _polygon([(0, -1.4), (1.4, 0), (0, 1.4), (-1.4, 0)]),              # diamond
    _polygon([(0, 1.3), (1.2, -1), (-1.2, -1)]),                       # triangle down
    _polygon([(-0.4, -1.2), (0.4, -1.2), (0.4, -0.4), (1.2, -0.4), (1.2, 0.4), (0.4, 0.4),
              (0.4, 1.2), (-0.4, 1.2), (-0.4, 0.4), (-1.2, 0.4), (-1.2, -0.4), (-0.4, -0.4)]),  # plus
]


def functions_in(pairs: list[tuple[dict, dict]]) -> list[str]:
    """The distinct ``f`` of the ops, in order of first appearance."""
    return list(dict.fromkeys(str(i["f"]) for i, _ in pairs))


def latency_svg(history: list[dict]) -> str:
    """Each client op's latency (log scale) against the time it started.

    Colour is the completion type, shape the op's ``f``."""
    pairs = client_ops(history)
    # A latency of 0 ns cannot go on a log scale; a microsecond floor is below any real RPC.
    points = [(i["time"] / NS_PER_S, max((c["time"] - i["time"]) / NS_PER_MS, 0.001), c["type"], str(i["f"]))
              for i, c in pairs]
    latencies = [p[1] for p in points] or [1.0]
    frame = Frame(0.0, time_span_s(history), 10.0 ** math.floor(math.log10(min(latencies))),
                  10.0 ** math.ceil(math.log10(max(latencies)) + 1e-9), log_y=True)
    fs = functions_in(pairs)
    shape = {f: MARKERS[k % len(MARKERS)] for k, f in enumerate(fs)}
    periods = fault_periods(history)
    body = frame.faults(periods)
    body += frame.axes("time the op started (s)", "latency (ms, log scale)")
    body.append('<g class="marks">')
    for start, latency, kind, f in points:
        body.append(shape[f](frame.px(start), frame.py(latency), 3.2, f"mark {esc(kind)}"))
    body.append("</g>")
    legend = [(type_swatch(t), t) for t in TYPES]
    legend += [(shape[f](0, 0, 4, "key"), f"f = {f}") for f in fs]
    legend += fault_legend(periods)
    body += frame.legend(legend)
    if not points:
        body.append(f'<text class="note" x="{frame.left + 20}" y="{frame.top + 30}">no completed client ops</text>')
    return svg_document(frame.width, frame.height, f"Latency of {len(points)} ops, by start time", body)


# --- latency-quantiles.svg ------------------------------------------------------------------

QUANTILES = ((0.5, "median", "#4c9bef"), (0.95, "p95", "#2bb673"), (0.99, "p99", "#f5a623"),
             (1.0, "max", "#ee5fa7"))
QUANTILE_BUCKETS = 20   # about this many points per line; Maelstrom's 30 s buckets would give one


def quantile(ordered: list[float], q: float) -> float:
    """The value at quantile q of a sorted list, as the checkers pick it."""
    return ordered[min(len(ordered) - 1, math.floor(len(ordered) * q))]


def consecutive(numbers: list[int]) -> list[list[int]]:
    """Sorted integers split into runs of consecutive values."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def latency_quantiles_svg(history: list[dict]) -> str:
    """Latency quantiles (median, 95th, 99th, max) over time, per ``f``: colour is the
    quantile, the dash pattern the ``f``. Every completed client op counts, whatever its type,
    so timeouts show in the upper quantiles."""
    pairs = client_ops(history)
    span = time_span_s(history)
    width = next(w for w in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 1e9)
                 if span / w <= QUANTILE_BUCKETS)
    buckets: dict[tuple[str, int], list[float]] = {}
    for invoke, done in pairs:
        latency = max((done["time"] - invoke["time"]) / NS_PER_MS, 0.001)
        buckets.setdefault((str(invoke["f"]), int(invoke["time"] / NS_PER_S / width)), []).append(latency)
    for latencies in buckets.values():
        latencies.sort()
    every = [v for latencies in buckets.values() for v in latencies] or [1.0]
    frame = Frame(0.0, max(span, width), 10.0 ** math.floor(math.log10(min(every))),
                  10.0 ** math.ceil(math.log10(max(every)) + 1e-9), log_y=True)
    fs = functions_in(pairs)
    dash = {f: DASHES[k % len(DASHES)] for k, f in enumerate(fs)}
    periods = fault_periods(history)
    body = frame.faults(periods)
    body += frame.axes(f"time the op started (s), {width:g} s buckets", "latency (ms, log scale)")
    legend = [(f'<line class="line" style="stroke:{colour}" x1="-8" y1="0" x2="8" y2="0"/>', name)
              for _, name, colour in QUANTILES]
    for f in fs:
        dash_attr = f' stroke-dasharray="{dash[f]}"' if dash[f] else ""
        runs = consecutive(sorted(b for g, b in buckets if g == f))
        for q, name, colour in QUANTILES:
            # A line never bridges buckets without ops (such as the quiet before final reads).
            for run in runs:
                points = [(frame.px(min((b + 0.5) * width, frame.x1)), frame.py(quantile(buckets[(f, b)], q)))
                          for b in run]
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" style="fill:{colour}"/>' for x, y in points)
                body.append(f'<g><title>{esc(f)} {name}</title><polyline class="line" style="stroke:{colour}"'
                            f'{dash_attr} points="{pts}"/>{dots}</g>')
        legend.append((f'<line class="line" style="stroke:#888"{dash_attr} x1="-8" y1="0" x2="8" y2="0"/>',
                       f"f = {f}"))
    legend += fault_legend(periods)
    body += frame.legend(legend)
    if not pairs:
        body.append(f'<text class="note" x="{frame.left + 20}" y="{frame.top + 30}">no completed client ops</text>')
    return svg_document(frame.width, frame.height, f"Latency quantiles of {len(pairs)} ops, by start time", body)


# --- rate.svg -------------------------------------------------------------------------------

DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "12 4"]


def bucket_width(span_s: float) -> float:
    """A round bucket width (s) giving roughly 40 to 100 buckets over the run."""
    return next(w for w in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1e9)
                if span_s / w <= 100)


def rate_svg(history: list[dict]) -> str:
    """Completions per second over time, one line per (f, completion type)."""
    pairs = client_ops(history)
    span = time_span_s(history)
    width = bucket_width(span)
    buckets = math.ceil(span / width) or 1
    series: dict[tuple[str, str], list[int]] = {}
    for invoke, done in pairs:
        counts = series.setdefault((str(invoke["f"]), done["type"]), [0] * buckets)
        counts[min(int(done["time"] / NS_PER_S / width), buckets - 1)] += 1
    peak = max((n for counts in series.values() for n in counts), default=0) / width
    # The axis runs to the end of the last bucket, so every point is a full bucket's rate.
    frame = Frame(0.0, buckets * width, 0.0, nice_ceiling(peak))
    fs = functions_in(pairs)
    dash = {f: DASHES[k % len(DASHES)] for k, f in enumerate(fs)}
    periods = fault_periods(history)
    body = frame.faults(periods)
    body += frame.axes(f"time (s), {width:g} s buckets", "throughput (completed ops/s)")
    legend = []
    for key in [(f, kind) for f in fs for kind in TYPES if (f, kind) in series]:
        f, kind = key
        pts = " ".join(f"{frame.px((k + 0.5) * width):.1f},{frame.py(n / width):.1f}"
                       for k, n in enumerate(series[key]))
        dash_attr = f' stroke-dasharray="{dash[f]}"' if dash[f] else ""
        body.append(f'<polyline class="line {kind}"{dash_attr} points="{pts}">'
                    f'<title>{esc(f)} {kind}: {sum(series[key])} ops</title></polyline>')
        legend.append((f'<line class="line {kind}"{dash_attr} x1="-8" y1="0" x2="8" y2="0"/>', f"{f} {kind}"))
    legend += fault_legend(periods)
    body += frame.legend(legend)
    return svg_document(frame.width, frame.height, f"Throughput of {len(pairs)} ops by f and type", body)


# --- timeline.html --------------------------------------------------------------------------

TIMELINE_OP_LIMIT = 10_000
COLUMN_PX = 120
AXIS_PX = 70
NODE_LANE_PX = 16

TIMELINE_CSS = """
body { margin: 16px; background: #fff; color: #222; }
h1 { font-size: 18px; margin: 0 0 6px 0; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 3px; color: #111; }
.note { color: #c0561a; }
.heads { position: sticky; top: 0; height: 22px; background: inherit; z-index: 2; }
.heads div { position: absolute; width: 116px; text-align: center; font-weight: bold; }
.lane { position: relative; }
.op { position: absolute; width: 114px; overflow: hidden; white-space: nowrap; font-size: 10px;
      line-height: 12px; padding: 0 2px; box-sizing: border-box; color: #111; border-radius: 2px; }
.op.ok { background: #6db6fe; } .op.info { background: #ffaa26; } .op.fail { background: #feb5da; }
.op.pending { background: #bbb; }
.op:hover { outline: 2px solid #222; z-index: 1; overflow: visible; }
.tick { position: absolute; left: 0; width: 64px; text-align: right; font-size: 10px; color: #666;
        border-top: 1px solid #ccc; }
.partition { position: absolute; background: rgba(128, 128, 128, 0.18); }
.node-head { font-weight: normal; font-size: 10px; }
.fault { position: absolute; width: 14px; border-radius: 2px; }
.fault.down { background: #e9a4a0; } .fault.paused { background: #a0b1e9; }
@media (prefers-color-scheme: dark) {
  body { background: #17191d; color: #ddd; }
  .note { color: #f0a060; }
  .tick { color: #999; border-top-color: #444; }
  .op:hover { outline-color: #eee; }
}
"""


def process_order(p: Any) -> tuple:
    """Client processes by number, then the nemesis."""
    return (1, 0, str(p)) if p == "nemesis" else (0, p if isinstance(p, int) else 0, str(p))


def box_label(invoke: dict, done: dict | None) -> str:
    """What a timeline box says: the op, and what came back when it adds something (a read's
    value, say)."""
    asked = invoke.get("value")
    text = f"{invoke['f']}" + (f" {compact_json(asked)}" if asked is not None else "")
    if done is not None and done["type"] == "ok" and done.get("value") != asked:
        text += f" → {compact_json(done.get('value'))}"
    return text


def describe_op(invoke: dict, done: dict | None) -> str:
    """The tooltip of one timeline box."""
    lines = [f"process {invoke['process']}, index {invoke['index']}",
             f"invoke {invoke['f']} {compact_json(invoke.get('value'))} at {invoke['time'] / NS_PER_S:.6f} s"]
    if done is None:
        lines.append("never completed")
    else:
        lines.append(f"{done['type']} {compact_json(done.get('value'))} at {done['time'] / NS_PER_S:.6f} s "
                     f"({(done['time'] - invoke['time']) / NS_PER_MS:.3f} ms)")
        if "error" in done:
            lines.append(f"error {compact_json(done['error'])}")
    return "\n".join(lines)


def timeline_html(history: list[dict], title: str = "Timeline") -> str:
    """Ops per process as boxes from invocation to completion, time running downwards.

    Box colour is the completion type; hovering shows the op. At most ``TIMELINE_OP_LIMIT``
    ops are drawn (the first ones), as Jepsen's timeline limits itself too."""
    return "\n".join(timeline_lines(history, title))


def timeline_lines(history: list[dict], title: str = "Timeline") -> Iterator[str]:
    """The lines of ``timeline_html``'s page, one at a time: a long run's page is tens of MB
    (each box's tooltip repeats its op's value, a read's whole set), so it is written to its
    file as it is made, never held whole."""
    pairs = list(op_pairs(history))
    shown = pairs[:TIMELINE_OP_LIMIT]
    end_ns = max((op["time"] for op in history), default=0)
    # About a pixel per millisecond, shrunk for long runs so the page stays under ~60k px.
    px_per_ms = min(1.0, 60_000 / max(end_ns / NS_PER_MS, 1))
    height = end_ns / NS_PER_MS * px_per_ms + 40
    processes = sorted({i["process"] for i, _ in shown}, key=process_order)
    periods = fault_periods(history)
    # A narrow lane per node that was ever down or paused, between the time axis and the ops.
    fault_nodes = sorted({p.node for p in periods if p.node is not None}, key=lambda n: (len(n), n))
    node_x = {node: AXIS_PX + k * NODE_LANE_PX for k, node in enumerate(fault_nodes)}
    left = AXIS_PX + NODE_LANE_PX * len(fault_nodes) + (6 if fault_nodes else 0)
    column = {p: left + k * COLUMN_PX for k, p in enumerate(processes)}
    width = left + COLUMN_PX * len(processes)

    def y(ns: int) -> float:
        return ns / NS_PER_MS * px_per_ms

    yield "<!DOCTYPE html>"
    yield '<html lang="en"><head><meta charset="utf-8">'
    yield f"<title>{esc(title)}</title><style>{TIMELINE_CSS}</style></head><body>"
    yield f"<h1>{esc(title)}</h1>"
    yield ('<p class="legend">Each box is one operation, from its invocation (top) to its completion '
           '(bottom), in its process\'s column; time runs downwards. '
           '<span style="background:#6db6fe">ok</span>'
           '<span style="background:#ffaa26">info (indeterminate)</span>'
           '<span style="background:#feb5da">fail</span>'
           '<span style="background:rgba(128,128,128,0.35)">partition</span>'
           + ('<span style="background:#e9a4a0">node down (killed)</span>'
              '<span style="background:#a0b1e9">node paused</span> '
              '(in each node\'s narrow lane at the left) ' if fault_nodes else ' ')
           + 'Hover a box for details.</p>')
    if len(pairs) > len(shown):
        yield f'<p class="note">Only the first {len(shown)} of {len(pairs)} ops are shown.</p>'
    yield f'<div class="heads" style="width:{width}px">'
    yield from (f'<div class="node-head" style="left:{x - 51}px">{esc(n)}</div>' for n, x in node_x.items())
    yield from (f'<div style="left:{x}px">{esc(p)}</div>' for p, x in column.items())
    yield f'</div><div class="lane" style="width:{width}px;height:{height:.0f}px">'
    for period in periods:
        end = end_ns if period.end is None else period.end
        place = f'top:{y(period.start):.1f}px;height:{max(y(end - period.start), 1):.1f}px'
        if period.node is None:
            yield (f'<div class="partition" style="left:{left}px;width:{width - left}px;{place}" '
                   f'title="{esc(period.describe())}"></div>')
        else:
            yield (f'<div class="fault {period.kind}" style="left:{node_x[period.node]}px;{place}" '
                   f'title="{esc(period.describe())}"></div>')
    for t in nice_ticks(0, end_ns / NS_PER_S or 1, 20):
        yield f'<div class="tick" style="top:{y(int(t * NS_PER_S)):.1f}px">{tick_label(t)} s</div>'
    for invoke, done in shown:
        kind = done["type"] if done else "pending"
        top = y(invoke["time"])
        box = max(y((done or invoke)["time"]) - top, 12)
        label = clip(box_label(invoke, done), 40)
        yield (f'<div class="op {esc(kind)}" style="left:{column[invoke["process"]]}px;top:{top:.1f}px;'
               f'height:{box:.1f}px" title="{esc(describe_op(invoke, done))}">{esc(label)}</div>')
    yield "</div></body></html>\n"


def write_plots(run_dir: Path) -> list[Path]:
    """Write latency.svg, latency-quantiles.svg, rate.svg and timeline.html from the run's
    history.jsonl, each page written out before the next is made."""
    history = load_history(run_dir)
    name = f"{run_dir.parent.name} {run_dir.name}"
    pages = {"latency.svg": lambda: [latency_svg(history)],
             "latency-quantiles.svg": lambda: [latency_quantiles_svg(history)],
             "rate.svg": lambda: [rate_svg(history)],
             "timeline.html": lambda: timeline_lines(history, f"Timeline: {name}")}
    for filename, lines in pages.items():
        write_lines(run_dir / filename, lines())
    return [run_dir / filename for filename in pages]


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """``"\\n".join(lines)`` into ``path``, one line at a time."""
    with open(path, "w", encoding="utf-8") as f:
        for k, line in enumerate(lines):
            f.write(line if k == 0 else "\n" + line)
