"""Kafka-style logs kept on disk: per key, a list of messages, and the highest committed offset.

A message's offset is its index in its key's list, so offsets are dense from 0 and never
reused: what the kafka checker's rules (no skips, no reordering, no lost writes) and its memory
use (it indexes by offset) ask for. A log only ever grows at its end; a node that copies
another's log holds a prefix of it, which may lag but never skips.

Everything held is written to a `WriteAheadLog` before it is held, one record per change:
``[{key: [offset, messages from there on]}, {key: committed offset}]``, only what is new. The
log is replayed when the node starts, so a restarted node hands out the next offset, never
one it gave before, and still holds every copy and commit it acknowledged. Its snapshot is
the whole state in one record (a message is never superseded; a commit is).

5a keeps its logs here; 5c too, its own keys' logs and its copies of the others'.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from .node import Node
from .wal import WriteAheadLog


class Logs:
    """Every key's log (or a prefix of it) and committed offset, on disk before in memory."""

    def __init__(self, node: Node):
        self.logs: defaultdict[str, list[Any]] = defaultdict(list)   # key -> messages, by offset
        self.committed: dict[str, int] = {}                          # key -> highest committed
        self._saved = WriteAheadLog(node, "logs", apply=self._apply, snapshot=lambda: [
            [{key: [0, log] for key, log in self.logs.items()}, self.committed]])

    def append(self, key: str, message: Any) -> int:
        """Append a message to ``key``'s log; its offset."""
        offset = len(self.logs[key])
        self.save({key: [offset, [message]]}, {})
        return offset

    def commit(self, offsets: dict[str, int]) -> None:
        """Raise committed offsets; one never moves back."""
        self.save({}, offsets)

    def save(self, extensions: dict[str, list], offsets: dict[str, int]) -> None:
        """Hold messages known to sit at an offset onwards (``{key: [offset, messages]}``)
        where they extend our copy, and committed offsets where they are higher."""
        new = {}
        for key, (offset, messages) in extensions.items():
            held = len(self.logs.get(key, ()))
            if offset <= held < offset + len(messages):
                new[key] = [held, messages[held - offset:]]
        raised = {key: o for key, o in offsets.items() if o > self.committed.get(key, -1)}
        if new or raised:
            self._saved.append([new, raised])

    def poll(self, offsets: dict[str, int]) -> dict[str, list[list[Any]]]:
        """``[offset, message]`` pairs of each key from its requested offset on. Keys with
        nothing there are left out: listing them empty is allowed, but a key whose every poll
        is empty makes Maelstrom's checker crash."""
        found = {}
        for key, start in offsets.items():
            first = max(start, 0)
            if first < len(self.logs.get(key, ())):
                found[key] = [[offset, m] for offset, m in enumerate(self.logs[key][first:], first)]
        return found

    def committed_offsets(self, keys: list[str]) -> dict[str, int]:
        """The committed offset of each of ``keys`` that has one."""
        return {key: self.committed[key] for key in keys if key in self.committed}

    def _apply(self, record: list) -> None:
        extensions, offsets = record
        for key, (offset, messages) in extensions.items():
            log = self.logs[key]
            if offset <= len(log):
                log.extend(messages[len(log) - offset:])
        for key, offset in offsets.items():
            self.committed[key] = max(offset, self.committed.get(key, -1))
