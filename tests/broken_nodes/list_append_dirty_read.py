#!/usr/bin/env python3
"""Broken on purpose: tests/example_nodes/list_append.py, except that every tenth
transaction that appends is reported aborted (error 30, txn-conflict) after its appends
were made, and they are not undone.

The client records those transactions as failed, yet later reads hold their elements:
G1a, aborted read (and dirty-update, where a committed append follows). Read committed
forbids both; read uncommitted allows them.
"""
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
correct = runpy.run_path(str(ROOT / "tests" / "example_nodes" / "list_append.py"),
                         run_name="list_append")
node, apply = correct["node"], correct["apply"]
from common import ErrorCode, RPCError  # noqa: E402  (the path was set by the node above)

ABORT_EVERY = 10
appending_txns = 0


@node.on("txn")
def txn(msg) -> None:
    global appending_txns
    done = apply(msg.body["txn"])
    if any(f == "append" for f, _, _ in done):
        appending_txns += 1
        if appending_txns % ABORT_EVERY == 0:
            raise RPCError(ErrorCode.TXN_CONFLICT, "aborted (but the appends stay)")
    node.reply(msg, {"type": "txn_ok", "txn": done})


if __name__ == "__main__":
    node.run()
