#!/usr/bin/env python3
"""Broken on purpose: when more than one message is waiting, a poll leaves out the first.

The consumer's next poll starts after what it was given, so it never sees that message:
the checker reports the process skipping over the log, and lost writes.
"""
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()

logs: defaultdict[str, list[int]] = defaultdict(list)


@node.on("send")
def send(msg: Message) -> None:
    log = logs[msg.body["key"]]
    log.append(msg.body["msg"])
    node.reply(msg, {"type": "send_ok", "offset": len(log) - 1})


@node.on("poll")
def poll(msg: Message) -> None:
    found = {}
    for key, start in msg.body["offsets"].items():
        log = logs.get(key, [])
        first = max(start, 0)
        if len(log) - first > 1:
            first += 1
        if first < len(log):
            found[key] = [[o, log[o]] for o in range(first, len(log))]
    node.reply(msg, {"type": "poll_ok", "msgs": found})


@node.on("commit_offsets")
def commit_offsets(msg: Message) -> None:
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets")
def list_committed_offsets(msg: Message) -> None:
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": {}})


if __name__ == "__main__":
    node.run()
