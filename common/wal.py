"""Durable node state: a write-ahead log of JSON records, replayed when the node starts again.

A node that must not forget what it acknowledged keeps its state in memory as usual, but
changes that state only through a `WriteAheadLog`. ``append(record)`` first writes the
record to the node's disk, then applies it to memory with the node's own ``apply``
function; only then does the node reply. When the node is started again (Maelstrom's
``--nemesis kill`` restarts it with the same command and re-sends ``init``), the log is read
back before ``init_ok`` and every record is applied again, in order, through the same
``apply``. Replay and live changes run the same code, so the node comes back exactly as it
was at its last acknowledgement::

    messages: set[int] = set()
    saved = WriteAheadLog(node, "messages", apply=messages.add)

    @node.on("broadcast", message=int)
    def broadcast(msg: Message) -> None:
        if msg.body["message"] not in messages:
            saved.append(msg.body["message"])   # on disk, then in `messages`
        node.reply(msg, {"type": "broadcast_ok"})

What survives what
------------------
A SIGKILL ends the process at once: whatever it still held in user-space buffers is gone,
but whatever it has handed to the kernel with ``write()`` is in the page cache, which the
kill does not touch, and the next process reads it back. So one ``os.write`` per record,
before the reply, is enough to survive a process kill; no buffered file object is used, as
its buffer would die with the process. ``fsync`` adds protection against a crash of the
whole machine (power loss, kernel panic), a fault neither Maelstrom nor this repository's
harness injects, at the price of waiting for the disk. The policy is chosen per process by
the environment variable ``GLOMERS_DURABILITY``:

* ``write`` (the default): one ``os.write`` per record before it is applied; survives
  process kills;
* ``fsync``: ``os.write`` then ``os.fdatasync`` per record; survives machine crashes too;
* ``none``: nothing is written and nothing replayed; a killed node forgets everything.
  Only for measuring what durability costs (bench/bench_durability.py).

The file
--------
One JSON record per line, so a person can read it (``cat``). A record counts only once its
line is complete, newline included: a write cut short leaves a *torn* last line, which
replay drops (and cuts off the file, so the next record does not follow the fragment). Only
the last line can be torn: records are only ever appended.

The log lives in ``node.data_dir`` (the node's working directory unless a host sets it),
named ``<node id>-<name>.<run>.wal``. ``<run>`` is the id of the process that started the
node: Maelstrom starts every node of every run in the same temporary directory, and a
restart within a run comes from the same Maelstrom process, so a run replays its own logs
and never those of an earlier (or a concurrent) run.

*Compaction.* Records that supersede each other (a counter's increments, the latest value
of a key) would make the log, and each replay, grow without bound. A node that gives
``snapshot``, a function returning records that rebuild its present state, gets its log
rewritten as that snapshot each time the file has grown to twice the size of the last
snapshot (and to at least ``compact_at`` bytes): the cost is amortised to a constant per byte
written.
The snapshot goes to a new file that then replaces the log in one ``rename``, so a kill in
the middle leaves the old log whole. Without ``snapshot`` the log is never rewritten: right
for state where every record is needed, such as a set of values or a Kafka log.
"""
from __future__ import annotations

import json
import os
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .node import Node

POLICIES = ("write", "fsync", "none")
_encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode


def durability() -> str:
    """The policy this process runs with: ``GLOMERS_DURABILITY``, ``write`` if unset."""
    policy = os.environ.get("GLOMERS_DURABILITY", "write")
    if policy not in POLICIES:
        raise ValueError(f"GLOMERS_DURABILITY={policy!r}: it must be one of {', '.join(POLICIES)}")
    return policy


