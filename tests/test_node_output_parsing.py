"""Node stdout lines are accepted or rejected exactly as Maelstrom's reader does (docs/maelstrom.md §2.8)."""
from __future__ import annotations

import unittest

from tests.harness.process import BadLine, parse_line


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
                     '{"src":"n1","dest":"c1","body":{},"id":"7"}'):
            with self.subTest(line=line), self.assertRaises(BadLine):
                parse_line(line)


if __name__ == "__main__":
    unittest.main()
