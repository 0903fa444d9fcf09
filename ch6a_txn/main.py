#!/usr/bin/env python3
"""Challenge 6a, single-node transactions: a key/value store whose clients send whole
transactions of register reads and writes (docs/maelstrom.md §6.9).

A transaction is a list of micro-ops ``[f, key, value]``, executed in order: ``["r", k,
null]`` reads k (``null`` if it was never written) and is answered with the value filled
in; ``["w", k, v]`` sets k to v and is answered unchanged.

With a single node there is nothing to replicate. The node handles one message at a time
(a plain handler runs to completion before the next message is looked at), so each
transaction runs alone from its first micro-op to its last: the history is serializable,
far more than the read-uncommitted this challenge asks for.

Restarts. A transaction's writes are collected as it runs (its own reads see them) and saved
as one record in a write-ahead log (`common.wal`) before ``txn_ok``, then applied to the
store: a killed node keeps each transaction whole or not at all. The log is replayed at
start, and compacted to the store's contents as it grows.
"""
import sys
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node, WriteAheadLog  # noqa: E402  (importable once the path is set)

node = Node()
store: dict[Any, Any] = {}
saved = WriteAheadLog(node, "store", apply=lambda writes: store.update(writes),   # [[k, v], ...]
                      snapshot=lambda: [list(store.items())])


@node.on("txn", txn=list[tuple[Literal["r", "w"], int, int | None]])
def txn(msg: Message) -> None:
    done, written = [], {}
    for f, k, v in msg.body["txn"]:
        if f == "r":
            done.append([f, k, written[k] if k in written else store.get(k)])
        else:
            written[k] = v
            done.append([f, k, v])
    if written:
        saved.append(list(written.items()))
    node.reply(msg, {"type": "txn_ok", "txn": done})


if __name__ == "__main__":
    node.run()
