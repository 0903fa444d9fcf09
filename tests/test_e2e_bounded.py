"""A broken node never exhausts the machine: it is named, and a run it floods is stopped
(issue 20). Each case is a hostile node from tests/broken_nodes/ that once did."""
from __future__ import annotations

import json
import shutil
import tempfile

from tests.harness.node_log import LOG_LIMIT, TAIL_KEEP
from tests.support import HarnessTestCase, node, run_harness

TEST_LOAD = "heavy"   # floods fill what the harness can carry (tests/run.py)
BROKEN = "tests/broken_nodes/"


class Floods(HarnessTestCase):
    def run_in_temp(self, *args: str, timeout: float = 120):
        workdir = tempfile.mkdtemp(prefix="glomers-e2e-bounded-")
        self.addCleanup(shutil.rmtree, workdir, True)
        return run_harness(*args, "--seed", "1", cwd=workdir, timeout=timeout)

    def assert_flood_aborted(self, run, kind: str) -> None:
        self.assertEqual(run.returncode, 255, run.details())
        self.assertIn("Test aborted: the nodes flooded the network", run.stdout, run.details())
        self.assertIn(f"of them {kind!r}", run.stdout)
        self.assertIn(" MISTAKE n", run.stderr)   # named during the run, before the abort
        mistakes = json.loads((run.store / "aborted.json").read_text())["mistakes"]
        self.assertIn("message-flood", [m["kind"] for m in mistakes])

    def test_a_gossip_storm_is_named_and_stopped_instead_of_called_valid(self):
        # Once: 3.57 M messages, 4.57 GB, then "Everything looks good!"
        run = self.run_in_temp("-w", "broadcast", "--bin", node(BROKEN + "gossip_storm.py"),
                               "--node-count", "5", "--time-limit", "10", "--rate", "10")
        self.assert_flood_aborted(run, "gossip")

    def test_a_gossip_storm_at_zero_latency_is_stopped_in_the_simulator_too(self):
        # Once: the storm held the virtual clock at one instant, so no budget check (nor
        # Ctrl-C) ever ran, and the simulator grew to 16 GB.
        workdir = tempfile.mkdtemp(prefix="glomers-e2e-bounded-")
        self.addCleanup(shutil.rmtree, workdir, True)
        run = run_harness("-w", "broadcast", "--bin", node(BROKEN + "gossip_storm.py"), "--node-count", "5",
                          "--time-limit", "10", "--rate", "10", "--latency", "0", "--seed", "1",
                          cwd=workdir, timeout=120, command="sim")
        self.assert_flood_aborted(run, "gossip")

    def test_a_node_that_floods_its_stdout_is_named_and_stopped(self):
        run = self.run_in_temp("-w", "echo", "--bin", node(BROKEN + "stdout_flood.py"),
                               "--node-count", "2", "--time-limit", "10")
        self.assert_flood_aborted(run, "chatter")


class LogFlood(HarnessTestCase):
    def test_a_node_that_logs_in_a_hot_loop_is_named_and_its_log_capped(self):
        # Once: a 6.0 GB node-logs/n6.log in 10 s, with no warning.
        workdir = tempfile.mkdtemp(prefix="glomers-e2e-bounded-")
        self.addCleanup(shutil.rmtree, workdir, True)
        run = run_harness("-w", "echo", "--bin", node(BROKEN + "log_flood.py"), "--node-count", "2",
                          "--time-limit", "3", "--seed", "1", cwd=workdir, timeout=120)
        results = self.assertValid(run)   # logging too much is not wrong, only wasteful
        self.assertIn("log-flood", [m["kind"] for m in results["harness"]["mistakes"]])
        self.assertRegex(run.stderr, r"MISTAKE n[01] wrote 32 MiB on stderr")
        for log in ("n0.log", "n1.log"):
            text = (run.store / "node-logs" / log).read_bytes()
            self.assertLess(len(text), LOG_LIMIT + TAIL_KEEP + 4096)
            self.assertRegex(text, rb"\[harness\] [\d,]+ bytes of n[01]'s stderr were dropped here")
            self.assertIn(b"debug: still here, nothing to report\n", text.rpartition(b"follow\n")[2])
