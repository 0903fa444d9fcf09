#!/usr/bin/env python3
"""Broken on purpose: every tenth transaction that writes is reported aborted (error 30,
txn-conflict), but its writes are not undone.

The client records those transactions as failed, yet later transactions read what they
wrote: G1a, aborted read. Read committed forbids it; read uncommitted allows it.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import ErrorCode, Message, Node, RPCError  # noqa: E402

ABORT_EVERY = 10

node = Node()
store: dict = {}
writing_txns = 0


@node.on("txn")
def txn(msg: Message) -> None:
    global writing_txns
    done = []
    for f, k, v in msg.body["txn"]:
        if f == "r":
            done.append([f, k, store.get(k)])
        else:
            store[k] = v
            done.append([f, k, v])
    if any(f == "w" for f, _, _ in done):
        writing_txns += 1
        if writing_txns % ABORT_EVERY == 0:
            raise RPCError(ErrorCode.TXN_CONFLICT, "aborted (but the writes stay)")
    node.reply(msg, {"type": "txn_ok", "txn": done})


if __name__ == "__main__":
    node.run()
