"""Node stdout lines are accepted or rejected exactly as Maelstrom's reader does (docs/maelstrom.md §2.8)."""
from __future__ import annotations

import json
import unittest

from tests.harness.network import Envelope, message_text
from tests.harness.process import BadLine, _parse, _split_lines, delivery_line, parse_line


class AcceptedLines(unittest.TestCase):
    def test_a_plain_message(self):
        self.assertEqual(parse_line('{"src":"n1","dest":"c1","body":{"type":"x"}}\n'),
                         {"src": "n1", "dest": "c1", "body": {"type": "x"}})

    def test_anything_after_the_first_json_value_is_ignored(self):
        self.assertEqual(parse_line('{"src":"n1","dest":"c1","body":{}} trailing junk')["body"], {})

    def test_a_missing_or_null_body_becomes_an_empty_object(self):
        self.assertEqual(parse_line('{"src":"n1","dest":"c1"}')["body"], {})
        self.assertEqual(parse_line('{"src":"n1","dest":"c1","body":null}')["body"], {})

    def test_an_integer_id_is_allowed_and_ignored(self):
        self.assertNotIn("id", parse_line('{"id":7,"src":"n1","dest":"c1","body":{}}'))


class RejectedLines(unittest.TestCase):
    def test_each_is_a_bad_line(self):
        for line in ("", "   ", "hello", "null", "[1,2]", '"s"', "42",
                     '{"src":"n1","dest":"c1","body":{"x":NaN}}',
                     '{"src":"n1","dest":"c1","body":{"x":Infinity}}',
                     "{'src':'n1'}",
                     '{"src":"n1","dest":"c1","body":{},"extra":1}',
                     '{"dest":"c1","body":{}}',
                     '{"src":1,"dest":"c1","body":{}}',
                     '{"src":"n1","dest":"c1","body":[1]}',
                     '{"src":"n1","dest":"c1","body":{},"id":"7"}',
                     '{', '{"src":"n1"', '{"src":"n1",}', '{"src" "n1"}', '{"src":"n1" "dest":"c1"}',
                     '{"src":"n1","dest":"c1","body":{}', '{"src":"n1","dest":"c1","body":{"x":[}}',
                     '{"src":"n1","dest":"c1","body":' + "[" * 100000 + "]" * 100000 + "}"):
            with self.subTest(line=line), self.assertRaises(BadLine):
                parse_line(line)


class LineSplitting(unittest.TestCase):
    def test_long_lines_are_split_exactly_as_short_ones(self):
        for text in ("a" * 5000 + "\n" + "b" * 3000 + "\n\n" + "c" * 10,   # found with find()
                     "short\n" + "x" * 9000 + "\nend",                       # with split()
                     "y" * 8000, "\n" + "z" * 6000 + "\n"):
            self.assertEqual(_split_lines(text), text.split("\n"))


class DeliveredBytes(unittest.TestCase):
    def delivered(self, line: str) -> str:
        msg, raw_body = _parse(line)
        envelope = Envelope(id=5, src=msg["src"], dest=msg["dest"], body=msg["body"])
        envelope.text = message_text(envelope, raw_body)
        return delivery_line(envelope)

    def test_a_body_reaches_the_receiver_as_its_sender_wrote_it(self):
        line = r'{ "body" : {"type": "gossip", "text": "d\u00e9j\u00e0 ' + "\u00e9t\u00e9" + r'"} , "src":"n1","dest":"n2"}'
        body = r'{"type": "gossip", "text": "d\u00e9j\u00e0 ' + "\u00e9t\u00e9" + '"}'
        self.assertEqual(self.delivered(line), '{"id":5,"src":"n1","dest":"n2","body":' + body + "}\n")

    def test_what_is_delivered_decodes_to_what_was_parsed(self):
        line = '{"src":"n1","dest":"n2","body":{"a":[1,2.5,{"b":null}],"c":"x"}} junk'
        self.assertEqual(json.loads(self.delivered(line)),
                         {"id": 5, "src": "n1", "dest": "n2", "body": parse_line(line)["body"]})

    def test_a_missing_body_is_delivered_as_an_empty_object(self):
        self.assertEqual(self.delivered('{"src":"n1","dest":"n2"}'), '{"id":5,"src":"n1","dest":"n2","body":{}}\n')


class RepeatedBodies(unittest.TestCase):
    """A node that gossips sends one big body to many peers in a row; decoding each copy
    was most of what such a burst cost the harness, so a body is decoded once while it
    repeats on its way to other nodes."""

    BODY = json.dumps({"type": "gossip", "messages": list(range(300))})

    def line(self, dest: str, body: str | None = None, after: str = "") -> str:
        return f'{{"src":"n1","dest":"{dest}","body":{body or self.BODY}{after}}}'

    def decodes(self, *lines: str) -> tuple[int, list]:
        from unittest import mock
        from tests.harness import process
        with mock.patch.object(process, "_last_node_body", None), \
                mock.patch.object(process, "_scan_value", wraps=process._scan_value) as scan:
            parsed = [_parse(line) for line in lines]
        return scan.call_count, parsed

    def test_a_big_body_sent_to_several_nodes_in_a_row_is_decoded_once(self):
        count, parsed = self.decodes(*(self.line(f"n{i}") for i in range(2, 6)))
        self.assertEqual(count, 1)
        self.assertEqual([(m["dest"], m["body"], raw) for m, raw in parsed],
                         [(f"n{i}", json.loads(self.BODY), self.BODY) for i in range(2, 6)])

    def test_a_body_for_a_client_or_a_service_is_decoded_afresh(self):
        count, parsed = self.decodes(self.line("n2"), self.line("c4"), self.line("lin-kv"))
        self.assertEqual(count, 3)
        self.assertIsNot(parsed[1][0]["body"], parsed[0][0]["body"])

    def test_a_different_body_is_decoded(self):
        other = self.BODY.replace("299", "300")
        count, parsed = self.decodes(self.line("n2"), self.line("n3", other))
        self.assertEqual(count, 2)
        self.assertEqual(parsed[1][0]["body"]["messages"][-1], 300)

    def test_a_line_going_on_after_a_repeated_body_is_still_judged_whole(self):
        with self.assertRaises(BadLine):
            self.decodes(self.line("n2"), self.line("n3", after=',"extra":1'))


if __name__ == "__main__":
    unittest.main()
