#!/usr/bin/env python3
"""Broken on purpose: replicas apply writes in whatever order they arrive.

Each node runs transactions on its own copy and sends each transaction's final writes to
every peer, which applies them on arrival, overwriting what it has. Two transactions that
write the same key at about the same time on different nodes each arrive second at the
other node: the replicas end up with different values, for good. (Writes are sent once,
so a partition loses some for good, too.)

The checker cannot see this. Elle infers a key's version order only from a transaction
that reads a value and then writes the same key; the two writers at a fork read the same
version, so it sees a fork in the version graph, not a disagreement. Under read
uncommitted and read committed the node passes. Models from repeatable read up flag the
fork as a lost update (both read x = v and wrote x), but a correct, converging store like
6b's shows lost updates too, so that verdict does not say "replicas diverged".
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()
store: dict = {}


@node.on("txn")
def txn(msg: Message) -> None:
    done, written = [], {}
    for f, k, v in msg.body["txn"]:
        if f == "r":
            done.append([f, k, store.get(k)])
        else:
            store[k] = written[k] = v
            done.append([f, k, v])
    if written:
        for peer in node.peers:
            node.send(peer, {"type": "apply", "writes": list(written.items())})
    node.reply(msg, {"type": "txn_ok", "txn": done})


@node.on("apply")
def apply(msg: Message) -> None:
    for k, v in msg.body["writes"]:
        store[k] = v


if __name__ == "__main__":
    node.run()
