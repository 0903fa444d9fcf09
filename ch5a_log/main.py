#!/usr/bin/env python3
"""Challenge 5a, single-node Kafka-style log: append messages to per-key logs, serve them
from any offset, and remember how far consumers have committed (docs/maelstrom.md §6.7).

On a single node each key's log is just a list, and a message's offset is its index in it.
Offsets are therefore dense from 0 and never reused, which is what the checker's rules
(no skips, no reordering, no lost writes) and its memory use (it indexes by offset) ask for.
The lists and the committed offsets are `common.logs.Logs`.

Restarts: every message and commit is on disk (`common.wal`) before it is acknowledged, and is
read back at start, so a restarted node hands out the next offset, never one it gave before.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Logs, Message, Node  # noqa: E402  (importable only once the path is set)

node = Node()
logs = Logs(node)


@node.on("send", key=str, msg=object)
def send(msg: Message) -> None:
    offset = logs.append(msg.body["key"], msg.body["msg"])
    node.reply(msg, {"type": "send_ok", "offset": offset})


@node.on("poll", offsets=dict[str, int])
def poll(msg: Message) -> None:
    node.reply(msg, {"type": "poll_ok", "msgs": logs.poll(msg.body["offsets"])})


@node.on("commit_offsets", offsets=dict[str, int])
def commit_offsets(msg: Message) -> None:
    logs.commit(msg.body["offsets"])
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets", keys=list[str])
def list_committed_offsets(msg: Message) -> None:
    offsets = logs.committed_offsets(msg.body["keys"])
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": offsets})


if __name__ == "__main__":
    node.run()
