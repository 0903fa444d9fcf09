"""The node runtime in common/node.py: protocol duties, dispatch, sending, RPCs and timers.

Each test builds a small node, runs it on real pipes through common.testing.NodeDriver and
talks to it as Maelstrom would. A test that expects *no* output for some input follows it with
a request the node certainly answers: messages are handled in order, so if that answer is the
next thing written, nothing was written for the earlier input.
"""
from __future__ import annotations

import asyncio
import time
import os
import threading
import unittest
from unittest import mock

from common import ErrorCode, KeyDoesNotExist, Message, Node, PreconditionFailed, RPCError
from common.testing import NodeDriver


def echo_node() -> Node:
    """A node with one plain handler, the reference point for "the node still serves"."""
    node = Node()

    @node.on("echo")
    def echo(msg: Message) -> None:
        node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})
    return node


class LibraryTest(unittest.TestCase):
    def drive(self, node: Node, node_id: str = "n1", node_ids: list[str] | None = None
              ) -> NodeDriver:
        driver = NodeDriver(node)
        self.addCleanup(driver.close)
        driver.init(node_id, node_ids or [node_id])
        return driver

    def assert_still_serving(self, driver: NodeDriver) -> None:
        self.assertEqual(driver.rpc("c1", {"type": "echo", "echo": "ping"})["echo"], "ping")


class InitTest(LibraryTest):
    def test_init_is_answered_with_init_ok_in_reply_to_its_msg_id(self):
        driver = NodeDriver(Node())
        self.addCleanup(driver.close)
        driver.send("c0", {"type": "init", "node_id": "n2", "node_ids": ["n1", "n2"],
                           "msg_id": 1}, dest="n2")
        self.assertEqual(driver.recv(), {"src": "n2", "dest": "c0",
                                         "body": {"type": "init_ok", "in_reply_to": 1}})

    def test_init_records_node_id_and_node_ids(self):
        node = Node()
        self.drive(node, "n2", ["n1", "n2", "n3"])
        self.assertEqual(node.node_id, "n2")
        self.assertEqual(node.node_ids, ["n1", "n2", "n3"])
        self.assertEqual(node.peers, ["n1", "n3"])

    def test_on_init_hooks_run_before_init_ok_and_see_the_node_id(self):
        node = Node()
        seen = []
        node.on_init(lambda: seen.append(node.node_id))
        self.drive(node, "n4")
        self.assertEqual(seen, ["n4"])

    def test_on_init_hooks_run_only_on_the_first_init(self):
        node = Node()
        calls = []
        node.on_init(lambda: calls.append(1))
        driver = self.drive(node)
        driver.init("n1")
        self.assertEqual(calls, [1])

    def test_init_without_node_ids_is_a_malformed_request(self):
        driver = NodeDriver(Node())
        self.addCleanup(driver.close)
        reply = driver.rpc("c0", {"type": "init", "node_id": "n1"})
        self.assertEqual((reply["type"], reply["code"]), ("error", ErrorCode.MALFORMED_REQUEST))

    def test_init_whose_node_ids_lack_the_nodes_own_id_is_a_malformed_request(self):
        # Issue 20: node_ids=[] was accepted, leaving a node that is nobody's peer.
        for node_ids in ([], ["n2", "n3"]):
            with self.subTest(node_ids=node_ids):
                node = echo_node()
                driver = NodeDriver(node)
                self.addCleanup(driver.close)
                reply = driver.rpc("c0", {"type": "init", "node_id": "n1", "node_ids": node_ids})
                self.assertEqual((reply["type"], reply["code"]), ("error", ErrorCode.MALFORMED_REQUEST))
                self.assertIn("must include this node's own id 'n1'", reply["text"])
                self.assertIsNone(node.node_id)   # refused: nothing recorded
                driver.init("n1", ["n1"])         # a proper init is still answered
                self.assert_still_serving(driver)

    def test_registering_a_handler_for_init_is_refused(self):
        with self.assertRaises(ValueError):
            Node().on("init")


