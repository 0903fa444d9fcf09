#!/usr/bin/env python3
"""Broken on purpose: transactions are not isolated from each other. Each write goes to
the store at once and then takes a moment to "persist" (an await), during which other
transactions run and read whatever is there.

A transaction that writes a key twice thus shows its first value, which it then
overwrites, to whoever reads the key in between: G1b, intermediate read (and, as
transactions interleave freely, G1c cycles too). Read committed forbids both.
"""
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

PERSIST_S = 0.001

node = Node()
store: dict = {}


@node.on("txn")
async def txn(msg: Message) -> None:
    done = []
    for f, k, v in msg.body["txn"]:
        if f == "r":
            done.append([f, k, store.get(k)])
        else:
            store[k] = v
            done.append([f, k, v])
            await asyncio.sleep(PERSIST_S)
    node.reply(msg, {"type": "txn_ok", "txn": done})


if __name__ == "__main__":
    node.run()
