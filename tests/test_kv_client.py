"""The key/value client in common/kv.py, against a fake service that answers like lin-kv.

The node under test exposes one request, ``call``, that invokes a KV method and reports what
it returned or raised. The test plays both the client and the service: it sends ``call``, then
answers every request the node makes of the service, until the node answers the client.
"""
from __future__ import annotations

import unittest
from typing import Any

from common import KV, LIN_KV, SEQ_KV, Message, Node, RPCError
from common.testing import NodeDriver


class FakeLinKV:
    """lin-kv's rules (docs/maelstrom.md §7.1) over one dict: read, write, cas, with errors 20 and 22."""

    def __init__(self, data: dict | None = None):
        self.data = dict(data or {})
        self.requests: list[dict] = []

    def answer(self, body: dict) -> dict:
        self.requests.append(body)
        key = body["key"]
        if body["type"] == "read":
            if key not in self.data:
                return {"type": "error", "code": 20, "text": "key does not exist"}
            return {"type": "read_ok", "value": self.data[key]}
        if body["type"] == "write":
            self.data[key] = body["value"]
            return {"type": "write_ok"}
        if key not in self.data:
            if body.get("create_if_not_exists") not in (None, False):
                self.data[key] = body["to"]
                return {"type": "cas_ok"}
            return {"type": "error", "code": 20, "text": "key does not exist"}
        if self.data[key] != body["from"]:
            return {"type": "error", "code": 22,
                    "text": f"current value {self.data[key]} is not {body['from']}"}
        self.data[key] = body["to"]
        return {"type": "cas_ok"}


def kv_node(service: str, timeout: float = 5.0) -> Node:
    node = Node()
    kv = KV(node, service, timeout=timeout)

    @node.on("call")
    async def call(msg: Message) -> None:
        method = getattr(kv, msg.body["method"])
        try:
            result = await method(*msg.body["args"], **msg.body.get("kwargs", {}))
        except RPCError as exc:
            node.reply(msg, {"type": "raised", "class": type(exc).__name__, "code": exc.code})
        else:
            node.reply(msg, {"type": "returned", "value": result})
    return node


class KVClientTest(unittest.TestCase):
    def setUp(self):
        self.service = FakeLinKV({"x": 1})
        self.driver = NodeDriver(kv_node(LIN_KV))
        self.addCleanup(self.driver.close)
        self.driver.init("n1")

    def call(self, method: str, *args: Any, **kwargs: Any) -> dict:
        """Invoke ``kv.<method>(*args, **kwargs)`` in the node, serving its KV requests."""
        self.driver.send("c1", {"type": "call", "method": method, "args": list(args),
                                "kwargs": kwargs, "msg_id": 1})
        while True:
            message = self.driver.recv()
            if message["dest"] != LIN_KV:
                return message["body"]
            reply = self.service.answer(message["body"])
            self.driver.send(LIN_KV, {**reply, "in_reply_to": message["body"]["msg_id"]})

    def test_read_returns_the_stored_value(self):
        self.assertEqual(self.call("read", "x"), {"type": "returned", "value": 1,
                                                  "in_reply_to": 1})

    def test_read_of_a_missing_key_raises_key_does_not_exist(self):
        self.assertEqual(self.call("read", "nope")["class"], "KeyDoesNotExist")

    def test_read_of_a_missing_key_returns_the_default_when_one_is_given(self):
        self.assertEqual(self.call("read", "nope", default=0)["value"], 0)

    def test_write_sets_the_value(self):
        self.call("write", "y", [1, 2])
        self.assertEqual(self.service.data["y"], [1, 2])
        self.assertEqual(self.call("read", "y")["value"], [1, 2])

    def test_cas_from_the_current_value_sets_the_new_one(self):
        self.assertEqual(self.call("cas", "x", 1, 2)["type"], "returned")
        self.assertEqual(self.service.data["x"], 2)

    def test_cas_from_another_value_raises_precondition_failed(self):
        outcome = self.call("cas", "x", 5, 6)
        self.assertEqual((outcome["class"], outcome["code"]), ("PreconditionFailed", 22))
        self.assertEqual(self.service.data["x"], 1)

    def test_cas_of_a_missing_key_raises_key_does_not_exist(self):
        outcome = self.call("cas", "nope", 0, 1)
        self.assertEqual((outcome["class"], outcome["code"]), ("KeyDoesNotExist", 20))

    def test_cas_with_create_if_not_exists_creates_a_missing_key(self):
        self.assertEqual(self.call("cas", "new", 0, 7, create_if_not_exists=True)["type"],
                         "returned")
        self.assertEqual(self.service.data["new"], 7)

    def test_requests_have_the_shape_the_service_expects(self):
        self.call("read", "x")
        self.call("write", "x", 3)
        self.call("cas", "x", 3, 4)
        self.call("cas", "z", 0, 1, create_if_not_exists=True)
        self.assertEqual([{k: v for k, v in r.items() if k != "msg_id"}
                          for r in self.service.requests], [
            {"type": "read", "key": "x"},
            {"type": "write", "key": "x", "value": 3},
            {"type": "cas", "key": "x", "from": 3, "to": 4},
            {"type": "cas", "key": "z", "from": 0, "to": 1, "create_if_not_exists": True},
        ])

    def test_another_error_code_raises_a_plain_rpc_error_with_that_code(self):
        self.service.answer = lambda body: {"type": "error", "code": 11, "text": "busy"}
        outcome = self.call("read", "x")
        self.assertEqual((outcome["class"], outcome["code"]), ("RPCError", 11))


class KVServiceChoiceTest(unittest.TestCase):
    def test_requests_go_to_the_named_service(self):
        driver = NodeDriver(kv_node(SEQ_KV))
        self.addCleanup(driver.close)
        driver.init("n1")
        driver.send("c1", {"type": "call", "method": "read", "args": ["x"], "msg_id": 1})
        self.assertEqual(driver.recv()["dest"], "seq-kv")

    def test_a_service_that_never_answers_raises_a_timeout(self):
        driver = NodeDriver(kv_node(LIN_KV, timeout=0.05))
        self.addCleanup(driver.close)
        driver.init("n1")
        driver.send("c1", {"type": "call", "method": "read", "args": ["x"], "msg_id": 1})
        self.assertEqual(driver.recv()["dest"], LIN_KV)   # the request, left unanswered
        outcome = driver.recv()["body"]
        self.assertEqual((outcome["class"], outcome["code"]), ("RPCTimeout", 0))


if __name__ == "__main__":
    unittest.main()
