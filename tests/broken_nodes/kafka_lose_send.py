#!/usr/bin/env python3
"""Broken on purpose: ch5a's log, except that it acknowledges every fifth send with an
offset, then never serves it.

Later messages get later offsets, so polls jump over the lost one: the checker sees a
lost write (and a skip inside a poll, and an acknowledged message nobody ever polled).
"""
import runpy
from pathlib import Path

ch5a = runpy.run_path(str(Path(__file__).resolve().parents[2] / "ch5a_log" / "main.py"), run_name="ch5a")
node, logs = ch5a["node"], ch5a["logs"].logs   # key -> list of messages, in memory
LOST = object()   # an offset whose message was dropped
sends = 0


@node.on("send")
def send(msg) -> None:
    global sends
    sends += 1
    log = logs[msg.body["key"]]
    log.append(LOST if sends % 5 == 0 else msg.body["msg"])
    node.reply(msg, {"type": "send_ok", "offset": len(log) - 1})


@node.on("poll")
def poll(msg) -> None:
    found = {}
    for key, start in msg.body["offsets"].items():
        log = logs.get(key, [])
        pairs = [[o, log[o]] for o in range(max(start, 0), len(log)) if log[o] is not LOST]
        if pairs:
            found[key] = pairs
    node.reply(msg, {"type": "poll_ok", "msgs": found})


if __name__ == "__main__":
    node.run()
