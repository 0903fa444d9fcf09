"""The network journal and the history, written to disk as the run goes (docs/maelstrom.md §9).

Maelstrom streams its journal to disk and computes its statistics by folding over it; so
does this harness. Nothing a run records is kept in memory: every journal event and every
history op becomes one line of ``net-journal.jsonl`` / ``history.jsonl`` at once, and only
running counts stay behind (the ``:net`` statistics, and how many messages each sender
sent of each type, which the message budget and the diagnostics read). Whatever reads a
run afterwards -- checkers, pictures, ``analyze`` -- reads those files back with the
iterators in store.py.

Hot path: a journal line costs one string format. A message's JSON text is made once, when
it is sent (``Envelope.text``, which the receiving node is then given as it is), and both
of its journal lines reuse it. Lines are encoded in small batches and written by a thread
(LineFile), so neither encoding nor a slow disk stalls the event loop; a file is complete
once ``close`` has run.
"""
from __future__ import annotations

import json
import os
import threading
from collections import deque
from pathlib import Path
from typing import Any

from .results import NetCounts

# history.jsonl lists these first, in this order, then whatever extra keys an op carries.
OP_KEY_ORDER = ("index", "time", "type", "process", "f", "value")

BATCH_LINES = 64             # lines encoded at once
HANDOFF_BYTES = 256 * 1024   # encoded text handed to the writing thread at once
BACKLOG_BYTES = 64 << 20     # past this much text not yet written, the run waits for the disk
TYPES_PER_SENDER = 32        # beyond this many distinct body types, a sender's others share one count
OTHER_TYPES = "(other types)"


class LineFile:
    """Appends text lines to a file as the run goes; with no path, forgets them.

    The event loop only encodes: lines are encoded in small batches (a few microseconds
    each) and handed to a thread of the file's own, which writes them. A write(2) can block
    for hundreds of milliseconds when the machine's disk is busy; the loop never waits for
    one, unless the disk falls ``BACKLOG_BYTES`` behind (then memory, not lateness, is what
    must be protected)."""

    def __init__(self, path: Path | None):
        self.path = path
        self._writer = _Writer(path) if path is not None else None
        self.pending: list[str] = []     # lines not yet encoded: append, then call ``added``
        self._ready: list[bytes] = []    # encoded, not yet handed to the writer
        self._ready_bytes = 0

    def add(self, line: str) -> None:
        """``line`` must end with a newline."""
        self.pending.append(line)
        self.added()

    def added(self) -> None:
        """After lines were appended to ``pending`` (the hot path appends to it directly)."""
        if len(self.pending) >= BATCH_LINES:
            self._encode()

    def _encode(self) -> None:
        pending = self.pending
        if self._writer is not None and pending:
            # A lone surrogate can only sit inside a JSON string, where \udXXX is its escape.
            data = "".join(pending).encode("utf-8", "backslashreplace")
            self._ready.append(data)
            self._ready_bytes += len(data)
            if self._ready_bytes >= HANDOFF_BYTES:
                self._hand_off()
        pending.clear()   # in place: the journal holds on to this list

    def _hand_off(self) -> None:
        if self._ready:
            self._writer.put(b"".join(self._ready))
            self._ready, self._ready_bytes = [], 0

    def flush(self, wait: bool = True) -> None:
        """Hand everything added so far to the writer; with ``wait``, until it is written."""
        self._encode()
        if self._writer is not None:
            self._hand_off()
            if wait:
                self._writer.wait_written()

    def close(self) -> None:
        """Write everything and close the file. Raises OSError if a write failed."""
        if self._writer is not None:
            self.flush()
            writer, self._writer = self._writer, None
            writer.stop()
        self.pending.clear()


class _Writer:
    """A thread that writes what it is given to one file, in order."""

    def __init__(self, path: Path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.chunks: deque[bytes] = deque()
        self.unwritten = 0
        self.error: OSError | None = None
        self.closing = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, name=f"write {path.name}", daemon=True)
        self.thread.start()

    def put(self, data: bytes) -> None:
        with self.cond:
            while self.unwritten > BACKLOG_BYTES and self.error is None:
                self.cond.wait()
            self.chunks.append(data)
            self.unwritten += len(data)
            self.cond.notify_all()

    def wait_written(self) -> None:
        with self.cond:
            while self.unwritten and self.error is None:
                self.cond.wait()

    def stop(self) -> None:
        with self.cond:
            self.closing = True
            self.cond.notify_all()
        self.thread.join()
        os.close(self.fd)
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.chunks and not self.closing:
                    self.cond.wait()
                if not self.chunks:
                    return
                data = self.chunks.popleft()
            if self.error is None:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(self.fd, view):]
                except OSError as e:   # a full disk: reported when the file is closed
                    self.error = e
            with self.cond:
                self.unwritten -= len(data)
                self.cond.notify_all()


