#!/usr/bin/env python3
"""Broken on purpose: acknowledges every fifth send with an offset, then never serves it.

Later messages get later offsets, so polls jump over the lost one: the checker sees a
lost write (and a skip inside a poll, and an acknowledged message nobody ever polled).
"""
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()

LOST = object()                                   # an offset whose message was dropped
logs: defaultdict[str, list] = defaultdict(list)
sends = 0


@node.on("send")
def send(msg: Message) -> None:
    global sends
    sends += 1
    log = logs[msg.body["key"]]
    log.append(LOST if sends % 5 == 0 else msg.body["msg"])
    node.reply(msg, {"type": "send_ok", "offset": len(log) - 1})


@node.on("poll")
def poll(msg: Message) -> None:
    found = {}
    for key, start in msg.body["offsets"].items():
        log = logs.get(key, [])
        pairs = [[o, log[o]] for o in range(max(start, 0), len(log)) if log[o] is not LOST]
        if pairs:
            found[key] = pairs
    node.reply(msg, {"type": "poll_ok", "msgs": found})


@node.on("commit_offsets")
def commit_offsets(msg: Message) -> None:
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets")
def list_committed_offsets(msg: Message) -> None:
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": {}})


if __name__ == "__main__":
    node.run()
