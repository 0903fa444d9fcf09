"""The echo checker (docs/maelstrom.md §6.1) on hand-made histories."""
from __future__ import annotations

import random
import unittest

from tests.harness.options import Options
from tests.harness.workloads.echo import Echo


def history(*pairs: tuple) -> list[dict]:
    """Each ``(sent, kind, completion value)`` becomes an echo invoke and its completion."""
    out = []
    for process, (sent, kind, value) in enumerate(pairs):
        for op_type, op_value in (("invoke", sent), (kind, value)):
            out.append({"index": len(out), "time": len(out) * 1_000_000, "type": op_type,
                        "process": process, "f": "echo", "value": op_value})
    return out


def check(*pairs: tuple) -> dict:
    return Echo(Options(), random.Random(0)).check(history(*pairs))


class EchoChecker(unittest.TestCase):
    def test_echoed_body_is_valid(self):
        result = check(("Please echo 7", "ok", {"type": "echo_ok", "echo": "Please echo 7", "in_reply_to": 1}))
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["errors"], [])

    def test_different_echo_is_an_error(self):
        got = {"type": "echo_ok", "echo": "Please echo 8"}
        result = check(("Please echo 7", "ok", got))
        self.assertIs(result["valid?"], False)
        self.assertEqual(result["errors"], [["Expected a message with :echo", "Please echo 7", "But received", got]])

    def test_failed_echo_counts_as_an_error(self):
        # QUIRK: a fail's value is the sent string, which has no echo field.
        result = check(("Please echo 7", "fail", "Please echo 7"))
        self.assertIs(result["valid?"], False)
        self.assertEqual(len(result["errors"]), 1)

    def test_indeterminate_echo_is_skipped(self):
        result = check(("Please echo 7", "info", "Please echo 7"))
        self.assertIs(result["valid?"], True)


if __name__ == "__main__":
    unittest.main()
