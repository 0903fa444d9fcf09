"""The harness's verdicts on deliberately broken nodes: each gets the verdict and exit code
Maelstrom would give, quickly, and leaves no process behind."""
from __future__ import annotations

import contextlib
import json
import errno
import io
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path
from unittest import mock

from tests.harness import store
from tests.harness.cli import parse_test_args
from tests.harness.runner import run_tests
from tests.support import ROOT, left_behind, live_processes_running, node, run_harness

TEST_LOAD = "light"   # short, low-rate runs (tests/run.py)

BROKEN = "tests/broken_nodes/"


class BrokenNodeVerdicts(unittest.TestCase):
    def assertNoOrphans(self, run) -> None:
        self.assertEqual(left_behind(run), [], "node processes still running after the run")

    def test_an_echo_node_that_echoes_the_wrong_thing_is_invalid(self):
        run = run_harness("-w", "echo", "--bin", node(BROKEN + "echo_wrong.py"),
                          "--node-count", "1", "--time-limit", "2", "--rate", "10", "--seed", "1")
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertIs(run.results["workload"]["valid?"], False)
        self.assertTrue(run.results["workload"]["errors"])
        self.assertIn("Analysis invalid!", run.stdout)
        wrong = run.results["explanation"]["workload"]["mismatches"][0]
        self.assertEqual((wrong["node"], wrong["received"]["echo"]), ("n0", "not " + wrong["sent"]))
        self.assertRegex(run.stdout, r"echoes came back different from what was sent\.\n"
                                     r" +n0 answered 'Please echo \d+' with \{")
        self.assertNoOrphans(run)

    def test_ids_from_a_bare_counter_are_duplicated_across_nodes(self):
        run = run_harness("-w", "unique-ids", "--bin", node(BROKEN + "unique_ids_counter.py"),
                          "--node-count", "3", "--time-limit", "2", "--rate", "100",
                          "--nemesis", "partition", "--seed", "2")
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertGreater(run.results["workload"]["duplicated-count"], 0)
        first = run.results["explanation"]["workload"]["duplicates"][0]
        self.assertGreater(len({r["node"] for r in first["received-by"]}), 1)
        self.assertIn("Every duplicate was handed out by different nodes", run.stdout)

    def test_a_broadcast_node_that_never_forwards_loses_values(self):
        # 3a's node is a single-node broadcast: on three nodes it keeps each value to itself.
        run = run_harness("-w", "broadcast", "--bin", node("ch3a_broadcast/main.py"),
                          "--node-count", "3", "--time-limit", "2", "--rate", "20", "--seed", "3")
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertGreater(run.results["workload"]["lost-count"], 0)
        self.assertRegex(run.stdout, r"All \d+ never left the node that received them: no message carried them anywhere")
        self.assertTrue(all(v["messages"] == 0 for v in run.results["explanation"]["workload"]["lost"]))

    def test_a_broadcast_node_that_never_retries_loses_values_in_partitions(self):
        # 3b's node forwards each value once and never again: right for 3b, lossy under partitions.
        run = run_harness("-w", "broadcast", "--bin", node("ch3b_broadcast/main.py"),
                          "--node-count", "5", "--time-limit", "6", "--rate", "30",
                          "--nemesis", "partition", "--nemesis-interval", "1", "--seed", "4")
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertGreater(run.results["workload"]["lost-count"], 0)
        lost = run.results["explanation"]["workload"]["lost"]
        self.assertEqual(len(lost), run.results["workload"]["lost-count"])
        died = [n["last"] for v in lost for n in v["never-had"] if "last" in n]
        self.assertTrue(died and all(last["reason"] == "partition" for last in died), lost[0])
        self.assertRegex(run.stdout, r"value \d+: acknowledged by n\d at [\d.]+ s; reached [n\d, and]+; "
                                     r"its last messages to [n\d, and]+ were dropped by the partition from")
        self.assertTrue((run.store / "explanation.html").exists())

    def test_a_counter_that_only_counts_locally_reads_wrong_totals(self):
        run = run_harness("-w", "g-counter", "--bin", node(BROKEN + "counter_local.py"),
                          "--node-count", "3", "--time-limit", "2", "--rate", "50", "--seed", "5")
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertTrue(run.results["workload"]["errors"])
        for read in run.results["explanation"]["workload"]["wrong-reads"]:
            self.assertEqual(read["accounts-for"], [read["node"]])
        self.assertRegex(run.stdout, r"n\d read \d+ at [\d.]+ s, the sum of the adds acknowledged by n\d itself: "
                                     r"as if it missed the \d+ acknowledged by n\d and n\d")

    def test_a_node_that_crashes_mid_run_aborts_the_test_naming_it_and_its_stderr(self):
        run = run_harness("-w", "echo", "--bin", node(BROKEN + "crash_after_five.py"),
                          "--node-count", "1", "--time-limit", "3", "--rate", "10", "--seed", "6")
        self.assertEqual(run.returncode, 255)
        self.assertIn("node n0 exited with status 3", run.stdout)
        self.assertIn("simulated crash after five echoes", run.stdout)
        self.assertIsNone(run.results)
        self.assertNoOrphans(run)

    def test_a_node_that_never_answers_init_aborts_the_test_after_ten_seconds(self):
        run = run_harness("-w", "echo", "--bin", node(BROKEN + "never_init.py"),
                          "--node-count", "2", "--time-limit", "5", timeout=60)
        self.assertEqual(run.returncode, 255)
        self.assertIn("did not answer init within 10 s", run.stdout)
        self.assertIn("I will never answer init", run.stdout)
        # Before the timeout nobody can tell a buffered reply from an ignored init.
        self.assertRegex(run.stderr, r"WARN n\d: no init_ok yet 5 s after init: not flushed, or init not handled")
        self.assertNotIn("nothing-on-stdout", run.stdout + run.stderr)
        self.assertNoOrphans(run)

    def test_a_node_printing_garbage_is_silenced_and_its_ops_time_out(self):
        run = run_harness("-w", "echo", "--bin", node(BROKEN + "garbage_stdout.py"),
                          "--node-count", "1", "--time-limit", "2", "--rate", "5", "--seed", "7")
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertIs(run.results["stats"]["valid?"], False)
        self.assertEqual(run.results["stats"]["ok-count"], 0)
        self.assertIn("n0", run.results["harness"]["silenced-nodes"])
        self.assertIn("not JSON", run.stderr)