class DispatchTest(LibraryTest):
    def test_a_plain_handler_receives_src_dest_and_body(self):
        node = Node()
        received = []

        @node.on("hello")
        def hello(msg: Message) -> None:
            received.append(msg)
            node.reply(msg, {"type": "hello_ok"})
        driver = self.drive(node)
        driver.rpc("c7", {"type": "hello", "x": [1, {"y": 2}]})
        self.assertEqual(received, [Message("c7", "n1", {"type": "hello", "x": [1, {"y": 2}],
                                                         "msg_id": 2})])

    def test_an_async_handler_can_reply(self):
        node = Node()

        @node.on("later")
        async def later(msg: Message) -> None:
            await asyncio.sleep(0)
            node.reply(msg, {"type": "later_ok"})
        driver = self.drive(node)
        self.assertEqual(driver.rpc("c1", {"type": "later"})["type"], "later_ok")

    def test_a_reply_carries_in_reply_to_and_goes_back_to_the_sender(self):
        driver = self.drive(echo_node())
        driver.send("c3", {"type": "echo", "echo": 1, "msg_id": 17})
        self.assertEqual(driver.recv(), {"src": "n1", "dest": "c3", "body": {
            "type": "echo_ok", "echo": 1, "in_reply_to": 17}})

    def test_a_request_without_msg_id_gets_no_reply(self):
        driver = self.drive(echo_node())
        driver.send("n2", {"type": "echo", "echo": "unanswerable"})
        driver.send("c1", {"type": "echo", "echo": "answerable", "msg_id": 9})
        self.assertEqual(driver.recv()["body"]["echo"], "answerable")

    def test_a_message_split_across_writes_is_reassembled(self):
        driver = self.drive(echo_node())
        line = b'{"src":"c1","dest":"n1","body":{"type":"echo","echo":"whole","msg_id":5}}\n'
        driver.write(line[:20])
        driver.write(line[20:])
        self.assertEqual(driver.recv()["body"], {"type": "echo_ok", "echo": "whole",
                                                 "in_reply_to": 5})

    def test_many_messages_in_one_write_are_all_answered_in_order(self):
        driver = self.drive(echo_node())
        lines = b"".join(
            b'{"src":"c1","dest":"n1","body":{"type":"echo","echo":%d,"msg_id":%d}}\n' % (i, i)
            for i in range(100))
        driver.write(lines)
        self.assertEqual([driver.recv()["body"]["in_reply_to"] for _ in range(100)],
                         list(range(100)))


