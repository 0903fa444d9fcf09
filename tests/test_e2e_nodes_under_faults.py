"""Every challenge node keeps what it acknowledged when nodes are killed and restarted
(``--nemesis kill``) or paused (``--nemesis pause``): docs/durability.md.

Short runs in the simulator (`python3 -m tests.harness sim`, virtual time, a seed decides
everything): each challenge's official flags, but 10 s long with a fault every second or so,
so that every run kills (or pauses) nodes several times. A run is judged as docs/durability.md
says: the workload's checker must hold (ids unique, nothing acknowledged lost, offsets never
handed out twice, no forbidden anomaly); availability and stats are not asked for, as no node
can answer while it is down or paused. The README's table has the runs at the official
parameters, on seeds 1-3.
"""
from __future__ import annotations

import json
import unittest
from concurrent.futures import ThreadPoolExecutor

from tests.support import HarnessRun, node, run_harness

SEED = "1"   # in every run below, nodes are hit several times and clients still get answers
FAULTS = ("--nemesis-interval", "1", "--seed", SEED)
JUDGED_ELSEWHERE = {"availability", "stats"}


def runs(*args: str, seconds: int = 10, env: dict[str, str] | None = None,
         **faults: str) -> dict[str, HarnessRun]:
    """The test ``args`` (official flags, minus time limit and nemesis) once per fault,
    ``name=nemesis``, in the simulator, side by side."""
    with ThreadPoolExecutor(len(faults)) as pool:
        futures = {name: pool.submit(run_harness, *args, *FAULTS, "--time-limit", str(seconds),
                                     "--nemesis", nemesis, command="sim", timeout=300, env=env)
                   for name, nemesis in faults.items()}
        return {name: future.result() for name, future in futures.items()}


def hits(run: HarnessRun) -> dict[str, int]:
    """How many times the nemesis killed, and paused, a node."""
    done: list[str] = []
    for line in (run.store / "history.jsonl").read_text().splitlines():
        op = json.loads(line)
        if op["process"] == "nemesis" and isinstance(op["value"], dict):
            done.extend(op["value"].values())
    return {"killed": done.count("killed"), "paused": done.count("paused")}


def ids_of_later_lives(run: HarnessRun) -> list[str]:
    """Ids handed out by a node after a restart (``node-life-count``, life 2 or more)."""
    ops = map(json.loads, (run.store / "history.jsonl").read_text().splitlines())
    return [op["value"] for op in ops if op["type"] == "ok" and op["value"].split("-")[1] != "1"]


