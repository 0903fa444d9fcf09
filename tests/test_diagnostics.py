"""Naming a node's classic mistakes: which message is which mistake, and how often the
console hears about it."""
from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

from tests.harness.diagnostics import REPEAT_S, Diagnostics, crlf_shebang


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def diagnostics() -> tuple[Diagnostics, list[str], FakeClock]:
    lines: list[str] = []
    clock = FakeClock()
    return Diagnostics(lines.append, clock), lines, clock


class Classification(unittest.TestCase):
    def kinds(self, d: Diagnostics) -> list[str]:
        return [m["kind"] for m in d.summary()]

    def test_a_log_line_on_stdout_is_told_to_go_to_stderr(self):
        d, lines, _ = diagnostics()
        d.bad_line("n1", "Starting up\n", "not JSON")
        self.assertEqual(self.kinds(d), ["not-json-on-stdout"])
        self.assertIn("log to stderr", lines[0])
        self.assertIn("n1", lines[0])
        self.assertIn("Starting up", lines[0])

    def test_json_with_a_wrong_envelope_is_a_bad_message_not_a_log_line(self):
        d, lines, _ = diagnostics()
        d.bad_line("n1", '{"src": "n1", "body": {}}\n', "src and dest must be strings")
        self.assertEqual(self.kinds(d), ["bad-message"])
        self.assertIn("src and dest must be strings", lines[0])

    def test_a_reply_of_the_wrong_type_names_the_expected_type(self):
        d, lines, _ = diagnostics()
        d.reply_to_client("c3", {"type": "echo", "in_reply_to": 2}, 2, (2, "echo"), "n0")
        self.assertEqual(self.kinds(d), ["wrong-reply-type"])
        self.assertIn("echo_ok", lines[0])
        self.assertIn("c3", lines[0])

    def test_an_error_reply_is_not_a_wrong_type(self):
        d, _, _ = diagnostics()
        d.reply_to_client("c3", {"type": "error", "code": 11, "in_reply_to": 2}, 2, (2, "echo"), "n0")
        self.assertEqual(d.summary(), [])

    def test_a_reply_without_in_reply_to_is_named(self):
        d, lines, _ = diagnostics()
        d.reply_to_client("c3", {"type": "echo_ok"}, 1, (1, "echo"), "n0")
        self.assertEqual(self.kinds(d), ["missing-in-reply-to"])
        self.assertIn("msg_id", lines[0])

    def test_an_in_reply_to_that_is_not_an_integer_is_wrong(self):
        d, _, _ = diagnostics()
        d.reply_to_client("c3", {"type": "echo_ok", "in_reply_to": "1"}, 1, (1, "echo"), "n0")
        self.assertEqual(self.kinds(d), ["wrong-in-reply-to"])

    def test_a_reply_to_a_msg_id_the_client_never_sent_is_named(self):
        d, lines, _ = diagnostics()
        d.reply_to_client("c3", {"type": "echo_ok", "in_reply_to": 7}, 2, (2, "echo"), "n0")
        self.assertEqual(self.kinds(d), ["reply-never-requested"])
        self.assertIn("never sent a msg_id 7", lines[0])

    def test_a_late_reply_to_an_earlier_request_is_not_a_mistake(self):
        # A reply that arrives after its request timed out is normal under partitions.
        d, _, _ = diagnostics()
        d.reply_to_client("c3", {"type": "echo_ok", "in_reply_to": 1}, 2, (2, "echo"), "n0")
        d.reply_to_client("c3", {"type": "echo_ok", "in_reply_to": 1}, 2, None, "n0")
        self.assertEqual(d.summary(), [])

    def test_an_exit_names_the_status_and_the_last_stderr_line(self):
        d, lines, _ = diagnostics()
        d.node_exited("n2", 1, "ZeroDivisionError: division by zero")
        self.assertIn("status 1", lines[0])
        self.assertIn("ZeroDivisionError", lines[0])
        self.assertIn("node-logs/n2.log", lines[0])


class RateLimit(unittest.TestCase):
    def test_repeats_within_the_interval_are_counted_not_printed(self):
        d, lines, clock = diagnostics()
        for node in ("n0", "n1", "n2"):
            d.bad_line(node, "hello\n", "not JSON")
        self.assertEqual(len(lines), 1)
        self.assertEqual([m["count"] for m in d.summary()], [1, 1, 1])

    def test_the_next_line_after_the_interval_says_how_many_were_not_printed(self):
        d, lines, clock = diagnostics()
        for _ in range(4):
            d.reply_to_client("c1", {"type": "echo_ok"}, 1, None, "n0")
        clock.now = REPEAT_S
        d.reply_to_client("c1", {"type": "echo_ok"}, 1, None, "n0")
        self.assertEqual(len(lines), 2)
        self.assertIn("3 more like it", lines[1])
        self.assertEqual(d.summary()[0]["count"], 5)

    def test_different_mistakes_are_each_printed(self):
        d, lines, _ = diagnostics()
        d.bad_line("n0", "hello\n", "not JSON")
        d.node_exited("n0", 1, None)
        self.assertEqual(len(lines), 2)


