"""The shared library of the Gossip Glomers nodes: a Maelstrom node runtime, a KV client and
durable state (`common.wal`).

    from common import Node, Message, KV, RPCError, WriteAheadLog

See `common.node` for the design and the protocol duties it takes off each node's hands.
"""
from .errors import ErrorCode, KeyDoesNotExist, PreconditionFailed, RPCError, RPCTimeout
from .kv import KV, LIN_KV, LWW_KV, SEQ_KV
from .logs import Logs
from .node import Body, Message, Node
from .registers import Registers
from .roundtrip import RoundTrip
from .schema import Natural
from .wal import DurableSet, Lives, WriteAheadLog

__all__ = [
    "Body", "DurableSet", "ErrorCode", "KV", "KeyDoesNotExist", "LIN_KV", "LWW_KV", "Lives", "Logs", "Message", "Natural", "Node",
    "PreconditionFailed", "RPCError", "RPCTimeout", "Registers", "RoundTrip", "SEQ_KV", "WriteAheadLog",
]