class BadInputTest(LibraryTest):
    def test_an_unknown_type_is_answered_with_not_supported(self):
        driver = self.drive(echo_node())
        reply = driver.rpc("c1", {"type": "frobnicate"})
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))
        self.assert_still_serving(driver)

    def test_a_body_without_type_is_answered_with_malformed_request(self):
        driver = self.drive(echo_node())
        reply = driver.rpc("c1", {"echo": "no type"})
        self.assertEqual((reply["type"], reply["code"]), ("error", 12))
        self.assert_still_serving(driver)

    def test_a_body_with_a_non_string_type_is_answered_with_malformed_request(self):
        driver = self.drive(echo_node())
        reply = driver.rpc("c1", {"type": 42})
        self.assertEqual((reply["type"], reply["code"]), ("error", 12))
        self.assert_still_serving(driver)

    def test_a_line_that_is_not_json_is_logged_and_skipped(self):
        driver = self.drive(echo_node())
        driver.write(b"this is not json\n")
        self.assert_still_serving(driver)
        self.assertIn("this is not json", driver.wait_for_log("not JSON"))

    def test_a_body_that_is_not_an_object_is_logged_and_skipped(self):
        driver = self.drive(echo_node())
        driver.write(b'{"src":"c1","dest":"n1","body":[1,2]}\n')
        self.assert_still_serving(driver)
        driver.wait_for_log("object body")

    def test_a_crashing_handler_is_answered_with_error_13_naming_the_exception(self):
        node = echo_node()

        @node.on("boom")
        def boom(msg: Message) -> None:
            raise ZeroDivisionError("no can do")
        driver = self.drive(node)
        reply = driver.rpc("c1", {"type": "boom"})
        self.assertEqual((reply["type"], reply["code"]), ("error", ErrorCode.CRASH))
        self.assertIn("ZeroDivisionError: no can do", reply["text"])
        self.assert_still_serving(driver)

    def test_a_crashing_handler_is_logged_with_its_traceback(self):
        node = echo_node()

        @node.on("boom")
        def boom(msg: Message) -> None:
            raise ZeroDivisionError("no can do")
        driver = self.drive(node)
        driver.rpc("c1", {"type": "boom"})
        self.assertIn("Traceback", driver.wait_for_log("ZeroDivisionError"))

    def test_a_crashing_async_handler_is_answered_with_error_13(self):
        node = echo_node()

        @node.on("boom")
        async def boom(msg: Message) -> None:
            await asyncio.sleep(0)
            raise KeyError("gone")
        driver = self.drive(node)
        reply = driver.rpc("c1", {"type": "boom"})
        self.assertEqual((reply["type"], reply["code"]), ("error", ErrorCode.CRASH))
        self.assert_still_serving(driver)

    def test_a_handler_that_raises_after_replying_sends_no_second_reply(self):
        # Issue 20: the same request got its reply, then an error 13.
        node = echo_node()

        @node.on("boom")
        def boom(msg: Message) -> None:
            node.reply(msg, {"type": "boom_ok"})
            raise ZeroDivisionError("after the reply")

        @node.on("aboom")
        async def aboom(msg: Message) -> None:
            node.reply(msg, {"type": "aboom_ok"})
            await asyncio.sleep(0)
            raise ZeroDivisionError("after the reply")
        driver = self.drive(node)
        for kind in ("boom", "aboom"):
            with self.subTest(kind):
                self.assertEqual(driver.rpc("c1", {"type": kind})["type"], f"{kind}_ok")
                self.assert_still_serving(driver)
                self.assertEqual(driver.unclaimed(), [])   # no error reply came between
        self.assertIn("raised after answering", driver.wait_for_log("after the reply"))

    def test_an_rpc_error_raised_by_a_handler_becomes_its_error_reply(self):
        node = Node()

        @node.on("txn")
        def txn(msg: Message) -> None:
            raise RPCError(ErrorCode.TXN_CONFLICT, "lost the race")
        driver = self.drive(node)
        self.assertEqual(driver.rpc("c1", {"type": "txn"}), {
            "type": "error", "code": 30, "text": "lost the race", "in_reply_to": 2})

    def test_a_body_that_json_cannot_express_is_a_crash_not_invalid_output(self):
        node = echo_node()

        @node.on("nan")
        def nan(msg: Message) -> None:
            node.reply(msg, {"type": "nan_ok", "value": float("nan")})
        driver = self.drive(node)
        self.assertEqual(driver.rpc("c1", {"type": "nan"})["code"], ErrorCode.CRASH)