class Interruptions(unittest.TestCase):
    # It waits for ch3b processes to appear and then checks that none is left: another
    # test running ch3b meanwhile would confuse both.
    TEST_LOAD = "alone"

    def interrupt(self, sig: signal.Signals) -> subprocess.CompletedProcess:
        """Start a 20 s broadcast run, send it ``sig`` once it is under way. The run's
        temporary files go to ``self.tmp``, which must be empty again afterwards."""
        self.tmp = tempfile.mkdtemp(prefix="glomers-interrupt-tmp-")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.harness", "test", "-w", "broadcast",
             "--bin", node("ch3b_broadcast/main.py"), "--node-count", "3", "--time-limit", "20"],
            cwd=tempfile.mkdtemp(prefix="glomers-interrupt-"),
            env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=self.tmp),
            # A background job (make test &) starts with SIGINT ignored, as a shell leaves it;
            # a user's Ctrl-C reaches a harness run in the foreground, which is what this is.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while len(live_processes_running(node("ch3b_broadcast/main.py"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def test_ctrl_c_stops_the_run_and_kills_every_node(self):
        done = self.interrupt(signal.SIGINT)
        self.assertEqual(done.returncode, 130, done.stderr)
        self.assertIn("every node process was killed", done.stderr)
        self.assertEqual(live_processes_running(node("ch3b_broadcast/main.py")), [])

    def test_sigterm_stops_the_run_and_kills_every_node(self):
        done = self.interrupt(signal.SIGTERM)
        self.assertEqual(done.returncode, 143, done.stderr)
        self.assertEqual(live_processes_running(node("ch3b_broadcast/main.py")), [])
        self.assertEqual(os.listdir(self.tmp), [])

    def test_sighup_stops_the_run_kills_every_node_and_cleans_up(self):
        done = self.interrupt(signal.SIGHUP)
        self.assertEqual(done.returncode, 129, done.stderr)
        self.assertEqual(live_processes_running(node("ch3b_broadcast/main.py")), [])
        self.assertEqual(os.listdir(self.tmp), [])


