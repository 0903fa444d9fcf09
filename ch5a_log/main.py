#!/usr/bin/env python3
"""Challenge 5a, single-node Kafka-style log: append messages to per-key logs, serve them
from any offset, and remember how far consumers have committed (docs/maelstrom.md §6.7).

On a single node each key's log is just a list, and a message's offset is its index in it.
Offsets are therefore dense from 0 and never reused, which is what the checker's rules
(no skips, no reordering, no lost writes) and its memory use (it indexes by offset) ask for.

A poll leaves out keys that have nothing at or after the requested offset. Listing them with
an empty list is allowed, but a key whose every poll is empty makes the checker crash.
"""
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node  # noqa: E402  (importable only once the path is set)

node = Node()
logs: defaultdict[str, list[int]] = defaultdict(list)   # key -> messages, by offset
committed: dict[str, int] = {}                           # key -> highest committed offset


@node.on("send", key=str, msg=object)
def send(msg: Message) -> None:
    log = logs[msg.body["key"]]
    log.append(msg.body["msg"])
    node.reply(msg, {"type": "send_ok", "offset": len(log) - 1})


@node.on("poll", offsets=dict[str, int])
def poll(msg: Message) -> None:
    found = {}
    for key, start in msg.body["offsets"].items():
        log = logs.get(key, [])
        first = max(start, 0)
        if first < len(log):
            found[key] = [[offset, log[offset]] for offset in range(first, len(log))]
    node.reply(msg, {"type": "poll_ok", "msgs": found})


@node.on("commit_offsets", offsets=dict[str, int])
def commit_offsets(msg: Message) -> None:
    for key, offset in msg.body["offsets"].items():
        committed[key] = max(offset, committed.get(key, offset))
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets", keys=list[str])
def list_committed_offsets(msg: Message) -> None:
    offsets = {key: committed[key] for key in msg.body["keys"] if key in committed}
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": offsets})


if __name__ == "__main__":
    node.run()