class UnderFaults(unittest.TestCase):
    def check(self, script: str, *flags: str, seconds: int = 10) -> dict[str, HarnessRun]:
        """Run ``script`` under kill and under pause; both must keep the workload valid."""
        found = runs("--bin", node(script), *flags, seconds=seconds, kill="kill", pause="pause")
        for fault, run in found.items():
            with self.subTest(fault):
                self.assertIsNotNone(run.results, run.details())
                self.assertGreater(hits(run)["killed" if fault == "kill" else "paused"], 0,
                                   "the nemesis never hit a node: choose another seed")
                self.assertGreater(run.results["stats"]["ok-count"], 0,
                                   "nothing succeeded (a node down all along): choose another seed")
                failing = [checker for checker, result in run.results.items()
                           if isinstance(result, dict) and result.get("valid?") is False
                           and checker not in JUDGED_ELSEWHERE]
                self.assertEqual(failing, [], run.details())
        return found

    def test_ch1_echo(self):
        self.check("ch1_echo/main.py", "-w", "echo", "--node-count", "1")

    # 20 s: long enough for a restarted node to hand out ids again (a client that asked a
    # node while it was down waits out its 5 s timeout first); 100 ops/s is plenty for that.
    def test_ch2_ids_stay_unique_across_restarts(self):
        found = self.check("ch2_unique_id/main.py", "-w", "unique-ids", "--rate", "100",
                           "--node-count", "3", "--availability", "total", seconds=20)
        self.assertEqual(found["kill"].results["workload"]["duplicated-count"], 0)
        self.assertNotEqual(ids_of_later_lives(found["kill"]), [])

    def test_ch2_without_its_life_number_on_disk_repeats_ids(self):
        # The control: the same node with its durable path off is Maelstrom issue #93's node.
        found = runs("--bin", node("ch2_unique_id/main.py"), "-w", "unique-ids", "--rate", "100",
                     "--node-count", "3", seconds=20, env={"GLOMERS_DURABILITY": "none"}, kill="kill")
        self.assertGreater(found["kill"].results["workload"]["duplicated-count"], 0)

    def test_ch3a_broadcast_loses_no_value(self):
        self.check("ch3a_broadcast/main.py", "-w", "broadcast", "--node-count", "1", "--rate", "10")

    def test_ch3b_broadcast_loses_no_value(self):
        self.check("ch3b_broadcast/main.py", "-w", "broadcast", "--node-count", "5", "--rate", "10")

    def test_ch3c_broadcast_loses_no_value(self):
        self.check("ch3c_broadcast/main.py", "-w", "broadcast", "--node-count", "5", "--rate", "10")

    def test_ch3d_broadcast_loses_no_value(self):
        self.check("ch3d_broadcast/main.py", "-w", "broadcast", "--node-count", "25", "--rate", "100",
                   "--latency", "100")

    def test_ch3e_broadcast_loses_no_value(self):
        self.check("ch3e_broadcast/main.py", "-w", "broadcast", "--node-count", "25", "--rate", "100",
                   "--latency", "100")

    def test_ch4_counter_final_reads_are_exact(self):
        self.check("ch4_counter/main.py", "-w", "g-counter", "--node-count", "3", "--rate", "100")

    def test_ch5a_log_loses_no_send_and_reuses_no_offset(self):
        self.check("ch5a_log/main.py", "-w", "kafka", "--node-count", "1", "--concurrency", "2n",
                   "--rate", "1000")

    def test_ch5b_log_loses_no_send_and_reuses_no_offset(self):
        self.check("ch5b_log/main.py", "-w", "kafka", "--node-count", "2", "--concurrency", "2n",
                   "--rate", "1000")

    def test_ch5c_log_loses_no_send_and_reuses_no_offset(self):
        self.check("ch5c_log/main.py", "-w", "kafka", "--node-count", "2", "--concurrency", "2n",
                   "--rate", "1000")

    def test_ch6a_transactions(self):
        self.check("ch6a_txn/main.py", "-w", "txn-rw-register", "--node-count", "1", "--rate", "1000",
                   "--concurrency", "2n", "--consistency-models", "read-uncommitted",
                   "--availability", "total")

    def test_ch6b_transactions(self):
        self.check("ch6b_txn/main.py", "-w", "txn-rw-register", "--node-count", "2", "--rate", "1000",
                   "--concurrency", "2n", "--consistency-models", "read-uncommitted")

    def test_ch6c_transactions(self):
        self.check("ch6c_txn/main.py", "-w", "txn-rw-register", "--node-count", "2", "--rate", "1000",
                   "--concurrency", "2n", "--consistency-models", "read-committed",
                   "--availability", "total")


    def test_a_node_paused_longer_than_a_client_waits_is_not_silenced(self):
        # Seed 1 pauses 5a's only node from 13.3 s to 23.3 s. Its clients give up after 5 s
        # and are closed; answering them after the resume would make the harness (as
        # Maelstrom) stop reading the node, and the final polls would find nothing.
        run = run_harness("--bin", node("ch5a_log/main.py"), "-w", "kafka", "--node-count", "1",
                          "--concurrency", "2n", "--rate", "1000", "--time-limit", "20",
                          "--nemesis", "pause", "--seed", "1", command="sim", timeout=300)
        self.assertEqual(run.results["harness"].get("silenced-nodes"), None, run.details())
        self.assertIs(run.results["workload"]["valid?"], True, run.details())
        self.assertGreater(hits(run)["paused"], 0)

    def test_the_raft_example_stays_linearizable_under_kill(self):
        # The in-memory Raft passes this too: a key forgotten by every node reads as error
        # 20, a failed read the checker ignores. tests/test_nodes_restart.py shows the state
        # it keeps; this run shows keeping it breaks nothing.
        found = runs("--bin", node("tests/example_nodes/raft_kv.py"), "-w", "lin-kv", "--node-count", "3",
                     "--concurrency", "2n", "--rate", "100", kill="kill")
        self.assertIs(found["kill"].results["valid?"], True, found["kill"].details())
        self.assertGreater(hits(found["kill"])["killed"], 0)


if __name__ == "__main__":
    unittest.main()