class SendAndRpcTest(LibraryTest):
    def test_send_writes_exactly_src_dest_and_body(self):
        node = echo_node()

        @node.on("tell")
        def tell(msg: Message) -> None:
            node.send("n2", {"type": "news", "value": 3})
        driver = self.drive(node)
        driver.send("c1", {"type": "tell"})
        self.assertEqual(driver.recv(), {"src": "n1", "dest": "n2",
                                         "body": {"type": "news", "value": 3}})

    def test_rpc_requests_are_numbered_from_1(self):
        node = Node()

        @node.on("go")
        async def go(msg: Message) -> None:
            for _ in range(2):
                await node.rpc("n2", {"type": "ping"})
        driver = self.drive(node)
        driver.send("c1", {"type": "go"})
        for expected in (1, 2):
            request = driver.recv()
            self.assertEqual(request["body"], {"type": "ping", "msg_id": expected})
            driver.send("n2", {"type": "ping_ok", "in_reply_to": expected})

    def test_rpc_returns_the_reply_body(self):
        node = Node()

        @node.on("ask")
        async def ask(msg: Message) -> None:
            answer = await node.rpc("n2", {"type": "question"})
            node.reply(msg, {"type": "ask_ok", "answer": answer})
        driver = self.drive(node)
        driver.send("c1", {"type": "ask", "msg_id": 1})
        question = driver.recv()
        driver.send("n2", {"type": "answer", "x": 42,
                           "in_reply_to": question["body"]["msg_id"]})
        self.assertEqual(driver.recv()["body"]["answer"],
                         {"type": "answer", "x": 42, "in_reply_to": 1})

    def rpc_outcome(self, reply_body: dict | None, timeout: float = 5.0) -> dict:
        """What a node's rpc raised, when the callee answers with ``reply_body`` (or not at
        all, if None)."""
        node = echo_node()

        @node.on("ask")
        async def ask(msg: Message) -> None:
            try:
                await node.rpc("n2", {"type": "question"}, timeout=timeout)
            except RPCError as exc:
                node.reply(msg, {"type": "raised", "class": type(exc).__name__,
                                 "code": exc.code, "text": exc.text})
        driver = self.drive(node)
        driver.send("c1", {"type": "ask", "msg_id": 1})
        question = driver.recv()
        if reply_body is not None:
            driver.send("n2", {**reply_body, "in_reply_to": question["body"]["msg_id"]})
        return driver.recv()["body"]

    def test_an_error_reply_raises_rpc_error_with_its_code_and_text(self):
        outcome = self.rpc_outcome({"type": "error", "code": 11, "text": "busy"})
        self.assertEqual((outcome["class"], outcome["code"], outcome["text"]),
                         ("RPCError", 11, "busy"))

    def test_error_20_raises_key_does_not_exist(self):
        outcome = self.rpc_outcome({"type": "error", "code": 20, "text": "no key"})
        self.assertEqual(outcome["class"], KeyDoesNotExist.__name__)

    def test_error_22_raises_precondition_failed(self):
        outcome = self.rpc_outcome({"type": "error", "code": 22, "text": "mismatch"})
        self.assertEqual(outcome["class"], PreconditionFailed.__name__)

    def test_an_rpc_with_no_reply_raises_a_timeout_with_code_0(self):
        outcome = self.rpc_outcome(None, timeout=0.05)
        self.assertEqual((outcome["class"], outcome["code"]), ("RPCTimeout", 0))

    def test_a_reply_after_the_timeout_is_dropped_silently(self):
        node = echo_node()

        @node.on("ask")
        async def ask(msg: Message) -> None:
            try:
                await node.rpc("n2", {"type": "question"}, timeout=0.05)
            except RPCError:
                node.reply(msg, {"type": "gave_up"})
        driver = self.drive(node)
        driver.send("c1", {"type": "ask", "msg_id": 1})
        question = driver.recv()
        self.assertEqual(driver.recv()["body"]["type"], "gave_up")
        driver.send("n2", {"type": "answer", "in_reply_to": question["body"]["msg_id"]})
        self.assert_still_serving(driver)   # ...and nothing was written for the late answer

    def test_log_writes_a_line_to_stderr(self):
        node = echo_node()
        node.on_init(lambda: node.log("hello", "from", node.node_id))
        driver = self.drive(node)
        driver.wait_for_log("hello from n1\n")


class BackgroundTest(LibraryTest):
    def test_every_runs_its_function_repeatedly_after_init(self):
        node = Node()
        node.every(0.01)(lambda: node.send("c9", {"type": "tick"}))
        driver = self.drive(node)
        self.assertEqual([driver.recv()["body"]["type"] for _ in range(3)], ["tick"] * 3)

    def test_a_timer_registered_by_an_init_hook_runs_once_per_period(self):
        node = Node()
        calls: list[float] = []

        @node.on_init
        def start() -> None:
            node.every(0.2)(lambda: calls.append(time.monotonic()))
        self.drive(node)
        deadline = time.monotonic() + 10
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(len(calls), 3)
        gaps = [b - a for a, b in zip(calls, calls[1:])]
        self.assertGreater(min(gaps), 0.1, "two copies of the timer are running")

    def test_every_accepts_coroutine_functions(self):
        node = Node()

        @node.every(0.01)
        async def tick() -> None:
            await asyncio.sleep(0)
            node.send("c9", {"type": "tick"})
        driver = self.drive(node)
        self.assertEqual([driver.recv()["body"]["type"] for _ in range(2)], ["tick"] * 2)

    def test_a_failing_periodic_run_is_logged_and_the_next_run_still_happens(self):
        node = Node()
        runs = []

        @node.every(0.01)
        def flaky() -> None:
            runs.append(1)
            if len(runs) == 1:
                raise RuntimeError("first run fails")
            node.send("c9", {"type": "tick"})
        driver = self.drive(node)
        self.assertEqual(driver.recv()["body"]["type"], "tick")
        driver.wait_for_log("first run fails")

    def test_a_failing_spawned_task_is_logged(self):
        node = echo_node()

        async def doomed() -> None:
            raise RuntimeError("background failure")

        @node.on("start")
        def start(msg: Message) -> None:
            node.spawn(doomed())
        driver = self.drive(node)
        driver.send("c1", {"type": "start"})
        driver.wait_for_log("background failure")
        self.assert_still_serving(driver)


