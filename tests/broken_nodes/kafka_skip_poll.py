#!/usr/bin/env python3
"""Broken on purpose: ch5a's log, except that when more than one message is waiting, a poll
leaves out the first.

The consumer's next poll starts after what it was given, so it never sees that message:
the checker reports the process skipping over the log, and lost writes.
"""
import runpy
from pathlib import Path

ch5a = runpy.run_path(str(Path(__file__).resolve().parents[2] / "ch5a_log" / "main.py"), run_name="ch5a")
node, logs = ch5a["node"], ch5a["logs"].logs   # key -> list of messages, in memory


@node.on("poll")
def poll(msg) -> None:
    found = {}
    for key, start in msg.body["offsets"].items():
        log = logs.get(key, [])
        first = max(start, 0)
        if len(log) - first > 1:
            first += 1
        if first < len(log):
            found[key] = [[o, log[o]] for o in range(first, len(log))]
    node.reply(msg, {"type": "poll_ok", "msgs": found})


if __name__ == "__main__":
    node.run()
