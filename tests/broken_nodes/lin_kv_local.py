#!/usr/bin/env python3
"""Broken on purpose (beyond one node): each node keeps its own dict and never talks to the
others. Alone it is a perfectly linearizable register store; with three nodes a client
reads what its own node was told and misses every write made through another."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402
from common.errors import ErrorCode, RPCError  # noqa: E402

node = Node()
values: dict = {}


def current(key):
    if key not in values:
        raise RPCError(ErrorCode.KEY_DOES_NOT_EXIST, "key does not exist")
    return values[key]


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "value": current(msg.body["key"])})


@node.on("write")
def write(msg: Message) -> None:
    values[msg.body["key"]] = msg.body["value"]
    node.reply(msg, {"type": "write_ok"})


@node.on("cas")
def cas(msg: Message) -> None:
    key, old = msg.body["key"], msg.body["from"]
    if current(key) != old:
        raise RPCError(ErrorCode.PRECONDITION_FAILED, f"current value {values[key]} is not {old}")
    values[key] = msg.body["to"]
    node.reply(msg, {"type": "cas_ok"})


if __name__ == "__main__":
    node.run()
