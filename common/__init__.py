"""The shared library of the Gossip Glomers nodes: a Maelstrom node runtime and a KV client.

    from common import Node, Message, KV, RPCError

See `common.node` for the design and the protocol duties it takes off each node's hands.
"""
from .errors import ErrorCode, KeyDoesNotExist, PreconditionFailed, RPCError, RPCTimeout
from .kv import KV, LIN_KV, LWW_KV, SEQ_KV
from .node import Body, Message, Node
from .registers import Registers
from .roundtrip import RoundTrip
from .schema import Natural

__all__ = [
    "Body", "ErrorCode", "KV", "KeyDoesNotExist", "LIN_KV", "LWW_KV", "Message", "Natural", "Node",
    "PreconditionFailed", "RPCError", "RPCTimeout", "Registers", "RoundTrip", "SEQ_KV",
]
