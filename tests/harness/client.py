"""Maelstrom's network client (docs/maelstrom.md §2.7): one request at a time, one overall deadline.

A reply matches on ``in_reply_to`` alone (any sender may answer). Anything else that
reaches the client meanwhile — stale replies to requests that already timed out, say — is
discarded, though the network has already counted it as received.
"""
from __future__ import annotations

import asyncio

from .errors import RPCError, RPCTimeout
from .network import Network


class NetClient:
    def __init__(self, network: Network, client_id: str, node: str):
        self.network = network
        self.id = client_id
        self.node = node
        self._msg_id = 0
        self._waiting: tuple[int, asyncio.Future, str, float] | None = None   # msg_id, reply, type, sent at
        self._diagnostics = getattr(network, "diagnostics", None)
        network.register(client_id, self._receive)

    def _receive(self, msg: dict) -> None:
        waiting = self._waiting
        body = msg["body"]
        irt = body.get("in_reply_to")
        if waiting is not None and type(irt) is int and irt == waiting[0] and not waiting[1].done():
            waiting[1].set_result(body)
            kind = body.get("type")
            if kind == waiting[2] + "_ok" or kind == "error":
                diagnostics = self._diagnostics
                if diagnostics is not None:
                    if kind == "error" and body.get("code") == 13:
                        diagnostics.crashed(msg["src"], self.id, waiting[2], body)
                    elif (now := asyncio.get_running_loop().time()) - waiting[3] >= diagnostics.blocking_s:
                        diagnostics.slow_reply(msg["src"], self.id, waiting[2], waiting[3], now)
                return
        # Only a mistaken reply gets here (or a stale one, which the check lets pass).
        if self._diagnostics is not None:
            self._diagnostics.reply_to_client(self.id, body, self._msg_id,
                                              waiting and (waiting[0], waiting[2]), msg["src"])

    async def rpc(self, body: dict, timeout: float = 5.0, dest: str | None = None) -> dict:
        self._msg_id += 1
        msg_id = self._msg_id
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting = (msg_id, future, str(body.get("type")), loop.time())
        try:
            self.network.send({"src": self.id, "dest": dest or self.node,
                               "body": {**body, "msg_id": msg_id}})
            try:
                reply = await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:
                raise RPCTimeout(timeout) from None
        finally:
            self._waiting = None
        if reply.get("type") == "error":
            raise RPCError(reply)
        return reply

    def close(self) -> None:
        self.network.unregister(self.id)


class ClientIds:
    """Client ids c0, c1, ... in the order clients are opened, across the whole run."""

    def __init__(self) -> None:
        self._next = 0

    def next(self) -> str:
        cid = f"c{self._next}"
        self._next += 1
        return cid
