#!/usr/bin/env python3
"""A correct but bursty broadcast node, as many first 3d attempts are: every 3 s it sends its
whole value set to every other node, in one message each, and never anything else.

The fixture for ``make bench-harness`` and for profiling the harness: on the official 3d
command (25 nodes) it makes the harness move 24 messages of a growing body per node per
burst, all at once. Bare stdlib, so what is measured is the harness, not a node library.
"""
import json
import sys
import threading
import time

messages: set[int] = set()
lock = threading.Lock()
me, peers = "", []
out_lock = threading.Lock()


def emit(msg: dict) -> None:
    line = json.dumps(msg) + "\n"
    with out_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def gossip_forever() -> None:
    while True:
        time.sleep(3)
        with lock:
            values = sorted(messages)
        for peer in peers:
            emit({"src": me, "dest": peer, "body": {"type": "gossip", "messages": values}})


def main() -> None:
    global me, peers
    for line in sys.stdin:
        msg = json.loads(line)
        body, reply = msg["body"], None
        kind = body["type"]
        if kind == "init":
            me = body["node_id"]
            peers = [n for n in body["node_ids"] if n != me]
            threading.Thread(target=gossip_forever, daemon=True).start()
            reply = {"type": "init_ok"}
        elif kind == "broadcast":
            with lock:
                messages.add(body["message"])
            reply = {"type": "broadcast_ok"}
        elif kind == "gossip":
            with lock:
                messages.update(body["messages"])
        elif kind == "read":
            with lock:
                reply = {"type": "read_ok", "messages": sorted(messages)}
        elif kind == "topology":
            reply = {"type": "topology_ok"}
        if reply is not None:
            reply["in_reply_to"] = body["msg_id"]
            emit({"src": me, "dest": msg["src"], "body": reply})


if __name__ == "__main__":
    main()
