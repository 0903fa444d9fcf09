"""``messages.svg``: a Lamport (spacetime) diagram of the network journal (docs/maelstrom.md §9).

One vertical line per participant (clients, then nodes, then services); every journal event
is one row, in time order, so causality reads top to bottom. Each delivered message is an
arrow from its sender's row to its receiver's row: pink for error bodies, light blue for
traffic with a client, dark for node and service traffic. A message that was sent but never
received (dropped by a partition, or still queued at the end) is a short dashed stub ending
in a cross. Hovering an arrow shows the whole body.

As in Maelstrom, init and init_ok are left out and only the first ``EVENT_LIMIT`` events are
drawn, with a notice saying how many were not. Only those lines of the journal are parsed,
so even a 25-node run renders quickly.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from .plots import NS_PER_MS, NS_PER_S, clip, compact_json, esc, svg_document

EVENT_LIMIT = 10_000
ROW = 20            # px per journal event
TOP = 76            # title, legend and the participant names above the first row
LEFT = 86           # gutter for the time labels
NAME_EVERY = 50     # repeat participant names every this many rows
TIME_EVERY = 25     # a time label every this many rows
LABEL_CHARS = 48
TITLE_CHARS = 1500
SETUP_TYPES = {"init", "init_ok"}

CSS = """
.lifeline { stroke: #c8c8c8; stroke-width: 1; }
.name { font-weight: bold; }
.name.repeat { font-weight: normal; fill: #999; }
.time { fill: #777; font-size: 10px; }
.msg line, .msg path { stroke-width: 2.5; fill: none; }
.msg:hover line { stroke-width: 4.5; }
.msg text { font-size: 10px; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.server { stroke: #222; } .head-server { fill: #222; }
.client { stroke: #81bffc; } .head-client { fill: #81bffc; }
.error { stroke: #ff1e90; } .head-error { fill: #ff1e90; }
.dropped line { stroke-dasharray: 5 3; }
.cut { stroke: #d96918; }
@media (prefers-color-scheme: dark) {
  .lifeline { stroke: #3c4048; }
  .name.repeat { fill: #777; }
  .time { fill: #999; }
  .msg text { stroke: #17191d; }
  .server { stroke: #d4d7dd; } .head-server { fill: #d4d7dd; }
}
"""


def read_journal(path: Path, limit: int = EVENT_LIMIT) -> tuple[list[dict], int]:
    """The first ``limit`` non-setup events of a ``net-journal.jsonl``, sorted by time, and
    the number of later events left unread."""
    events: list[dict] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if len(events) >= limit:
                return sorted(events, key=lambda e: e["time"]), 1 + sum(1 for rest in f if rest.strip())
            if not line.strip():
                continue
            event = json.loads(line)
            body = event["message"].get("body")
            if not (isinstance(body, dict) and body.get("type") in SETUP_TYPES):
                events.append(event)
    return sorted(events, key=lambda e: e["time"]), 0


_NUMBERED = re.compile(r"([a-z]+)(\d+)")


def participant_order(name: str) -> tuple:
    """Clients (c1, c2, ... by number) on the left, then nodes, then services by name."""
    m = _NUMBERED.fullmatch(name)
    group = 0 if m and m[1] == "c" else 1 if m and m[1] == "n" else 2
    return group, int(m[2]) if m else 0, name


def traffic_kind(message: dict) -> str:
    """Arrow class: an error body, traffic with a client, or traffic among servers."""
    body = message.get("body")
    if isinstance(body, dict) and body.get("type") == "error":
        return "error"
    if any(str(message.get(end, "")).startswith("c") for end in ("src", "dest")):
        return "client"
    return "server"


def label(body: object) -> str:
    """Short text written along an arrow: the type, then the error text or the other fields."""
    if not isinstance(body, dict):
        return clip(compact_json(body), LABEL_CHARS)
    if body.get("type") == "error":
        return clip(f"error {body.get('code')} {body.get('text', '')}", LABEL_CHARS)
    rest = {k: v for k, v in body.items() if k not in ("type", "msg_id", "in_reply_to")}
    return clip(f"{body.get('type')} {compact_json(rest) if rest else ''}".rstrip(), LABEL_CHARS)


def messages_svg(events: list[dict], hidden: int = 0) -> str:
    """The diagram of ``events`` (already in time order); ``hidden`` later events are noted."""
    names = sorted({str(e["message"][end]) for e in events for end in ("src", "dest")}, key=participant_order)
    column = max(84.0, 1200 / max(len(names), 1))
    x_of = {name: LEFT + (k + 0.5) * column for k, name in enumerate(names)}
    width = LEFT + column * len(names) + 24
    rows = len(events)
    height = TOP + ROW * (rows + 4)

    def y(step: float) -> float:
        return TOP + ROW * (step + 1)

    sends: dict = {}
    recvs: dict = {}
    for step, event in enumerate(events):
        (sends if event["event"] == "send" else recvs).setdefault(event["message"]["id"], step)

    body = [
        '<defs>',
        *(f'<marker id="head-{k}" viewBox="0 0 10 8" refX="10" refY="4" markerWidth="10" markerHeight="8" '
          f'markerUnits="userSpaceOnUse" orient="auto"><path class="head-{k}" d="M0,0 L10,4 L0,8 z"/></marker>'
          for k in ("server", "client", "error")),
        '</defs>',
        '<text x="16" y="44">Rows are network events in order (time since the start at the left); '
        'arrows run from send to receive. Hover an arrow for the message.</text>',
    ]
    legend_x = 16
    for kind, text in (("client", "client traffic"), ("server", "node/service traffic"),
                       ("error", "error body"), ("server dropped", "sent, never received")):
        dash = ' stroke-dasharray="5 3"' if "dropped" in kind else ""
        body.append(f'<g class="msg {kind}"><line x1="{legend_x}" y1="60" x2="{legend_x + 24}" y2="60"{dash}/></g>'
                    f'<text x="{legend_x + 30}" y="64">{text}</text>')
        legend_x += 40 + 7 * len(text)
    for name, x in x_of.items():
        body.append(f'<line class="lifeline" x1="{x:.1f}" y1="{y(-0.5):.1f}" x2="{x:.1f}" y2="{y(rows):.1f}"/>')
        for step in range(0, max(rows, 1), NAME_EVERY):
            cls = "name" if step == 0 else "name repeat"
            body.append(f'<text class="{cls}" x="{x:.1f}" y="{y(step - 0.5) - 2:.1f}" '
                        f'text-anchor="middle">{esc(name)}</text>')
    for step in range(0, rows, TIME_EVERY):
        body.append(f'<text class="time" x="{LEFT - 8}" y="{y(step) + 3:.1f}" text-anchor="end">'
                    f'{events[step]["time"] / NS_PER_S:.3f} s</text>')
    cy = y(min(rows, 30) / 2)
    body.append(f'<text class="time" x="14" y="{cy:.1f}" text-anchor="middle" transform="rotate(-90 14 {cy:.1f})">'
                f'time since start (s) ↓</text>')

    for mid, step in sorted(sends.items(), key=lambda item: item[1]):
        sent = events[step]
        message = sent["message"]
        kind = traffic_kind(message)
        x0, y0 = x_of[str(message["src"])], y(step)
        x1 = x_of[str(message["dest"])]
        head = f'{message["src"]} → {message["dest"]} (id {mid}), sent at {sent["time"] / NS_PER_S:.6f} s'
        if mid in recvs:
            got = events[recvs[mid]]
            y1 = y(recvs[mid])
            head += f', received at {got["time"] / NS_PER_S:.6f} s (+{(got["time"] - sent["time"]) / NS_PER_MS:.3f} ms)'
            cls, end, tail = f"msg {kind}", f' marker-end="url(#head-{kind})"', ""
        else:
            # A stub a third of the way towards the receiver, ending in a cross.
            x1 = x0 + (x1 - x0) / 3 if x1 != x0 else x0 + 30
            y1 = y0 + ROW * 0.6
            head += (", not received among the drawn events" if hidden else ", never received (dropped)")
            cls, end = f"msg {kind} dropped", ""
            tail = f'<path d="M{x1 - 4:.1f},{y1 - 4:.1f} L{x1 + 4:.1f},{y1 + 4:.1f} M{x1 - 4:.1f},{y1 + 4:.1f} L{x1 + 4:.1f},{y1 - 4:.1f}"/>'
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
        if angle > 90 or angle < -90:      # keep the text upright on leftward arrows
            angle -= 180
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        body.append(
            f'<g class="{cls}"><title>{esc(clip(head + chr(10) + compact_json(message.get("body")), TITLE_CHARS))}</title>'
            f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}"{end}/>{tail}'
            f'<text x="{mx:.1f}" y="{my - 4:.1f}" text-anchor="middle" transform="rotate({angle:.1f} {mx:.1f} {my:.1f})">'
            f'{esc(label(message.get("body")))}</text></g>')

    if hidden:
        line_y = y(rows + 1)
        body.append(f'<line class="cut" x1="30" y1="{line_y:.1f}" x2="{width - 30:.1f}" y2="{line_y:.1f}"/>')
        body.append(f'<text class="note" x="{width / 2:.1f}" y="{line_y + 18:.1f}" text-anchor="middle">'
                    f'{hidden} later network events not shown</text>')
    elif not events:
        body.append(f'<text class="note" x="{LEFT}" y="{y(1):.1f}">no messages besides init</text>')
    title = f"Messages: {rows} network events" + (f" (of {rows + hidden})" if hidden else "")
    return svg_document(max(width, 760), height, title, body, CSS)


def write_messages_svg(run_dir: Path) -> Path:
    """Write ``messages.svg`` from the run's ``net-journal.jsonl``."""
    events, hidden = read_journal(run_dir / "net-journal.jsonl")
    target = run_dir / "messages.svg"
    target.write_text(messages_svg(events, hidden), encoding="utf-8")
    return target
