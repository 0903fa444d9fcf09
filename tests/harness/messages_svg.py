"""``messages.svg``: a Lamport (spacetime) diagram of the network journal (docs/maelstrom.md §9).

One vertical line per participant (nodes, then services, then clients; when there are too
many lanes, all clients share one); every journal event is one row, in time order, so
causality reads top to bottom. Each delivered message is an arrow from its sender's row to
its receiver's row: pink for error bodies, light blue for traffic with a client, dark for
node and service traffic. A message that was sent but never received (dropped by a
partition or with its receiver, or still queued at the end: its tooltip says which) is a short
dashed stub ending in a cross; one whose
other end lies outside the drawn window is a short stub pointing off the window instead.
Hovering an arrow shows the whole body.

A node's lifeline is shaded over the rows while it was down (killed, red) or paused (blue),
from the history's nemesis ops (nemesis/periods.py); hovering the shade says when.

As in Maelstrom, init and init_ok are left out and at most ``EVENT_LIMIT`` events are drawn.
Unlike Maelstrom, the window need not be the start: with faults it opens just before the
first one ends (a heal, a restart, a resume), where the recovery traffic is, and notes say
how many events come before and after it. Lines outside the window are only scanned, not
parsed as JSON.
"""
from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .nemesis.periods import Period, read_fault_periods
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
MAX_LANES = 40      # beyond this many participants, every client shares one lane
CLIENT_LANE = "clients"
BEFORE_HEAL_NS = 500_000_000   # the window opens this long before the first heal
# How the journal lays out an event line (recording.Journal; older stores had spaces after
# the colons and commas); lines that differ are parsed as JSON instead.
_EVENT_LINE = re.compile(r'\{"event": ?"(send|recv|drop)", ?"time": ?(-?\d+), ?"message": ?\{"id": ?(\d+)')

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
.beyond line, .earlier line { stroke-dasharray: 1 3; }
.cut { stroke: #d96918; }
.fault { stroke: none; }
.fault.down { fill: #e9a4a0; fill-opacity: 0.6; } .fault.paused { fill: #a0b1e9; fill-opacity: 0.6; }
@media (prefers-color-scheme: dark) {
  .lifeline { stroke: #3c4048; }
  .name.repeat { fill: #777; }
  .time { fill: #999; }
  .msg text { stroke: #17191d; }
  .server { stroke: #d4d7dd; } .head-server { fill: #d4d7dd; }
}
"""


@dataclass
class Window:
    """The events drawn, and what lies outside them."""
    events: list[dict]                  # in time order
    before: int = 0                     # events earlier than the window
    after: int = 0                      # events later than the window
    sent_outside: set = field(default_factory=set)      # message ids sent outside the window
    received_outside: set = field(default_factory=set)  # message ids received outside it
    dropped_outside: dict = field(default_factory=dict)  # message id -> its drop event, outside it


def read_journal(path: Path, limit: int = EVENT_LIMIT) -> tuple[list[dict], int]:
    """The first ``limit`` non-setup events of a ``net-journal.jsonl``, sorted by time, and
    the number of later events left out."""
    window = read_window(path, 0, limit)
    return window.events, window.after


def read_window(path: Path, start_ns: int = 0, limit: int = EVENT_LIMIT, keep_full: bool = True) -> Window:
    """Up to ``limit`` events (init left out) from the first at or after ``start_ns`` (moved
    earlier if fewer than ``limit`` follow it, with ``keep_full``), and the ids of messages
    whose other end lies outside them. Only the window's lines are parsed in full, and
    only they are kept: the file is read three times (where the window lies, the window,
    the ends outside it), so a journal of any length takes the same memory."""
    count, first = 0, None
    for k, _line, head in _lines(path):
        count += 1
        if first is None and head and head[1] >= start_ns:
            first = k
    first = count if first is None else first
    if keep_full:
        first = max(0, min(first, count - limit))
    window = Window([])
    for k, line, head in _lines(path):
        if first <= k < first + limit and head:
            window.events.append(json.loads(line))
        elif k < first:
            window.before += 1
        else:
            window.after += 1
    ids = {event["message"]["id"] for event in window.events}
    for k, line, head in _lines(path):
        if head and head[2] in ids and not first <= k < first + limit:
            if head[0] == "drop":
                window.dropped_outside[head[2]] = json.loads(line)
            else:
                (window.sent_outside if head[0] == "send" else window.received_outside).add(head[2])
    window.events.sort(key=lambda e: e["time"])
    return window


def _lines(path: Path) -> Iterator[tuple[int, str, tuple[str, int, int] | None]]:
    """(position, line, head) of each journal line but blank and setup ones, in file order."""
    with open(path, encoding="utf-8", errors="replace") as f:
        k = 0
        for line in f:
            if line.strip() and not _is_setup(line):
                yield k, line, _head(line)
                k += 1


def _is_setup(line: str) -> bool:
    if '"init' not in line:      # cheap test first
        return False
    try:
        body = json.loads(line)["message"]["body"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(body, dict) and body.get("type") in SETUP_TYPES


def _head(line: str) -> tuple[str, int, int] | None:
    """(event, time, message id) of a journal line, without parsing it all when it has the
    usual layout; None if it cannot be read."""
    m = _EVENT_LINE.match(line)
    if m:
        return m[1], int(m[2]), int(m[3])
    try:
        event = json.loads(line)
        return event["event"], int(event["time"]), event["message"]["id"]
    except (ValueError, KeyError, TypeError):   # unreadable: counted, never drawn
        return None


_NUMBERED = re.compile(r"([a-z]+)(\d+)")


def participant_order(name: str) -> tuple:
    """Nodes (n0, n1, ... by number) on the left, then services by name, then clients."""
    m = _NUMBERED.fullmatch(name)
    group = 2 if m and m[1] == "c" or name == CLIENT_LANE else 0 if m and m[1] == "n" else 1
    return group, int(m[2]) if m else 0, name


def is_client(name: str) -> bool:
    return name.startswith("c")


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


DROP_REASONS = {
    "partition": "dropped by the partition in force (its receiver held a grudge against its sender)",
    "receiver-down": "dropped: its receiver was down",
    "unregistered": "dropped: its receiver had left the network",
}


def fate(drop: dict | None) -> str:
    """What became of a message that was sent and never received, from its ``drop`` event."""
    if drop is None:
        return "still in flight when the run ended"
    reason = drop["message"].get("reason")
    return f"{DROP_REASONS.get(reason, f'dropped ({reason})')} at {drop['time'] / NS_PER_S:.6f} s"


def messages_svg(events: list[dict], hidden: int = 0, window: Window | None = None,
                 title: str | None = None, faults: list[Period] = ()) -> str:
    """The diagram of ``events`` (already in time order); ``hidden`` later events are noted.
    With a ``window``, its counts and outside ends are used instead; ``title`` replaces the
    default one, which counts the events. ``faults`` shade the lifelines of nodes down or
    paused."""
    window = window or Window(events, after=hidden)
    hidden = window.after
    # A drop is not a row of its own: it says what became of its message's stub.
    dropped = {**window.dropped_outside, **{e["message"]["id"]: e for e in events if e["event"] == "drop"}}
    events = [e for e in events if e["event"] != "drop"]
    names = sorted({str(e["message"][end]) for e in events for end in ("src", "dest")}, key=participant_order)
    clients = [n for n in names if is_client(n)]
    lane_of = {name: name for name in names}
    if len(names) > MAX_LANES and len(clients) > 1:
        names = [n for n in names if not is_client(n)] + [CLIENT_LANE]
        lane_of.update({c: CLIENT_LANE for c in clients})
    column = max(84.0, 1200 / max(len(names), 1))
    lane_x = {name: LEFT + (k + 0.5) * column for k, name in enumerate(names)}
    x_of = {name: lane_x[lane] for name, lane in lane_of.items()}
    width = LEFT + column * len(names) + 24
    rows = len(events)
    height = TOP + ROW * (rows + 5)

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
                       ("error", "error body"), ("server dropped", "sent, never received"),
                       ("server beyond", "other end outside the drawn window")):
        dash = ' stroke-dasharray="5 3"' if "dropped" in kind else ' stroke-dasharray="1 3"' if "beyond" in kind else ""
        body.append(f'<g class="msg {kind}"><line x1="{legend_x}" y1="60" x2="{legend_x + 24}" y2="60"{dash}/></g>'
                    f'<text x="{legend_x + 30}" y="64">{text}</text>')
        legend_x += 40 + 7 * len(text)
    shades = _fault_shades(faults, events, lane_x, y)
    for kind, text in (("down", "node down"), ("paused", "node paused")):
        if any(f'fault {kind}"' in shade for shade in shades):
            body.append(f'<rect class="fault {kind}" x="{legend_x}" y="54" width="12" height="12"/>'
                        f'<text x="{legend_x + 18}" y="64">{text}</text>')
            legend_x += 30 + 7 * len(text)
    body += shades
    for name, x in lane_x.items():
        if name == CLIENT_LANE:
            name = f"{len(clients)} clients"
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
        elif mid in window.received_outside:
            # Received after the window: a short stub pointing down, off the drawn rows.
            x1 = x0 + (x1 - x0) / 3 if x1 != x0 else x0 + 30
            y1 = y0 + ROW * 0.6
            head += ", received after the drawn window"
            cls, end, tail = f"msg {kind} beyond", f' marker-end="url(#head-{kind})"', ""
        else:
            # A stub a third of the way towards the receiver, ending in a cross.
            x1 = x0 + (x1 - x0) / 3 if x1 != x0 else x0 + 30
            y1 = y0 + ROW * 0.6
            head += f", never received: {fate(dropped.get(mid))}"
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

    # Messages received in the window but sent before it: a short stub arriving from above.
    for step, event in enumerate(events):
        message = event["message"]
        if event["event"] != "recv" or message["id"] in sends:
            continue
        kind = traffic_kind(message)
        x1, y1 = x_of[str(message["dest"])], y(step)
        x0 = x1 + (x_of[str(message["src"])] - x1) / 3 if message["src"] != message["dest"] else x1 - 30
        head = (f'{message["src"]} → {message["dest"]} (id {message["id"]}), sent before the drawn window, '
                f'received at {event["time"] / NS_PER_S:.6f} s')
        body.append(f'<g class="msg {kind} earlier"><title>{esc(clip(head + chr(10) + compact_json(message.get("body")), TITLE_CHARS))}</title>'
                    f'<line x1="{x0:.1f}" y1="{y1 - ROW * 0.6:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" marker-end="url(#head-{kind})"/></g>')

    notes = []
    if window.before and events:
        notes.append(f'{window.before} earlier network events not shown: the window opens at '
                     f'{events[0]["time"] / NS_PER_S:.3f} s')
    if hidden:
        notes.append(f"{hidden} later network events not shown")
    if notes:
        line_y = y(rows + 1)
        body.append(f'<line class="cut" x1="30" y1="{line_y:.1f}" x2="{width - 30:.1f}" y2="{line_y:.1f}"/>')
        body += [f'<text class="note" x="{width / 2:.1f}" y="{line_y + 18 * (k + 1):.1f}" text-anchor="middle">'
                 f'{esc(note)}</text>' for k, note in enumerate(notes)]
    elif not events:
        body.append(f'<text class="note" x="{LEFT}" y="{y(1):.1f}">no messages besides init</text>')
    total = rows + hidden + window.before
    if title is None:
        title = f"Messages: {rows} network events" + (f" (of {total})" if total != rows else "")
        if window.before and events:
            title += f", from {events[0]['time'] / NS_PER_S:.3f} s"
    return svg_document(max(width, 760), height, title, body, CSS)


def _fault_shades(faults: list[Period], events: list[dict], lane_x: dict[str, float], y) -> list[str]:
    """A shade on a node's lifeline over the rows of each period it was down or paused; a
    period between two rows is a thin line between them."""
    times = [e["time"] for e in events]
    out = []
    for period in faults:
        if period.node not in lane_x or not times:
            continue
        first = bisect.bisect_left(times, period.start)
        last = len(times) - 1 if period.end is None else bisect.bisect_right(times, period.end) - 1
        if first >= len(times) or last < 0:
            continue    # wholly outside the drawn window
        top = y(first - 0.5)
        height = max(y(last + 0.5) - top, 3)
        out.append(f'<rect class="fault {period.kind}" x="{lane_x[period.node] - 6:.1f}" y="{top:.1f}" width="12" '
                   f'height="{height:.1f}"><title>{esc(period.describe())}</title></rect>')
    return out


def window_start_ns(history_path: Path) -> int:
    """Where the drawn window opens: half a second before the first fault ends (a heal, a
    restart, a resume), so that its end and the recovery after it are drawn (faults start
    at time 0, where the window opens anyway without them)."""
    ends = [p.end for p in read_fault_periods(history_path) if p.end is not None]
    return max(0, min(ends) - BEFORE_HEAL_NS) if ends else 0


def write_messages_svg(run_dir: Path, start_ns: int | None = None) -> Path:
    """Write ``messages.svg`` from the run's ``net-journal.jsonl``, from ``start_ns`` on
    exactly, or by default from ``window_start_ns`` (moved earlier to fill the window)."""
    chosen = start_ns is not None
    if not chosen:
        start_ns = window_start_ns(run_dir / "history.jsonl")
    window = read_window(run_dir / "net-journal.jsonl", start_ns, keep_full=not chosen)
    faults = read_fault_periods(run_dir / "history.jsonl")
    target = run_dir / "messages.svg"
    target.write_text(messages_svg(window.events, window=window, faults=faults), encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    """``python3 -m tests.harness messages [-t RUN] [--from SECONDS]``: redraw a stored run's
    messages.svg from a chosen moment."""
    from .analyze import find_run
    from .cli import ArgumentError, Parser, bad_args, finite_number
    p = Parser(prog="python3 -m tests.harness messages",
               description="Redraw messages.svg of a stored run from a chosen time.")
    p.add_argument("-t", "--test", default="-1", help="run directory, or index of a stored run (default -1, the newest)")
    p.add_argument("--from", dest="start", type=finite_number("--from"), metavar="SECONDS",
                   help="seconds since the start of the run (default: before the first heal, else 0)")
    try:
        a = p.parse_args(argv)
    except ArgumentError as e:
        return bad_args(str(e))
    run_dir = find_run(a.test)
    start = None if a.start is None else int(a.start * NS_PER_S)
    try:
        print(f"Wrote {write_messages_svg(run_dir, start)}")
    except FileNotFoundError as e:
        print(f"Cannot draw {run_dir}: {e.filename} is missing")
        return 255
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"Cannot draw {run_dir}: its net-journal.jsonl or history.jsonl is damaged ({e!r})")
        return 255
    return 0