class StoreFailures(unittest.TestCase):
    """A store the harness cannot write is the harness's failure: exit 255 with a one-line
    reason, nothing left behind, and never a verdict on the node."""

    def run_in(self, workdir: str, *patches: mock._patch) -> tuple[int, str, str]:
        tmp = tempfile.mkdtemp(prefix="glomers-store-tmp-")
        out, err = io.StringIO(), io.StringIO()
        opts = parse_test_args(["-w", "echo", "--bin", node("ch1_echo/main.py"),
                                "--node-count", "1", "--time-limit", "1", "--rate", "10"])
        cwd = os.getcwd()
        try:
            os.chdir(workdir)
            with contextlib.ExitStack() as stack:
                for patch in patches:
                    stack.enter_context(patch)
                stack.enter_context(mock.patch.object(tempfile, "tempdir", tmp))
                stack.enter_context(contextlib.redirect_stdout(out))
                stack.enter_context(contextlib.redirect_stderr(err))
                code = run_tests(opts)
        finally:
            os.chdir(cwd)
        self.assertEqual(os.listdir(tmp), [], "the run's temporary directory was left behind")
        return code, out.getvalue(), err.getvalue()

    def assert_harness_failure(self, code: int, out: str, err: str) -> None:
        self.assertEqual(code, 255, out + err)
        self.assertEqual(out.strip().count("\n"), 0, out)
        self.assertIn("Test aborted: the harness failed, not the node", out)
        self.assertNotIn("invalid", out + err)
        self.assertNotIn("Traceback", out + err)

    def test_a_store_that_cannot_be_created_aborts_with_255(self):
        workdir = tempfile.mkdtemp(prefix="glomers-store-")
        Path(workdir, "store").write_text("a file where the store directory should be")
        code, out, err = self.run_in(workdir)
        self.assert_harness_failure(code, out, err)
        self.assertIn("Not a directory", out)

    def test_a_store_that_fails_at_the_end_of_the_run_aborts_with_255(self):
        read_only = OSError(errno.EROFS, "Read-only file system")
        code, out, err = self.run_in(tempfile.mkdtemp(prefix="glomers-store-"),
                                     mock.patch.object(store, "write_results", side_effect=read_only))
        self.assert_harness_failure(code, out, err)
        self.assertIn("Read-only file system", out)


class Analyze(unittest.TestCase):
    def run_then_analyze(self, script: str, time_limit: str):
        """A short echo run of a broken node, then ``analyze`` in the same directory."""
        workdir = tempfile.mkdtemp(prefix="glomers-analyze-")
        run = run_harness("-w", "echo", "--bin", node(BROKEN + script), "--node-count", "1",
                          "--time-limit", time_limit, "--rate", "10", cwd=workdir)
        again = subprocess.run([sys.executable, "-m", "tests.harness", "analyze"], cwd=workdir,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True)
        return run, again

    def test_analyze_re_checks_a_stored_run_and_reaches_the_same_verdict(self):
        run, again = self.run_then_analyze("echo_wrong.py", "1")
        self.assertEqual((run.returncode, again.returncode), (1, 1), again.stderr)
        self.assertIn("Analysis invalid!", again.stdout)
        # The explanation comes from the stored run, so analyze gives the same one.
        self.assertEqual(json.loads((run.store / "results.json").read_text())["explanation"],
                         run.results["explanation"])
        self.assertIn("\n".join(run.results["explanation"]["lines"]), again.stdout)

    def test_analyze_reports_an_aborted_run_as_aborted_never_valid(self):
        run, again = self.run_then_analyze("crash_after_five.py", "2")
        self.assertEqual((run.returncode, again.returncode), (255, 255), again.stdout + again.stderr)
        self.assertIn("Test aborted: node n0 exited with status 3", again.stdout)
        self.assertNotIn("Everything looks good", again.stdout)
        self.assertFalse((run.store / "results.json").exists())


class RunsThatCannotStart(unittest.TestCase):
    def test_a_missing_binary_aborts_with_255(self):
        run = run_harness("-w", "echo", "--bin", "/nonexistent/node", "--node-count", "1", "--time-limit", "1")
        self.assertEqual(run.returncode, 255)
        self.assertIn("does not exist", run.stdout)

    def test_a_binary_without_the_execute_bit_aborts_with_255(self):
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write("print('hi')\n")
        try:
            os.chmod(f.name, stat.S_IRUSR | stat.S_IWUSR)
            run = run_harness("-w", "echo", "--bin", f.name, "--node-count", "1", "--time-limit", "1")
        finally:
            os.unlink(f.name)
        self.assertEqual(run.returncode, 255)
        self.assertIn("not executable", run.stdout)

    def test_bad_arguments_exit_254_with_a_one_line_reason(self):
        for args in (["-w", "echo"],
                     ["-w", "echo", "--bin", "x", "--rate", "-1"],
                     ["-w", "echo", "--bin", "x", "--nemesis", "meteor"],
                     ["-w", "nope", "--bin", "x"],
                     ["-w", "echo", "--bin", "x", "--concurrency", "two"],
                     ["-w", "echo", "--bin", "x", "--availability", "1.5"],
                     ["-w", "echo", "--bin", "x", "--nodes", "c1,c2"],
                     ["-w", "echo", "--bin", "x", "--node-count", "100000"],
                     ["-w", "echo", "--bin", "x", "--rate", "inf"]):
            with self.subTest(args=args):
                run = run_harness(*args)
                self.assertEqual(run.returncode, 254, run.stderr)
                self.assertEqual(len(run.stderr.strip().splitlines()), 1, run.stderr)


if __name__ == "__main__":
    unittest.main()
