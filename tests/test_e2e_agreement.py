"""The simulator agrees with real time: the same command and seed, run by ``sim`` and by ``test``,
gets the same verdict and the same anomaly kinds, servers msgs-per-op within 5 % and latencies
within 10 % (or 2 ms). Short runs; ``bench/agreement.py`` compares every node at the official
parameters.

Two allowances, both for what real time adds and the simulator does not model. A node's own
computation, and the harness's, take no virtual time: a real-time latency also holds the
machine's delays, which the run measures as its delivery lateness, so the latency bound
widens by the real run's lateness p99 (a few ms when the suite runs side by side). And a
loaded machine offers fewer ops than the rate asks, so the messages a node sends on a timer,
not per op, are fewer per op in the simulator: msgs-per-op is compared where messages
follow ops (and at the official parameters, in the bench)."""
from __future__ import annotations

import unittest
from concurrent.futures import ThreadPoolExecutor

from tests.support import HarnessRun, node, run_harness

TEST_LOAD = "heavy"   # a simulation beside each real-time run (tests/run.py)

BROKEN = "tests/broken_nodes/"


def both(*args: str) -> tuple[HarnessRun, HarnessRun]:
    """The run in the simulator and in real time, side by side."""
    with ThreadPoolExecutor(2) as pool:
        sim, test = (pool.submit(run_harness, *args, command=c, timeout=180) for c in ("sim", "test"))
        return sim.result(), test.result()


def anomalies(run: HarnessRun) -> set[str]:
    """The checkers that failed, the workload's anomaly kinds and the mistakes named."""
    r = run.results or {}
    kinds = {k for k, v in r.items() if isinstance(v, dict) and v.get("valid?") is False} - {"explanation"}
    workload = r.get("workload") or {}
    kinds |= set(workload.get("anomaly-types") or [])
    if workload.get("lost-count"):
        kinds.add("lost")
    kinds |= {m["kind"] for m in (r.get("harness") or {}).get("mistakes", [])}
    return kinds


class Agreement(unittest.TestCase):
    def assertAgree(self, sim: HarnessRun, test: HarnessRun, msgs: bool = True,  # noqa: N802
                    stable: bool = False) -> None:
        for run in (sim, test):
            self.assertIsNotNone(run.results, run.details())
        self.assertEqual(sim.results["valid?"], test.results["valid?"], sim.details() + test.details())
        self.assertEqual(anomalies(sim), anomalies(test))
        if msgs:
            per_op = [r.results["net"]["servers"].get("msgs-per-op", 0) for r in (sim, test)]
            self.assertLessEqual(abs(per_op[0] - per_op[1]), 0.05 * max(per_op),
                                 f"msgs-per-op sim {per_op[0]}, test {per_op[1]}")
        lateness = test.results["harness"]["delivery-lateness-ms"].get("p99", 0)
        latencies = [("request latency median", lambda r: r["harness"]["op-latency-ms"].get("p50", 0))]
        if stable:
            latencies += [(f"stable latency {q}", lambda r, q=q: r["workload"]["stable-latencies"][q])
                          for q in ("0.5", "1")]
        for what, get in latencies:
            lat = [get(r.results) for r in (sim, test)]
            self.assertLessEqual(abs(lat[0] - lat[1]), max(0.10 * max(lat), 2) + lateness,
                                 f"{what}: sim {lat[0]} ms, test {lat[1]} ms (lateness p99 {lateness} ms)")

    def test_multi_node_broadcast(self):
        self.assertAgree(*both("-w", "broadcast", "--bin", node("ch3b_broadcast/main.py"), "--node-count", "5",
                               "--time-limit", "5", "--rate", "10", "--seed", "1"), stable=True)

    def test_efficient_broadcast_with_100_ms_links(self):
        self.assertAgree(*both("-w", "broadcast", "--bin", node("ch3d_broadcast/main.py"), "--node-count", "25",
                               "--time-limit", "5", "--rate", "100", "--latency", "100", "--seed", "1"),
                         stable=True)

    def test_fault_tolerant_broadcast_under_partitions(self):
        self.assertAgree(*both("-w", "broadcast", "--bin", node("ch3c_broadcast/main.py"), "--node-count", "5",
                               "--time-limit", "10", "--rate", "10", "--nemesis", "partition",
                               "--nemesis-interval", "2", "--seed", "2"), msgs=False)

    def test_grow_only_counter_under_partitions(self):
        self.assertAgree(*both("-w", "g-counter", "--bin", node("ch4_counter/main.py"), "--node-count", "3",
                               "--time-limit", "5", "--rate", "100", "--nemesis", "partition", "--seed", "1"),
                         msgs=False)

    def test_a_counter_that_counts_only_locally(self):
        self.assertAgree(*both("-w", "g-counter", "--bin", node(BROKEN + "counter_local.py"), "--node-count", "3",
                               "--time-limit", "3", "--rate", "50", "--seed", "5"))

    def test_ids_from_a_bare_counter(self):
        self.assertAgree(*both("-w", "unique-ids", "--bin", node(BROKEN + "unique_ids_counter.py"),
                               "--node-count", "3", "--time-limit", "3", "--rate", "100", "--nemesis", "partition",
                               "--seed", "2"))

    def test_a_log_that_loses_acknowledged_sends(self):
        self.assertAgree(*both("-w", "kafka", "--bin", node(BROKEN + "kafka_lose_send.py"), "--node-count", "1",
                               "--concurrency", "2n", "--time-limit", "3", "--rate", "200", "--seed", "5"))


if __name__ == "__main__":
    unittest.main()
