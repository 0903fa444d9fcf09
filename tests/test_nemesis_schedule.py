"""The nemesis schedule on a fake clock (docs/maelstrom.md §4.5): Jepsen 0.3.7's
``jepsen.nemesis.combined`` as Maelstrom's main branch composes it (``maelstrom.nemesis/package``
= ``compose-packages`` of ``partition-package`` and ``db-package``)."""
from __future__ import annotations

import random
import unittest

from tests.harness.nemesis.combined import NODE_SPECS, NemesisSchedule, db_nodes, final_ops
from tests.harness.nemesis.partition import majority, minority_third

NODES = ["n0", "n1", "n2", "n3", "n4"]


def schedule(faults, seed=1, interval=10.0, nodes=NODES) -> NemesisSchedule:
    return NemesisSchedule(faults, nodes, interval, random.Random(seed), random.Random(seed + 100))


def timed_ops(s: NemesisSchedule, horizon: float) -> list[tuple[float, dict]]:
    """(time, op) for every op taken at the moment it falls due, up to ``horizon`` seconds."""
    out, now = [], 0.0
    while (due := s.due_at(now)) is not None and due < horizon:
        now = due
        out.append((now, s.take(now)))
    return out


def fs(ops, among=None) -> list[str]:
    return [op["f"] for _, op in ops if among is None or op["f"] in among]


class NodeSpecs(unittest.TestCase):
    """``db-nodes``: what each node spec names, for clusters of 1 to 9 nodes."""

    def test_each_spec_names_as_many_distinct_cluster_nodes_as_jepsen_takes(self):
        for n in range(1, 10):
            nodes = [f"n{i}" for i in range(n)]
            expected = {"one": 1, "minority": majority(n) - 1, "majority": majority(n),
                        "minority-third": minority_third(n), "all": n}
            for spec, count in expected.items():
                for seed in range(5):
                    chosen = db_nodes(spec, nodes, random.Random(seed))
                    self.assertEqual(len(chosen), count, (spec, n))
                    self.assertEqual(len(set(chosen)), count, (spec, n))
                    self.assertLessEqual(set(chosen), set(nodes))

    def test_no_spec_is_a_random_non_empty_subset(self):
        sizes = {len(db_nodes(None, NODES, random.Random(seed))) for seed in range(200)}
        self.assertEqual(sizes, {1, 2, 3, 4, 5})

    def test_the_nodes_a_spec_names_are_drawn_afresh(self):
        rng = random.Random(3)
        self.assertGreater(len({tuple(db_nodes("majority", NODES, rng)) for _ in range(50)}), 1)

    def test_an_unknown_spec_is_an_error(self):
        with self.assertRaises(ValueError):
            db_nodes("primaries", NODES, random.Random(1))


