"""Classic node mistakes, named on the console while they happen and kept for the results.

Maelstrom's answer to most of these is silence: a reply it cannot match is dropped and the
op times out ten seconds later, a line it cannot parse stops it reading the node. A learner
then sees only timeouts. Each mistake here gets one console line naming the node, the
offending message and the fix; repeats of the same mistake (by any node) are counted and
summarised at most every ``REPEAT_S`` seconds, so 25 nodes making it a thousand times do not
drown the console. The results keep a count per mistake and node.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable

from .network import CLOSED_CLIENT

REPEAT_S = 5.0
EXAMPLE_CHARS = 200

# kind -> the fix, phrased as an instruction. Placeholders come from ``report``'s ``facts``.
FIXES = {
    "nothing-on-stdout": "flush stdout after each message (print(..., flush=True), "
                         "or sys.stdout.flush() after each write)",
    "not-json-on-stdout": "log to stderr: stdout carries only Maelstrom messages, one JSON object per line",
    "bad-message": "write one JSON object per line with exactly src, dest and body "
                   "(body an object with a type), to an id from init's node_ids or a client that wrote to you",
    "wrong-reply-type": "answer each {request} request with {request}_ok (or an error)",
    "never-answered-init": "answer init with an init_ok whose in_reply_to is init's msg_id, "
                           "and flush stdout after each message",
    "missing-in-reply-to": "set the reply's in_reply_to to the msg_id of the request it answers",
    "wrong-in-reply-to": "in_reply_to must be the request's msg_id itself, an integer, copied unchanged",
    "reply-never-requested": "reply only to requests you received, with in_reply_to = their msg_id",
    "node-exited": "a node must keep serving until its stdin closes; its stderr is in node-logs/{node}.log",
    "crlf-shebang": "give the file Unix line endings: sed -i 's/\\r$//' {path} (or dos2unix {path}); "
                    "Windows editors and git's core.autocrlf add them",
    "handler-crashed": "find the cause in node-logs/{node}.log (the library logs each crash's traceback there) "
                       "and fix the handler",
    "blocking-handler": "never block in a handler (time.sleep, a blocking read or call, a long loop): "
                        "wait with asyncio (await asyncio.sleep, an RPC) or a timer, so the node keeps serving meanwhile",
    "null-in-reply-to": "give every request that expects a reply a unique msg_id, and copy it into the "
                        "reply's in_reply_to; send what needs no reply with a type the receiver does not answer",
    "reply-to-closed-client": "answer within the client's 5 s timeout; a node the nemesis pauses for longer "
                              "cannot, and Maelstrom silences it just the same (docs/maelstrom.md §2.8)",
    "restart-failed": "a restarted node gets init again: answer it as at the start, from whatever it kept "
                      "in its working directory (node-data/{node}/); its stderr is in node-logs/{node}.log",
    "stdout-closed": "keep stdout open for as long as the node runs: every message it sends leaves through it",
    "log-flood": "log what you need to see, not a line per loop turn or per message in a hot path "
                 "(node-logs/{node}.log keeps the first 32 MiB and the last 64 KiB of each node's stderr)",
    "message-flood": "remember what you have already seen and never forward it again (gossip that "
                     "is forwarded on every receipt grows into a storm); send only to nodes that "
                     "need a message, and gossip on a timer, in batches",
}
# A reply held this long, with the node silent meanwhile, was held by a blocked node: far
# longer than any network delay (clients have none) or an idle moment of a working node.
BLOCKING_MIN_S = 1.0
BLOCKING_LATENCIES = 10


@dataclass
class Mistake:
    kind: str
    node: str
    fix: str
    example: str
    count: int = 0
    first_at: float = 0.0

    def as_result(self) -> dict:
        return {"kind": self.kind, "node": self.node, "count": self.count,
                "example": self.example, "fix": self.fix}


@dataclass
class Diagnostics:
    """Collects mistakes; ``log`` writes one console line."""
    log: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    mistakes: dict[tuple[str, str], Mistake] = field(default_factory=dict)
    binary: str | None = None     # the --bin every node runs, to look at its first line
    _held: dict[str, int] = field(default_factory=dict)   # node -> replies held while silent
    latency_ms: int = 0           # the run's --latency
    # node -> when (loop time) the node wrote the stdout before its latest, if known
    previous_output: Callable[[str], float | None] = lambda node: None
    # (node, loop time) -> whether the nemesis has paused or killed the node since then
    disturbed_since: Callable[[str, float], bool] = lambda node, since: False

    @property
    def blocking_s(self) -> float:
        """How long a node may hold a client's request before a silent one is called blocked."""
        return max(BLOCKING_MIN_S, BLOCKING_LATENCIES * self.latency_ms / 1000)
    _reported_at: dict[str, float] = field(default_factory=dict)   # kind -> last console line
    _unreported: dict[str, int] = field(default_factory=dict)      # kind -> repeats since then

    def report(self, kind: str, node: str, what: str, **facts: str) -> None:
        """Record one occurrence of ``kind`` by ``node``; ``what`` says what was seen."""
        now = self.clock()
        key = (kind, node)
        mistake = self.mistakes.get(key)
        if mistake is None:
            fix = FIXES[kind].format(node=node, **facts)
            mistake = self.mistakes[key] = Mistake(kind, node, fix, what, first_at=now)
        mistake.count += 1
        if now - self._reported_at.get(kind, -REPEAT_S) < REPEAT_S:
            self._unreported[kind] = self._unreported.get(kind, 0) + 1
            return
        unreported = self._unreported.pop(kind, 0)
        again = f" ({unreported} more like it since the last report)" if unreported else ""
        self._reported_at[kind] = now
        self.log(f"MISTAKE {node} {what}{again}. Fix: {mistake.fix}.")

    def summary(self) -> list[dict]:
        """Every mistake seen, in the order first seen, for the results map."""
        return [m.as_result() for m in sorted(self.mistakes.values(), key=lambda m: m.first_at)]

    # --- the checks, one per place a mistake shows ------------------------------------
    def bad_line(self, node: str, line: str, why: str) -> None:
        """A stdout line Maelstrom rejects: not JSON at all is a log line in the wrong place."""
        after = "; as in Maelstrom, nothing more is read from its stdout"
        try:
            message = json.loads(line)
        except ValueError:
            self.report("not-json-on-stdout", node,
                        f"wrote {_short(line.strip())!r} on stdout, which is not JSON{after}")
            return
        if CLOSED_CLIENT in why and isinstance(message, dict):
            client = message.get("dest")
            self.report("reply-to-closed-client", node,
                        f"answered {client} after {client} had given up waiting (its request timed out and the "
                        f"client was closed), so Maelstrom rejects the message{after}")
            return
        self.report("bad-message", node, f"wrote a message Maelstrom rejects ({_short(why)}){after}")

    def reply_to_client(self, client: str, body: dict, sent_ids: int,
                        waiting: tuple[int, str] | None, node: str) -> None:
        """Check a message a node sent to ``client``, which has sent msg_ids 1..``sent_ids``
        and is ``waiting`` for (msg_id, request type), if anything."""
        irt = body.get("in_reply_to")
        kind = body.get("type")
        if irt is None:
            self.report("missing-in-reply-to", node, f"sent {client} {_json(body)} with no in_reply_to")
        elif type(irt) is not int:
            self.report("wrong-in-reply-to", node,
                        f"sent {client} {_json(body)}: in_reply_to {irt!r} is not an integer msg_id")
        elif not 1 <= irt <= sent_ids:
            self.report("reply-never-requested", node,
                        f"sent {client} {_json(body)}, but {client} never sent a msg_id {irt} "
                        f"(its requests so far: 1..{sent_ids})")
        elif waiting is not None and irt == waiting[0] and kind not in (waiting[1] + "_ok", "error"):
            self.report("wrong-reply-type", node,
                        f"answered {client}'s {waiting[1]!r} request with type {kind!r}, "
                        f"expected {waiting[1] + '_ok'!r}", request=waiting[1])

    def node_exited(self, node: str, status: int, last_stderr: str | None) -> None:
        shebang = crlf_shebang(self.binary) if self.binary else None
        if shebang is not None and status in (126, 127):
            self.report("crlf-shebang", node, f"could not start: the first line of {self.binary}, {shebang!r}, ends "
                        f"with a carriage return (Windows line endings), so the system looks for a program "
                        f"named {shebang.split()[-1] + chr(13)!r}", path=self.binary)
            return
        said = f"; its last stderr line: {last_stderr!r}" if last_stderr else ""
        self.report("node-exited", node, f"exited with status {status} during the run{said}")

    def crashed(self, node: str, client: str, request: str, body: dict) -> None:
        """A node answered a client with error 13: its handler raised (or it says it crashed)."""
        self.report("handler-crashed", node,
                    f"answered {client}'s {request!r} with error 13 (crash): {_short(str(body.get('text')))!r}; "
                    f"it failed while handling the request (on this repo's library: a handler raised)")

    def slow_reply(self, node: str, client: str, request: str, sent_at: float, now: float) -> None:
        """A reply at least ``blocking_s`` after its request (sent at loop time ``sent_at``,
        answered at ``now``): if the node wrote nothing at all in between, a handler held it,
        blocking the node."""
        before = self.previous_output(node)
        if request == "init" or before is None or before <= 0 or before > sent_at:
            # Still starting (nothing written yet: the init timeout judges that), or busy
            # talking meanwhile: slow, perhaps, but not blocked.
            return
        if self.disturbed_since(node, sent_at):
            return   # paused or restarted by the nemesis meanwhile: not the node's doing
        # A blocking handler blocks every time; a machine too busy to run the node for a
        # second does so rarely. So the second such reply is named, not the first.
        self._held[node] = self._held.get(node, 0) + 1
        if self._held[node] < 2:
            return
        held = now - sent_at
        between = f"{self.latency_ms} ms between nodes" if self.latency_ms else "none between nodes"
        self.report("blocking-handler", node,
                    f"held {client}'s {request!r} request for {held:.1f} s and wrote nothing at all meanwhile "
                    f"(the network adds no delay for clients, {between}): a handler is blocking, and "
                    f"a blocked node serves nobody")

    def restart_failed(self, node: str, problem: str) -> None:
        """A node the nemesis started again did not answer init (or died first)."""
        self.report("restart-failed", node, f"did not come back after the nemesis restarted it: "
                                            f"{_short(problem.splitlines()[0])}")

    def null_in_reply_to(self, node: str, dest: str, body: dict) -> None:
        self.report("null-in-reply-to", node,
                    f"sent {dest} {_json(body)} with in_reply_to null: {dest}'s request had no msg_id "
                    f"(or {node} did not copy it), so {dest} cannot match this reply to it")


def crlf_shebang(path: str) -> str | None:
    """The first line of a script whose ``#!`` line ends in a carriage return, else None."""
    try:
        with open(path, "rb") as f:
            first = f.readline(512)
    except OSError:
        return None
    if first.startswith(b"#!") and first.rstrip(b"\n").endswith(b"\r"):
        return first.rstrip(b"\n").decode("utf-8", "replace")
    return None


def _json(body: dict) -> str:
    return _short(json.dumps(body, separators=(",", ":"), default=str))


def _short(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1] + "…"