class WriteAheadLog:
    """One durable piece of a node's state: records written before they are applied, and
    applied again, in order, when the node starts."""

    def __init__(self, node: Node, name: str, apply: Callable[[Any], None],
                 snapshot: Callable[[], Iterable[Any]] | None = None, compact_at: int = 1 << 16):
        self.node = node
        self.name = name
        self.apply = apply
        self.snapshot = snapshot
        self.compact_at = compact_at
        self.policy = durability()
        self.path: Path | None = None
        self.size = 0       # bytes in the file now
        self._kept = 0      # bytes the last compaction wrote
        self._fd = -1   # written with os.write: no user-space buffer that a kill could lose
        self._closer: weakref.finalize | None = None
        node.on_init(self._replay)   # before the node's own init hooks, if made before them

    def append(self, record: Any) -> None:
        """Make ``record`` durable (as the policy says), then apply it. ``apply`` gets the
        record as replay will: decoded from its JSON (tuples become lists, keys strings)."""
        line = _encode(record) + "\n"
        if self.policy != "none":
            data = line.encode()
            _write_all(self._fd, data)
            if self.policy == "fsync":
                os.fdatasync(self._fd)
            self.size += len(data)
        self.apply(json.loads(line))
        if self.snapshot and self.size >= max(self.compact_at, 2 * self._kept):
            self.compact()

    def compact(self) -> None:
        """Rewrite the log as the node's snapshot of its present state."""
        assert self.snapshot is not None and self.path is not None
        data = "".join(_encode(record) + "\n" for record in self.snapshot()).encode()
        new = self.path.with_name(self.path.name + ".new")
        fd = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_all(fd, data)
            if self.policy == "fsync":
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(new, self.path)   # atomic: a kill leaves the old log or the new one
        if self.policy == "fsync":
            _sync_directory(self.path.parent)
        self._open()
        self.size = self._kept = len(data)

    def _open(self) -> None:
        """(Re)open the log for appending; the descriptor is closed when this object goes."""
        if self._closer is not None:
            self._closer()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._closer = weakref.finalize(self, os.close, self._fd)

    def _replay(self) -> None:
        if self.policy == "none":
            return
        data_dir = self.node.data_dir or Path.cwd()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / f"{self.node.node_id}-{self.name}.{os.getppid()}.wal"
        data = self.path.read_bytes() if self.path.exists() else b""
        records = 0
        for line in data.split(b"\n")[:-1]:   # what follows the last newline is torn
            try:
                record = json.loads(line)
            except ValueError:
                break
            self.apply(record)
            records += 1
            self.size += len(line) + 1
        if self.size < len(data):
            self.node.log(f"{self.path.name}: dropped a torn last record of "
                          f"{len(data) - self.size} bytes")
            os.truncate(self.path, self.size)
        if records:
            self.node.log(f"{self.path.name}: replayed {records} records")
        self._open()
        if self.snapshot and self.size >= self.compact_at:
            self.compact()


class DurableSet(set):
    """A grow-only set on disk: ``add``, ``update`` and ``|=`` write what is new to a
    `WriteAheadLog` (one record: the list of new members) before the set holds it, and the
    log is replayed at start. Everything else is a plain set. Members must be JSON values
    that decode to themselves (numbers, strings); nothing may ever be removed."""

    def __init__(self, node: Node, name: str):
        super().__init__()
        self._saved = WriteAheadLog(node, name, apply=lambda new: set.update(self, new))

    def add(self, member: Any) -> None:
        if member not in self:
            self._saved.append([member])

    def update(self, *others: Iterable[Any]) -> None:
        new = [m for m in dict.fromkeys(m for other in others for m in other) if m not in self]
        if new:
            self._saved.append(new)

    def __ior__(self, other: Iterable[Any]) -> DurableSet:
        self.update(other)
        return self


class Lives:
    """Which life of this node this is: 1 at its first start, one more at each restart.

    The number is on disk before ``init_ok``, so no two lives of a node share one; a node
    can put it in what it hands out (ids, sequence numbers) to keep those unique across
    restarts without saving anything per request."""

    def __init__(self, node: Node):
        self.number = 0
        self._saved = WriteAheadLog(node, "lives", apply=self._set, snapshot=lambda: [self.number])
        node.on_init(lambda: self._saved.append(self.number + 1))

    def _set(self, number: int) -> None:
        self.number = number


def _write_all(fd: int, data: bytes) -> None:
    """Hand all of ``data`` to the kernel. A write to a file is whole unless a signal cuts
    it short; what a kill cuts short is a torn record, which replay drops."""
    while data:
        data = data[os.write(fd, data):]


def _sync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable against a machine crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
