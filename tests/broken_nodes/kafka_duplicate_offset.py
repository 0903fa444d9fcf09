#!/usr/bin/env python3
"""Broken on purpose: ch5a's log, except that every tenth send to a key reuses the offset of
the send before it, overwriting that message. Two acknowledged sends then claim one offset:
the checker reports inconsistent offsets."""
import runpy
from collections import defaultdict
from pathlib import Path

ch5a = runpy.run_path(str(Path(__file__).resolve().parents[2] / "ch5a_log" / "main.py"), run_name="ch5a")
node, logs = ch5a["node"], ch5a["logs"].logs   # key -> list of messages, in memory
sends: defaultdict[str, int] = defaultdict(int)


@node.on("send")
def send(msg) -> None:
    key = msg.body["key"]
    log = logs[key]
    sends[key] += 1
    if sends[key] % 10 == 0:
        log[-1] = msg.body["msg"]
    else:
        log.append(msg.body["msg"])
    node.reply(msg, {"type": "send_ok", "offset": len(log) - 1})


if __name__ == "__main__":
    node.run()
