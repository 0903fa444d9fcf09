#!/usr/bin/env python3
"""A correct txn-list-append node for one node: a map of keys to lists, each transaction
applied whole and alone (docs/maelstrom.md §6.10).

``["r", k, null]`` is answered with k's whole list (``null`` if nothing was ever appended
to it); ``["append", k, v]`` adds v at the end of k's list, creating it, and is answered
unchanged. A plain handler runs to completion before the next message is read, so no two
transactions interleave and each one's effects are visible to every later one: the
history is strict serializable.

Run with more than one node it is wrong on purpose, and the checker must say so: each node
keeps its own private lists, so reads from different nodes disagree on the order of a key's
elements (incompatible-order) and miss each other's appends.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402  (importable once the path is set)

node = Node()
lists: dict = {}


def apply(txn: list) -> list:
    """Runs one transaction on ``lists``; returns its completed micro-ops."""
    done = []
    for f, k, v in txn:
        if f == "r":
            done.append([f, k, list(lists[k]) if k in lists else None])
        else:
            lists.setdefault(k, []).append(v)
            done.append([f, k, v])
    return done


@node.on("txn")
def txn(msg: Message) -> None:
    node.reply(msg, {"type": "txn_ok", "txn": apply(msg.body["txn"])})


if __name__ == "__main__":
    node.run()