class DbPackage(unittest.TestCase):
    """``db-generators`` under ``db-package``'s ``stagger``."""

    def test_kills_and_starts_alternate_starting_with_a_kill(self):
        ops = timed_ops(schedule(["kill"]), 2000)
        self.assertGreater(len(ops), 100)
        self.assertEqual(fs(ops), ["kill", "start"] * (len(ops) // 2) + ["kill"] * (len(ops) % 2))

    def test_pauses_and_resumes_alternate_even_when_mixed_with_kills(self):
        # gen/mix picks one of the two flip-flops for each op: each keeps its own order.
        ops = timed_ops(schedule(["kill", "pause"]), 4000)
        kills, pauses = fs(ops, {"kill", "start"}), fs(ops, {"pause", "resume"})
        self.assertGreater(min(len(kills), len(pauses)), 50)
        for seq, first, second in ((kills, "kill", "start"), (pauses, "pause", "resume")):
            self.assertEqual(seq[0::2], [first] * len(seq[0::2]))
            self.assertEqual(seq[1::2], [second] * len(seq[1::2]))

    def test_mix_interleaves_the_two_faults(self):
        ops = fs(timed_ops(schedule(["kill", "pause"]), 4000))
        changes = sum(1 for a, b in zip(ops, ops[1:])
                      if (a in ("kill", "start")) != (b in ("kill", "start")))
        self.assertGreater(changes, 20)

    def test_kill_and_pause_target_a_random_node_spec_and_start_and_resume_all(self):
        ops = timed_ops(schedule(["kill", "pause"]), 8000)
        values = {f: {op["value"] for _, op in ops if op["f"] == f} for f in ("kill", "pause", "start", "resume")}
        self.assertEqual(values["kill"], set(NODE_SPECS))
        self.assertEqual(values["pause"], set(NODE_SPECS))
        self.assertEqual(values["start"], {"all"})
        self.assertEqual(values["resume"], {"all"})

    def test_only_the_faults_asked_for_appear(self):
        self.assertEqual(set(fs(timed_ops(schedule(["pause"]), 1000))), {"pause", "resume"})
        self.assertEqual(set(fs(timed_ops(schedule(["kill"]), 1000))), {"kill", "start"})
        self.assertEqual(set(fs(timed_ops(schedule(["partition"]), 1000))),
                         {"start-partition", "stop-partition"})


class Stagger(unittest.TestCase):
    """Each package has its own ``gen/stagger``; ``gen/any`` takes the soonest op."""

    def test_the_first_op_of_each_package_is_due_at_once(self):
        s = schedule(["partition", "kill"])
        self.assertEqual(s.due_at(0.0), 0.0)
        first_two = timed_ops(s, 1e-9)
        self.assertEqual(sorted(op["f"] for _, op in first_two), ["kill", "start-partition"])

    def test_ops_of_one_package_are_spaced_below_twice_the_interval_averaging_the_interval(self):
        ops = timed_ops(schedule(["kill"], interval=3.0), 30000)
        gaps = [b - a for (a, _), (b, _) in zip(ops, ops[1:])]
        self.assertLess(max(gaps), 6.0)
        self.assertAlmostEqual(sum(gaps) / len(gaps), 3.0, delta=0.2)

    def test_with_partitions_too_each_package_keeps_its_own_pace(self):
        ops = timed_ops(schedule(["partition", "kill", "pause"], interval=2.0), 20000)
        partitions = [t for t, op in ops if op["f"].endswith("partition")]
        db = [t for t, op in ops if not op["f"].endswith("partition")]
        for times in (partitions, db):
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertAlmostEqual(sum(gaps) / len(gaps), 2.0, delta=0.2)

    def test_partitions_alternate_and_carry_their_grudge(self):
        ops = timed_ops(schedule(["partition", "kill"]), 1000)
        parts = [op for _, op in ops if op["f"].endswith("partition")]
        self.assertEqual([op["f"] for op in parts[:4]],
                         ["start-partition", "stop-partition"] * 2)
        self.assertTrue(all(set(op["grudge"]) == set(NODES) for op in parts if op["f"] == "start-partition"))

    def test_the_same_seeds_give_the_same_schedule(self):
        def run():
            return [(t, op["f"], op["value"]) for t, op in timed_ops(schedule(["partition", "kill", "pause"]), 500)]
        self.assertEqual(run(), run())

    def test_partition_only_schedules_draw_nothing_from_the_fault_rng(self):
        # Partition-only runs keep the partitions a seed always gave.
        fault_rng = random.Random(5)
        before = fault_rng.getstate()
        s = NemesisSchedule(["partition"], NODES, 10.0, random.Random(1), fault_rng)
        timed_ops(s, 500)
        self.assertEqual(fault_rng.getstate(), before)

    def test_no_faults_no_ops(self):
        self.assertIsNone(schedule([]).due_at(0.0))


class FinalGenerator(unittest.TestCase):
    """``compose-packages``' final generator: each package's, in package order."""

    def test_heal_then_resume_then_restart(self):
        self.assertEqual([op["f"] for op in final_ops(["kill", "pause", "partition"])],
                         ["stop-partition", "resume", "start"])

    def test_everything_is_resumed_and_restarted(self):
        self.assertEqual([(op["f"], op["value"]) for op in final_ops(["pause", "kill"])],
                         [("resume", "all"), ("start", "all")])

    def test_only_for_the_faults_asked_for(self):
        self.assertEqual([op["f"] for op in final_ops(["kill"])], ["start"])
        self.assertEqual([op["f"] for op in final_ops(["partition"])], ["stop-partition"])
        self.assertEqual(final_ops([]), [])


if __name__ == "__main__":
    unittest.main()