class GivenUpClientsTest(LibraryTest):
    """A client waits 5 s, then gives up and may be closed; a reply to a closed client
    silences the node (docs/maelstrom.md §2.8). Here a client's patience is 0.2 s."""

    def setUp(self):
        for name, value in (("PATIENCE_S", 0.2), ("TICK_S", 0.05)):
            patcher = mock.patch(f"common.node.{name}", value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def counting_node(self) -> tuple[Node, list]:
        """``add`` (answered at once) and ``slow_add`` (after 0.3 s) count; ``stall`` blocks
        the node's loop for ``seconds``, as a SIGSTOP stops it."""
        node, added = echo_node(), []

        @node.on("add")
        def add(msg: Message) -> None:
            added.append(msg.src)
            node.reply(msg, {"type": "add_ok"})

        @node.on("slow_add")
        async def slow_add(msg: Message) -> None:
            await asyncio.sleep(0.3)
            added.append(msg.src)
            node.reply(msg, {"type": "slow_add_ok"})

        @node.on("stall")
        def stall(msg: Message) -> None:
            node.log("stalling")
            time.sleep(msg.body["seconds"])
        return node, added

    def stall_then_send(self, driver: NodeDriver, seconds: float, *requests: tuple[str, int]) -> None:
        """Stop the node's loop for ``seconds``, and send it requests meanwhile."""
        driver.send("c9", {"type": "stall", "seconds": seconds})
        driver.wait_for_log("stalling")
        for src, msg_id in requests:
            driver.send(src, {"type": "add", "msg_id": msg_id})

    def test_a_request_held_longer_than_its_client_waits_is_handled_but_not_answered(self):
        node, added = self.counting_node()
        driver = self.drive(node, "n1", ["n1", "n2"])
        driver.send("c2", {"type": "slow_add", "msg_id": 7})
        self.assert_still_serving(driver)   # answered first: the slow one is still waiting
        driver.wait_for_log("not answering c2's slow_add 7")
        self.assert_still_serving(driver)
        self.assertEqual(driver.unclaimed(), [])
        self.assertEqual(added, ["c2"])

    def test_client_requests_that_piled_up_during_a_long_stall_are_handled_not_answered(self):
        node, added = self.counting_node()
        driver = self.drive(node, "n1", ["n1", "n2"])
        self.stall_then_send(driver, 0.5, ("c2", 1), ("c3", 2))
        driver.wait_for_log("not answering c3's add 2")
        self.assert_still_serving(driver)   # asked after the stall: answered
        self.assertEqual(driver.unclaimed(), [])
        self.assertEqual(added, ["c2", "c3"])

    def test_a_peers_request_that_piled_up_is_answered(self):
        node, _ = self.counting_node()
        driver = self.drive(node, "n1", ["n1", "n2"])
        self.stall_then_send(driver, 0.5, ("n2", 1))
        self.assertEqual(driver.recv()["body"], {"type": "add_ok", "in_reply_to": 1})

    def test_requests_that_piled_up_during_a_short_stall_are_answered(self):
        node, _ = self.counting_node()
        driver = self.drive(node, "n1", ["n1", "n2"])
        self.stall_then_send(driver, 0.1, ("c2", 1))
        self.assertEqual(driver.recv()["body"], {"type": "add_ok", "in_reply_to": 1})


class RunTest(unittest.TestCase):
    def test_run_answers_all_input_then_returns_at_end_of_input(self):
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        os.write(stdin_write, b'{"src":"c0","dest":"n1","body":{"type":"init","node_id":"n1",'
                              b'"node_ids":["n1"],"msg_id":1}}\n'
                              b'{"src":"c1","dest":"n1","body":{"type":"echo","echo":"last",'
                              b'"msg_id":2}}')   # the final line has no newline
        os.close(stdin_write)
        runner = threading.Thread(target=echo_node().run,
                                  args=(stdin_read, stdout_write, stdout_write))
        runner.start()
        runner.join(timeout=5)
        self.assertFalse(runner.is_alive())
        os.close(stdout_write)
        with os.fdopen(stdout_read, "rb") as out:
            lines = out.read().splitlines()
        os.close(stdin_read)
        self.assertEqual(len(lines), 2)
        self.assertIn(b'"echo":"last"', lines[1])


if __name__ == "__main__":
    unittest.main()
