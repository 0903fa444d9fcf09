"""Follow a few values through the network journal: who had each, by which messages, and
what became of the last messages that carried it.

Nodes are free to encode values any way they like (``{"message": 5}``, batches
``{"values": [3, 5]}``, maps ``{"5": true}``, nested envelopes), so bodies are searched
generically: every JSON integer at any depth, and every object key written as a decimal
integer. Two rules keep unrelated numbers (message ids, counters, terms, sequence numbers)
from passing for a value:

* protocol fields are skipped wherever they appear: ``msg_id``, ``in_reply_to``, ``code``
  and ``type``;
* causality: a message *carries* value ``v`` only if its sender already had ``v`` when it
  sent it, having received it from a client's add or in a message that carried it. A
  number equal to ``v`` in anything sent before then is not counted.

What can still pass for a value is a number equal to it, outside the protocol fields, sent
by a node that already had the value. Clients' messages count only as the add that brings a
value in and its acknowledgement: a read's reply lists values, it does not spread them.

Memory is bounded by the traced values, not the journal: one pass, with per value the
participants that had it (first time and message), and per receiver the number of messages
that carried it there and the last of them; plus the carriers still in flight.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

PROTOCOL_KEYS = frozenset({"msg_id", "in_reply_to", "code", "type"})
BODY_CHARS = 240


def carried_ints(body: Any) -> Iterator[int]:
    """Every integer in a message body outside the protocol fields, including object keys
    that are decimal integers (booleans are not integers here)."""
    stack = [body]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is int:
            yield v
        elif t is list:
            stack.extend(v)
        elif t is dict:
            for k, x in v.items():
                if k in PROTOCOL_KEYS:
                    continue
                if k.isdigit() or (k[:1] == "-" and k[1:].isdigit()):
                    yield int(k)
                if type(x) is int:
                    yield x
                elif type(x) is list or type(x) is dict:
                    stack.append(x)


def is_client(name: str) -> bool:
    return name.startswith("c")


def short_body(body: Any) -> Any:
    """A body small enough to keep for a diagram's tooltip: itself, or its type and the
    start of its JSON."""
    text = json.dumps(body, separators=(",", ":"), default=str)
    if len(text) <= BODY_CHARS:
        return body
    kind = body.get("type") if isinstance(body, dict) else None
    return {"type": kind, "clipped": text[:BODY_CHARS] + "…"}


@dataclass
class Hop:
    """One message that carried a traced value."""

    id: int
    src: str
    dest: str
    sent: int                      # ns
    body: Any
    fate: str = "in-flight"        # delivered | dropped | in-flight (still queued at the end)
    at: int | None = None          # when it was delivered or dropped
    reason: str | None = None      # a drop's reason (network.DROPPED_*)

    def as_data(self) -> dict:
        out = {"id": self.id, "from": self.src, "to": self.dest, "sent-ns": self.sent, "fate": self.fate}
        if self.at is not None:
            out["at-ns"] = self.at
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class Trace:
    """Everything the journal says about one value."""

    value: int
    request: Hop | None = None      # the client's add that brought it in
    ack: Hop | None = None          # the node's acknowledgement of that add
    had: dict[str, tuple[int, Hop | None]] = field(default_factory=dict)   # participant -> (since, via)
    carriers: int = 0
    sent_to: Counter = field(default_factory=Counter)            # receiver -> carriers sent to it
    last_to: dict[str, Hop] = field(default_factory=dict)        # receiver -> the last carrier to it

    @property
    def first_holder(self) -> str | None:
        return self.request.dest if self.request else None

    def spread(self) -> list[Hop]:
        """The messages through which each participant first got the value, in time order."""
        return sorted((via for _, via in self.had.values() if via is not None), key=lambda h: h.at or 0)

    def path_to(self, participant: str) -> list[str]:
        """The participants the value passed through on its way to ``participant``."""
        path, seen = [participant], {participant}
        while True:
            via = self.had.get(path[-1], (0, None))[1]
            if via is None or via.src in seen:
                return path[::-1]
            path.append(via.src)
            seen.add(via.src)


class Tracer:
    """Traces ``values`` through a journal in one pass; ``add_type`` is the client request
    type that adds a value (``broadcast``, ``add``, ``send``...)."""

    def __init__(self, values: Iterable[int], add_type: str):
        self.traces = {v: Trace(v) for v in values if type(v) is int}
        self.add_type = add_type
        self.known: dict[str, set[int]] = {}       # participant -> traced values it has
        self._in_flight: dict[int, tuple[Hop, tuple[int, ...]]] = {}
        self._requests: dict[tuple[str, Any], int] = {}    # (client, msg_id) -> value

    def run(self, journal: Iterable[tuple[str, int, dict]]) -> dict[int, Trace]:
        if not self.traces:
            return self.traces
        for event, time, msg in journal:
            if event == "send":
                self._sent(time, msg)
            elif event == "recv":
                self._arrived(time, msg)
            elif event == "drop":
                self._dropped(time, msg)
        return self.traces

    def _sent(self, time: int, msg: dict) -> None:
        src, dest, body = msg["src"], msg["dest"], msg.get("body")
        if not isinstance(body, dict):
            return
        if is_client(src):
            if body.get("type") == self.add_type:
                for v in carried_ints(body):
                    trace = self.traces.get(v)
                    if trace is not None:
                        trace.request = hop = Hop(msg["id"], src, dest, time, short_body(body))
                        self._in_flight[msg["id"]] = (hop, (v,))
                        self._requests[(src, body.get("msg_id"))] = v
                        break
            return
        if is_client(dest):
            v = self._requests.pop((dest, body.get("in_reply_to")), None)
            if v is not None and body.get("type") == self.add_type + "_ok":
                self.traces[v].ack = hop = Hop(msg["id"], src, dest, time, short_body(body))
                self._in_flight[msg["id"]] = (hop, ())
            return
        known = self.known.get(src)
        if not known:
            return
        carried = tuple({v for v in carried_ints(body) if v in known})
        if not carried:
            return
        hop = Hop(msg["id"], src, dest, time, short_body(body))
        self._in_flight[msg["id"]] = (hop, carried)
        for v in carried:
            trace = self.traces[v]
            trace.carriers += 1
            trace.sent_to[dest] += 1
            trace.last_to[dest] = hop

    def _arrived(self, time: int, msg: dict) -> None:
        found = self._in_flight.pop(msg["id"], None)
        if found is None:
            return
        hop, carried = found
        hop.fate, hop.at = "delivered", time
        for v in carried:
            trace = self.traces[v]
            if hop.dest not in trace.had:
                trace.had[hop.dest] = (time, None if hop is trace.request else hop)
                self.known.setdefault(hop.dest, set()).add(v)

    def _dropped(self, time: int, msg: dict) -> None:
        found = self._in_flight.pop(msg["id"], None)
        if found is None:
            return
        hop, carried = found
        hop.fate, hop.at, hop.reason = "dropped", time, msg.get("reason")


def diagram_events(trace: Trace) -> list[dict]:
    """Journal-shaped events of a value's path, for messages_svg: the add and its
    acknowledgement, the message that first brought it to each participant, and the last
    message that carried it to each participant that never had it."""
    missed = [h for dest, h in trace.last_to.items() if dest not in trace.had]
    hops = {h.id: h for h in [trace.request, trace.ack, *trace.spread(), *missed] if h is not None}
    events = []
    for hop in hops.values():
        message = {"id": hop.id, "src": hop.src, "dest": hop.dest, "body": hop.body}
        events.append({"event": "send", "time": hop.sent, "message": message})
        if hop.fate == "delivered":
            events.append({"event": "recv", "time": hop.at, "message": message})
        elif hop.fate == "dropped":
            events.append({"event": "drop", "time": hop.at,
                           "message": {"id": hop.id, "src": hop.src, "dest": hop.dest, "reason": hop.reason}})
    events.sort(key=lambda e: (e["time"], e["event"] != "send"))
    return events
