"""Each classic node mistake is named on the console while the run is under way, with its
fix, and kept in the results. One tiny broken node per mistake, in tests/broken_nodes/."""
from __future__ import annotations

import json
import os
import tempfile
import unittest
from pathlib import Path

from tests.support import node, run_harness

TEST_LOAD = "light"   # short, low-rate runs (tests/run.py)

BROKEN = "tests/broken_nodes/"


def echo_run(script: str, **env: str):
    return run_harness("-w", "echo", "--bin", node(BROKEN + script), "--node-count", "1",
                       "--time-limit", "2", "--rate", "5", "--seed", "1", timeout=60, env=env or None)


def mistake_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if " MISTAKE " in line]


class NamedMistakes(unittest.TestCase):
    def assertNamed(self, run, kind: str, *phrases: str) -> None:  # noqa: N802
        lines = mistake_lines(run.stderr)
        self.assertTrue(lines, run.details())
        for phrase in ("n0", *phrases):
            self.assertIn(phrase, lines[0], run.details())
        recorded = run.results["harness"]["mistakes"] if run.results else \
            json.loads((run.store / "aborted.json").read_text())["mistakes"]
        self.assertIn(kind, [m["kind"] for m in recorded])

    def test_a_node_that_never_flushes_stdout_is_told_to_flush(self):
        # Python buffers a pipe unless PYTHONUNBUFFERED is set, as it is on some machines.
        run = echo_run("no_flush.py", PYTHONUNBUFFERED="")
        self.assertEqual(run.returncode, 255, run.details())
        self.assertNamed(run, "nothing-on-stdout", "flush stdout after each message")
        self.assertIn("only when its stdin was closed", run.stdout)

    def test_a_log_line_on_stdout_is_told_to_go_to_stderr(self):
        run = echo_run("garbage_stdout.py")
        self.assertNamed(run, "not-json-on-stdout", "log to stderr", "hello, this is not JSON")

    def test_a_reply_of_the_wrong_type_names_the_type_expected(self):
        run = echo_run("wrong_reply_type.py")
        self.assertNamed(run, "wrong-reply-type", "'echo_ok'", "type 'echo'")

    def test_a_reply_without_in_reply_to_is_told_to_copy_the_msg_id(self):
        run = echo_run("no_in_reply_to.py")
        self.assertNamed(run, "missing-in-reply-to", "no in_reply_to", "msg_id")

    def test_an_in_reply_to_of_the_wrong_type_is_named(self):
        run = echo_run("wrong_in_reply_to.py")
        self.assertNamed(run, "wrong-in-reply-to", "not an integer")

    def test_a_reply_to_a_message_never_sent_is_named(self):
        run = echo_run("reply_never_sent.py")
        self.assertNamed(run, "reply-never-requested", "never sent a msg_id 1000")

    def test_a_node_that_closes_its_stdout_and_runs_on_is_named(self):
        # Issue 20: it was never named; every request to it simply timed out.
        run = echo_run("stdout_closed.py")
        self.assertNamed(run, "stdout-closed", "closed its stdout but is still running")

    def test_a_node_that_exits_is_named_with_its_last_words(self):
        run = echo_run("crash_after_five.py")
        self.assertEqual(run.returncode, 255, run.details())
        self.assertNamed(run, "node-exited", "status 3", "simulated crash", "node-logs/n0.log")

    def test_a_shebang_with_windows_line_endings_is_named_with_the_fix(self):
        script = Path(tempfile.mkdtemp(prefix="glomers-crlf-")) / "node.py"
        script.write_bytes(Path(node(BROKEN + "echo_raises.py")).read_bytes().replace(b"\n", b"\r\n"))
        script.chmod(0o755)
        run = run_harness("-w", "echo", "--bin", str(script), "--node-count", "1", "--time-limit", "2", timeout=60)
        self.assertEqual(run.returncode, 255, run.details())
        self.assertNamed(run, "crlf-shebang", "carriage return", "'python3\\r'", "sed -i 's/\\r$//'")
        self.assertIn("Windows line endings", run.stdout)   # the abort itself leads with the cause

    def test_a_handler_that_raises_is_named_with_its_exception_and_the_node_log(self):
        run = echo_run("echo_raises.py")
        self.assertNamed(run, "handler-crashed", "error 13", "KeyError: 'text'", "node-logs/n0.log")
        stats = run.results["explanation"]["stats"]
        self.assertEqual(stats["never-succeeded"], ["echo"])
        crashes = stats["errors"][0]
        self.assertEqual((crashes["code"], crashes["nodes"]), (13, {"n0": crashes["count"]}))
        self.assertRegex(run.stdout, r"\d+ error 13 from n0 \(e\.g\. \"KeyError: 'text'\"\): crash, "
                                     r"tracebacks in node-logs/n0\.log")

    def test_a_handler_that_blocks_is_named_as_blocking(self):
        run = run_harness("-w", "echo", "--bin", node(BROKEN + "echo_blocks.py"), "--node-count", "1",
                          "--time-limit", "4", "--rate", "5", "--seed", "1", timeout=60)
        self.assertNamed(run, "blocking-handler", "held", "for 2.0 s and wrote nothing at all meanwhile",
                         "a handler is blocking", "never block in a handler")

    def test_a_reply_with_a_null_in_reply_to_between_nodes_is_named(self):
        run = run_harness("-w", "broadcast", "--bin", node(BROKEN + "gossip_without_msg_id.py"), "--node-count", "2",
                          "--time-limit", "2", "--rate", "5", "--seed", "1", timeout=60)
        lines = mistake_lines(run.stderr)
        self.assertTrue(any("with in_reply_to null" in line and "had no msg_id" in line for line in lines),
                        run.details())
        self.assertIn("null-in-reply-to", [m["kind"] for m in run.results["harness"]["mistakes"]])

    def test_a_node_whose_stdout_was_rejected_is_not_told_to_flush(self):
        run = echo_run("debug_print_at_start.py")
        self.assertEqual(run.returncode, 255, run.details())
        self.assertNamed(run, "not-json-on-stdout", "echo node starting")
        self.assertNotIn("flush", run.stderr + run.stdout)
        self.assertNotIn("no init_ok yet", run.stderr)


if __name__ == "__main__":
    unittest.main()
