#!/usr/bin/env python3
"""Broken under crashes only: ids are the node's id and a counter kept in memory, unique
while the node lives, but a restarted node counts from 1 again and repeats its ids
(jepsen-io/maelstrom issue #93).

Written without the node library, which withholds its answers to client requests that piled
up while the node was paused (a client that gave up may have been closed, and a reply to it
would silence the node: docs/durability.md). This node answers everything it reads, however
late, so tests/test_e2e_crashes.py sees what a paused node was sent answered after resume.
"""
import json
import sys


def main() -> None:
    node_id, counter = None, 0
    while line := sys.stdin.readline():
        message = json.loads(line)
        request = message["body"]
        if request["type"] == "init":
            node_id = request["node_id"]
            reply = {"type": "init_ok"}
        else:
            counter += 1
            reply = {"type": "generate_ok", "id": f"{node_id}-{counter}"}
        reply["in_reply_to"] = request["msg_id"]
        print(json.dumps({"src": node_id, "dest": message["src"], "body": reply}), flush=True)


if __name__ == "__main__":
    main()