class Diagnoses(unittest.TestCase):
    def kinds(self, d: Diagnostics) -> list[str]:
        return [m["kind"] for m in d.summary()]

    def test_an_error_13_reply_names_the_exception_and_the_node_log(self):
        d, lines, _ = diagnostics()
        d.crashed("n2", "c4", "echo", {"type": "error", "code": 13, "text": "KeyError: 'x'"})
        self.assertEqual(self.kinds(d), ["handler-crashed"])
        self.assertIn("KeyError: 'x'", lines[0])
        self.assertIn("node-logs/n2.log", lines[0])

    def test_replies_held_while_the_node_wrote_nothing_are_blocking(self):
        d, lines, _ = diagnostics()
        d.previous_output = lambda node: 9.0
        d.slow_reply("n0", "c1", "echo", 10.0, 12.0)
        self.assertEqual(d.summary(), [])       # once may be a machine too busy to run it
        d.slow_reply("n0", "c1", "echo", 10.0, 12.5)
        self.assertEqual(self.kinds(d), ["blocking-handler"])
        self.assertIn("held c1's 'echo' request for 2.5 s", lines[0])

    def test_a_node_still_starting_is_not_blocking(self):
        d, _, _ = diagnostics()
        d.previous_output = lambda node: 0.0    # it has written nothing yet
        for _ in range(3):
            d.slow_reply("n0", "c1", "echo", 10.0, 12.0)
            d.slow_reply("n0", "c1", "init", 10.0, 12.0)
        self.assertEqual(d.summary(), [])

    def test_a_slow_reply_from_a_node_that_kept_writing_is_not_blocking(self):
        d, _, _ = diagnostics()
        d.previous_output = lambda node: 11.0     # it wrote something after the request
        d.slow_reply("n0", "c1", "echo", 10.0, 12.0)
        self.assertEqual(d.summary(), [])

    def test_a_reply_held_by_a_node_the_nemesis_paused_meanwhile_is_not_blocking(self):
        d, _, _ = diagnostics()
        d.previous_output = lambda node: 9.0
        d.disturbed_since = lambda node, since: node == "n0" and since <= 10.5
        d.slow_reply("n0", "c1", "echo", 10.0, 12.0)
        self.assertEqual(d.summary(), [])

    def test_a_late_reply_to_a_closed_client_says_the_client_gave_up_not_that_the_message_is_bad(self):
        # The network's words for it (network.CLOSED_CLIENT): a paused node answers late.
        d, lines, _ = diagnostics()
        d.bad_line("n1", '{"src":"n1","dest":"c4","body":{"type":"echo_ok","in_reply_to":1}}',
                   "Invalid dest for message {...}: c4 is a client that has already been closed")
        self.assertEqual(self.kinds(d), ["reply-to-closed-client"])
        self.assertIn("answered c4 after c4 had given up waiting", lines[0])
        self.assertIn("pauses", lines[0])

    def test_a_restart_that_failed_names_the_node_and_its_working_directory(self):
        d, lines, _ = diagnostics()
        d.restart_failed("n2", "node n2 did not answer init within 10 s after its restart\nlast lines: ...")
        self.assertEqual(self.kinds(d), ["restart-failed"])
        self.assertIn("n2 did not come back after the nemesis restarted it: node n2 did not answer init", lines[0])
        self.assertIn("node-data/n2/", lines[0])

    def test_blocking_means_far_longer_than_the_network_delay(self):
        d, _, _ = diagnostics()
        self.assertEqual(d.blocking_s, 1.0)
        d.latency_ms = 500
        self.assertEqual(d.blocking_s, 5.0)

    def test_a_null_in_reply_to_between_nodes_is_named(self):
        d, lines, _ = diagnostics()
        d.null_in_reply_to("n1", "n0", {"type": "gossip_ok", "in_reply_to": None})
        self.assertEqual(self.kinds(d), ["null-in-reply-to"])
        self.assertIn("n0's request had no msg_id", lines[0])

    def test_a_node_that_cannot_start_because_of_a_crlf_shebang_is_told_to_fix_the_line_endings(self):
        script = Path(tempfile.mkdtemp()) / "node.py"
        script.write_bytes(b"#!/usr/bin/env python3\r\nprint(1)\r\n")
        d, lines, _ = diagnostics()
        d.binary = str(script)
        d.node_exited("n0", 127, "/usr/bin/env: use -[v]S to pass options in shebang lines")
        self.assertEqual(self.kinds(d), ["crlf-shebang"])
        self.assertIn("'python3\\r'", lines[0])
        self.assertIn(f"sed -i 's/\\r$//' {script}", lines[0])

    def test_a_unix_shebang_is_no_crlf_mistake(self):
        script = Path(tempfile.mkdtemp()) / "node.py"
        script.write_bytes(b"#!/usr/bin/env python3\nimport sys\r\n")
        self.assertIsNone(crlf_shebang(str(script)))


if __name__ == "__main__":
    unittest.main()
