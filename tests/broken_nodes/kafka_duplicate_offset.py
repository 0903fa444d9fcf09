#!/usr/bin/env python3
"""Broken on purpose: every tenth send to a key reuses the offset of the send before it,
overwriting that message. Two acknowledged sends then claim one offset: the checker
reports inconsistent offsets."""
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()

logs: defaultdict[str, list[int]] = defaultdict(list)
sends: defaultdict[str, int] = defaultdict(int)


@node.on("send")
def send(msg: Message) -> None:
    key = msg.body["key"]
    log = logs[key]
    sends[key] += 1
    if sends[key] % 10 == 0:
        log[-1] = msg.body["msg"]
    else:
        log.append(msg.body["msg"])
    node.reply(msg, {"type": "send_ok", "offset": len(log) - 1})


@node.on("poll")
def poll(msg: Message) -> None:
    found = {}
    for key, start in msg.body["offsets"].items():
        log = logs.get(key, [])
        if max(start, 0) < len(log):
            found[key] = [[o, log[o]] for o in range(max(start, 0), len(log))]
    node.reply(msg, {"type": "poll_ok", "msgs": found})


@node.on("commit_offsets")
def commit_offsets(msg: Message) -> None:
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets")
def list_committed_offsets(msg: Message) -> None:
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": {}})


if __name__ == "__main__":
    node.run()