class Journal:
    """``net-journal.jsonl`` as the network writes it, and the counts drawn from it.

    Each line is ``{"event": "send"|"recv"|"drop", "time": ns since the run's origin,
    "message": the message}`` (a drop's message is only its id, ends and reason). ``net`` holds the ``:net`` statistics so far; ``sent`` counts the
    messages each id sent, per body type (at most ``TYPES_PER_SENDER`` types each)."""

    def __init__(self, path: Path | None = None):
        self.lines = LineFile(path)
        self._pending = self.lines.pending
        self.net = NetCounts()
        self.sent: dict[str, dict[Any, int]] = {}

    def event(self, event: str, time_ns: int, text: str) -> None:
        """One line: ``text`` is the message's JSON."""
        self.lines.add(f'{{"event":"{event}","time":{time_ns},"message":{text}}}\n')

    def send(self, time_ns: int, text: str, src: str, kind: Any, client: bool) -> None:
        """A message sent: its JSON ``text``, sender and body type; ``client`` if a client
        sent or receives it."""
        pending = self._pending
        pending.append(f'{{"event":"send","time":{time_ns},"message":{text}}}\n')
        if len(pending) >= BATCH_LINES:
            self.lines.added()
        self.net.sends[client] += 1
        try:
            self.sent[src][kind] += 1
        except (KeyError, TypeError):   # a new sender or type, or a type no dict can key
            self._first_of(src, kind)

    def _first_of(self, src: str, kind: Any) -> None:
        by_type = self.sent.setdefault(src, {})
        if type(kind) is not str:
            kind = repr(kind)[:40]
        if kind not in by_type and len(by_type) >= TYPES_PER_SENDER:
            kind = OTHER_TYPES
        by_type[kind] = by_type.get(kind, 0) + 1

    def recv(self, time_ns: int, text: str, client: bool) -> None:
        pending = self._pending
        pending.append(f'{{"event":"recv","time":{time_ns},"message":{text}}}\n')
        if len(pending) >= BATCH_LINES:
            self.lines.added()
        self.net.recvs[client] += 1

    def drop(self, time_ns: int, msg_id: int, src: str, dest: str, reason: str) -> None:
        """A message that will never be delivered, and why; its body is in its send event.
        Not a Maelstrom event: ``:net`` counts none."""
        self.lines.add(f'{{"event":"drop","time":{time_ns},"message":{{"id":{msg_id},"src":"{src}",'
                       f'"dest":"{dest}","reason":"{reason}"}}}}\n')

    def sent_by(self, src: str) -> int:
        """How many messages ``src`` has sent so far."""
        return sum(self.sent.get(src, {}).values())

    def flush(self, wait: bool = True) -> None:
        self.lines.flush(wait)

    def close(self) -> None:
        self.lines.close()


class History:
    """``history.jsonl`` as the interpreter records it: one op per line, in order.

    Ops are encoded when recorded, so whatever is done to an op dict afterwards is not in
    the history. ``len()`` is the number of ops recorded."""

    def __init__(self, path: Path | None = None):
        self.lines = LineFile(path)
        self._count = 0

    def append(self, op: dict) -> None:
        self.lines.add(op_line(op) + "\n")
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def flush(self, wait: bool = True) -> None:
        self.lines.flush(wait)

    def close(self) -> None:
        self.lines.close()


def op_line(op: dict) -> str:
    """An op's line in history.jsonl (without the newline): the usual keys first."""
    return json_text({**{key: op[key] for key in OP_KEY_ORDER if key in op}, **op})


def json_text(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=json_default)


def json_default(obj: Any) -> Any:
    """JSON for what the json module cannot encode: sets as sorted lists, the rest as text."""
    if isinstance(obj, (set, frozenset)):
        try:
            return sorted(obj)
        except TypeError:  # elements of mixed types have no common order
            return sorted(obj, key=repr)
    return str(obj)
