"""What the node library does with input it must not trust: common/wire.py (lines, parse-time
limits), common/schema.py (declared request shapes) and requests before init.

Every refusal is a definite error reply (12, or 11 before init) that names the problem, and
the node answers the next request as if the bad one had never come.
"""
from __future__ import annotations

import json
import unittest
from typing import Literal

from common import ErrorCode, Message, Natural, Node
from common.schema import Shape
from common.testing import NodeDriver
from common.wire import MAX_DEPTH, Lines, decode


def line(body: dict, src: str = "c1", dest: str = "n1") -> bytes:
    return json.dumps({"src": src, "dest": dest, "body": body}).encode() + b"\n"


def store_node() -> tuple[Node, list]:
    """A node that stores what ``put`` declares as an integer, and echoes anything."""
    node, stored = Node(), []

    @node.on("put", value=int)
    def put(msg: Message) -> None:
        stored.append(msg.body["value"])
        node.reply(msg, {"type": "put_ok"})

    @node.on("echo", echo=object)
    def echo(msg: Message) -> None:
        node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})
    return node, stored


class InputTest(unittest.TestCase):
    def drive(self, node: Node, init: bool = True) -> NodeDriver:
        driver = NodeDriver(node)
        self.addCleanup(driver.close)
        if init:
            driver.init("n1")
        return driver

    def assert_refused(self, reply: dict, code: ErrorCode, *words: str) -> None:
        self.assertEqual((reply["type"], reply["code"]), ("error", code), reply)
        for word in words:
            self.assertIn(word, reply["text"])

    def test_deep_nesting_is_refused_and_the_rest_of_the_write_is_still_served(self):
        driver = self.drive(store_node()[0])
        deep = b'{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":7,"echo":' \
               + b"[" * 1000 + b"]" * 1000 + b"}}\n"
        driver.write(deep + line({"type": "echo", "echo": "after", "msg_id": 8}))
        self.assert_refused(driver.recv()["body"], ErrorCode.MALFORMED_REQUEST, "nested deeper")
        self.assertEqual(driver.recv()["body"]["echo"], "after")

    def test_nesting_up_to_the_limit_is_served(self):
        driver = self.drive(store_node()[0])
        value = json.loads("[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2))
        self.assertEqual(driver.rpc("c1", {"type": "echo", "echo": value})["echo"], value)

    def test_non_finite_numbers_are_refused_with_malformed_request(self):
        node, stored = store_node()
        driver = self.drive(node)
        for number in (b"NaN", b"Infinity", b"-Infinity", b"1e400"):
            with self.subTest(number=number):
                driver.write(b'{"src":"c1","dest":"n1","body":{"type":"put","msg_id":3,"value":'
                             + number + b"}}\n")
                self.assert_refused(driver.recv()["body"], ErrorCode.MALFORMED_REQUEST)
        self.assertEqual(stored, [])
        self.assertEqual(driver.rpc("c1", {"type": "echo", "echo": 1.5})["echo"], 1.5)

    def test_an_over_long_integer_is_refused_with_malformed_request(self):
        driver = self.drive(store_node()[0])
        driver.write(b'{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":3,"echo":'
                     + b"9" * 5000 + b"}}\n")
        self.assert_refused(driver.recv()["body"], ErrorCode.MALFORMED_REQUEST, "4300 digits")

    def test_a_field_of_the_wrong_type_is_refused_naming_field_and_value(self):
        node, stored = store_node()
        driver = self.drive(node)
        for value in ("x", 1.5, True, None, [1], {"a": 1}):
            with self.subTest(value=value):
                reply = driver.rpc("c1", {"type": "put", "value": value})
                self.assert_refused(reply, ErrorCode.MALFORMED_REQUEST,
                                    "put: value must be an integer", json.dumps(value))
        self.assertEqual(stored, [])

    def test_a_missing_field_is_refused_with_malformed_request(self):
        driver = self.drive(store_node()[0])
        self.assert_refused(driver.rpc("c1", {"type": "put"}), ErrorCode.MALFORMED_REQUEST,
                            "missing field 'value'")

    def test_a_request_before_init_gets_error_11_from_the_id_it_was_sent_to(self):
        node, stored = store_node()
        driver = self.drive(node, init=False)
        driver.send("c1", {"type": "put", "value": 1, "msg_id": 1}, dest="n7")
        reply = driver.recv()
        self.assertEqual(reply["src"], "n7")
        self.assert_refused(reply["body"], ErrorCode.TEMPORARILY_UNAVAILABLE, "before init")
        self.assertEqual(stored, [])
        driver.init("n7")
        self.assertEqual(driver.rpc("c1", {"type": "put", "value": 1})["type"], "put_ok")

    def test_a_bad_init_is_refused_with_malformed_request(self):
        driver = self.drive(store_node()[0], init=False)
        reply = driver.rpc("c0", {"type": "init", "node_id": "n1", "node_ids": ["n1", 2]})
        self.assert_refused(reply, ErrorCode.MALFORMED_REQUEST, "node_ids[1] must be a string")


class LinesTest(unittest.TestCase):
    def test_lines_split_across_reads_come_out_whole(self):
        lines = Lines()
        self.assertEqual(lines.feed(b'{"a"'), [])
        self.assertEqual(lines.feed(b":1}\n{"), [b'{"a":1}'])
        self.assertEqual(lines.feed(b"}\n"), [b"{}"])
        self.assertEqual(lines.rest(), b"")

    def test_a_long_line_is_not_joined_until_its_newline_arrives(self):
        # Joining on every read copied the line once per read: quadratic in its length.
        lines = Lines()
        for _ in range(1000):
            self.assertEqual(lines.feed(b"x" * 1024), [])
        self.assertEqual(len(lines.pieces), 1000)
        self.assertEqual(lines.feed(b"\n"), [b"x" * 1024 * 1000])

    def test_what_follows_the_last_newline_is_the_rest(self):
        lines = Lines()
        lines.feed(b"{}\n{")
        self.assertEqual(lines.rest(), b"{")


class DecodeTest(unittest.TestCase):
    def test_a_good_line_decodes_with_no_reason(self):
        self.assertEqual(decode(b'{"src":"c1","body":{"x":1.5}}'),
                         ({"src": "c1", "body": {"x": 1.5}}, None))

    def test_a_refused_line_keeps_only_its_envelope(self):
        message, reason = decode(b'{"src":"c1","dest":"n1","body":{"type":"t","msg_id":4,'
                                 b'"x":[NaN]}}')
        self.assertEqual(message, {"src": "c1", "dest": "n1",
                                   "body": {"type": "t", "msg_id": 4}})
        self.assertIn("NaN", reason)

    def test_brackets_inside_strings_do_not_count_as_nesting(self):
        text = json.dumps({"src": "c1", "body": {"s": "[" * 500}}).encode()
        self.assertIsNone(decode(text)[1])

    def test_a_line_that_is_not_json_raises(self):
        with self.assertRaises(ValueError):
            decode(b"{not json")


class ShapeTest(unittest.TestCase):
    def problem(self, spec: object, value: object) -> str | None:
        return Shape({"f": spec}).problem({"f": value})

    def test_an_integer_is_not_a_boolean_or_a_float(self):
        self.assertIsNone(self.problem(int, 3))
        self.assertIsNotNone(self.problem(int, True))
        self.assertIsNotNone(self.problem(int, 3.0))

    def test_natural_refuses_negative_integers(self):
        self.assertIsNone(self.problem(Natural, 0))
        self.assertEqual(self.problem(Natural, -5), "f must be an integer >= 0, not -5")

    def test_a_list_names_the_position_of_its_bad_element(self):
        self.assertEqual(self.problem(list[int], [1, "x"]), 'f[1] must be an integer, not "x"')

    def test_an_object_names_the_key_of_its_bad_value(self):
        self.assertEqual(self.problem(dict[str, int], {"k": None}),
                         'f["k"] must be an integer, not null')

    def test_a_tuple_needs_exactly_its_columns(self):
        row = tuple[Literal["r", "w"], int]
        self.assertIsNone(self.problem(row, ["r", 1]))
        self.assertIsNotNone(self.problem(row, ["r", 1, 2]))
        self.assertEqual(self.problem(row, ["append", 1]),
                         'f[0] must be one of "r", "w", not "append"')

    def test_a_field_that_admits_null_may_be_missing(self):
        self.assertIsNone(Shape({"f": int | None}).problem({}))
        self.assertEqual(Shape({"f": int}).problem({}), "missing field 'f' (an integer)")

    def test_an_unknown_shape_is_refused_when_declared(self):
        with self.assertRaises(TypeError):
            Shape({"f": set})


if __name__ == "__main__":
    unittest.main()
