"""A client for Maelstrom's key/value services: lin-kv, seq-kv and lww-kv (docs/maelstrom.md §7).

Each call is one RPC to the service. Failures arrive as exceptions from `common.errors`:
`KeyDoesNotExist` (20), `PreconditionFailed` (22), `RPCTimeout` (0), or a plain `RPCError`.

    kv = KV(node, SEQ_KV)
    total = await kv.read("total", default=0)
    await kv.cas("total", total, total + 1, create_if_not_exists=True)

The services differ only in what a read may see: lin-kv is linearizable; seq-kv may serve a
node stale values (but never older than what that node has already seen); lww-kv is two
unsynchronised replicas, and its cas ignores create_if_not_exists.
"""
from __future__ import annotations

from typing import Any

from .errors import KeyDoesNotExist
from .node import Node

LIN_KV = "lin-kv"
SEQ_KV = "seq-kv"
LWW_KV = "lww-kv"

_NO_DEFAULT = object()


class KV:
    """Reads and writes one key/value service on behalf of a node."""

    def __init__(self, node: Node, service: str = LIN_KV, timeout: float = 1.0):
        self.node = node
        self.service = service
        self.timeout = timeout

    async def read(self, key: Any, default: Any = _NO_DEFAULT) -> Any:
        """The value of ``key``. A missing key raises `KeyDoesNotExist`, unless a
        ``default`` is given, which is then returned instead."""
        try:
            reply = await self._call({"type": "read", "key": key})
        except KeyDoesNotExist:
            if default is _NO_DEFAULT:
                raise
            return default
        return reply["value"]

    async def write(self, key: Any, value: Any) -> None:
        """Set ``key`` to ``value``, whatever it was."""
        await self._call({"type": "write", "key": key, "value": value})

    async def cas(self, key: Any, from_: Any, to: Any, create_if_not_exists: bool = False) -> None:
        """Set ``key`` to ``to`` if it currently holds ``from_``. Raises `PreconditionFailed`
        if it holds something else, and `KeyDoesNotExist` if it is missing, unless
        ``create_if_not_exists`` (then a missing key is created holding ``to``)."""
        body = {"type": "cas", "key": key, "from": from_, "to": to}
        if create_if_not_exists:
            body["create_if_not_exists"] = True
        await self._call(body)

    async def _call(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.node.rpc(self.service, body, timeout=self.timeout)
